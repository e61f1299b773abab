"""National-scale layers (GeoParquet in a metric CRS): which engine measures them, and how.

Two engines give the same pairs and the same hectares:

* ``"sedonadb"``: SedonaDB (``pip install 'landmap[large]'``) reads the GeoParquet file and runs
  the spatial join in SQL (:data:`OVERLAP_SQL`, :data:`POINTS_SQL`), in parallel and without
  holding the layer in Python objects. The same SQL runs on Apache Sedona on Spark where one
  machine is not enough.
* ``"memory"``: the file is read whole into shapely geometries and measured by the exact
  in-memory kernel (:func:`landmap.analysis._engine.exact_pairs`: STRtree, prepared predicates,
  intersection only for boundary-crossing pairs) that every other analysis uses.

``"auto"`` takes SedonaDB when it is installed, else memory (same answers, more memory and
time on millions of rows). Asking for ``"sedonadb"`` without it installed is an error that names
the install command.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import shapely

from landmap.analysis._common import points_in
from landmap.analysis._engine import exact_pairs
from landmap.analysis._geoparquet import GeoParquetInfo, read_points, read_small, repaired
from landmap.errors import AnalysisError

#: Engines the analysis functions accept for GeoParquet layers.
ENGINES = ("auto", "memory", "sedonadb")
#: What to install for the SedonaDB engine.
INSTALL = "pip install 'landmap[large]'"

#: Overlap of a left layer with polygons ``right_layer(right, g)``: one row per intersecting
#: pair. A pair whose left geometry lies within the right one overlaps by the whole left
#: geometry (no intersection computed). Pairs of an invalid left geometry are measured by
#: shapely after repair (their ``raw`` column holds its WKB, their areas are null): GEOS
#: overlays fail or mislead on invalid input, and such rows are rare.
OVERLAP_SQL = """
SELECT {columns}, right_id, raw,
       CASE WHEN valid THEN ST_Area(g) END AS left_area,
       CASE WHEN valid AND inside THEN ST_Area(g)
            WHEN valid THEN ST_Area(ST_Intersection(g, rg)) END AS overlap{wkb}
