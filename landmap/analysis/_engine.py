"""The exact overlay kernel shared by every overlap function.

Given two arrays of polygonal geometries in one metric CRS, return the overlapping pairs and the
area of each overlap. The work is done where it is needed:

1. an STRtree over the right-hand side (concessions) answers all bounding-box queries in bulk;
2. prepared ``contains_properly`` settles pairs where one geometry lies wholly inside the other
   (the overlap is then that geometry; no intersection is computed);
3. prepared ``intersects`` drops pairs that only share a bounding box;
4. ``intersection`` runs only for boundary-crossing pairs, split over threads (shapely releases
   the GIL in its vectorised functions).

Pairs whose overlap has zero area (touching edges or corners) are not overlaps and are dropped.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely

from landmap.errors import AnalysisError


def default_threads() -> int:
    """Threads for the intersection step (at most 4, at most the CPUs available)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def _threaded(func, a: np.ndarray, b: np.ndarray, threads: int) -> np.ndarray:
    n = len(a)
    if threads <= 1 or n < 2_000:
        return func(a, b)
    bounds = np.linspace(0, n, threads + 1).astype(int)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(
            pool.map(
                lambda i: func(a[bounds[i] : bounds[i + 1]], b[bounds[i] : bounds[i + 1]]),
                range(threads),
            )
        )
    return np.concatenate(parts)


def safe_intersection(a: np.ndarray, b: np.ndarray, threads: int = 1) -> np.ndarray:
    """Vectorised intersection; repairs and retries once if GEOS reports a topology error."""
    try:
        return _threaded(shapely.intersection, a, b, threads)
    except shapely.errors.GEOSException:
        a, b = shapely.make_valid(a), shapely.make_valid(b)
        try:
            return _threaded(shapely.intersection, a, b, threads)
        except shapely.errors.GEOSException as err:
            raise AnalysisError(
                f"the overlay failed on invalid geometry even after repair ({err})",
                fix="repair the layers (landmap check) or simplify the offending polygons",
            ) from err


@dataclass
class Pairs:
    """Overlapping pairs of two geometry arrays.

    Positions into the left and right inputs, overlap area (CRS units²) and, when asked for,
    the overlap geometries.
    """

    left: np.ndarray
    right: np.ndarray
    area: np.ndarray
    geometry: np.ndarray | None = None

    @classmethod
    def empty(cls, geometry: bool) -> Pairs:
        return cls(
            np.empty(0, np.intp),
            np.empty(0, np.intp),
            np.empty(0, float),
            np.empty(0, object) if geometry else None,
        )

    @classmethod
    def concat(cls, parts: list[Pairs], geometry: bool) -> Pairs:
        if not parts:
            return cls.empty(geometry)
        return cls(
            np.concatenate([p.left for p in parts]),
            np.concatenate([p.right for p in parts]),
            np.concatenate([p.area for p in parts]),
            np.concatenate([p.geometry for p in parts]) if geometry else None,
        )


def exact_pairs(
    left: np.ndarray,
    right: np.ndarray,
    *,
    geometry: bool = True,
    tree: shapely.STRtree | None = None,
    left_area: np.ndarray | None = None,
    threads: int | None = None,
    reverse_fast_path: bool = True,
    upper_only: bool = False,
) -> Pairs:
    """Overlapping pairs of ``left`` x ``right`` with their overlap areas.

    Parameters
    ----------
    left, right
        Arrays of valid polygonal shapely geometries in one metric CRS.
    geometry
        Also return the overlap geometries.
    tree
        An STRtree over ``right`` to reuse.
    left_area
        Areas of ``left`` if already known.
    threads
        Threads for the intersection step.
    reverse_fast_path
        Also test whether a right geometry lies wholly inside a left one (worth it when the
        left side holds few large polygons, such as protected areas).
    upper_only
        ``left`` and ``right`` are the same array: return each unordered pair once
        (``left < right``), never a geometry with itself.

    """
    threads = default_threads() if threads is None else threads
    if len(left) == 0 or len(right) == 0:
        return Pairs.empty(geometry)
    tree = shapely.STRtree(right) if tree is None else tree
    il, ir = tree.query(left)
    if upper_only:
        keep = il < ir
        il, ir = il[keep], ir[keep]
    if len(il) == 0:
        return Pairs.empty(geometry)
    shapely.prepare(right)
    a, b = left[il], right[ir]
    area = np.zeros(len(il))
    geoms = np.empty(len(il), dtype=object) if geometry else None
    inside = shapely.contains_properly(b, a)
    if left_area is None:
        area[inside] = shapely.area(a[inside])
    else:
        area[inside] = left_area[il[inside]]
    if geometry:
        geoms[inside] = a[inside]
    rest = np.flatnonzero(~inside)
    if reverse_fast_path and len(rest):
        shapely.prepare(a[rest])
        around = shapely.contains_properly(a[rest], b[rest])
        hit = rest[around]
        area[hit] = shapely.area(b[hit])
        if geometry:
            geoms[hit] = b[hit]
        rest = rest[~around]
    if len(rest):
        hit = rest[shapely.intersects(b[rest], a[rest])]
        if len(hit):
            inter = safe_intersection(a[hit], b[hit], threads)
            area[hit] = shapely.area(inter)
            if geometry:
                geoms[hit] = inter
    keep = area > 0
    return Pairs(il[keep], ir[keep], area[keep], geoms[keep] if geometry else None)
