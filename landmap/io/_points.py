"""Where every row is: the coordinates stage of a load.

A table's points are made from the coordinate columns settled before
(:mod:`landmap.io._coordinate_columns`): degrees as they are (or from the caller's ``crs=``),
easting/northing through their UTM zone, a geopoint split into its latitude and longitude.
Cases without a point are then placed from their place names (:mod:`landmap.io._geocode`).
Rows whose coordinates cannot be read get ``NaN`` and a reason; the validator rejects them, so
no row is lost on the way.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from landmap.errors import LandmapError
from landmap.io._coordinate_columns import CoordinateColumns
from landmap.io._geocode import Placed, place_cases
from landmap.io._vector import Source
from landmap.io.coords import parse_coordinates, split_geopoint, utm_crs
from landmap.schema import GEOMETRY_TYPES

_WGS84 = CRS.from_epsg(4326)
_ROLE_NAMES = {
    "lat": "latitude",
    "lon": "longitude",
    "easting": "easting",
    "northing": "northing",
    "utm_zone": "UTM zone",
    "geopoint": "geopoint",
}


class TablePoints(NamedTuple):
    """Longitudes and latitudes (EPSG:4326) read from a table, before any geometry is built."""

    x: np.ndarray
    y: np.ndarray
    #: why a row has no point (index = row position)
    reasons: pd.Series


class Located(NamedTuple):
    """The points of a table, or the geometries of a vector file, with what placed them."""

    #: a table's coordinates (validated as plain arrays), or ``None``
    points: TablePoints | None
    #: the geometries of a vector file (or of a table loaded as a kind that is not points)
    geometry: np.ndarray | None
    #: why a geometry is missing (index = row position), or ``None``
    no_geometry: pd.Series | None
    placed: Placed | None


def table_points(
    frame: pd.DataFrame, cols: CoordinateColumns, src: Source, *, utm_zone: object
) -> TablePoints:
    """Read the coordinates of every row as longitude/latitude arrays in EPSG:4326."""
    found, n = cols.found, len(frame)
    reasons: list[pd.Series] = []
    source_crs = cols.crs or _WGS84
    if cols.lat is not None and cols.lon is not None:
        src.details["coordinates"] = f"{found['lat']} / {found['lon']} ({source_crs.to_string()})"
        reasons += _pair_reasons(cols.lat, cols.lon, "latitude", "longitude")
        x, y = cols.lon.values, cols.lat.values
    if cols.system == "utm":
        east = parse_coordinates(frame[found["easting"]], check_range=False)
        north = parse_coordinates(frame[found["northing"]], check_range=False)
        reasons += _pair_reasons(north, east, "northing", "easting")
        x, y = _from_utm(frame, src, east.values, north.values, cols, utm_zone, reasons)
        source_crs = _WGS84  # already transformed
    elif cols.system == "geopoint":
        column = found["geopoint"]
        parts = split_geopoint(frame[column])
        lat = parse_coordinates(parts.lat, axis="lat", check_range=False)
        lon = parse_coordinates(parts.lon, axis="lon", check_range=False)
        reasons += _pair_reasons(lat, lon, f"{column} latitude", f"{column} longitude")
        x, y = lon.values, lat.values
        src.details["coordinates"] = f"{column} (geopoint: lat lon alt acc)"
    elif cols.system == "places":
        x = y = np.full(n, np.nan)
        reasons.append(pd.Series("no coordinate columns in the file", index=np.arange(n)))
        source_crs = _WGS84
        src.details["coordinates"] = "none in the file: cases placed from their place names"
    if not source_crs.equals(_WGS84):
        x, y = _transform(source_crs, x, y)
        src.details["crs_source"] = f"given: {source_crs.to_string()}"
    src.details["coordinate_roles"] = {
        col: _ROLE_NAMES.get(role, role) for role, col in found.items() if col in cols.used
    }
    reason = pd.concat(reasons) if reasons else pd.Series(dtype="string")
    reason = reason.groupby(level=0).agg("; ".join) if len(reason) else reason
    return TablePoints(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"), reason)


def _transform(crs: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x, y`` from ``crs`` to longitude/latitude; ``NaN`` where they do not transform."""
    tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x, y = (np.asarray(v, dtype="float64") for v in tr.transform(x, y))
    x[~np.isfinite(x)] = np.nan
    y[~np.isfinite(y)] = np.nan
    return x, y


def _pair_reasons(a, b, name_a: str, name_b: str) -> list[pd.Series]:
    out = []
    both_missing = a.missing & b.missing
    if both_missing.any():
        idx = np.flatnonzero(both_missing)
        out.append(pd.Series(f"no coordinates ({name_a} and {name_b} are empty)", index=idx))
    for parsed, name, other in ((a, name_a, b), (b, name_b, a)):
        only = parsed.missing & ~other.missing
        if only.any():
            out.append(pd.Series(f"{name} is empty", index=np.flatnonzero(only)))
        err = parsed.errors.notna().to_numpy()
        if err.any():
            out.append(pd.Series(parsed.errors[err].to_numpy(), index=np.flatnonzero(err)))
    return out


