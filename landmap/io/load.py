"""Loaders: a researcher's file in, a canonical layer and a full account of its rows out.

Each loader returns :class:`Loaded` ``(data, report)``: ``data`` is a GeoDataFrame in
EPSG:4326 whose first columns are the canonical columns of its kind (``landmap.schema.COLUMNS``)
followed by the file's other columns unchanged; ``report`` is a
:class:`~landmap.io.report.LoadReport` with one row per input record (``loaded``, ``repaired`` or
``rejected``, and why). ``loaded + repaired + rejected`` always equals the number of input rows.
"""

from __future__ import annotations

import logging
import os
from typing import Any, NamedTuple, TypedDict, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from landmap.errors import DataValueError
from landmap.io._canonical import Columns, settle_columns
from landmap.io._place_check import with_placed
from landmap.io._points import Located, locate
from landmap.io.kinds import infer_kind
from landmap.io.read import Raw, read_source
from landmap.io.report import LoadReport
from landmap.io.validate import StudyArea, validate_geometries, validate_points
from landmap.schema import BOUNDARY_LEVELS, COLUMNS, ID_COLUMN, LAYER_KINDS, LayerKind

log = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]


class Loaded(NamedTuple):
    """A canonical layer and the account of how every input row was treated."""

    data: gpd.GeoDataFrame
    report: LoadReport


def layer_data(layer: Any, kind: str | None = None) -> Any:
    """Return the table of a layer given as a frame, a :class:`Loaded` result or a file path.

    Parameters
    ----------
    layer
        A (Geo)DataFrame, returned as it is; a :class:`Loaded` result, whose ``data`` is
        returned; or, when ``kind`` is given, a path, loaded with :func:`load`.
    kind
        The layer kind a path is loaded as; without it a path is returned as it is.

    Examples
    --------
    >>> import geopandas as gpd
    >>> frame = gpd.GeoDataFrame(geometry=[])
    >>> layer_data(frame) is frame, layer_data(Loaded(frame, None)) is frame
    (True, True)

    """
    if isinstance(layer, Loaded):
        return layer.data
    if kind is not None and isinstance(layer, str | os.PathLike):
        return load(layer, kind).data
    return layer


def _finish_reasons(n: int, parts: list[pd.Series]) -> pd.Series:
    """Join the sparse reason Series into one reason per row (``<NA>`` where none)."""
    parts = [p for p in parts if len(p)]
    reason = np.full(n, None, dtype=object)
    if parts:
        allp = pd.concat(parts)
        allp = allp[allp.notna()]
        pos = allp.index.to_numpy(dtype=np.int64)
        text = allp.to_numpy(dtype=object)
        several = pd.Index(pos).duplicated(keep=False)
        reason[pos[~several]] = text[~several]
        if several.any():
            joined = (
                pd.Series(text[several], index=pos[several])
                .groupby(level=0, sort=True)
                .agg("; ".join)
            )
            reason[joined.index.to_numpy(dtype=np.int64)] = joined.to_numpy(dtype=object)
    return pd.Series(pd.array(pa.array(reason, type=pa.large_string()), dtype="string"))


def _status(checked) -> pd.Series:
    codes = np.zeros(len(checked.rejected), dtype=np.int8)
    codes[checked.repaired] = 1
    codes[checked.rejected] = 2
    names = pa.array(["loaded", "repaired", "rejected"], type=pa.large_string())
    return pd.Series(pd.array(names.take(pa.array(codes)), dtype="string"))


class LoadOptions(TypedDict, total=False):
    """The options every loader takes, by name (see :func:`load_cases`)."""

    layer: str | None
    crs: Any
    columns: dict[str, str] | None
    study_area: StudyArea
    fix_swapped: bool
    encoding: str | None
    utm_zone: int | str | None


