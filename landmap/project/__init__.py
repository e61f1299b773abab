"""Project files: one TOML file naming a user's layers, their column mappings and settings.

A project file lets a researcher re-run the whole job on next month's data by changing paths,
not code. Paths are relative to the TOML file. A minimal project::

    [project]
    name = "my-monitoring"

    [[layers]]
    name = "cases"
    kind = "cases"
    path = "cases_2024.xlsx"
    columns = { case_id = "Case No", date = "Date of incident" }

Tables and keys (``data/demo.toml`` uses nearly all of them; :data:`SPEC` is the checked list):

``[project]``
    ``name`` (required), ``title``, ``title_km`` (Khmer title for maps), ``description``,
    ``study_area`` (``"Cambodia"``, another country name, a polygon file, or
    ``[west, south, east, north]`` in degrees: case points outside are rejected),
    ``metric_crs`` (default ``"EPSG:32648"``), ``output`` (folder for results, default ``maps``).
``[[layers]]`` (one table per layer)
    ``name`` and ``path`` (required); ``kind`` (``cases``, ``areas``, ``concessions``,
    ``boundaries``; inferred when omitted); ``member`` (a file inside a zip); ``layer`` (layer
    of a GeoPackage / KML, sheet of a workbook); ``crs`` (when the file declares none);
    ``encoding``; for cases ``utm_zone`` and ``fix_swapped``; ``area_kind``,
    ``concession_kind`` or ``level`` (what the whole file is, when its rows do not say);
    ``columns`` (canonical name = your column; cases may also map ``lat``, ``lon``,
    ``easting``, ``northing``, ``utm_zone``, ``geopoint``); ``defaults`` (canonical name =
    value for cells the file leaves empty); ``title``, ``title_km`` (legend names).
    A cases layer may instead name a case register: ``register = "register.gpkg"`` (or
    ``"postgresql://user@host/db"``, never with a password: use ``~/.pgpass`` or
    ``PGPASSWORD``) and optionally ``priority = ["Partner A", ...]`` (whose values win when
    records are merged); it reads the current merged cases, one row per event, with a
    ``source_records`` column (see :mod:`landmap.register`).
``[privacy]``
    ``profile`` (``"public"``, ``"internal"`` or a ``[profiles.NAME]`` table), ``communes``
    (the boundaries layer that keeps masked cases in their commune), ``villages``, and any
    setting of :class:`~landmap.privacy.profiles.PrivacyProfile` (``mode``,
    ``min_radius_m``, ``max_radius_m``, ``k``, ``allow_free_text``, ``drop``, ``keep``...).
``[analysis]``
    ``within_m`` (distance for "near"), ``areas``, ``concessions``, ``cases``,
    ``summary_boundaries`` (layer names; default all of that kind), ``by_year``.
``[raster]``
    ``NAME = "file.tif"`` or ``NAME = { path, kind = "classified" | "continuous", classes =
    { "1" = "forest" }, title, title_km }``; the demo uses ``forest`` and ``relief``.
``[map]`` and ``[export]``
    ``lang`` (``en``, ``km``, ``both``), map ``popup`` / ``tooltip`` columns, ``basemap``,
    ``cluster``, ``heatmap``, ``time_slider``, ``rasters``; export ``paper`` (``A4``, ``A3``),
    ``orientation``, ``formats``, ``title``, ``subtitle``, ``full_resolution`` (``true``: public
    GeoJSON/KML at full resolution instead of the version for sharing).
:meth:`Project.from_toml` checks the whole file before anything is loaded: an unknown key, a
missing file, an unknown layer kind or a mapping onto a column the kind does not have raises a
:class:`~landmap.errors.ProjectError` naming the file, the line and the key, and saying how to
fix it. :meth:`Project.load` then loads every layer with the loaders in :mod:`landmap.io.load`.
"""

from landmap.project.layers import (
    DEFAULT_METRIC_CRS,
    DEFAULT_STUDY_AREA,
    LayerSpec,
    RasterSpec,
    check_columns,
    fill_defaults,
    load_register_layer,
)
from landmap.project.model import Project
from landmap.project.spec import COORDINATE_KEYS, SPEC

__all__ = [
    "COORDINATE_KEYS",
    "DEFAULT_METRIC_CRS",
    "DEFAULT_STUDY_AREA",
    "SPEC",
    "LayerSpec",
    "Project",
    "RasterSpec",
    "check_columns",
    "fill_defaults",
    "load_register_layer",
]
