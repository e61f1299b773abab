"""Points in the structure of exported files, with the case id a file gives them.

Point features of GeoJSON (also inside HTML), KML placemarks, every point layer GDAL reads
(GeoPackage, zipped shapefiles, FlatGeobuf, GML), coordinate and WKT columns of CSV, XLSX and
GeoPackage tables, landmap's own compact map payload (``landmap.render.maps.encode``), and the
rest of an HTML page read as text (:mod:`landmap.leakcheck.notation`). Polygon and line vertices
are not taken for case locations, nor are GeoPackage extents and spatial-index boxes.

A point labelled with a case id (a ``case_id`` property or column, a placemark name, or a column
whose values are mostly known case ids) is judged against that case only: a masked point may
land near another household by chance.
"""

from __future__ import annotations

import contextlib
import contextvars
import html
import json
import logging
import re
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

from landmap.leakcheck.notation import bare_pairs
from landmap.schema import CAMBODIA_METRIC_CRS, ID_COLUMN

log = logging.getLogger("landmap.leakcheck")
_KML_POINT = re.compile(
    r"<(?:\w+:)?Point\b[^>]*>.*?<(?:\w+:)?coordinates>(.*?)</(?:\w+:)?coordinates>", re.S
)
_LON, _LAT = (101.5, 108.5), (9.0, 15.5)  # Cambodia with a margin, degrees
_UTM_X, _UTM_Y = (100_000.0, 900_000.0), (990_000.0, 1_750_000.0)  # EPSG:32648, metres
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

Point = tuple[float, float, "str | None"]  # x, y and the case id the file gives it, if any
_ID = ID_COLUMN["cases"]


def _feature_id(props: dict[str, Any], known: frozenset[str]) -> str | None:
    if props.get(_ID) is not None:
        return str(props[_ID])
    return next((str(v) for v in props.values() if isinstance(v, str) and v in known), None)


def _geojson_points(
    obj: Any, out: list[Point], case_id: str | None = None, known: frozenset[str] = frozenset()
) -> None:
    if isinstance(obj, dict):
        kind = obj.get("type")
        if kind == "Feature" and isinstance(obj.get("properties"), dict):
            case_id = _feature_id(obj["properties"], known)
        coords = obj.get("coordinates")
        if kind == "Point" and isinstance(coords, list) and len(coords) >= 2:
            out.append((coords[0], coords[1], case_id))
        elif kind == "MultiPoint" and isinstance(coords, list):
            out.extend((c[0], c[1], case_id) for c in coords if isinstance(c, list) and len(c) >= 2)
        if kind == "GeometryCollection" and not all(
            isinstance(g, dict) and g.get("type") in ("Point", "MultiPoint")
            for g in obj.get("geometries") or []
        ):
            return  # points beside polygons or lines: left over from an overlay, not cases
        for key, value in obj.items():
            if key not in ("coordinates", "properties"):
                _geojson_points(value, out, case_id, known)
    elif isinstance(obj, list):
        for value in obj:
            _geojson_points(value, out, case_id, known)


def _embedded_geojson(text: str, known: frozenset[str]) -> tuple[list[Point], str]:
    """GeoJSON objects inside HTML/JS: their points, and the text with them cut out."""
    points: list[Point] = []
    decoder = json.JSONDecoder()
    kept, pos = [], 0
    for match in re.finditer(r'\{\s*"(?:type|features|bbox|geometry)"\s*:', text):
        if match.start() < pos:
            continue
        try:
            obj, end = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and (
            "features" in obj or "coordinates" in obj or "geometry" in obj
        ):
            _geojson_points(obj, points, known=known)
            kept.append(text[pos : match.start()])
            pos = end
    kept.append(text[pos:])
    return points, " ".join(kept)


_VARINT_LUT = np.full(256, 255, dtype=np.uint8)
_VARINT_LUT[
    np.frombuffer(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8
    )
] = np.arange(64, dtype=np.uint8)
_JSON_BLOCK = re.compile(r"<script[^>]*application/json[^>]*>(.*?)</script>", re.S | re.I)
_NUMBERED_KEY = re.compile(rb'"n"\s*:\s*"')


