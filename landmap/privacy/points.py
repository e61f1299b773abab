"""Masking case points: displacement inside the commune, centroids, aggregates, consistency.

The gate (:mod:`landmap.privacy.gate`) calls :func:`mask_points` once per published layer. Every
random draw comes from one generator (or from the office's secret key) made for that call, so
one :class:`~landmap.privacy.gate.PublishedLayer` is one draw.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.errors import PrivacyError
from landmap.places import at_unit_point
from landmap.privacy import mask as pm
from landmap.privacy.profiles import PrivacyProfile
from landmap.schema import CAMBODIA_METRIC_CRS, ID_COLUMN

#: Metres kept clear above the minimum radius when displacing: outputs round coordinates (the
#: interactive map to about a metre, KML and CSV to their decimals), and a point drawn right at
#: the minimum must still be outside it after rounding.
ROUNDING_MARGIN_M = 10.0
#: Why a case in a commune too small to move it far enough was left out.
NO_SAFE_POSITION = "no safe position in its commune"
#: Why a case outside every commune (beyond the snapping distance) was left out.
OUTSIDE_COMMUNES = "outside every commune"
#: Why a case in a unit with fewer than ``k`` cases was left out.
SUPPRESSED = "suppressed (small count)"
#: Column added to published case layers saying how each location was changed.
PUBLISHED_LOCATION = "published_location"
#: Note of a case published at the official point of its commune, district or province (it was
#: placed there from its place names; see :func:`landmap.places.at_unit_point`).
COMMUNE_LEVEL = "unit point (location known only to its commune, district or province)"


def _unit_columns(units: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series]:
    def pick(*names: str) -> pd.Series:
        for name in names:
            if name in units.columns:
                return units[name].astype("string")
        return pd.Series([f"unit {i}" for i in range(len(units))], dtype="string")

    return pick("boundary_id", "shapeID", "id", "code"), pick("name", "shapeName", "name_en")


def _stats(distances: np.ndarray) -> dict[str, float | None]:
    d = distances[np.isfinite(distances)]
    if len(d) == 0:
        return {"min": None, "median": None, "max": None}
    return {
        k: round(float(f(d)), 1)
        for k, f in (("min", np.min), ("median", np.median), ("max", np.max))
    }


def _membership(points: np.ndarray, polys: np.ndarray, ids: np.ndarray) -> list[frozenset]:
    sets: list[set] = [set() for _ in range(len(points))]
    ok = ~shapely.is_missing(points) & ~shapely.is_empty(points)
    where = np.flatnonzero(ok)
    if len(where) and len(polys):
        p, c = shapely.STRtree(polys).query(points[where], predicate="intersects")
        for i, j in zip(where[p].tolist(), c.tolist(), strict=True):
            sets[i].add(str(ids[j]))
    return [frozenset(s) for s in sets]


def _consistency(
    case_ids: np.ndarray, true_pts: np.ndarray, new_pts: np.ndarray, concessions: gpd.GeoDataFrame
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    polys = pm.to_metric(concessions, CAMBODIA_METRIC_CRS)
    id_col = ID_COLUMN["concessions"]
    ids = (
        (
            concessions[id_col]
            if id_col in concessions.columns
            else pd.Series(range(len(concessions)))
        )
        .astype(str)
        .to_numpy()
    )
    before = _membership(true_pts, polys, ids)
    after = _membership(new_pts, polys, ids)
    counts = {
        "moved_out_of_concession": 0,
        "moved_into_concession": 0,
        "moved_between_concessions": 0,
    }
    cases = []
    for cid, b, a, gone in zip(case_ids, before, after, shapely.is_missing(new_pts), strict=True):
        if gone or a == b:
            continue
        change = (
            "moved_out_of_concession"
            if not a
            else "moved_into_concession"
            if not b
            else "moved_between_concessions"
        )
        counts[change] += 1
        cases.append(
            {"case_id": str(cid), "change": change, "true": sorted(b), "published": sorted(a)}
        )
    return counts, cases


def _suppress(units: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return a mask of cases in units with fewer than ``k`` cases, and those unit indexes."""
    valid = units >= 0
    values, counts = np.unique(units[valid], return_counts=True)
    small = values[counts < k]
    return valid & np.isin(units, small), small