FROM (
  SELECT {columns}, right_id, g, rg, valid,
         CASE WHEN valid THEN ST_Within(g, rg) END AS inside,
         CASE WHEN valid THEN NULL ELSE ST_AsBinary(g) END AS raw
  FROM (
    SELECT {p_columns}, r.right AS right_id, r.g AS rg, p.{geometry} AS g,
           ST_IsValid(p.{geometry}) AS valid
    FROM left_layer p JOIN right_layer r ON ST_Intersects(p.{geometry}, r.g)
  )
)
"""
#: The overlap geometry column added to :data:`OVERLAP_SQL` when geometries are asked for.
OVERLAP_WKB = """,
       CASE WHEN valid AND inside THEN ST_AsBinary(g)
            WHEN valid THEN ST_AsBinary(ST_Intersection(g, rg)) END AS wkb"""
#: Points of a left layer lying in or on the edge of polygons ``right(right, g)``.
POINTS_SQL = """
SELECT {p_columns}, r.right AS right_id
FROM left_layer p JOIN right_layer r ON ST_Intersects(p.{geometry}, r.g)
"""


@dataclass
class LayerPairs:
    """Pairs of a GeoParquet layer with in-memory polygons.

    ``table`` holds the requested columns of the layer's row in each pair; ``row`` its position
    in the file (only the memory engine knows it; ``None`` from SedonaDB).
    """

    table: Any
    row: np.ndarray | None
    right: np.ndarray
    overlap: np.ndarray
    left_area: np.ndarray
    geometry: np.ndarray | None


def _sedonadb() -> ModuleType | None:
    """Return the sedonadb module, or ``None`` if it (or its geoarrow types) is not installed."""
    try:
        import geoarrow.pyarrow  # noqa: F401 - sedonadb returns results with these types
        import sedonadb
    except ImportError:
        return None
    return sedonadb


def check(engine: object) -> None:
    """Raise :class:`~landmap.errors.AnalysisError` unless ``engine`` is one of :data:`ENGINES`."""
    if engine not in ENGINES:
        raise AnalysisError(
            f"engine must be one of {', '.join(ENGINES)}, got {engine!r}",
            fix="leave engine='auto', or give 'memory' or 'sedonadb'",
        )


def choose(engine: str, *, id_column: str | None) -> str:
    """Resolve ``engine`` (:data:`ENGINES`) to ``"memory"`` or ``"sedonadb"``.

    Parameters
    ----------
    engine
        ``"auto"``, ``"memory"`` or ``"sedonadb"``.
    id_column
        The layer's id column; without one, rows are named by their position in the file,
        which only the memory engine knows, so ``"auto"`` takes memory.

    Raises
    ------
    landmap.errors.AnalysisError
        Unknown engine; ``"sedonadb"`` asked for but not installed, or for a layer without an
        id column.

    """
    check(engine)
    if engine == "memory":
        return engine
    available = _sedonadb() is not None
    if engine == "auto":
        return "sedonadb" if available and id_column else "memory"
    if not available:
        raise AnalysisError(
            "engine='sedonadb' needs SedonaDB, which is not installed",
            fix=f"{INSTALL}, or use engine='auto' or 'memory'",
        )
    if not id_column:
        raise AnalysisError(
            "engine='sedonadb' needs an id column in the GeoParquet layer "
            "(rows without one are named by file position)",
            fix="add an id column (e.g. area_id or case_id), or use engine='memory'",
        )
    return engine


def _query(info: GeoParquetInfo, right: np.ndarray, sql: str) -> Any:
    """Run ``sql`` on views ``left_layer`` (the file) and ``right_layer`` (the polygons).

    The polygons go to SedonaDB as a small GeoParquet file in a temporary folder (removed
    afterwards): SedonaDB joins against it faster than against an in-memory table.
    """
    import tempfile

    import geopandas as gpd

    sd = _sedonadb().connect()  # type: ignore[union-attr]
    sd.read_parquet(info.path).to_view("left_layer", overwrite=True)
    frame = gpd.GeoDataFrame(
        {"right": np.arange(len(right), dtype=np.int64)},
        geometry=gpd.GeoSeries(right, crs=info.crs),
        crs=info.crs,
    )
    with tempfile.TemporaryDirectory(prefix="landmap-") as folder:
        path = f"{folder}/right.parquet"
        frame.rename_geometry("g").to_parquet(path, write_covering_bbox=True)
        sd.read_parquet(path).to_view("right_layer", overwrite=True)
        return _run(sd, sql)


def _run(sd: Any, sql: str) -> Any:
    """Run ``sql``; return a pyarrow table with string and binary views as plain arrays."""
    import pyarrow as pa

    table = sd.sql(sql).to_arrow_table()
    plain = {pa.string_view(): pa.string(), pa.binary_view(): pa.binary()}
    fields = [pa.field(f.name, plain.get(f.type, f.type)) for f in table.schema]
    return table.cast(pa.schema(fields)) if fields != list(table.schema) else table


def _quoted(columns: list[str], prefix: str = "") -> str:
    return ", ".join(f'{prefix}"{c}"' for c in columns) if columns else ""


def overlap_pairs(
    info: GeoParquetInfo,
    right: np.ndarray,
    *,
    engine: str,
    columns: list[str],
    geometry: bool,
    threads: int | None,
) -> LayerPairs:
    """Overlapping pairs of a GeoParquet polygon layer with ``right`` (metric, valid).

    ``engine`` is ``"memory"`` or ``"sedonadb"`` (see :func:`choose`); ``columns`` names the
    layer's columns to return for each pair (those present). Pairs that only touch are dropped.
    """
    columns = [c for c in dict.fromkeys(columns) if c in info.columns]
    if engine == "sedonadb" and len(right):
        return _sedonadb_overlap(info, right, columns=columns, geometry=geometry)
    attrs, left = read_small(info, columns=columns)
    tree = shapely.STRtree(right)
    cand = np.unique(tree.query(left)[0])
    left_c = repaired(left[cand])
    found = exact_pairs(
        left_c, right, geometry=geometry, tree=tree, threads=threads, reverse_fast_path=False
    )
    rows = cand[found.left]
    return LayerPairs(
        attrs.take(rows),
        rows,
        found.right,
        found.area,
        shapely.area(left_c[found.left]),
        found.geometry,
    )


def _sedonadb_overlap(
    info: GeoParquetInfo, right: np.ndarray, *, columns: list[str], geometry: bool
) -> LayerPairs:
    """Run :data:`OVERLAP_SQL`; measure the pairs of invalid left geometries after repair."""
    sql = OVERLAP_SQL.format(
        columns=_quoted(columns),
        p_columns=_quoted(columns, "p."),
        geometry=f'"{info.geometry}"',
        wkb=OVERLAP_WKB if geometry else "",
    )
    table = _query(info, right, sql)
    right_id = table.column("right_id").to_numpy().astype(np.intp)
    overlap = table.column("overlap").to_numpy(zero_copy_only=False).astype(float)
    left_area = table.column("left_area").to_numpy(zero_copy_only=False).astype(float)
    geoms = (
        shapely.from_wkb(table.column("wkb").to_numpy(zero_copy_only=False)) if geometry else None
    )
    bad = np.flatnonzero(table.column("raw").is_valid().to_numpy(zero_copy_only=False))
    if len(bad):
        fixed = repaired(
            shapely.from_wkb(table.column("raw").take(bad).to_numpy(zero_copy_only=False))
        )
        found = exact_pairs(fixed, right[right_id[bad]], geometry=geometry, threads=1)
        pos = found.left == found.right  # each repaired geometry against its own pair only
        hit = bad[found.left[pos]]
        overlap[bad], left_area[bad] = 0.0, shapely.area(fixed)
        overlap[hit] = found.area[pos]
        if geoms is not None:
            geoms[hit] = found.geometry[pos]
    keep = np.flatnonzero(overlap > 0)
    return LayerPairs(
        table.select(columns).take(keep),
        None,
        right_id[keep],
        overlap[keep],
        left_area[keep],
        geoms[keep] if geoms is not None else None,
    )


def point_pairs(
    info: GeoParquetInfo, right: np.ndarray, *, engine: str, columns: list[str]
) -> LayerPairs:
    """Points of a GeoParquet point layer in (or on the edge of) the polygons ``right``."""
    columns = [c for c in dict.fromkeys(columns) if c in info.columns]
    empty = np.empty(0)
    if engine == "sedonadb" and len(right):
        sql = POINTS_SQL.format(p_columns=_quoted(columns, "p."), geometry=f'"{info.geometry}"')
        table = _query(info, right, sql)
        return LayerPairs(
            table.select(columns),
            None,
            table.column("right_id").to_numpy().astype(np.intp),
            empty,
            empty,
            None,
        )
    attrs, x, y = read_points(info, columns)
    rows, hit = points_in(x, y, right)
    return LayerPairs(attrs.take(rows), rows, hit, empty, empty, None)