def decode_varints(text: str) -> np.ndarray:
    """Decode landmap's compact map payload: 5 bits per base-64 character, bit 6 = more."""
    v = _VARINT_LUT[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    if len(v) == 0 or (v == 255).any() or v[-1] & 32:
        raise ValueError("not a landmap varint string")
    ends = np.flatnonzero((v & 32) == 0)
    starts = np.r_[0, ends[:-1] + 1]
    group = np.repeat(np.arange(len(ends)), ends - starts + 1)
    shift = (np.arange(len(v)) - starts[group]) * 5
    if shift.max() > 60:
        raise ValueError("varint too long")
    values = (v & 31).astype(np.uint64) << shift.astype(np.uint64)
    return np.add.reduceat(values, starts)


def _column_values(encoded: Any, n: int) -> list[Any]:
    """Return the values of an encoded map column.

    A list, ``{"v": [...]}`` or ``{"d": [...], "i": codes}`` with codes as a varint string
    (0 = missing, k = d[k - 1]).
    """
    if isinstance(encoded, list):
        return encoded
    if isinstance(encoded, dict) and isinstance(encoded.get("v"), list):
        return encoded["v"]
    if _is_numbered(encoded):
        return numbered_values(encoded)
    if isinstance(encoded, dict) and isinstance(encoded.get("d"), list):
        codes = encoded.get("i")
        d = encoded["d"]
        if isinstance(codes, str):
            codes = decode_varints(codes).astype(np.int64).tolist() if codes else []
            return [d[c - 1] if 0 < c <= len(d) else None for c in codes]
        if isinstance(codes, list):
            return [d[c] if isinstance(c, int) and 0 <= c < len(d) else None for c in codes]
    return [None] * n


def _is_numbered(encoded: Any) -> bool:
    return (
        isinstance(encoded, dict)
        and isinstance(encoded.get("n"), str)
        and isinstance(encoded.get("d"), list)
    )


def numbered_values(encoded: dict[str, Any]) -> list[str | None]:
    """Return the values of a map column of numbered identifiers (prefixes and deltas).

    ``{"d": prefixes, "i": codes (0: missing; absent: ``len`` values of the first prefix),
    "n": zigzag deltas of the numbers, "w": zero-padded width}``, as ``landmap.render.maps.encode``
    writes it.

    Raises
    ------
    ValueError
        A column that is not well formed.
    """
    prefixes = [str(p) for p in encoded["d"]]
    u = decode_varints(encoded["n"]) if encoded["n"] else np.zeros(0, dtype=np.uint64)
    numbers = np.cumsum(
        (u >> np.uint64(1)).astype(np.int64) ^ -(u & np.uint64(1)).astype(np.int64)
    ).tolist()
    codes_text = encoded.get("i")
    codes = (
        decode_varints(codes_text).astype(np.int64).tolist()
        if codes_text
        else [1] * int(encoded.get("len", len(numbers)))
    )
    width = int(encoded.get("w") or 0)
    numbers_iter = iter(numbers)
    try:
        return [
            None if not c else prefixes[c - 1] + str(next(numbers_iter)).zfill(width) for c in codes
        ]
    except (IndexError, StopIteration) as err:
        raise ValueError("not a landmap numbered column") from err


def numbered_texts(data: bytes) -> list[bytes]:
    """Return the numbered identifiers of landmap map payloads in ``data``, as text to search.

    Such a column carries its values as prefixes and number deltas (a phone or ID number would
    not appear as written), so the value search reads them decoded too. A payload that cannot
    be decoded (which no browser could draw either) is searched only as written.
    """
    if not _NUMBERED_KEY.search(data):
        return []
    text = data.decode("utf-8", errors="replace")
    blocks = _JSON_BLOCK.findall(text) or [text]
    out: list[str] = []
    for block in blocks:
        if not _NUMBERED_KEY.search(block.encode("utf-8")):
            continue
        try:
            _collect_numbered(json.loads(block), out)
        except (json.JSONDecodeError, RecursionError, ValueError, TypeError):
            continue  # not JSON: searched as written
    return ["\n".join(out).encode("utf-8")] if out else []


def _collect_numbered(obj: Any, out: list[str]) -> None:
    if isinstance(obj, list):
        for value in obj:
            _collect_numbered(value, out)
    elif isinstance(obj, dict):
        if _is_numbered(obj):
            out += [v for v in numbered_values(obj) if v is not None]
            return
        for value in obj.values():
            _collect_numbered(value, out)


def _map_payload_points(obj: Any, out: list[Point], known: frozenset[str]) -> None:
    """Points of landmap's own map layers (``landmap.render.maps.encode``), with their case ids."""
    if isinstance(obj, list):
        for value in obj:
            _map_payload_points(value, out, known)
        return
    if not isinstance(obj, dict):
        return
    geom = obj.get("geom")
    if isinstance(geom, dict) and isinstance(geom.get("c"), str) and "h" not in geom:
        try:
            u = decode_varints(geom["c"]) if geom["c"] else np.zeros(0, dtype=np.uint64)
            signed = (u >> np.uint64(1)).astype(np.int64) ^ -(u & np.uint64(1)).astype(np.int64)
            q = np.cumsum(signed.reshape(-1, 2), axis=0)
            xy = np.asarray(geom["o"], dtype="float64") + q * float(geom["q"])
        except (ValueError, KeyError, TypeError):
            xy = np.empty((0, 2))
        props = obj.get("props") if isinstance(obj.get("props"), dict) else {}
        ids: list[Any] = [None] * len(xy)
        for col, encoded in props.items():
            try:
                values = _column_values(encoded, len(xy))
            except ValueError:
                continue
            if len(values) == len(xy) and (
                col == _ID
                or (len(values) and sum(str(v) in known for v in values) > len(values) / 2)
            ):
                ids = [None if v is None else str(v) for v in values]
                break
        out += [(x, y, i) for (x, y), i in zip(xy.tolist(), ids, strict=True)]
    for key, value in obj.items():
        if key != "geom":
            _map_payload_points(value, out, known)


def _json_blocks(text: str, known: frozenset[str]) -> tuple[list[Point], str]:
    """Points in ``<script type="application/json">`` blocks, and the text without them."""
    points: list[Point] = []
    rest, pos = [], 0
    for match in _JSON_BLOCK.finditer(text):
        try:
            obj = json.loads(match.group(1))
        except json.JSONDecodeError:
            continue
        _map_payload_points(obj, points, known)
        _geojson_points(obj, points, known=known)
        rest.append(text[pos : match.start()])
        pos = match.end()
    rest.append(text[pos:])
    return points, " ".join(rest)


def _sample(values: np.ndarray, n: int = 64) -> list[Any]:
    """Return the first ``n`` non-missing values of a column."""
    out: list[Any] = []
    for value in values:
        if (
            value is not None
            and value is not pd.NA
            and not (isinstance(value, float) and np.isnan(value))
        ):
            out.append(value)
            if len(out) >= n:
                break
    return out


def _id_column(frame: pd.DataFrame, known: frozenset[str]) -> Any:
    """Return the column holding case ids: ``case_id``, else the one of known id values."""
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    if _ID in frame.columns:
        return _ID
    best, share = None, 0.5
    for col in frame.columns:
        sample = [str(v) for v in _sample(frame[col].to_numpy(dtype=object), 200)]
        if sample:
            found = sum(v in known for v in sample) / len(sample)
            if found > share:
                best, share = col, found
    return best


def _numbers(values: np.ndarray) -> np.ndarray:
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )


