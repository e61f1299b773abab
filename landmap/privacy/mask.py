"""Geomasking of case points: displacement inside the commune, centroid snapping, aggregation.

Everything here works on plain arrays in a metric CRS (EPSG:32648) and is vectorised: the
rejection sampler draws many candidate points per case at once and tests them all with one
:func:`shapely.contains_xy` call per round.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import shapely

from landmap.errors import PrivacyError

#: Status of each case after masking.
DISPLACED = "displaced"
FALLBACK = "commune point"  # the commune's representative point (sampling found nothing)
UNCONSTRAINED = "displaced, no commune"
SNAPPED = "snapped"
LEFT_OUT = "left out"


class CommuneAssignment(NamedTuple):
    """Which commune each case belongs to.

    ``index`` is the position in the commune layer (``-1``: none); ``how`` is ``"inside"``,
    ``"nearest"`` (within the snapping distance of a commune) or ``"none"``.
    """

    index: np.ndarray
    how: np.ndarray


def assign_units(points: np.ndarray, units: np.ndarray, *, snap_m: float) -> CommuneAssignment:
    """Return the unit polygon each point falls in (or the nearest within ``snap_m``).

    Parameters
    ----------
    points
        Point geometries in a metric CRS.
    units
        Polygon geometries (communes or villages) in the same CRS.
    snap_m
        Points outside every unit but at most this far from one are assigned to the nearest.

    """
    n = len(points)
    index = np.full(n, -1, dtype=np.int64)
    how = np.full(n, "none", dtype=object)
    if n == 0 or len(units) == 0:
        return CommuneAssignment(index, how)
    tree = shapely.STRtree(units)
    pts, polys = tree.query(points, predicate="intersects")
    # A point on a shared edge intersects two units: keep the first, deterministically.
    first = np.unique(pts, return_index=True)[1]
    index[pts[first]] = polys[first]
    how[pts[first]] = "inside"
    missing = np.flatnonzero(index < 0)
    if len(missing) and snap_m > 0:
        near_pts, near_polys = tree.query_nearest(
            points[missing], max_distance=snap_m, all_matches=False
        )
        index[missing[near_pts]] = near_polys
        how[missing[near_pts]] = "nearest"
    return CommuneAssignment(index, how)


def unit_points(units: np.ndarray) -> np.ndarray:
    """Return one point per unit: the centroid, or a point surely inside when the centroid is not.

    Returns an ``(n, 2)`` array of coordinates.
    """
    centroids = shapely.centroid(units)
    inside = shapely.contains(units, centroids)
    points = np.where(inside, centroids, shapely.point_on_surface(units))
    return shapely.get_coordinates(points).reshape(-1, 2) if len(units) else np.empty((0, 2))


#: ``draw(rows, round, k)`` returns uniforms in [0, 1) of shape ``(len(rows), k, 2)``.
Draw = Callable[[np.ndarray, int, int], np.ndarray]
_GAMMA = np.uint64(0x9E3779B97F4A7C15)


def rng_draws(rng: np.random.Generator) -> Draw:
    """Draws from a generator seeded for one export (a new seed every export)."""
    return lambda rows, _round, k: rng.random((len(rows), k, 2))


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + _GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def case_keys(key: bytes, case_ids: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """One 64-bit secret per case from the office key, the case id and its true location."""
    out = np.empty(len(case_ids), dtype=np.uint64)
    for i, (cid, (x, y)) in enumerate(zip(case_ids, xy, strict=True)):
        data = f"{cid}\0{x:.0f}\0{y:.0f}".encode()
        digest = hashlib.blake2b(data, key=key[:64], digest_size=8, person=b"landmap-mask")
        out[i] = int.from_bytes(digest.digest(), "little")
    return out


def keyed_draws(keys: np.ndarray) -> Draw:
    """Return draws that depend only on each case's secret.

    The same case is masked the same way in every export, so comparing many published maps
    reveals nothing more than one does.
    """

    def draw(rows: np.ndarray, round_no: int, k: int) -> np.ndarray:
        counters = np.arange(round_no * 2 * k + 1, (round_no + 1) * 2 * k + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            x = keys[rows][:, None] + counters[None, :] * _GAMMA
        u = (_splitmix64(x) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
        return u.reshape(len(rows), k, 2)

    return draw


def _annulus(u: np.ndarray, rmin: float, rmax: float) -> tuple[np.ndarray, np.ndarray]:
    # Uniform over the annulus area: the radius' square is uniform in [rmin², rmax²].
    r = np.sqrt(rmin * rmin + u[..., 0] * (rmax * rmax - rmin * rmin))
    theta = 2.0 * np.pi * u[..., 1]
    return r * np.cos(theta), r * np.sin(theta)


def displace(
    xy: np.ndarray,
    constraint: np.ndarray | None,
    *,
    draws: Draw,
    min_radius_m: float,
    max_radius_m: float,
    candidates: int = 16,
    max_rounds: int = 12,
) -> tuple[np.ndarray, np.ndarray]:
    """Move each point by a random distance in ``[min_radius_m, max_radius_m]``, kept in a polygon.

    Parameters
    ----------
    xy
        ``(n, 2)`` true coordinates in metres.
    constraint
        ``n`` polygons (the case's commune) the new point must fall strictly inside, or
        ``None`` entries / ``None`` for no constraint.
    draws
        Where the randomness comes from: :func:`rng_draws` (fresh per export) or
        :func:`keyed_draws` (the same for a case in every export).
    min_radius_m, max_radius_m
        Distance range; the draw is uniform over the annulus area, the angle uniform.
    candidates, max_rounds
        Candidates drawn per point per round, and rounds before giving up.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        New ``(n, 2)`` coordinates (``nan`` where no position was found) and the status per
        point: :data:`DISPLACED`, :data:`UNCONSTRAINED` or :data:`LEFT_OUT`. The caller decides
        what to do with points left out (see :func:`fallback_points`).

    """
    n = len(xy)
    out = np.full((n, 2), np.nan)
    status = np.full(n, LEFT_OUT, dtype=object)
    if n == 0:
        return out, status
    polys = np.full(n, None, dtype=object) if constraint is None else np.asarray(constraint)
    free = shapely.is_missing(polys)
    idx_free = np.flatnonzero(free)
    if len(idx_free):
        dx, dy = _annulus(draws(idx_free, 0, candidates)[:, 0], min_radius_m, max_radius_m)
        out[idx_free] = xy[idx_free] + np.column_stack([dx, dy])
        status[idx_free] = UNCONSTRAINED
    pending = np.flatnonzero(~free)
    shapely.prepare(polys[pending])
    for round_no in range(max_rounds):
        if len(pending) == 0:
            break
        dx, dy = _annulus(draws(pending, round_no, candidates), min_radius_m, max_radius_m)
        cx = xy[pending, 0:1] + dx
        cy = xy[pending, 1:2] + dy
        ok = shapely.contains_xy(polys[pending][:, None], cx, cy)
        hit = ok.any(axis=1)
        first = ok.argmax(axis=1)
        rows = np.flatnonzero(hit)
        done = pending[rows]
        out[done, 0] = cx[rows, first[rows]]
        out[done, 1] = cy[rows, first[rows]]
        status[done] = DISPLACED
        pending = pending[~hit]
    return out, status


def fallback_points(
    xy: np.ndarray, unit_xy: np.ndarray, *, min_radius_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Use the commune's own point for cases the sampler could not place, when it is far enough.

    Parameters
    ----------
    xy
        ``(m, 2)`` true coordinates of the cases left out.
    unit_xy
        ``(m, 2)`` the point of each case's commune (:func:`unit_points`).
    min_radius_m
        The commune point is used only when it lies at least this far from the true location;
        otherwise the case stays left out (it is dropped from the published layer and counted
        in the audit: publishing it anywhere in so small a commune would reveal too much).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Coordinates (``nan`` where left out) and a boolean mask of the cases placed.

    """
    far = np.hypot(*(unit_xy - xy).T) >= min_radius_m
    out = np.where(far[:, None], unit_xy, np.nan)
    return out, far


def to_metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries, crs: str) -> np.ndarray:
    """Return the geometries of a layer in the metric CRS as a shapely array."""
    if gdf.crs is None:
        raise PrivacyError(
            "a layer has no coordinate reference system, so distances cannot be measured",
            fix="load it with landmap's loaders, or set the CRS (gdf.set_crs('EPSG:4326'))",
        )
    series = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) else gdf
    return np.asarray(series.to_crs(crs).array, dtype=object)


__all__ = [
    "DISPLACED",
    "FALLBACK",
    "LEFT_OUT",
    "SNAPPED",
    "UNCONSTRAINED",
    "CommuneAssignment",
    "assign_units",
    "case_keys",
    "displace",
    "fallback_points",
    "keyed_draws",
    "rng_draws",
    "to_metric",
    "unit_points",
]