def _zones(
    frame: pd.DataFrame, cols: CoordinateColumns, utm_zone: object, reasons: list[pd.Series]
) -> dict[str, tuple[CRS, np.ndarray]]:
    """Return the UTM zones of the rows, ``{label: (CRS, rows)}``; explain rows without one."""
    everyone = np.ones(len(frame), bool)
    if cols.crs is not None and cols.crs.is_projected:
        return {cols.crs.to_string(): (cols.crs, everyone)}
    if utm_zone is not None:
        zcrs = utm_crs(utm_zone)  # type: ignore[arg-type]
        return {zcrs.to_string(): (zcrs, everyone)}
    column = cols.found["utm_zone"]
    zones = frame[column].astype("string").str.strip()
    groups = {}
    for value in zones.dropna().unique():
        mask = (zones == value).fillna(False).to_numpy()
        try:
            zcrs = utm_crs(value)
        except LandmapError as err:
            reasons.append(
                pd.Series(
                    f"UTM zone {value!r} not understood ({err.message})", index=np.flatnonzero(mask)
                )
            )
            continue
        groups[f"{zcrs.to_string()}#{value}"] = (zcrs, mask)
    missing = zones.isna().to_numpy()
    if missing.any():
        reasons.append(pd.Series(f"UTM zone ({column}) is empty", index=np.flatnonzero(missing)))
    return groups


def _from_utm(frame, src, east, north, cols, utm_zone, reasons):
    x = np.full(len(frame), np.nan)
    y = np.full(len(frame), np.nan)
    groups = _zones(frame, cols, utm_zone, reasons)
    for zcrs, mask in groups.values():
        tr = Transformer.from_crs(zcrs, "EPSG:4326", always_xy=True)
        x[mask], y[mask] = tr.transform(east[mask], north[mask])
    src.details["coordinates"] = (
        f"{cols.found['easting']} / {cols.found['northing']} "
        f"(UTM: {', '.join(sorted({c.to_string() for c, _ in groups.values()}))})"
    )
    x[~np.isfinite(x)] = np.nan
    y[~np.isfinite(y)] = np.nan
    return x, y


def point_geometries(points: TablePoints) -> np.ndarray:
    """Point geometries in EPSG:4326 (``None`` for missing coordinates)."""
    bad = np.isnan(points.x) | np.isnan(points.y)
    geoms = gpd.points_from_xy(np.where(bad, 0, points.x), np.where(bad, 0, points.y))
    geoms[bad] = None
    return geoms


def locate(
    frame: pd.DataFrame,
    kind: str,
    *,
    table: pd.DataFrame | None,
    coordinates: CoordinateColumns | None,
    src: Source,
    utm_zone: object,
    geometry: object,
    no_geometry: pd.Series | None,
    details: dict[str, object],
) -> Located:
    """Put every row where it can be checked: its own point, or a case placed by its names.

    ``table`` and ``coordinates`` are a table's records and coordinate columns (``None`` for a
    vector source, whose ``geometry`` and ``no_geometry`` reasons are given instead);
    ``frame`` is the canonical frame, whose place names place the cases without a point.
    """
    points = None
    if table is not None and coordinates is not None:
        points = table_points(table, coordinates, src, utm_zone=utm_zone)
    if points is not None and "Point" not in GEOMETRY_TYPES[kind]:
        # a table loaded as areas: its points are rejected row by row as the wrong type
        points, geometry, no_geometry = None, point_geometries(points), points.reasons
    if kind != "cases":
        return Located(points, geometry, no_geometry, None)
    if points is not None:
        placed, reasons = place_cases(frame, points.x, points.y, points.reasons, None, details)
        if placed is not None:
            points = points._replace(x=placed.x, y=placed.y, reasons=reasons)
        return Located(points, None, no_geometry, placed)
    geoms = np.asarray(geometry, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    is_point = ~missing & (shapely.get_type_id(geoms) == 0)
    x = np.where(is_point, shapely.get_x(np.where(is_point, geoms, None)), np.nan)
    y = np.where(is_point, shapely.get_y(np.where(is_point, geoms, None)), np.nan)
    known = no_geometry if no_geometry is not None else pd.Series([], dtype="string")
    placed, reasons = place_cases(frame, x, y, known, missing, details)
    if placed is None:
        return Located(None, geometry, no_geometry, None)
    geoms = geoms.copy()
    fill = np.flatnonzero(placed.located)
    geoms[fill] = shapely.points(placed.x[fill], placed.y[fill])
    return Located(None, geoms, reasons, placed)


__all__ = ["Located", "TablePoints", "locate", "point_geometries", "table_points"]
