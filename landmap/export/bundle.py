"""Write a set of outputs in one call: briefing PNG/PDF and data files for named layers.

This is what ``landmap export`` and the main job call: the layers (by name, each with its kind)
go once through the briefing-map renderer for ``png``/``pdf`` and through :func:`write_data`
for the data formats. Case layers of the same kind are combined on the map and kept apart in
the data files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.errors import DataValueError
from landmap.export.briefing import briefing_maps, layer_sources
from landmap.export.data import write_data
from landmap.privacy import PUBLISHED_LOCATION
from landmap.export.publish import is_confidential, publish_layer, write_audit

log = logging.getLogger(__name__)

#: Format names a user may ask for, and the file ending each one writes.
FORMATS: dict[str, str] = {
    "png": ".png", "pdf": ".pdf", "gpkg": ".gpkg", "geojson": ".geojson", "kml": ".kml",
    "kmz": ".kmz", "shp": ".shp.zip", "csv": ".csv", "xlsx": ".xlsx",
}
_ALIASES = {"shapefile": "shp", "shp.zip": "shp", "json": "geojson", "excel": "xlsx",
            "geopackage": "gpkg", "jpg": "png"}


def parse_formats(value: str | Sequence[str]) -> list[str]:
    """Return the format names of ``"png,pdf,gpkg"`` (or a list), checked and de-duplicated.

    Examples
    --------
    >>> parse_formats("PNG, pdf,Shapefile")
    ['png', 'pdf', 'shp']

    """
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for raw in items:
        name = str(raw).strip().lower().lstrip(".")
        if not name:
            continue
        name = _ALIASES.get(name, name)
        if name not in FORMATS:
            raise DataValueError(f"unknown output format {raw!r}.",
                                 fix="choose from " + ", ".join(FORMATS))
        if name not in out:
            out.append(name)
    if not out:
        raise DataValueError("no output format was given.", fix="e.g. --format png,pdf,gpkg")
    return out


def _combined(layers: Mapping[str, tuple[str, gpd.GeoDataFrame]], kind: str,
              level: str | None = None) -> gpd.GeoDataFrame | None:
    parts = [gdf.to_crs("EPSG:4326") for k, gdf in layers.values() if k == kind and len(gdf)]
    if level is not None:
        parts = [p[p["level"].astype("string").eq(level).fillna(False).astype(bool)]
                 for p in parts if "level" in p]
        parts = [p for p in parts if len(p)]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                           crs="EPSG:4326")
    out.attrs = parts[0].attrs  # attribution of the first source; others listed in provenance
    return out


def _publish_cases_once(
    layers: Mapping[str, tuple[str, gpd.GeoDataFrame]], *, profile: object,
    communes: gpd.GeoDataFrame | None, seed: int | None,
) -> tuple[dict[str, tuple[str, gpd.GeoDataFrame]], dict[str, dict[str, Any]]]:
    """Mask every case layer once, so that every file of one export shows the same points.

    Each writer would otherwise draw its own displacement, and several independent draws of
    one case average out towards its true location. The writers keep layers that were already
    masked as they are (see :func:`landmap.privacy.apply_profile`).
    """
    if is_confidential(profile):
        return dict(layers), {}
    concessions = _combined(layers, "concessions")
    done: dict[str, tuple[str, gpd.GeoDataFrame]] = {}
    audits: dict[str, dict[str, Any]] = {}
    for item, (kind, gdf) in layers.items():
        if kind == "cases":
            masked_here = PUBLISHED_LOCATION not in gdf.columns  # else masked by the caller
            published = publish_layer(gdf, "cases", profile, concessions=concessions,
                                      communes=communes, seed=seed)
            if published.audit is not None and masked_here:
                audits[item] = published.audit
            gdf = published.data
        done[item] = (kind, gdf)
    return done, audits


def export_layers(
    outdir: str | os.PathLike[str], layers: Mapping[str, tuple[str, gpd.GeoDataFrame]], *,
    formats: Sequence[str] = ("png", "pdf", "gpkg"), name: str = "landmap",
    tables: Mapping[str, pd.DataFrame] | None = None, profile: object = "public",
    lang: str = "en", paper: str = "A4", orientation: str = "landscape", extent: Any = None,
    title: Any = None, subtitle: Any = None, communes: gpd.GeoDataFrame | None = None,
    dpi: int = 300, seed: int | None = None, basemap: str | None = None,
) -> list[Path]:
    """Write briefing maps and data files for named layers into ``outdir``.

    Parameters
    ----------
    outdir
        Folder for the outputs (created if needed).
    layers
        ``{name: (kind, GeoDataFrame)}`` with kinds ``cases``, ``areas``, ``concessions``,
        ``boundaries``.
    formats
        Any of ``png pdf gpkg geojson kml kmz shp csv xlsx``. CSV writes one file per layer and
        table (``<name>-<layer>.csv``).
    name
        Stem of the file names.
    tables
        Result tables for the data formats (GeoPackage, XLSX, CSV, zipped Shapefile).
    profile, lang, paper, orientation, extent, title, subtitle, dpi, basemap, seed
        As for :func:`~landmap.export.briefing.briefing_map` and :func:`write_data`.
    communes
        Commune polygons keeping masked cases inside their commune.

    Returns
    -------
    list of Path
        Every file written (provenance and audit files beside them are not listed).

    """
    out = Path(outdir)
    formats = parse_formats(formats)
    layers, audits = _publish_cases_once(layers, profile=profile, communes=communes, seed=seed)
    written: list[Path] = []
    maps = [out / f"{name}{FORMATS[f]}" for f in formats if f in ("png", "pdf")]
    if maps:
        provinces = _combined(layers, "boundaries", "province")
        written += briefing_maps(
            maps, cases=_combined(layers, "cases"), areas=_combined(layers, "areas"),
            concessions=_combined(layers, "concessions"), boundaries=provinces, extent=extent,
            lang=lang, paper=paper, orientation=orientation, title=title, subtitle=subtitle,
            profile=profile, dpi=dpi, basemap=basemap, seed=seed,
            sources=layer_sources([gdf for _, gdf in layers.values()]),
        )
    data = {n: gdf for n, (_, gdf) in layers.items()}
    kinds = {n: k for n, (k, _) in layers.items()}
    concessions = _combined(layers, "concessions")
    common = {"profile": profile, "kinds": kinds, "concessions": concessions,
              "communes": communes, "lang": lang, "seed": seed}
    for fmt in formats:
        if fmt in ("png", "pdf"):
            continue
        if fmt == "csv":
            for item, frame in [*data.items(), *(tables or {}).items()]:
                target = out / f"{name}-{item}.csv"
                written.append(write_data(target, {item: frame} if item in data else None,
                                          None if item in data else {item: frame}, **common))
            continue
        written.append(write_data(out / f"{name}{FORMATS[fmt]}", data, tables, **common))
    for path in written:
        log.info("wrote %s", path)
    for item, audit in audits.items():  # the masking's own audit, once every file is written
        write_audit(audit, out / f"{name}-{item}")
    return written


__all__ = ["FORMATS", "export_layers", "parse_formats"]
