"""What a GeoParquet file declares (geometry column, CRS, covering bbox), and reading it whole.

National layers (millions of parcels or case points) come as GeoParquet in a metric CRS; the
analysis functions hand such paths to an engine (:mod:`landmap.analysis._large`) instead of the
loaders. This module only reads: the file's ``geo`` metadata, and its columns into shapely
geometries for the in-memory engine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

GEOPARQUET_SUFFIXES = (".parquet", ".geoparquet", ".gpq")


@dataclass
class GeoParquetInfo:
    """What the engines need to know about a GeoParquet file."""

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
            t.split(" ")[0] in ("Point", "MultiPoint") for t in self.geometry_types
        )


def inspect(path: str | os.PathLike[str]) -> GeoParquetInfo | None:
    """Describe a GeoParquet file with WKB geometry, or return ``None`` if it is not one."""
    if not str(path).lower().endswith(GEOPARQUET_SUFFIXES) or not os.path.isfile(path):
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError):  # not a readable Parquet file: the loaders report it
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
        metric = (
            crs_json.get("type") == "ProjectedCRS"
            and bool(axes)
            and all(a.get("unit") in ("metre", "m") for a in axes)
        )
    elif crs_json == "missing":
        crs = "OGC:CRS84"  # GeoParquet's default
    bbox = None
    cover = (col.get("covering") or {}).get("bbox")
    if cover:
        bbox = tuple(cover[k][0] + "." + cover[k][1] for k in ("xmin", "ymin", "xmax", "ymax"))
    return GeoParquetInfo(
        str(path),
        name,
        crs,
        metric and crs is not None,
        bbox,  # type: ignore[arg-type]
        list(schema.names),
        tuple(col.get("geometry_types") or ()),
    )


def metric_pair(
    a: object, b: object, *, crs: str | None = None
) -> tuple[GeoParquetInfo, GeoParquetInfo] | None:
    """Both files' descriptions if they are GeoParquet files in one metric CRS, else ``None``.

    ``crs``, the CRS the caller asked to measure in, must then be that CRS too.
    """
    from landmap.analysis._layers import is_path
    from landmap.analysis.crs import metric_crs

    if not (is_path(a) and is_path(b)):
        return None
    ai, bi = inspect(a), inspect(b)
    if ai is None or bi is None or not (ai.metric and bi.metric) or ai.crs != bi.crs:
        return None
    if crs is not None and metric_crs(crs=crs) != ai.crs:
        return None
    return ai, bi


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


def read_points(info: GeoParquetInfo, columns: list[str]) -> tuple[Any, np.ndarray, np.ndarray]:
    """Read a point layer whole: (pyarrow table of ``columns`` present, x, y).

    The covering bbox's ``xmin``/``ymin`` are a point's coordinates, so no geometry is built
    when the file has one.
    """
    import pyarrow.parquet as pq

    wanted = [c for c in columns if c in info.columns]
    if info.bbox:
        struct_name = info.bbox[0].split(".")[0]
        table = pq.read_table(info.path, columns=[*wanted, struct_name])
        struct = table.column(struct_name).combine_chunks()
        x, y = (
            struct.field(n.split(".", 1)[1]).to_numpy(zero_copy_only=False) for n in info.bbox[:2]
        )
        return table.select(wanted), np.asarray(x, float), np.asarray(y, float)
    table, geoms = read_small(info, columns=wanted)
    return table, shapely.get_x(geoms), shapely.get_y(geoms)


def repaired(geoms: np.ndarray) -> np.ndarray:
    """Geometries made valid (a bow-tie parcel's GEOS area is wrong until it is repaired)."""
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        from landmap.analysis._layers import polygonal

        fixed, usable = polygonal(geoms[bad])
        geoms = geoms.copy()
        geoms[bad] = np.where(usable, fixed, shapely.from_wkt("POLYGON EMPTY"))
    return geoms