class _Options(NamedTuple):
    """The options every loader takes, with their defaults."""

    layer: str | None = None
    crs: Any = None
    columns: dict[str, str] | None = None
    study_area: StudyArea = None
    fix_swapped: bool = False
    encoding: str | None = None
    utm_zone: int | str | None = None

    @classmethod
    def given(cls, options: dict[str, Any], loader: str) -> _Options:
        """Return the options given to ``loader``; a TypeError names one it does not take."""
        unknown = sorted(set(options) - set(cls._fields))
        if unknown:
            raise TypeError(f"{loader}() got an unexpected keyword argument {unknown[0]!r}")
        return cls(**options)


def _load(
    source: PathLike | pd.DataFrame,
    kind: LayerKind,
    options: _Options,
    *,
    area_kind: str | None = None,
    level: str | None = None,
) -> Loaded:
    """Load in stages, each once: read, settle the columns, locate, validate, report."""
    if kind not in LAYER_KINDS:
        raise DataValueError(
            f"kind {kind!r} is not one of {', '.join(LAYER_KINDS)}",
            fix="use cases, areas, concessions or boundaries",
        )
    raw = read_source(
        source, kind=kind, layer=options.layer, crs=options.crs, encoding=options.encoding
    )
    settled = settle_columns(
        raw.frame,
        raw.src,
        kind,
        is_table=raw.is_table,
        rows=raw.rows,
        columns=dict(options.columns or {}),
        crs=options.crs,
        utm_zone=options.utm_zone,
        kind_default=area_kind,
        level=level,
    )
    located = locate(
        settled.frame,
        kind,
        table=raw.frame if raw.is_table else None,
        coordinates=settled.coordinates,
        src=raw.src,
        utm_zone=options.utm_zone,
        geometry=None if raw.is_table else raw.frame.geometry.values,
        no_geometry=raw.no_geometry,
        details=settled.details,
    )
    out, checked = _validated(settled.frame, located, kind, options.study_area, options.fix_swapped)
    if located.placed is not None:
        checked = with_placed(checked, located.placed, settled.details)
    return _reported(raw, settled, out, checked, kind)


def _validated(frame, located: Located, kind, study_area, fix_swapped):
    """Validate every row; return the kept rows as a GeoDataFrame and the validation result.

    A table's coordinates are validated as plain arrays and shapely points are built only for
    the rows kept; vector geometries go through :func:`validate_geometries`.
    """
    if located.points is not None:
        points = located.points
        checked = validate_points(
            points.x,
            points.y,
            kind,
            study_area=study_area,
            fix_swapped=fix_swapped,
            no_geometry_reasons=points.reasons,
        )
        keep = ~checked.rejected
        kept = frame if keep.all() else _select_rows(frame, keep)
        out = gpd.GeoDataFrame(
            kept.reset_index(drop=True),
            geometry=gpd.points_from_xy(checked.x[keep], checked.y[keep]),
            crs="EPSG:4326",
        )
        return out, checked
    data = gpd.GeoDataFrame(frame, geometry=located.geometry, crs="EPSG:4326")
    checked = validate_geometries(
        data,
        kind,
        study_area=study_area,
        fix_swapped=fix_swapped,
        no_geometry_reasons=located.no_geometry,
    )
    out = checked.data
    if checked.rejected.any():
        out = out.take(np.flatnonzero(~checked.rejected)).reset_index(drop=True)
    return out, checked


def _reported(raw: Raw, settled: Columns, out: gpd.GeoDataFrame, checked, kind: str) -> Loaded:
    """Account for every input row, and give the layer its canonical order and types."""
    src, frame = raw.src, settled.frame
    rows = pd.DataFrame(
        {
            "row": raw.rows,
            "status": _status(checked),
            "reason": _finish_reasons(len(raw.rows), [*checked.reasons, *settled.flags]),
            "id": frame[ID_COLUMN[kind]].astype("string").reset_index(drop=True),
        }
    )
    if raw.spreadsheet:
        src.details["rows"] = "numbered as in the spreadsheet (the header is row 1)"
    details = settled.details
    details.update(src.details)
    details["id"] = settled.id_note
    if settled.coordinates is not None and settled.coordinates.used:
        details["coordinate_columns"] = settled.coordinates.used
    report = LoadReport(path=src.display, kind=kind, rows=rows, details=details)
    assert report.is_complete(), "every input row must be loaded, repaired or rejected"
    out = _canonical_dtypes(out, kind)
    out.attrs["landmap"] = {"kind": kind, "source": src.display, "sha256": raw.sha256.result()}
    if log.isEnabledFor(logging.INFO):
        log.info("%s", report.summary())
    return Loaded(out, report)


