"""Streaming GeoParquet reader for national-scale layers (millions of parcels or points).

A GeoParquet file in a metric CRS is read one row group at a time, and only the columns needed:
first the bounding-box covering column (four doubles per row, GeoParquet 1.1), which the
:class:`~landmap.analysis._grid.CoverGrid` classifies without building any geometry; then, only
for row groups holding candidates, the WKB and id columns, of which only the candidate rows are
turned into shapely geometries. Typically fewer than one parcel in six reaches shapely, and
memory stays bounded by one row group.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from landmap.analysis._engine import exact_pairs
from landmap.analysis._grid import CoverGrid

GEOPARQUET_SUFFIXES = (".parquet", ".geoparquet", ".gpq")
#: Files with at least this many rows are read on several threads (below, threads cost more
#: than they save).
THREADED_ROWS = 200_000
#: Files with fewer rows skip the coverage grid (building it costs more than it saves).
GRID_ROWS = 50_000


@dataclass
class GeoParquetInfo:
    """What the fast path needs to know about a GeoParquet file."""

    path: str
    geometry: str
    crs: str | None
    metric: bool
    bbox: tuple[str, str, str, str] | None
    columns: list[str]
    geometry_types: tuple[str, ...] = ()

    @property
    def points(self) -> bool:
        """Whether the file declares only point geometries."""
        return bool(self.geometry_types) and all(
            t.split(" ")[0] in ("Point", "MultiPoint") for t in self.geometry_types)


def inspect(path: str | os.PathLike[str]) -> GeoParquetInfo | None:
    """Describe a GeoParquet file with WKB geometry, or return ``None`` if it is not one."""
    if not str(path).lower().endswith(GEOPARQUET_SUFFIXES) or not os.path.isfile(path):
        return None
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception:  # noqa: BLE001 - not a readable Parquet file: let the loaders report it
        return None
    meta = schema.metadata or {}
    if b"geo" not in meta:
        return None
    geo = json.loads(meta[b"geo"])
    name = geo.get("primary_column", "geometry")
    col = geo.get("columns", {}).get(name, {})
    if col.get("encoding", "WKB").upper() != "WKB":
        return None
    crs_json = col.get("crs", "missing")
    crs = None
    metric = False
    if isinstance(crs_json, dict):
        ident = crs_json.get("id") or {}
        if ident.get("authority") and ident.get("code"):
            crs = f"{ident['authority']}:{ident['code']}"
        axes = (crs_json.get("coordinate_system") or {}).get("axis") or []
        metric = crs_json.get("type") == "ProjectedCRS" and bool(axes) and all(
            a.get("unit") in ("metre", "m") for a in axes)
    elif crs_json == "missing":
        crs = "OGC:CRS84"  # GeoParquet's default
    bbox = None
    cover = (col.get("covering") or {}).get("bbox")
    if cover:
        bbox = tuple(cover[k][0] + "." + cover[k][1] for k in ("xmin", "ymin", "xmax", "ymax"))
    return GeoParquetInfo(str(path), name, crs, metric and crs is not None, bbox,  # type: ignore[arg-type]
                          list(schema.names), tuple(col.get("geometry_types") or ()))


def id_column(info: GeoParquetInfo, canonical: str) -> str | None:
    """Return the id column of a GeoParquet layer: the canonical one, else ``id`` or ``*_id``."""
    if canonical in info.columns:
        return canonical
    for name in info.columns:
        if name.lower() == "id" or name.lower().endswith("_id"):
            return name
    return None


def read_small(info: GeoParquetInfo, columns: list[str] | None = None) -> tuple[Any, np.ndarray]:
    """Read a small GeoParquet layer whole: (pyarrow table of attributes, shapely geometries)."""
    import pyarrow.parquet as pq

    wanted = None if columns is None else [c for c in columns if c in info.columns]
    if wanted is not None:
        wanted = [*wanted, info.geometry]
    table = pq.read_table(info.path, columns=wanted)
    geoms = shapely.from_wkb(table.column(info.geometry).to_numpy(zero_copy_only=False))
    return table.drop_columns([info.geometry]), geoms


def _bbox_arrays(table: Any, names: tuple[str, str, str, str]) -> list[np.ndarray]:
    struct = table.column(names[0].split(".")[0]).combine_chunks()
    return [struct.field(n.split(".", 1)[1]).to_numpy(zero_copy_only=False) for n in names]


def _one_row_group(pf: Any, rg: int, info: GeoParquetInfo, grid: CoverGrid, extra: list[str]):
    if info.bbox is not None:
        bb = _bbox_arrays(pf.read_row_group(rg, columns=[info.bbox[0].split(".")[0]]), info.bbox)
        covered, inside = grid.classify(*bb)
        cand = np.flatnonzero(covered)
        if len(cand) == 0:
            return None
        table = pf.read_row_group(rg, columns=[info.geometry, *extra]).take(cand)
        geoms = shapely.from_wkb(table.column(info.geometry).to_numpy(zero_copy_only=False))
    else:
        table = pf.read_row_group(rg, columns=[info.geometry, *extra])
        all_geoms = shapely.from_wkb(table.column(info.geometry).to_numpy(zero_copy_only=False))
        b = shapely.bounds(all_geoms)
        covered, inside = grid.classify(b[:, 0], b[:, 1], b[:, 2], b[:, 3])
        cand = np.flatnonzero(covered)
        table, geoms = table.take(cand), all_geoms[cand]
    geoms = _repaired(geoms)
    return cand, inside[cand], table, geoms, shapely.area(geoms)


def _repaired(geoms: np.ndarray) -> np.ndarray:
    """Candidates made valid (a bow-tie parcel's GEOS area is wrong until it is repaired)."""
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        from landmap.analysis._layers import polygonal

        fixed, usable = polygonal(geoms[bad])
        geoms = geoms.copy()
        geoms[bad] = np.where(usable, fixed, shapely.from_wkt("POLYGON EMPTY"))
    return geoms


class _NoGrid:
    """Stand-in for :class:`CoverGrid` on small files: every feature is a candidate."""

    def classify(self, xmin: np.ndarray, *_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(xmin)
        return np.ones(n, dtype=bool), np.full(n, -1, dtype=np.int64)


@dataclass
class StreamedPairs:
    """Pairs from a streamed layer: row positions, left ids, right positions, areas."""

    row: np.ndarray
    left_id: Any  # a pyarrow array (the file's own id type) or None
    right: np.ndarray
    overlap: np.ndarray
    left_area: np.ndarray
    geometry: np.ndarray | None
    attributes: Any = None  # a pyarrow table of the requested columns, or None


@dataclass
class _Chunk:
    rows: np.ndarray
    ids: Any
    right: np.ndarray
    overlap: np.ndarray
    area: np.ndarray
    geometry: np.ndarray | None


class _Worker:
    """One reader's state: its own file handle and, when threaded, its own polygons.

    GEOS builds a prepared geometry's indexes lazily, so threads never share prepared polygons:
    each worker prepares a copy.
    """

    def __init__(self, info: GeoParquetInfo, right: np.ndarray, grid: Any, extra: list[str],
                 *, geometry: bool, copy: bool, threads: int) -> None:
        import pyarrow.parquet as pq

        self.info, self.grid, self.extra = info, grid, extra
        self.geometry, self.threads = geometry, threads
        self.pf = pq.ParquetFile(info.path)
        self.right = shapely.from_wkb(shapely.to_wkb(right)) if copy else right
        shapely.prepare(self.right)
        self.tree = shapely.STRtree(self.right)

    def run(self, rg: int, offset: int) -> _Chunk | None:
        res = _one_row_group(self.pf, rg, self.info, self.grid, self.extra)
        if res is None:
            return None
        cand, inside, table, geoms, area = res
        lab = np.flatnonzero(inside >= 0)
        rest = np.flatnonzero(inside < 0)
        found = exact_pairs(geoms[rest], self.right, geometry=self.geometry, tree=self.tree,
                            left_area=area[rest], threads=self.threads,
                            reverse_fast_path=False)
        sel = np.concatenate([lab, rest[found.left]])
        ids = None
        if self.extra:
            import pyarrow as pa

            ids = table.select(self.extra).take(pa.array(sel))
        return _Chunk(
            rows=offset + cand[sel],
            ids=ids,
            right=np.concatenate([inside[lab].astype(np.intp), found.right]),
            overlap=np.concatenate([area[lab], found.area]),
            area=area[sel],
            geometry=np.concatenate([geoms[lab], found.geometry]) if self.geometry else None,
        )


def stream_overlap(
    info: GeoParquetInfo,
    right: np.ndarray,
    *,
    id_column: str | None,
    geometry: bool,
    threads: int | None,
    grid: CoverGrid | None = None,
    attributes: tuple[str, ...] = (),
) -> StreamedPairs:
    """Overlap every polygon of a GeoParquet file with ``right`` (metric, valid, polygonal).

    ``attributes`` names further columns to return for the overlapping rows (those present).

    Each row group is read, classified, and its candidates settled (exactly) by one worker;
    large files use one worker per thread, so reading, WKB parsing, predicates and
    intersections all run in parallel (pyarrow and shapely release the GIL).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from landmap.analysis._engine import default_threads

    threads = default_threads() if threads is None else threads
    meta = pq.ParquetFile(info.path).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes else []
    rows_total = int(sum(sizes))
    if grid is None:
        grid = CoverGrid(right, cells=4 * rows_total) if rows_total >= GRID_ROWS else _NoGrid()
    extra = [id_column] if id_column else []
    extra += [c for c in attributes if c in info.columns and c not in extra]
    chunks: list[_Chunk] = []
    if threads > 1 and len(sizes) > 1 and rows_total >= THREADED_ROWS:
        import threading
        from concurrent.futures import ThreadPoolExecutor

        local = threading.local()

        def work(rg: int) -> _Chunk | None:
            if not hasattr(local, "worker"):
                local.worker = _Worker(info, right, grid, extra, geometry=geometry, copy=True,
                                       threads=1)
            return local.worker.run(rg, int(offsets[rg]))

        with ThreadPoolExecutor(max_workers=threads) as pool:
            chunks = [c for c in pool.map(work, range(len(sizes))) if c is not None]
    else:
        worker = _Worker(info, right, grid, extra, geometry=geometry, copy=False,
                         threads=threads)
        for rg in range(len(sizes)):
            chunk = worker.run(rg, int(offsets[rg]))
            if chunk is not None:
                chunks.append(chunk)
    if not chunks:
        empty = np.empty(0, np.intp)
        return StreamedPairs(empty, None, empty, np.empty(0), np.empty(0),
                             np.empty(0, object) if geometry else None)
    left_id = table = None
    if extra:
        table = pa.concat_tables([c.ids for c in chunks])
        if id_column:
            left_id = table.column(id_column).combine_chunks()
    return StreamedPairs(
        np.concatenate([c.rows for c in chunks]),
        left_id,
        np.concatenate([c.right for c in chunks]),
        np.concatenate([c.overlap for c in chunks]),
        np.concatenate([c.area for c in chunks]),
        np.concatenate([c.geometry for c in chunks]) if geometry else None,
        table,
    )


def _points_row_group(pf: Any, rg: int, info: GeoParquetInfo, grid: CoverGrid,
                      right: np.ndarray, id_column: str | None):
    import pyarrow as pa

    if info.bbox:  # points: xmin, ymin of the covering bbox are the coordinates
        cols = list(info.bbox[:2])
    else:
        cols = [info.geometry]
    if id_column:
        cols.append(id_column)
    table = pf.read_row_group(rg, columns=cols)
    if info.bbox:
        struct = table.column(info.bbox[0].split(".")[0]).combine_chunks()
        x, y = (struct.field(n.split(".", 1)[1]).to_numpy(zero_copy_only=False)
                for n in info.bbox[:2])
    else:
        xy = shapely.get_coordinates(
            shapely.from_wkb(table.column(info.geometry).to_numpy(zero_copy_only=False)))
        x, y = xy[:, 0], xy[:, 1]
    ip, ik, sure = grid.point_candidates(x, y)
    test = np.flatnonzero(~sure)
    sure[test] = shapely.intersects_xy(right[ik[test]], x[ip[test]], y[ip[test]])
    rows, rights = ip[sure], ik[sure].astype(np.intp)
    ids = table.column(id_column).take(pa.array(rows)) if id_column else None
    return rows, rights, ids


def stream_points(
    info: GeoParquetInfo,
    right: np.ndarray,
    *,
    id_column: str | None,
    grid: CoverGrid | None = None,
    threads: int | None = None,
) -> tuple[np.ndarray, Any, np.ndarray]:
    """Points of a GeoParquet file falling in (or on the edge of) the polygons ``right``.

    Returns row positions, ids (pyarrow array or ``None``) and positions into ``right``; a point
    inside several overlapping polygons appears once per polygon. No point geometry is built:
    the coverage grid settles points in cells inside one polygon, and the rest are tested with
    prepared ``intersects_xy`` against the polygons whose bounding box covers their cell.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from landmap.analysis._engine import default_threads

    threads = default_threads() if threads is None else threads
    meta = pq.ParquetFile(info.path).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes else []
    grid = CoverGrid(right, cells=4 * sum(sizes)) if grid is None else grid
    grid._mixed_cells()  # noqa: SLF001 - build the lookup once, before any thread reads it
    results: list[Any] = []
    if threads > 1 and len(sizes) > 1 and sum(sizes) >= THREADED_ROWS:
        import threading
        from concurrent.futures import ThreadPoolExecutor

        local = threading.local()

        def work(rg: int):
            if not hasattr(local, "pf"):
                local.pf = pq.ParquetFile(info.path)
                local.right = shapely.from_wkb(shapely.to_wkb(right))
                shapely.prepare(local.right)
            return _points_row_group(local.pf, rg, info, grid, local.right, id_column)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(work, range(len(sizes))))
    else:
        pf = pq.ParquetFile(info.path)
        shapely.prepare(right)
        results = [_points_row_group(pf, rg, info, grid, right, id_column)
                   for rg in range(len(sizes))]
    if not results:
        return np.empty(0, np.intp), None, np.empty(0, np.intp)
    rows = np.concatenate([offsets[i] + r[0] for i, r in enumerate(results)])
    rights = np.concatenate([r[1] for r in results])
    ids = None
    if id_column:
        parts = [r[2] for r in results]
        ids = pa.chunked_array(parts, type=parts[0].type).combine_chunks()
    return rows, ids, rights
