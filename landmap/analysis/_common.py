"""Small pieces the analysis modules share: pair kernels choice, provenance, result framing."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from landmap.analysis._engine import Pairs, exact_pairs
from landmap.analysis._grid import CoverGrid

#: From this many left-hand features on, the coverage grid settles candidates before shapely.
GRID_THRESHOLD = 20_000

#: Column stating the CRS areas and distances were measured in (also in the provenance).
CRS_COLUMN = "crs"


def pairs_auto(left: np.ndarray, right: np.ndarray, *, geometry: bool, threads: int | None,
               reverse_fast_path: bool = True) -> Pairs:
    """Overlapping pairs of two polygon arrays, using the coverage grid for large inputs."""
    if len(left) < GRID_THRESHOLD or len(right) == 0:
        return exact_pairs(left, right, geometry=geometry, threads=threads,
                           reverse_fast_path=reverse_fast_path)
    grid = CoverGrid(right, cells=4 * len(left))
    b = shapely.bounds(left)
    covered, inside = grid.classify(b[:, 0], b[:, 1], b[:, 2], b[:, 3])
    direct = np.flatnonzero(inside >= 0)
    rest = np.flatnonzero(covered & (inside < 0))
    found = exact_pairs(left[rest], right, geometry=geometry, threads=threads,
                        reverse_fast_path=False)
    return Pairs(
        np.concatenate([direct, rest[found.left]]),
        np.concatenate([inside[direct].astype(np.intp), found.right]),
        np.concatenate([shapely.area(left[direct]), found.area]),
        np.concatenate([left[direct], found.geometry]) if geometry else None,
    )


_UNION_CACHE: dict[str, np.ndarray] = {}


def union_parts(geoms: np.ndarray) -> np.ndarray:
    """Disjoint polygons covering the union of ``geoms`` (areas add up without double counts).

    Unions of the same geometries are remembered (keyed by a hash of their WKB), because the
    standard tables union one concession layer several times.
    """
    import hashlib

    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.empty(0, dtype=object)
    digest = hashlib.sha256()
    for blob in shapely.to_wkb(geoms):
        digest.update(blob)
    key = digest.hexdigest()
    if key not in _UNION_CACHE:
        parts = shapely.get_parts(shapely.union_all(geoms))
        if len(_UNION_CACHE) >= 16:
            _UNION_CACHE.pop(next(iter(_UNION_CACHE)))
        _UNION_CACHE[key] = parts[shapely.get_type_id(parts) == 3]
    return _UNION_CACHE[key]


def points_in(x: np.ndarray, y: np.ndarray, polys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(point, polygon)`` of points lying in or on the edge of polygons."""
    if len(x) == 0 or len(polys) == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    shapely.prepare(polys)
    tree = shapely.STRtree(polys)
    if len(x) >= GRID_THRESHOLD:
        grid = CoverGrid(polys, cells=4 * len(x))
        covered, inside = grid.classify(x, y, x, y)
        direct = np.flatnonzero(inside >= 0)
        cand = np.flatnonzero(covered & (inside < 0))
    else:
        direct, inside = np.empty(0, np.intp), np.empty(0, np.intp)
        cand = np.arange(len(x))
    il, ir = tree.query(shapely.points(x[cand], y[cand]))
    hit = shapely.intersects_xy(polys[ir], x[cand[il]], y[cand[il]])
    return (np.concatenate([direct, cand[il[hit]]]),
            np.concatenate([inside[direct].astype(np.intp), ir[hit]]))


def prehash(paths: list[str]) -> Any:
    """Start hashing input files on a background thread; ``join()`` the returned thread.

    The provenance record needs each input's SHA-256; hashing a national cadastre (100+ MB)
    takes about 0.1 s, which overlaps the analysis this way (hashlib releases the GIL).
    """
    import os
    import threading

    from landmap.provenance import file_sha256

    def run() -> None:
        for path in paths:
            if os.path.isfile(path):
                file_sha256(path)

    thread = threading.Thread(target=run, name="landmap-hash", daemon=True)
    thread.start()
    return thread


def provenance(operation: str, crs: str, sources: list[str | None], parameters: dict[str, Any],
               notes: list[str] | None = None) -> dict[str, Any]:
    """Return a provenance record for an analysis result."""
    from landmap.provenance import make_provenance

    record = make_provenance(inputs=[s for s in sources if s], crs=crs, parameters=parameters,
                             operation=operation)
    if notes:
        record["notes"] = notes
    return record


def finish(frame: Any, record: dict[str, Any]) -> Any:
    """Attach provenance and the measuring CRS to a result table and return it."""
    from landmap.provenance import attach

    frame.attrs["crs"] = record.get("crs")
    return attach(frame, record)


def to_storage(geoms: np.ndarray, crs: str) -> Any:
    """Metric geometries back to a GeoSeries in the storage CRS (EPSG:4326)."""
    import geopandas as gpd

    from landmap.schema import STORAGE_CRS

    return gpd.GeoSeries(geoms, crs=crs).to_crs(STORAGE_CRS).values


def slug(text: object, default: str) -> str:
    """Return a column-name prefix for a label (``community forest`` -> ``community_forest``)."""
    import re

    out = re.sub(r"[^0-9a-z]+", "_", str(text or "").lower()).strip("_")
    return out or default


def source_records(frame: Any) -> np.ndarray:
    """Return how many source records stand behind each case.

    A merged register case counts the partners' records it stands for (its
    ``source_records`` column); any other case counts 1.
    """
    import pandas as pd

    if "source_records" not in frame.columns:
        return np.ones(len(frame), dtype=np.int64)
    values = pd.to_numeric(frame["source_records"], errors="coerce")
    return values.fillna(1).clip(lower=1).to_numpy(dtype=np.int64)