def _select_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame[keep]`` (a boolean mask), column by column.

    Filtering each column's array with the mask (an Arrow filter for text columns) and
    putting the columns back together costs about half of ``DataFrame.take`` with the kept
    positions on a million rows.
    """
    if not frame.columns.is_unique:
        return frame[keep]
    count = int(keep.sum())
    data = {}
    for col in frame.columns:
        values = frame[col].array
        if _arrow_backed(values) and values.isna().all():
            # an empty Arrow column (immutable, so nothing is shared that could be written to):
            # a slice of it is the same column, without copying
            data[col] = values[:count]
        else:
            data[col] = values[keep]
    return pd.DataFrame(data, index=frame.index[keep], columns=frame.columns, copy=False)


def _arrow_backed(values: object) -> bool:
    dtype = getattr(values, "dtype", None)
    return isinstance(dtype, pd.ArrowDtype) or (
        isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    )


def _canonical_dtypes(data: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    for col, dtype in COLUMNS[kind].items():  # type: ignore[index]
        if str(data[col].dtype) != dtype:
            data[col] = data[col].astype(dtype)
    geom = data.geometry.name
    order = [
        *COLUMNS[kind],
        *[c for c in data.columns if c not in COLUMNS[kind] and c != geom],
        geom,
    ]  # type: ignore[index]
    return data[order]


_OPTIONS_DOC = """layer
        Layer of a multi-layer file (GeoPackage, TopoJSON, KML folder), sheet of a workbook, or
        member of a zip archive.
    crs
        CRS of the coordinates when the file declares none (a file's own CRS always wins), or of
        a table's x/y columns (e.g. ``"EPSG:32648"`` for UTM 48N easting/northing).
    columns
        Explicit ``{canonical name: column in the file}`` mapping; for tables also
        ``"lat"``, ``"lon"``, ``"easting"``, ``"northing"``, ``"utm_zone"``, ``"geopoint"``.
    study_area
        Where points may lie: ``None`` (Cambodia), a country name, a ``(min_lon, min_lat,
        max_lon, max_lat)`` bbox, a GeoDataFrame or a polygon file.
    fix_swapped
        Swap back points whose latitude and longitude were exchanged (otherwise rejected).
    encoding
        Text encoding of a CSV (detected when omitted).
    utm_zone
        UTM zone of easting/northing columns, e.g. ``"48N"``."""


def _shares_options(loader: Any) -> Any:
    """Write the options every loader takes into its docstring, where it says ``{options}``."""
    if loader.__doc__:  # None under python -OO
        loader.__doc__ = loader.__doc__.replace("{options}", _OPTIONS_DOC)
    return loader


@_shares_options
def load_cases(source: PathLike | pd.DataFrame, **options: Unpack[LoadOptions]) -> Loaded:
    r"""Load case locations (points) from a table (CSV, XLSX, Kobo/ODK export) or a vector file.

    Parameters
    ----------
    source
        A path (CSV, XLSX, GeoJSON, GPX waypoints, KML/KMZ, Shapefile, GeoPackage, GeoParquet,
        a zip holding one of these, or a ``/vsizip/`` path), or a (Geo)DataFrame.
    {options}

    Returns
    -------
    Loaded
        ``(data, report)``: the canonical ``cases`` layer and the account of every row.

    Raises
    ------
    DataFileError
        The file is missing, empty, truncated or not a format landmap reads.
    CRSError
        The file declares no CRS and none was given, or easting/northing come without a zone.
    SchemaError
        No coordinate columns, or ``columns=`` names a column that does not exist.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"case_id": ["A1", "A2"], "lat": ["11°33'12.5\"N", "104.9"],
    ...                       "lon": ["104.92", "11.55"]})
    >>> cases, report = load_cases(table, fix_swapped=True)
    >>> report.summary()
    '<DataFrame> as cases: 2 rows -> 1 loaded, 1 repaired, 0 rejected (1 flagged)'

    """
    return _load(source, "cases", _Options.given(options, "load_cases"))


@_shares_options
def load_areas(
    source: PathLike | pd.DataFrame, *, kind: str | None = None, **options: Unpack[LoadOptions]
) -> Loaded:
    """Load community land, community forests, protected areas or parcels (polygons).

    Parameters
    ----------
    source
        A vector file (Shapefile, GeoPackage, GeoJSON, KML/KMZ drawn in Google Earth, ...).
    kind
        Area kind (``"community land"``, ``"community forest"``, ``"protected area"``,
        ``"parcel"``...) for features whose file does not say.
    {options}

    Returns
    -------
    Loaded
        The canonical ``areas`` layer and its report; invalid polygons are repaired.

    """
    return _load(source, "areas", _Options.given(options, "load_areas"), area_kind=kind)


@_shares_options
def load_concessions(
    source: PathLike | pd.DataFrame, *, kind: str | None = None, **options: Unpack[LoadOptions]
) -> Loaded:
    """Load concessions (ELC, SLC, mining...): polygons, or points when only a location is known.

    Parameters
    ----------
    source
        A vector file such as ODC's ``cam-elc-complete.geojson`` (EPSG:32648).
    kind
        Concession kind for features whose file does not say (ODC's ELC file: ``"ELC"``).
    {options}

    Returns
    -------
    Loaded
        The canonical ``concessions`` layer and its report. ``report.details["id"]`` says
        whether ids came from the file or were generated (``ELC-0001``... by input order).

    """
    return _load(source, "concessions", _Options.given(options, "load_concessions"), area_kind=kind)


@_shares_options
def load_boundaries(
    source: PathLike | pd.DataFrame, *, level: str | None = None, **options: Unpack[LoadOptions]
) -> Loaded:
    """Load administrative boundaries (provinces, districts, communes), English and Khmer names.

    Parameters
    ----------
    source
        A vector file (geoBoundaries, the government's 2022 edition, ...).
    level
        ``country``, ``province``, ``district``, ``commune`` or ``village``; inferred from the
        file (geoBoundaries ``shapeType``, the file name, the feature count) when omitted.
    {options}

    Returns
    -------
    Loaded
        The canonical ``boundaries`` layer and its report.

    """
    if level is not None and level not in BOUNDARY_LEVELS:
        raise DataValueError(
            f"level {level!r} is not one of {', '.join(BOUNDARY_LEVELS)}",
            fix="use e.g. level='province'",
        )
    return _load(source, "boundaries", _Options.given(options, "load_boundaries"), level=level)


_LOADERS = {
    "cases": load_cases,
    "areas": load_areas,
    "concessions": load_concessions,
    "boundaries": load_boundaries,
}


def load(source: PathLike | pd.DataFrame, kind: LayerKind | None = None, **kw: Any) -> Loaded:
    """Load ``source`` as a layer kind (inferred with :func:`infer_kind` when ``None``).

    Parameters
    ----------
    source
        Any source the kind-specific loaders accept.
    kind
        ``cases``, ``areas``, ``concessions`` or ``boundaries``.
    **kw
        Options of the kind-specific loader.

    Returns
    -------
    Loaded
        ``(data, report)``.

    """
    if kind is None:
        kind = infer_kind(source, layer=kw.get("layer"))
    if kind not in _LOADERS:
        raise DataValueError(
            f"kind {kind!r} is not one of {', '.join(LAYER_KINDS)}",
            fix="use cases, areas, concessions or boundaries",
        )
    return _LOADERS[kind](source, **kw)


__all__ = [
    "LoadOptions",
    "Loaded",
    "infer_kind",
    "layer_data",
    "load",
    "load_areas",
    "load_boundaries",
    "load_cases",
    "load_concessions",
]