def _draws(
    layer: pd.DataFrame,
    idx: np.ndarray,
    xy: np.ndarray,
    rng: np.random.Generator,
    key: bytes | None,
    audit: dict[str, Any],
) -> pm.Draw:
    if key is None:
        return pm.rng_draws(rng)
    id_col = ID_COLUMN["cases"]
    if id_col in layer.columns and layer[id_col].notna().all():
        ids = layer[id_col].astype(str).to_numpy()[idx]
    else:
        ids = np.arange(len(layer)).astype(str)[idx]
        audit["warnings"].append(
            "cases without a case_id: the keyed masking follows row order, which may change "
            "between exports"
        )
    return pm.keyed_draws(pm.case_keys(key, ids, xy[idx]))


def load_or_create_key(path: str | os.PathLike[str]) -> bytes:
    """Return the office's secret masking key, creating it (32 random bytes) on first use.

    Keep the file with the internal data, never beside public outputs: whoever has it and the
    public map can undo nothing by itself, but it must not travel with the map either.
    """
    from landmap.io.atomic import atomic_path

    target = Path(path)
    if target.is_file():
        text = target.read_text("ascii").strip()
        try:
            return bytes.fromhex(text)
        except ValueError as err:
            raise PrivacyError(
                "the masking key file is not a hex key",
                path=target,
                fix="delete it to create a new key (masked points will change)",
            ) from err
    with atomic_path(target) as tmp:
        tmp.write_text(secrets.token_hex(32) + "\n", "ascii")
        tmp.chmod(0o600)
    return bytes.fromhex(target.read_text("ascii").strip())


def _displace(
    layer: gpd.GeoDataFrame,
    prof: PrivacyProfile,
    xy: np.ndarray,
    todo: np.ndarray,
    unit: np.ndarray,
    unit_polys: np.ndarray,
    draws: pm.Draw,
    new_xy: np.ndarray,
    note: np.ndarray,
) -> None:
    idx = np.flatnonzero(todo)
    moved, status = pm.displace(
        xy[idx],
        unit_polys[unit[idx]],
        draws=draws,
        min_radius_m=min(prof.min_radius_m + ROUNDING_MARGIN_M, prof.max_radius_m),
        max_radius_m=prof.max_radius_m,
        candidates=prof.candidates,
        max_rounds=prof.max_rounds,
    )
    new_xy[idx] = moved
    note[idx] = np.where(status == pm.LEFT_OUT, "", status)
    stuck = idx[status == pm.LEFT_OUT]
    if len(stuck):
        fb, placed = pm.fallback_points(
            xy[stuck], pm.unit_points(unit_polys[unit[stuck]]), min_radius_m=prof.min_radius_m
        )
        new_xy[stuck] = fb
        note[stuck[placed]] = pm.FALLBACK
        note[stuck[~placed]] = NO_SAFE_POSITION


def _village_units(
    villages: gpd.GeoDataFrame | None,
    true_pts: np.ndarray,
    located: np.ndarray,
    prof: PrivacyProfile,
) -> tuple[np.ndarray, np.ndarray]:
    if villages is None:
        raise PrivacyError(
            "mode 'village_centroid' needs a village layer",
            fix="pass villages=<village polygons or points>, or use 'commune_centroid'",
        )
    vgeoms = pm.to_metric(villages, CAMBODIA_METRIC_CRS)
    if np.all(shapely.get_type_id(vgeoms) == 0):
        vunit = np.full(len(true_pts), -1)
        p, v = shapely.STRtree(vgeoms).query_nearest(true_pts[located], all_matches=False)
        vunit[np.flatnonzero(located)[p]] = v
        return vunit, shapely.get_coordinates(vgeoms)
    vunit = pm.assign_units(true_pts, vgeoms, snap_m=prof.snap_to_commune_m).index
    vunit[~located] = -1
    return vunit, pm.unit_points(vgeoms)


