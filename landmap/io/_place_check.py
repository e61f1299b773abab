"""Checking kept case points against the places their rows name (part of validation).

A case whose point lies more than :data:`OUTSIDE_TOLERANCE_M` outside the unit its province /
district / commune names (or code) matched is flagged, naming the unit the point is really in;
cases placed from their names are marked repaired. The check runs on the validated points, so
swapped coordinates are already swapped back.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely

from landmap.io._geocode import _PRECISION_OF_LENGTH, Placed
from landmap.places import gazetteer, unit_geometries, unit_points, units_at

#: A point this close to the unit its row names is not flagged: the bundled commune polygons
#: are simplified and a few hundred metres off along their edges.
OUTSIDE_TOLERANCE_M = 500.0
_METRES_PER_DEGREE = 111_320.0


def outside_flags(x, y, check, admin) -> pd.Series:
    """Flag rows whose point lies outside the unit their names matched (index = row)."""
    rows = np.flatnonzero(check)
    if not len(rows):
        return pd.Series([], dtype="string")
    codes = np.array([a[:6] for a in admin[rows]], dtype=object)
    shapes = unit_geometries(codes)
    _, placed = unit_points(codes)
    have = np.array([s is not None for s in shapes], dtype=bool)
    rows, shapes, placed = rows[have], shapes[have], placed[have]
    inside = np.zeros(len(rows), dtype=bool)
    for code in pd.unique(placed):  # one prepared polygon per unit, all its points at once
        sel = np.flatnonzero(placed == code)
        shape = shapes[sel[0]]
        shapely.prepare(shape)
        inside[sel] = shapely.intersects_xy(shape, x[rows[sel]], y[rows[sel]])
    out = np.flatnonzero(~inside)
    if not len(out):
        return pd.Series([], dtype="string")
    pts = shapely.points(x[rows[out]], y[rows[out]])
    cos = np.cos(np.radians(y[rows[out]]))
    far = shapely.distance(shapes[out], pts) * _METRES_PER_DEGREE * np.maximum(cos, 0.9)
    actual = units_at(x[rows[out]], y[rows[out]], uncoded="")
    # a point in one of the few polygons without a code cannot be checked: its unit is unknown
    keep = (far > OUTSIDE_TOLERANCE_M) & np.array([a != "" for a in actual], dtype=bool)
    out, far, actual = out[keep], far[keep], actual[keep]
    g = gazetteer()
    text = []
    for k, pos in enumerate(out):
        level = _PRECISION_OF_LENGTH[len(placed[pos])]
        where = f"in {g.path(actual[k])}" if actual[k] else "in no commune of Cambodia"
        text.append(
            f"the point lies outside the stated {level} {g.label(placed[pos])} "
            f"(about {far[k] / 1000:.1f} km from it), {where}: check the coordinates "
            "or the place names"
        )
    return pd.Series(text, index=rows[out], dtype="string")


def with_placed(checked: NamedTuple, placed: Placed, details: dict[str, object]) -> NamedTuple:
    """Mark the rows placed from names as repaired; check the kept points against their places.

    The check runs on the validated points (swapped coordinates already swapped back).
    """
    rejected = checked.rejected  # type: ignore[attr-defined]
    repaired = checked.repaired | (placed.located & ~rejected)  # type: ignore[attr-defined]
    x = np.full(len(rejected), np.nan)
    y = np.full(len(rejected), np.nan)
    keep = np.flatnonzero(~rejected)
    if hasattr(checked, "x"):
        x, y = checked.x, checked.y  # type: ignore[attr-defined]
    else:
        geoms = np.asarray(checked.data.geometry.values, dtype=object)  # type: ignore[attr-defined]
        pts = keep[shapely.get_type_id(geoms[keep]) == 0]
        x[pts], y[pts] = shapely.get_x(geoms[pts]), shapely.get_y(geoms[pts])
    flags = outside_flags(x, y, placed.check & ~rejected & np.isfinite(x), placed.admin)
    details["places"]["point_outside_stated_unit"] = len(flags)  # type: ignore[index]
    reasons = [*checked.reasons, placed.notes, flags]  # type: ignore[attr-defined]
    return checked._replace(repaired=repaired, reasons=reasons)  # type: ignore[attr-defined]


__all__ = ["OUTSIDE_TOLERANCE_M", "outside_flags", "with_placed"]
