"""Geomasking of case points: displacement inside the commune, centroid snapping, aggregation.

Everything here works on plain arrays in a metric CRS (EPSG:32648) and is vectorised: the
rejection sampler draws many candidate points per case at once and tests them all with one
:func:`shapely.contains_xy` call per round.
"""

from __future__ import annotations

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


def _annulus(rng: np.random.Generator, shape: tuple[int, ...], rmin: float, rmax: float):
    # Uniform over the annulus area: the radius' square is uniform in [rmin², rmax²].
    r = np.sqrt(rng.uniform(rmin * rmin, rmax * rmax, size=shape))
    theta = rng.uniform(0.0, 2.0 * np.pi, size=shape)
    return r * np.cos(theta), r * np.sin(theta)


def displace(
    xy: np.ndarray,
    constraint: np.ndarray | None,
    *,
    rng: np.random.Generator,
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
    rng
        The random generator (seeded per export by the caller).
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
    dx, dy = _annulus(rng, (n,), min_radius_m, max_radius_m)
    out[free] = xy[free] + np.column_stack([dx, dy])[free]
    status[free] = UNCONSTRAINED
    pending = np.flatnonzero(~free)
    shapely.prepare(polys[pending])
    for _ in range(max_rounds):
        if len(pending) == 0:
            break
        dx, dy = _annulus(rng, (len(pending), candidates), min_radius_m, max_radius_m)
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
    "displace",
    "fallback_points",
    "to_metric",
    "unit_points",
]
