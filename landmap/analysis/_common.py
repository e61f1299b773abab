"""Small pieces the analysis modules share: point-in-polygon, unions, provenance, framing."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

#: Column stating the CRS areas and distances were measured in (also in the provenance).
CRS_COLUMN = "crs"


class UnionCache:
    """Unions of recently seen geometry sets, so that one layer is unioned once per table set.

    The standard tables union one concession layer several times (coverage per area layer,
    per concession, per administrative level). Entries are keyed by the SHA-256 of the
    geometries' WKB (the same geometries in the same order give the same key; WKB is
    self-delimiting), at most ``maxsize`` are kept (least recently used dropped first), and
    :meth:`clear` empties the cache. Returned arrays are read-only.
    """

    def __init__(self, maxsize: int = 8) -> None:
        import threading
        from collections import OrderedDict

        self.maxsize = maxsize
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def parts(self, geoms: np.ndarray) -> np.ndarray:
        """Return the disjoint polygons of the union of ``geoms`` (computed once per key)."""
        import hashlib

        key = hashlib.sha256(b"".join(shapely.to_wkb(geoms).tolist())).hexdigest()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        parts = shapely.get_parts(shapely.union_all(geoms))
        parts = parts[shapely.get_type_id(parts) == 3]
        parts.flags.writeable = False
        with self._lock:
            self._items[key] = parts
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return parts

    def clear(self) -> None:
        """Forget every union."""
        with self._lock:
            self._items.clear()


#: The analysis functions' union cache (:func:`landmap.analysis.clear_caches` empties it).
UNIONS = UnionCache()


def clear_caches() -> None:
    """Forget the unions the analysis functions remember (see :class:`UnionCache`)."""
    UNIONS.clear()


def union_parts(geoms: np.ndarray) -> np.ndarray:
    """Disjoint polygons covering the union of ``geoms`` (areas add up without double counts).

    Parameters
    ----------
    geoms
        Valid polygonal shapely geometries in one CRS.

    Returns
    -------
    numpy.ndarray
        The polygons of their union, one per part (read-only; remembered in :data:`UNIONS`).

    Examples
    --------
    >>> import shapely
    >>> parts = union_parts(np.array([shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1),
    ...                               shapely.box(5, 0, 6, 1)]))
    >>> sorted(shapely.area(parts).tolist())
    [1.0, 3.0]

    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.empty(0, dtype=object)
    return UNIONS.parts(geoms)


def points_in(x: np.ndarray, y: np.ndarray, polys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(point, polygon)`` of points lying in or on the edge of polygons.

    An STRtree over the polygons gives the candidates; prepared ``intersects_xy`` settles them.

    Examples
    --------
    >>> import shapely
    >>> points_in(np.array([0.5, 2.0, 5.0]), np.array([0.5, 0.5, 5.0]),
    ...           np.array([shapely.box(0, 0, 2, 1)]))
    (array([0, 1]), array([0, 0]))

    """
    if len(x) == 0 or len(polys) == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    shapely.prepare(polys)
    tree = shapely.STRtree(polys)
    il, ir = tree.query(shapely.points(x, y))
    hit = shapely.intersects_xy(polys[ir], x[il], y[il])
    return il[hit], ir[hit]


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


def provenance(
    operation: str,
    crs: str,
    sources: list[str | None],
    parameters: dict[str, Any],
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """Return a provenance record for an analysis result."""
    from landmap.provenance import make_provenance

    record = make_provenance(
        inputs=[s for s in sources if s], crs=crs, parameters=parameters, operation=operation
    )
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