def _mask_cases(
    layer: gpd.GeoDataFrame,
    prof: PrivacyProfile,
    communes: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame | None,
    rng: np.random.Generator,
    key: bytes | None,
    audit: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return true points, published points (missing = left out), unit index and notes."""
    true_pts = pm.to_metric(layer, CAMBODIA_METRIC_CRS)
    n = len(true_pts)
    located = ~shapely.is_missing(true_pts) & ~shapely.is_empty(true_pts)
    located &= shapely.get_type_id(true_pts) == 0
    xy = np.full((n, 2), np.nan)
    xy[located] = shapely.get_coordinates(true_pts[located])
    note = np.full(n, "", dtype=object)
    new_xy = np.full((n, 2), np.nan)
    points = audit["points"]
    points["without_location"] = int((~located).sum())
    unit_polys = pm.to_metric(communes, CAMBODIA_METRIC_CRS)
    unit, how = pm.assign_units(true_pts, unit_polys, snap_m=prof.snap_to_commune_m)
    unit[~located] = -1
    points["in_commune"] = int((how == "inside").sum())
    points["assigned_to_nearest_commune"] = int((how == "nearest").sum())
    outside = located & (unit < 0)
    points["not_in_any_commune"] = int(outside.sum())
    note[outside] = OUTSIDE_COMMUNES
    unit_xy = pm.unit_points(unit_polys)
    if prof.mode == "displace":
        general = located & at_unit_point(layer)
        new_xy[general] = xy[general]
        note[general] = COMMUNE_LEVEL
        points["commune_level"] = int(general.sum())
        todo = located & ~outside & ~general
        draws = _draws(layer, np.flatnonzero(todo), xy, rng, key, audit)
        _displace(layer, prof, xy, todo, unit, unit_polys, draws, new_xy, note)
        points["commune_point_fallback"] = int((note == pm.FALLBACK).sum())
        return true_pts, _points(new_xy), unit, note
    if prof.mode == "village_centroid":
        snap_unit, centres = _village_units(villages, true_pts, located, prof)
        note[located & (snap_unit < 0)] = "outside every village"
    else:
        snap_unit, centres = unit, unit_xy
    small, small_units = _suppress(snap_unit, prof.k)
    ok = (snap_unit >= 0) & ~small
    new_xy[ok] = centres[snap_unit[ok]]
    note[ok] = pm.SNAPPED
    note[small] = SUPPRESSED
    audit["suppression"].update(
        units_suppressed=len(small_units), cases_suppressed=int(small.sum())
    )
    return true_pts, _points(new_xy), snap_unit, note


def _points(xy: np.ndarray) -> np.ndarray:
    pts = shapely.points(xy)
    pts[np.isnan(xy[:, 0])] = None
    return pts


def _aggregate(
    layer: gpd.GeoDataFrame,
    prof: PrivacyProfile,
    communes: gpd.GeoDataFrame,
    audit: dict[str, Any],
) -> gpd.GeoDataFrame:
    true_pts = pm.to_metric(layer, CAMBODIA_METRIC_CRS)
    unit_polys = pm.to_metric(communes, CAMBODIA_METRIC_CRS)
    unit, how = pm.assign_units(true_pts, unit_polys, snap_m=prof.snap_to_commune_m)
    audit["points"].update(
        in_commune=int((how == "inside").sum()),
        assigned_to_nearest_commune=int((how == "nearest").sum()),
        not_in_any_commune=int((unit < 0).sum()),
    )
    households = (
        pd.to_numeric(layer["households"], errors="coerce").to_numpy(dtype="float64")
        if "households" in layer.columns
        else np.full(len(layer), np.nan)
    )
    frame = pd.DataFrame({"unit": unit, "households": households})
    frame = frame[frame["unit"] >= 0]
    grouped = frame.groupby("unit").agg(cases=("unit", "size"), households=("households", "sum"))
    small = grouped["cases"] < prof.k
    audit["suppression"].update(
        units_suppressed=int(small.sum()), cases_suppressed=int(grouped.loc[small, "cases"].sum())
    )
    grouped = grouped[~small]
    ids, names = _unit_columns(communes)
    out = gpd.GeoDataFrame(
        {
            "commune_id": ids.iloc[grouped.index].to_numpy(),
            "commune": names.iloc[grouped.index].to_numpy(),
            "cases": grouped["cases"].astype("Int64").to_numpy(),
            "households": pd.array(grouped["households"].round().astype("int64"), dtype="Int64"),
        },
        geometry=communes.geometry.iloc[grouped.index].to_crs(layer.crs).to_numpy(),
        crs=layer.crs,
    )
    audit["points"]["published_as"] = f"counts per commune (fewer than {prof.k} suppressed)"
    return out


def _location_text(prof: PrivacyProfile, note: np.ndarray) -> pd.arrays.StringArray:
    """Say, row by row, how each published point relates to the true location."""
    if prof.mode == "displace":
        moved = (
            f"moved {prof.min_radius_m:g}-{prof.max_radius_m:g} m in a random direction "
            "within its commune; not the true location"
        )
    elif prof.mode == "commune_centroid":
        moved = "centre of the commune; not the true location"
    else:
        moved = "centre of the village; not the true location"
    text = np.full(len(note), moved, dtype=object)
    text[note == pm.FALLBACK] = "central point of its commune; not the true location"
    text[note == COMMUNE_LEVEL] = (
        "central point of its commune, district or province: the location is known only that far"
    )
    return pd.array(text, dtype="string")


def mask_points(
    data: gpd.GeoDataFrame,
    prof: PrivacyProfile,
    *,
    communes: gpd.GeoDataFrame,
    concessions: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame | None,
    rng: np.random.Generator,
    key: bytes | None,
    audit: dict[str, Any],
) -> gpd.GeoDataFrame:
    """Return the case layer with its published points, and fill in the audit.

    ``data`` holds only the columns the profile publishes (index 0..n-1). Rows that cannot be
    published safely are left out; ``audit["detail"]`` (internal only) lists them by case id.
    """
    if prof.mode == "aggregate":
        return _aggregate(data, prof, communes, audit)
    true_pts, new_pts, unit, note = _mask_cases(data, prof, communes, villages, rng, key, audit)
    moved = ~shapely.is_missing(new_pts)
    dist = shapely.distance(true_pts, new_pts)
    points = audit["points"]
    points["moved"] = int((moved & (note != COMMUNE_LEVEL)).sum())
    points["distance_m"] = _stats(dist[moved & (note != COMMUNE_LEVEL)])
    near = int((dist[moved & (note != COMMUNE_LEVEL)] < prof.min_radius_m).sum())
    points["within_min_radius"] = near
    if near:
        audit["warnings"].append(
            f"{near} published point(s) lie less than {prof.min_radius_m:g} m from their true "
            "location (a unit centre near the case): the leak check will report them"
        )
    if prof.mode == "displace":
        within = np.flatnonzero(moved & (unit >= 0))
        unit_polys = pm.to_metric(communes, CAMBODIA_METRIC_CRS)
        inside = shapely.contains(unit_polys[unit[within]], new_pts[within])
        audit["consistency"]["crossed_commune_boundary"] = int((~inside).sum())
    id_col = ID_COLUMN["cases"]
    case_ids = (
        data[id_col].astype(str).to_numpy()
        if id_col in data.columns
        else np.arange(len(data)).astype(str)
    )
    if concessions is not None:
        counts, cases = _consistency(case_ids, true_pts, new_pts, concessions)
        audit["consistency"].update(counts)
        audit["detail"]["consistency_cases"] = cases
        if cases:
            audit["warnings"].append(
                f"{len(cases)} case(s) appear in a different concession (or none) after masking: "
                "publish counts computed from the true locations (public_summary)"
            )
    located = ~shapely.is_missing(true_pts) & ~shapely.is_empty(true_pts)
    left_out = located & ~moved
    points["left_out"] = int(left_out.sum())
    audit["detail"]["left_out"] = [
        {"case_id": c, "reason": r} for c, r in zip(case_ids[left_out], note[left_out], strict=True)
    ]
    if left_out.any():
        audit["warnings"].append(f"{int(left_out.sum())} case(s) left out of the published layer")
    too_small = int((note == NO_SAFE_POSITION).sum())
    if too_small:
        audit["warnings"].append(
            f"{too_small} case(s) are in communes too small to move them at least "
            f"{prof.min_radius_m:g} m and stay inside (dense urban sangkats); they were left out. "
            "Publish them with mode 'commune_centroid' or 'aggregate', or a smaller radius"
        )
    out = data.copy()
    geom_name = out.geometry.name
    out[geom_name] = gpd.GeoSeries(new_pts, crs=CAMBODIA_METRIC_CRS).to_crs(data.crs).array
    out.insert(list(out.columns).index(geom_name), PUBLISHED_LOCATION, _location_text(prof, note))
    return out[~left_out].reset_index(drop=True)


__all__ = [
    "COMMUNE_LEVEL",
    "NO_SAFE_POSITION",
    "PUBLISHED_LOCATION",
    "ROUNDING_MARGIN_M",
    "load_or_create_key",
    "mask_points",
]
