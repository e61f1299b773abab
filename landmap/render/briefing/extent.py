"""What a briefing map shows: resolve an extent given by name, id, ids, box or geometry.

All layers reaching this module are already in EPSG:32648; the returned bounds are metres.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from landmap.errors import DataValueError
from landmap.schema import CAMBODIA_METRIC_CRS, STORAGE_CRS, Lang, label

log = logging.getLogger(__name__)

#: Padding around the fitted features, as a fraction of their size (and at least 2 km).
PAD = 0.08
MIN_PAD_M = 2000.0


def _norm(text: object) -> str:
    value = unicodedata.normalize("NFC", str(text)).casefold()
    value = re.sub(r"\b(province|khaet|krong|city|capital)\b", " ", value)
    return re.sub(r"[^\w]+", "", value)


def _padded(geoms: gpd.GeoSeries) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = (float(v) for v in geoms.total_bounds)
    if not all(-1e8 < b < 1e8 for b in (xmin, ymin, xmax, ymax)):  # metres; NaN fails too
        raise DataValueError(
            f"the map's extent {(xmin, ymin, xmax, ymax)} (EPSG:32648) is not a place on "
            "Earth: a layer has coordinates out of range.",
            fix="load the layers with landmap's loaders (they reject such features), or give "
            "--extent",
        )
    pad = max(PAD * max(xmax - xmin, ymax - ymin), MIN_PAD_M)
    return xmin - pad, ymin - pad, xmax + pad, ymax + pad


def _match_names(layer: gpd.GeoDataFrame | None, query: str, columns: Sequence[str]) -> Any:
    if layer is None:
        return None
    want = _norm(query)
    for column in columns:
        if column in layer:
            hits = layer[
                layer[column].map(_norm, na_action="ignore").eq(want).fillna(False).astype(bool)
            ]
            if len(hits):
                return hits
    return None


def _provinces(boundaries: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if boundaries is None:
        return None
    if "level" in boundaries:
        sub = boundaries[
            boundaries["level"].astype("string").eq("province").fillna(False).astype(bool)
        ]
        return sub if len(sub) else boundaries
    return boundaries


def resolve_extent(
    extent: Any,
    *,
    cases: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    concessions: gpd.GeoDataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
) -> tuple[tuple[float, float, float, float], str | dict[str, str]]:
    """Return ``(bounds in EPSG:32648, description)`` of what the map should show.

    See :func:`resolve_focus` for the parameters; this is its first two values.
    """
    bounds, text, _ = resolve_focus(
        extent, cases=cases, areas=areas, concessions=concessions, boundaries=boundaries
    )
    return bounds, text


def resolve_focus(
    extent: Any,
    *,
    cases: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    concessions: gpd.GeoDataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
) -> tuple[tuple[float, float, float, float], str | dict[str, str], Any]:
    """Return ``(bounds in EPSG:32648, description, focus)`` of what the map should show.

    ``focus`` is the outline (EPSG:32648) of the province, concession or area the extent names:
    the unit the map emphasises while its neighbours are faded; ``None`` for a box, a list of
    ids, ``"cases"`` or all layers.

    The description names the province, concession or area fitted to (``{"en": ..., "km": ...}``
    for a province), or is empty.

    Parameters
    ----------
    extent
        ``None`` (all given feature layers), a province name (English or Khmer, spelling and
        case tolerant: "Mondulkiri", "Mondul Kiri", "មណ្ឌលគិរី"), a concession or area id or name,
        ``"cases"`` (all cases), a list of case ids, a ``(west, south, east, north)`` box in
        degrees, a shapely geometry in EPSG:4326 or a GeoDataFrame / GeoSeries.
    cases, areas, concessions, boundaries
        The map's layers in EPSG:32648 (provinces are looked up in ``boundaries``).

    Raises
    ------
    DataValueError
        When a name or id matches nothing; the message lists the provinces it knows.

    """
    if extent is None:
        layers = [lay for lay in (concessions, areas, cases) if lay is not None and len(lay)]
        if not layers:
            layers = [boundaries] if boundaries is not None else []
        if not layers:
            raise DataValueError(
                "nothing to map: no layer and no extent was given.",
                fix="pass cases, areas, concessions or an extent",
            )
        geoms = pd.concat([lay.geometry for lay in layers])
        return _padded(gpd.GeoSeries(geoms, crs=CAMBODIA_METRIC_CRS)), "", None
    if isinstance(extent, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = extent.geometry if isinstance(extent, gpd.GeoDataFrame) else extent
        return _padded(geoms.to_crs(CAMBODIA_METRIC_CRS)), "", None
    if isinstance(extent, shapely.Geometry):
        return (
            _padded(gpd.GeoSeries([extent], crs=STORAGE_CRS).to_crs(CAMBODIA_METRIC_CRS)),
            "",
            None,
        )
    if isinstance(extent, str):
        return _by_name(extent.strip(), cases, areas, concessions, boundaries)
    if (
        isinstance(extent, Sequence)
        and len(extent) == 4
        and all(isinstance(v, int | float) for v in extent)
    ):
        west, south, east, north = (float(v) for v in extent)
        if not (west < east and south < north and -180 <= west <= 180 and -90 <= south <= 90):
            raise DataValueError(
                f"the box {tuple(extent)!r} is not (west, south, east, north) in degrees.",
                fix="give longitudes first, e.g. (106.5, 11.9, 107.6, 13.0)",
            )
        box = gpd.GeoSeries([shapely.box(west, south, east, north)], crs=STORAGE_CRS)
        xmin, ymin, xmax, ymax = box.to_crs(CAMBODIA_METRIC_CRS).total_bounds
        return (float(xmin), float(ymin), float(xmax), float(ymax)), "", None
    if isinstance(extent, Sequence) and not isinstance(extent, str | bytes):
        wanted = {str(v) for v in extent}
        for layer, column in (
            (cases, "case_id"),
            (concessions, "concession_id"),
            (areas, "area_id"),
        ):
            if layer is not None and column in layer:
                hits = layer[layer[column].astype("string").isin(wanted).fillna(False).astype(bool)]
                if len(hits):
                    return _padded(hits.geometry), "", None
        raise DataValueError(
            f"none of the ids {sorted(wanted)[:5]!r} is in the layers given.",
            fix="give case, concession or area ids that exist",
        )
    raise DataValueError(
        f"cannot use {extent!r} of type {type(extent).__name__} as a map extent.",
        fix="give a province, concession id/name, list of case ids, or (west, south, east, north)",
    )


def _outline(hits: gpd.GeoDataFrame) -> Any:
    """Return the union of the matched units: what the map emphasises (polygons only)."""
    polygons = hits.geometry[hits.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polygons.empty:
        return None
    return shapely.union_all(shapely.make_valid(polygons.to_numpy()))


def _by_name(query, cases, areas, concessions, boundaries):
    if _norm(query) in {"cases", _norm(label("heading", "cases", Lang.KM))} and cases is not None:
        return _padded(cases.geometry), "", None
    provinces = _provinces(boundaries)
    hits = _match_names(provinces, query, ("name", "name_km", "boundary_id"))
    if hits is not None:
        row = hits.iloc[0]
        en = str(row.get("name", query))
        km = row.get("name_km")
        return (
            _padded(hits.geometry),
            {Lang.EN: en, Lang.KM: en if pd.isna(km) or not km else str(km)},
            _outline(hits),
        )
    close = _close_province(provinces, query)
    if close is not None:
        log.info("extent %r read as the province %r", query, close)
        return _by_name(close, cases, areas, concessions, boundaries)
    hits = _match_names(concessions, query, ("concession_id", "name"))
    if hits is not None:
        return _padded(hits.geometry), str(hits.iloc[0].get("name") or query), _outline(hits)
    hits = _match_names(areas, query, ("area_id", "name"))
    if hits is not None:
        return _padded(hits.geometry), str(hits.iloc[0].get("name") or query), _outline(hits)
    hits = _match_names(cases, query, ("case_id",))
    if hits is not None:
        return _padded(hits.geometry), "", None
    known = (
        sorted(provinces["name"].dropna().astype(str))
        if provinces is not None and "name" in provinces
        else []
    )
    raise DataValueError(
        f"{query!r} is not a province, concession, area or case the map knows.",
        fix=(
            "use a province name such as " + ", ".join(known[:6]) + ", … or a concession id"
            if known
            else "use a concession or area id or name, or a bounding box"
        ),
    )


def _close_province(provinces: gpd.GeoDataFrame | None, query: str) -> str | None:
    """Return the one province spelled a little differently ("Tbong Khmum": "Tboung Khmum")."""
    if provinces is None or "name" not in provinces:
        return None
    names = {_norm(n): str(n) for n in provinces["name"].dropna()}
    match = difflib.get_close_matches(_norm(query), list(names), n=2, cutoff=0.85)
    return names[match[0]] if len(match) == 1 else None


def describe_layers(cases, areas, concessions, lang: str) -> str:
    """Return a default title naming the layers on the map, in ``lang``."""
    parts = [
        term
        for term, layer in (("concessions", concessions), ("areas", areas), ("cases", cases))
        if layer is not None
    ]
    parts = parts or ["province"]

    def join(code: str) -> str:
        return " · ".join(label("heading", term, code) for term in parts)

    return f"{join(Lang.EN)}\n{join(Lang.KM)}" if lang == Lang.BOTH else join(lang)


__all__ = ["describe_layers", "resolve_extent", "resolve_focus"]