def _share_within(v: np.ndarray, lo_hi: tuple[float, float]) -> float:
    v = v[np.isfinite(v)]
    return float(((v >= lo_hi[0]) & (v <= lo_hi[1])).mean()) if len(v) else 0.0


def _table_points(frame: pd.DataFrame, known: frozenset[str]) -> list[Point]:
    """Points of a table: every pair of longitude-like and latitude-like columns, WKT columns.

    The first rows of a column decide whether it holds numbers (or WKT points); only those
    columns are read whole.
    """
    id_col = _id_column(frame, known)
    numeric: dict[str, np.ndarray] = {}
    wkt: list[np.ndarray] = []
    for col in frame.columns:
        values = frame[col].to_numpy(dtype=object)
        sample = _sample(values)
        if not sample:
            continue
        head = _numbers(np.asarray(sample, dtype=object))
        if np.isfinite(head).mean() > 0.5:
            full = _numbers(values)
            if np.isfinite(full).mean() > 0.5:
                numeric[col] = full
        elif (
            sum(isinstance(v, str) and v.lstrip()[:5].upper() in ("POINT", "MULTI") for v in sample)
            > len(sample) / 2
        ):
            wkt.append(values)
    xs = [
        c
        for c, v in numeric.items()
        if _share_within(v, _LON) > 0.8 or _share_within(v, _UTM_X) > 0.8
    ]
    ys = [
        c
        for c, v in numeric.items()
        if _share_within(v, _LAT) > 0.8 or _share_within(v, _UTM_Y) > 0.8
    ]
    ids = (
        [None if v is None or v is pd.NA else str(v) for v in frame[id_col].to_numpy(dtype=object)]
        if id_col is not None
        else [None] * len(frame)
    )
    points: list[Point] = []
    for x in xs:
        for y in ys:
            if x != y:
                points += list(zip(numeric[x].tolist(), numeric[y].tolist(), ids, strict=True))
    for values in wkt:  # WKT geometry columns (GDAL's CSV writer)
        text = np.asarray([v if isinstance(v, str) else None for v in values], dtype=object)
        geoms = shapely.from_wkt(text, on_invalid="ignore")
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        points += [
            (x, y, ids[i]) for (x, y), i in zip(coords.tolist(), index.tolist(), strict=True)
        ]
    return points


