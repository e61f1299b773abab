"""Points of files read through GDAL and SQLite: vector layers, workbook sheets, GeoPackage tables.

Every layer GDAL lists (GeoPackage, zipped shapefiles, FlatGeobuf, GML, ...) gives its point
geometries and its coordinate columns; the other tables of a GeoPackage or SQLite file give
their coordinate columns. GeoPackage extents and spatial-index boxes are not records, and a
layer of polygons or lines gives no points. A GeoPackage is read through a private link so that
GDAL's ``.aux.xml`` sidecar never lands in the folder being checked.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely

from landmap.leakcheck.tables import Point, id_column, table_points

log = logging.getLogger("landmap.leakcheck")
#: Read through GDAL (GeoJSON, KML and KMZ are read from their text, faster).
_VECTOR_SUFFIXES = (
    ".gpkg",
    ".shp",
    ".shp.zip",
    ".fgb",
    ".gml",
    ".sqlite",
    ".zip",
    ".geojsonl",
    ".geojsons",
    ".gpx",
)


def _sqlitetable_points(path: Path, known: frozenset[str], listed: set[str]) -> list[Point]:
    """Coordinate columns of the tables of a SQLite file that GDAL does not list as layers.

    GeoPackage metadata, extents and spatial-index boxes are not records and are left out.
    """
    points: list[Point] = []
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return points
    try:
        query = "SELECT name FROM sqlite_master WHERE type='table'"
        for (table,) in con.execute(query).fetchall():
            if str(table).lower().startswith(("gpkg_", "rtree_", "sqlite_", "gpkgext_")) or (
                str(table) in listed
            ):
                continue  # extents and spatial-index boxes, or read through GDAL
            quoted = '"' + str(table).replace('"', '""') + '"'
            frame = _read(
                ("sqlite", str(path), str(table)),
                lambda quoted=quoted: _sqlite_text_columns(con, quoted),
            )
            points += table_points(frame, known)
    except (sqlite3.Error, pd.errors.DatabaseError) as err:  # the text scan reports it
        log.info("%s: could not read its tables (%s)", path, err)
    finally:
        con.close()
    return points


_READS: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "landmap_leakcheck_reads", default=None
)


@contextlib.contextmanager
def cached_reads() -> Iterator[None]:
    """Inside the block, a file's layers and tables are read once for every register checked.

    The reading does not depend on the register; only the labelling of the points read does.
    """
    token = _READS.set({})
    try:
        yield
    finally:
        _READS.reset(token)


def _read(key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
    """Return ``read()``, or its result cached under ``key`` inside :func:`cached_reads`.

    An exception is cached too (raised again), so that every register sees the same problem.
    """
    cache = _READS.get()
    if cache is None:
        return read()
    if key not in cache:
        try:
            cache[key] = (True, read())
        except (
            pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError,
            pyogrio.errors.CRSError,
            pd.errors.ParserError,
            UnicodeDecodeError,
            ValueError,
            sqlite3.Error,
            pd.errors.DatabaseError,
        ) as err:
            cache[key] = (False, err)
    ok, value = cache[key]
    if not ok:
        raise value
    return value


def _sqlite_text_columns(con: sqlite3.Connection, quoted: str) -> pd.DataFrame:
    frame = pd.read_sql_query(f"SELECT * FROM {quoted}", con)  # noqa: S608
    return frame[
        [c for c in frame.columns if not frame[c].map(lambda v: isinstance(v, bytes)).any()]
    ]


def file_points(path: Path, known: frozenset[str]) -> tuple[list[Point], bool, list[str]]:
    """Points of tables and of every GDAL vector layer.

    Returns the points, whether the file was read as a table or a vector file, and what could
    not be read (a layer GDAL lists but cannot read).
    """
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            frame = _read(
                ("csv", str(path)),
                lambda: pd.read_csv(
                    path,
                    dtype=str,
                    sep=None,
                    engine="python",
                    encoding="utf-8-sig",
                    encoding_errors="replace",
                ),
            )
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
            return [], False, []
        points = table_points(frame, known)
        return points, bool(points), []  # no coordinate columns: read as text
    workbook = suffix in (".xlsx", ".xlsm")
    if not workbook and not "".join(path.suffixes[-2:]).lower().endswith(_VECTOR_SUFFIXES):
        return [], False, []
    return _workbook_points(path, known) if workbook else _gdal_points(path, known)


def _workbook_points(path: Path, known: frozenset[str]) -> tuple[list[Point], bool, list[str]]:
    """Coordinate columns of every sheet of a workbook (read by GDAL's XLSX driver)."""
    try:
        sheets = _read(("layers", str(path)), lambda: pyogrio.list_layers(path))[:, 0]
    except pyogrio.errors.DataSourceError as err:
        return [], False, [f"unreadable workbook ({err})"]
    points: list[Point] = []
    problems: list[str] = []
    for sheet in sheets:
        try:
            frame = _read(
                ("sheet", str(path), sheet),
                lambda sheet=sheet: pyogrio.read_dataframe(path, layer=sheet, read_geometry=False),
            )
        except (pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as err:
            problems.append(f"sheet {sheet!r} unreadable ({err})")
            continue
        points += table_points(pd.DataFrame(frame), known)
    return points, True, problems


@contextlib.contextmanager
def _private_view(path: Path) -> Iterator[Path]:
    """Yield a name for ``path`` in a private temporary folder, removed afterwards.

    GDAL writes a ``.aux.xml`` sidecar beside a GeoPackage or SQLite file whose dataset
    metadata it read, and the leak check must leave the folder it checks as it found it. Read
    through a link in a folder of our own, the sidecar lands there and goes with the folder; no
    GDAL setting changes. A file that cannot be linked (Windows without the right) is copied.
    """
    with tempfile.TemporaryDirectory(prefix="landmap-leakcheck-") as folder:
        view = Path(folder) / path.name
        try:
            view.symlink_to(path.resolve())
        except OSError:
            shutil.copyfile(path, view)
        yield view


def _gdal_points(path: Path, known: frozenset[str]) -> tuple[list[Point], bool, list[str]]:
    cache = _READS.get()
    if path.suffix.lower() not in (".gpkg", ".sqlite") or (
        cache is not None and ("layers", str(path)) in cache
    ):
        # no sidecar to fear, or every read of this file is already cached (the first
        # register's pass read and cached each layer, failures too): no private view needed
        return _gdal_layer_points(path, known, opened=path)
    with _private_view(path) as view:
        return _gdal_layer_points(path, known, opened=view)


def _gdal_layer_points(
    path: Path, known: frozenset[str], *, opened: Path
) -> tuple[list[Point], bool, list[str]]:
    """Points of every layer GDAL lists in ``path``, read under the name ``opened``."""
    suffix = path.suffix.lower()
    source, layers = str(path), None
    for candidate in (str(path), f"/vsizip/{path}"):
        what = candidate.replace(str(path), str(opened), 1)
        try:
            layers = _read(("layers", candidate), lambda what=what: pyogrio.list_layers(what))
            source, read_from = candidate, what
            break
        except pyogrio.errors.DataSourceError:
            continue  # not this way (a zip GDAL cannot read directly, or not a vector file)
    if layers is None:
        return [], False, []
    listed = {str(n) for n in layers[:, 0]}
    points: list[Point] = (
        _sqlitetable_points(path, known, listed) if suffix in (".gpkg", ".sqlite") else []
    )
    problems: list[str] = []
    for name in layers[:, 0]:
        try:
            gdf = _read(
                ("layer", source, name),
                lambda name=name: pyogrio.read_dataframe(read_from, layer=name),
            )
        except (
            pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError,
            pyogrio.errors.CRSError,
        ) as err:
            problems.append(f"layer {name!r} unreadable ({err})")
            continue
        attributes = pd.DataFrame(
            gdf.drop(columns=getattr(gdf, "_geometry_column_name", "geometry"), errors="ignore")
        )
        points += table_points(attributes, known)  # lat/lon columns beside the geometry
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.isna().all():
            continue
        geoms = np.asarray(gdf.geometry.array)
        types = shapely.get_type_id(geoms)
        if not np.isin(types[types >= 0], (0, 4)).all():
            continue  # a case layer holds points only; points among polygons are artefacts
        keep = np.isin(types, (0, 4))
        id_col = id_column(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), known)
        ids = (
            gdf[id_col].astype("string").to_numpy(dtype=object, na_value=None)[keep]
            if id_col is not None
            else np.full(keep.sum(), None)
        )
        geoms = geoms[keep]
        if gdf.crs is not None and len(geoms):
            geoms = np.asarray(gpd.GeoSeries(geoms, crs=gdf.crs).to_crs(4326).array)
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        points += [
            (x, y, ids[i]) for (x, y), i in zip(coords.tolist(), index.tolist(), strict=True)
        ]
    return points, True, problems


__all__ = ["cached_reads", "file_points"]
