"""The "for sharing" versions of the GeoJSON and KML exports: small enough to e-mail.

A public GeoJSON or KML of the demo at full resolution is about 20 MB each: every vertex of
every concession, protected area and commune, with 15 significant digits, and in GeoJSON every
null property of every layer it merges. The version for sharing keeps every feature and every
attribute, and differs in three ways, each stated in the file and in its provenance record:

- polygon and line outlines are simplified with GEOS' topology-preserving simplifier
  (``shapely.simplify(..., preserve_topology=True)``: no ring collapses or crosses itself) at
  :data:`SHARE_TOLERANCE_M` metres (converted to degrees at 111,320 m per degree, which is at
  most that far anywhere in Cambodia); points are never moved;
- coordinates are written with :data:`SHARE_DIGITS` decimals (about 0.1 m);
- GeoJSON properties that are null are left out (RFC 7946 readers read them as missing).

The full-resolution files are written on request (``landmap build --full-resolution`` or
``full_resolution = true`` in a project's ``[export]`` table). The GeoPackage is always full
resolution.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.errors import DataValueError

#: Default tolerance (metres) of the outlines in the files for sharing.
SHARE_TOLERANCE_M: float = 10.0
#: Decimals of the coordinates in the files for sharing (1e-6 degrees is about 0.1 m).
SHARE_DIGITS: int = 6
#: Metres per degree used to turn the tolerance into degrees (at the equator: the largest).
_M_PER_DEGREE = 111_320.0


def sharing_note(tolerance_m: float | None) -> str:
    """Return the sentence a file carries about its resolution.

    Examples
    --------
    >>> sharing_note(10)[:60]
    'for sharing: outlines simplified at 10 m (topology preserved'

    """
    if tolerance_m is None:
        return "full resolution: every vertex as loaded"
    return (
        f"for sharing: outlines simplified at {tolerance_m:g} m (topology preserved, "
        f"points not moved), coordinates to {SHARE_DIGITS} decimals; the full-resolution "
        "file: landmap build --full-resolution, or the GeoPackage"
    )


def check_tolerance(tolerance_m: object) -> float:
    """Return the tolerance of a version for sharing, checked.

    Raises
    ------
    DataValueError
        Not a positive number of metres.
    """
    if (
        isinstance(tolerance_m, bool)
        or not isinstance(tolerance_m, int | float)
        or not math.isfinite(tolerance_m)
        or tolerance_m <= 0
    ):
        raise DataValueError(
            f"the sharing tolerance must be a positive number of metres, not {tolerance_m!r} "
            f"of type {type(tolerance_m).__name__}",
            fix=f"e.g. share_m={SHARE_TOLERANCE_M:g}, or None for full resolution",
        )
    return float(tolerance_m)


def simplify_for_sharing(frame: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Return ``frame`` in EPSG:4326 with outlines simplified and coordinates rounded.

    Parameters
    ----------
    frame
        A layer with geometry.
    tolerance_m
        Largest distance (metres) an outline may move; must be positive.

    Returns
    -------
    GeoDataFrame
        The same rows and columns; points are only rounded.

    Raises
    ------
    DataValueError
        A tolerance that is not a positive number.

    """
    check_tolerance(tolerance_m)
    out = frame.to_crs("EPSG:4326") if frame.crs is not None else frame.copy()
    geoms = np.asarray(out.geometry.array, dtype=object)
    types = shapely.get_type_id(geoms)
    outline = np.isin(types, (1, 2, 3, 5, 6, 7))  # lines, polygons, their multis, collections
    if outline.any():
        geoms = geoms.copy()
        geoms[outline] = shapely.simplify(
            geoms[outline], tolerance_m / _M_PER_DEGREE, preserve_topology=True
        )
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, SHARE_DIGITS))
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    return out


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return _json_value(value.item())
    return value


def write_geojson_for_sharing(
    path: Path, frame: gpd.GeoDataFrame, *, description: str, tolerance_m: float
) -> None:
    """Write an RFC 7946 FeatureCollection for sharing (see the module docstring).

    Exterior rings run anticlockwise (RFC 7946's right-hand rule). The collection carries
    ``description`` and a ``landmap`` member with the tolerance and the number of decimals.
    """
    shared = simplify_for_sharing(frame, tolerance_m)
    geoms = np.asarray(shared.geometry.array, dtype=object)
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    texts = shapely.to_geojson(geoms)
    columns = [c for c in shared.columns if c != shared.geometry.name]
    records = pd.DataFrame(shared[columns]).astype(object).to_dict("records")
    parts = []
    for record, geometry in zip(records, texts.tolist(), strict=True):
        props = {k: v for k, v in ((k, _json_value(v)) for k, v in record.items()) if v is not None}
        parts.append(
            '{"type":"Feature","properties":'
            + json.dumps(props, ensure_ascii=False, separators=(",", ":"))
            + ',"geometry":'
            + (geometry or "null")
            + "}"
        )
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "description": description,
            "landmap": {
                "resolution": "for sharing",
                "tolerance_m": tolerance_m,
                "coordinate_decimals": SHARE_DIGITS,
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    text = head[:-1] + ',"features":[\n' + ",\n".join(parts) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


__all__ = [
    "SHARE_DIGITS",
    "SHARE_TOLERANCE_M",
    "check_tolerance",
    "sharing_note",
    "simplify_for_sharing",
    "write_geojson_for_sharing",
]