def _kml_points(text: str, known: frozenset[str]) -> list[Point]:
    points: list[Point] = []
    for placemark in re.findall(r"<(?:\w+:)?Placemark\b.*?</(?:\w+:)?Placemark>", text, re.S):
        if re.search(r"<(?:\w+:)?(?:Polygon|LineString|LinearRing)\b", placemark):
            continue  # points beside polygons or lines: left over from an overlay, not cases
        found = re.search(
            rf'<(?:\w+:)?(?:SimpleData|Data) name="{_ID}"[^>]*>\s*(?:<(?:\w+:)?value>)?([^<]*)',
            placemark,
        )
        name = re.search(r"<(?:\w+:)?name>\s*([^<]*?)\s*</", placemark)
        case_id = (
            html.unescape(found.group(1)).strip()
            if found
            else html.unescape(name.group(1))
            if name and html.unescape(name.group(1)) in known
            else None
        )
        for coords in _KML_POINT.findall(placemark):
            for item in coords.split():
                parts = item.split(",")
                if len(parts) >= 2:
                    points.append((float(parts[0]), float(parts[1]), case_id))
    return points


def stream_points(
    data: bytes, known: frozenset[str], parsed: Any = None
) -> tuple[list[Point], bool]:
    """Points in the structure of a text stream, and whether it had one.

    KML placemarks, GeoJSON (``parsed``: the stream already read as JSON), and the GeoJSON,
    map payload and number pairs of an HTML page. ``False`` means plain text: the caller reads
    every notation in it, unlabelled number pairs included.
    """
    head = data[:2000].lstrip().lower()
    if parsed is not None:
        points: list[Point] = []
        _geojson_points(parsed, points, known=known)
        return points, True
    if b"<kml" in head:
        return _kml_points(data.decode("utf-8", errors="replace"), known), True
    if head.startswith((b"{", b"[")):
        return [], False
    if head.startswith((b"<?xml", b"<worksheet", b"<sst")) or b"spreadsheetml" in head:
        return [], True  # XLSX parts: read as tables by file_points
    if b"<" not in head:
        return [], False
    text = data.decode("utf-8", errors="replace")
    points, rest = _json_blocks(text, known)
    more, rest = _embedded_geojson(rest, known)
    return points + more + bare_pairs(rest.encode("utf-8")), True


def _sqlite_table_points(path: Path, known: frozenset[str], listed: set[str]) -> list[Point]:
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
            points += _table_points(frame, known)
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
        points = _table_points(frame, known)
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
        points += _table_points(pd.DataFrame(frame), known)
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
    if path.suffix.lower() not in (".gpkg", ".sqlite"):
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
        _sqlite_table_points(path, known, listed) if suffix in (".gpkg", ".sqlite") else []
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
        points += _table_points(attributes, known)  # lat/lon columns beside the geometry
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.isna().all():
            continue
        geoms = np.asarray(gdf.geometry.array)
        types = shapely.get_type_id(geoms)
        if not np.isin(types[types >= 0], (0, 4)).all():
            continue  # a case layer holds points only; points among polygons are artefacts
        keep = np.isin(types, (0, 4))
        id_col = _id_column(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), known)
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


def points_to_metric(points: list[Point]) -> tuple[np.ndarray, np.ndarray]:
    """Points inside Cambodia (degrees or UTM 48N) in metres, and their case ids."""
    if not points:
        return np.empty((0, 2)), np.empty(0, dtype=object)
    xs = np.asarray([p[0] for p in points], dtype="float64")
    ys = np.asarray([p[1] for p in points], dtype="float64")
    ids = np.asarray([p[2] for p in points], dtype=object)
    deg = (xs >= _LON[0]) & (xs <= _LON[1]) & (ys >= _LAT[0]) & (ys <= _LAT[1])
    utm = (xs >= _UTM_X[0]) & (xs <= _UTM_X[1]) & (ys >= _UTM_Y[0]) & (ys <= _UTM_Y[1])
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, CAMBODIA_METRIC_CRS, always_xy=True)
    x, y = tr.transform(xs[deg], ys[deg])
    xy = np.vstack([np.column_stack([x, y]), np.column_stack([xs[utm], ys[utm]])])
    return xy, np.concatenate([ids[deg], ids[utm]])


__all__ = [
    "Point",
    "cached_reads",
    "decode_varints",
    "file_points",
    "numbered_texts",
    "numbered_values",
    "points_to_metric",
    "stream_points",
]
