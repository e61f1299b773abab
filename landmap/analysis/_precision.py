"""Counting cases at the levels their location precision supports.

A case counts in a unit of a level only when its place is known to that level or better
(:func:`landmap.places.supports`): a district-precision case counts in its district and
province, never in a commune; at the commune level it goes to an explicit "commune unknown"
row of its district. A case whose precision supports the level but whose point lies in no unit
of the layer goes to an "outside every unit" row. So every level's rows add up to the same
total: every case with a point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from landmap.places import CODE_LENGTH_OF, RANK, gazetteer, precision_rank, units_at
from landmap.schema import label

ROW_KINDS = ("unit", "unknown", "outside")


def case_precision(frame: Any) -> np.ndarray:
    """Return the precision of each case (``exact`` where the layer has no precision column)."""
    if "location_precision" not in frame.columns:
        return np.full(len(frame), "exact", dtype=object)
    values = frame["location_precision"].astype(object).to_numpy()
    return np.array(
        [v if isinstance(v, str) and v in RANK else "exact" for v in values], dtype=object
    )


def coarse_codes(frame: Any, precision: np.ndarray, lonlat: np.ndarray) -> np.ndarray:
    """Return the code of the unit each non-exact case is known to (``""`` where unknown).

    From ``admin_code`` when it is fine enough, else from the bundled commune its point lies
    in (a point typed in the register with a coarse precision).
    """
    n = len(frame)
    out = np.full(n, "", dtype=object)
    length = np.array([CODE_LENGTH_OF.get(p, 0) for p in precision])
    admin = (
        frame["admin_code"].astype(object).to_numpy()
        if "admin_code" in frame.columns
        else np.full(n, None, dtype=object)
    )
    todo = np.flatnonzero(length > 0)
    need_point = []
    for i in todo:
        code = admin[i]
        if isinstance(code, str) and len(code) >= length[i]:
            out[i] = code[: length[i]]
        else:
            need_point.append(i)
    if need_point:
        idx = np.array(need_point)
        found = units_at(lonlat[idx, 0], lonlat[idx, 1])
        out[idx] = [
            f[: length[i]] if isinstance(f, str) else "" for f, i in zip(found, idx, strict=True)
        ]
    return out


def unit_links(
    frame: Any, positions: np.ndarray, precision: np.ndarray, features: np.ndarray, crs: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Link non-exact cases to the features their unit (commune, district...) overlaps.

    Returns positions ``(case, feature)`` and the code of the case's unit, for the cases at
    ``positions``; ``features`` are polygons in the metric ``crs``.
    """
    import geopandas as gpd
    import shapely

    from landmap.places import unit_geometries

    if not len(positions) or not len(features):
        return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, dtype=object)
    sub = frame.iloc[positions]
    codes = coarse_codes(sub, precision[positions], _lonlat(sub))
    shapes = unit_geometries([c or None for c in codes])
    have = np.flatnonzero([s is not None for s in shapes])
    if not len(have):
        return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, dtype=object)
    metric = np.asarray(
        gpd.GeoSeries(shapes[have], crs="EPSG:4326").to_crs(crs).values, dtype=object
    )
    tree = shapely.STRtree(features)
    left, right = tree.query(metric, predicate="intersects")
    return positions[have[left]], right, codes[have[left]]


def _lonlat(frame: Any) -> np.ndarray:
    """Longitude and latitude of each row's point (``NaN`` where it has none)."""
    import shapely

    geoms = np.asarray(frame.geometry.to_crs("EPSG:4326").values, dtype=object)
    out = np.full((len(geoms), 2), np.nan)
    pts = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) == 0)
    out[pts, 0], out[pts, 1] = shapely.get_x(geoms[pts]), shapely.get_y(geoms[pts])
    return out


def level_rows(
    level: str,
    cases: np.ndarray,
    hits_case: np.ndarray,
    precision: np.ndarray,
    codes: np.ndarray,
    households: np.ndarray,
) -> list[dict[str, object]]:
    """Return the "unknown" and "outside" rows of one level.

    ``cases`` are the positions of the cases with a point; ``hits_case`` those counted in a
    unit of this level.
    """
    g = gazetteer()
    counted = np.zeros(len(precision), dtype=bool)
    counted[hits_case] = True
    ranks = precision_rank(precision)
    need = RANK[level]
    rows: list[dict[str, object]] = []
    coarse = cases[ranks[cases] < need]
    frame = pd.DataFrame(
        {"code": codes[coarse], "precision": precision[coarse], "households": households[coarse]}
    )
    for (code, prec), part in frame.groupby(["code", "precision"], sort=True):
        known = f"{prec} {g.label(code)}" if code else f"{prec} only"
        known_km = (
            f"{label('location_precision', prec, 'km')}{g.name(code, 'km')}"
            if code
            else label("location_precision", prec, "km")
        )
        rows.append(
            _row(
                level,
                f"{label('heading', level)} unknown: located to the {known}",
                f"មិនស្គាល់{label('location_precision', level, 'km')} ({known_km})",
                g.label(code) if code else None,
                "unknown",
                part["households"],
            )
        )
    lost = cases[(ranks[cases] >= need) & ~counted[cases]]
    if len(lost):
        rows.append(
            _row(
                level,
                "outside every unit of this layer",
                "នៅក្រៅព្រំប្រទល់ទាំងអស់",
                None,
                "outside",
                pd.Series(households[lost]),
            )
        )
    return rows


def _row(
    level: str, name: str, name_km: str, parent: str | None, kind: str, households: pd.Series
) -> dict[str, object]:
    return {
        "boundary_id": None,
        "level": level,
        "name": name,
        "name_km": name_km,
        "parent": parent,
        "unit_ha": np.nan,
        "cases": len(households),
        "households": int(np.nansum(households.to_numpy(dtype=float))),
        "row_kind": kind,
    }


__all__ = ["ROW_KINDS", "case_precision", "coarse_codes", "level_rows", "lonlat", "unit_links"]

lonlat = _lonlat
