"""Which columns of a table hold its coordinates, and in which system.

Part of settling a table's columns, before the points themselves are made
(:mod:`landmap.io._points`). The columns named with ``columns=`` come first, then the alias
table. Coordinates come from a latitude/longitude pair (decimal degrees or DMS text), a
Kobo/ODK geopoint column (``"lat lon alt acc"``), or UTM easting/northing with a zone
(``utm_zone=``, a zone column, or ``crs=``). A latitude/longitude pair whose values are mostly
over 1000 is easting/northing in metres: that is decided from the values, so the pair is read
here, once, and its values go on to the next stage. A table with none of these but with place
names is placed from those names (cases only).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from pyproj import CRS

from landmap.errors import CRSError, SchemaError
from landmap.io._aliases import aliases, find_column
from landmap.io._geocode import has_place_columns
from landmap.io._vector import Source
from landmap.io.coords import ParsedCoordinates, parse_coordinates, parse_crs

System = Literal["degrees", "utm", "geopoint", "places"]
#: Keys of ``columns=`` that name a coordinate role by another name.
_EXPLICIT = {"latitude": "lat", "longitude": "lon", "y": "lat", "x": "lon"}


class CoordinateColumns(NamedTuple):
    """The coordinate columns of a table: what the points will be made from."""

    #: role (``lat``, ``lon``, ``easting``, ``northing``, ``utm_zone``, ``geopoint``) -> column
    found: dict[str, str]
    system: System
    #: the columns the points are read from, in the order the report lists them
    used: list[str]
    #: the caller's ``crs=``, if any
    crs: CRS | None
    #: a latitude/longitude pair in degrees, already read
    lat: ParsedCoordinates | None = None
    lon: ParsedCoordinates | None = None


def find_coordinate_columns(frame: pd.DataFrame, columns: dict[str, str]) -> dict[str, str]:
    """Find coordinate columns (``{role: column}``): explicit mapping first, then the aliases."""
    spec = aliases()["coordinates"]
    names = [str(c) for c in frame.columns]
    found: dict[str, str] = {}
    absent: set[str] = set()  # mapped to "": the table has no such column
    for key, col in columns.items():
        role = _EXPLICIT.get(key, key)
        if role in spec and col == "":
            absent.add(role)
        elif role in spec:
            if col not in frame.columns:
                raise SchemaError(
                    f"columns={{{key!r}: {col!r}}} names a column that is not in the "
                    f"table (columns: {', '.join(names)})",
                    column=col,
                    fix="use one of the table's column names",
                )
            found[role] = col
    taken = set(columns.values())
    for role, entry in spec.items():  # type: ignore[union-attr]
        if role not in found and role not in absent:
            col = find_column(
                names, entry["aliases"], entry["suffixes"], taken=taken | set(found.values())
            )
            if col is not None:
                found[role] = col
    return found


def coordinate_columns(
    frame: pd.DataFrame,
    src: Source,
    *,
    columns: dict[str, str],
    crs: object,
    utm_zone: object,
    places_ok: bool = False,
) -> CoordinateColumns:
    """Settle which columns a table's points come from, and in which system.

    Raises
    ------
    CRSError
        Metres or easting/northing without a zone, or a ``crs=`` pyproj does not know.
    SchemaError
        No coordinate columns (and, with ``places_ok``, no place names either).
    """
    found = find_coordinate_columns(frame, columns)
    user_crs = None if crs is None else parse_crs(crs, path=src.display)
    projected = user_crs is not None and user_crs.is_projected
    if projected and "lat" in found and "lon" in found and "easting" not in found:
        found["easting"], found["northing"] = found.pop("lon"), found.pop("lat")
    if "lat" in found and "lon" in found:
        lat = parse_coordinates(frame[found["lat"]], axis="lat", check_range=False)
        lon = parse_coordinates(frame[found["lon"]], axis="lon", check_range=False)
        big = _typical_size(lon.values, lat.values)
        if big <= 1000 and not ("easting" in found and "northing" in found):
            return CoordinateColumns(
                found, "degrees", [found["lat"], found["lon"]], user_crs, lat, lon
            )
        if big <= 1000:  # degrees, and easting/northing too: those win, both are checked
            return _utm(found, src, user_crs, utm_zone, lat, lon)
        if utm_zone is None and "utm_zone" not in found:  # most values are metres
            raise CRSError(
                f"columns {found['lat']!r}/{found['lon']!r} hold values around {big:,.0f}: "
                "projected coordinates (metres), not degrees",
                path=src.display,
                fix="pass crs= (e.g. 'EPSG:32648') or utm_zone= (e.g. '48N')",
            )
        found["easting"], found["northing"] = found.pop("lon"), found.pop("lat")
    if "easting" in found and "northing" in found:
        return _utm(found, src, user_crs, utm_zone)
    if "geopoint" in found:
        return CoordinateColumns(found, "geopoint", [found["geopoint"]], user_crs)
    if places_ok and has_place_columns(frame, columns):
        return CoordinateColumns(found, "places", [], user_crs)
    raise _no_coordinates(frame, found, src)


def _utm(found, src, user_crs, utm_zone, lat=None, lon=None) -> CoordinateColumns:
    """Easting/northing: the zone comes from ``crs=``, ``utm_zone=`` or a zone column."""
    used = [found["easting"], found["northing"]]
    if not (user_crs is not None and user_crs.is_projected) and utm_zone is None:
        if "utm_zone" not in found:
            raise CRSError(
                f"has easting/northing columns ({found['easting']}, {found['northing']}) "
                "but no UTM zone",
                path=src.display,
                fix="pass utm_zone='48N' (most of Cambodia) or crs='EPSG:32648'",
            )
        used.append(found["utm_zone"])
    return CoordinateColumns(found, "utm", used, user_crs, lat, lon)


def _typical_size(x: np.ndarray, y: np.ndarray) -> float:
    """Return the median size of the first values of a pair (degrees or metres?)."""
    both = np.abs(np.concatenate([x[:20_000], y[:20_000]]))
    return float(np.nanmedian(both)) if len(x) and not np.isnan(both).all() else 0.0


def _no_coordinates(frame: pd.DataFrame, found: dict[str, str], src: Source) -> SchemaError:
    half = {
        "lat": "a latitude",
        "lon": "a longitude",
        "easting": "an easting",
        "northing": "a northing",
    }
    alone = [f"{half[r]} column {found[r]!r}" for r in half if r in found]
    return SchemaError(
        "has no coordinate columns (looked for latitude/longitude, a geopoint, or "
        f"easting/northing{'; found only ' + ' and '.join(alone) if alone else ''}; "
        f"the columns are: {', '.join(map(str, frame.columns))})",
        path=src.display,
        fix="map them: columns={'lat': 'Y_coord', 'lon': 'X_coord'} in Python, "
        "--column lat=Y_coord --column lon=X_coord on the command line",
    )


__all__ = ["CoordinateColumns", "coordinate_columns", "find_coordinate_columns"]
