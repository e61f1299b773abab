r"""The leak check: does an exported file contain anything it must not.

:func:`audit_export` opens every byte stream of an export (ZIP members of KMZ/XLSX/SHP.ZIP, PNG
text chunks, PDF streams and text, GeoPackage tables, base64 payloads inside HTML), decodes the
escapes a value can hide behind (JSON ``\\uXXXX``, HTML entities, percent-encoding, UTF-16) and
looks for

- any sensitive value of the source register: names, ID numbers, photo paths (as whole word
  sequences, case- and Unicode-insensitive; Khmer digits read as ASCII), and phone numbers in any
  spelling (``+855 12 345 678``, ``012-345-678``, ``85512345678``...);
- any point closer than the minimum radius to a true case location: Point features of GeoJSON,
  KML and every GDAL vector layer, coordinate columns of CSV/XLSX tables, GeoJSON embedded in
  HTML, and decimal-degree or UTM number pairs anywhere else in the text.

Polygon and line vertices are not treated as points (boundaries may pass near a home).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import gzip
import html
import io
import json
import logging
import os
import re
import sqlite3
import subprocess
import tempfile
import unicodedata
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.errors import DataFileError, PrivacyError
from landmap.export.privacy_fields import sensitive_columns
from landmap.export.privacy_profiles import PUBLIC
from landmap.schema import CAMBODIA_METRIC_CRS, ID_COLUMN, PHONE_PATTERN, LayerKind

log = logging.getLogger(__name__)

#: Reasons whose values are not searched as text (free text is judged by the profile; GPS
#: columns are checked as points).
_NOT_SEARCHED = ("free-text narrative", "exact GPS")
# One character class (fast); "_" is turned into a space before tokenising.
_TOKEN = re.compile(r"[\w\u1780-\u17ff\u19e0-\u19ff]+")
_DIGIT_RUN = re.compile(r"(?<![\d.])\+?\(?\d[\d\s().\-]{5,24}\d(?![\d]|\.\d)")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_DATA_URI = re.compile(rb"data:[\w/+.\-]*(?:;[\w=\-]+)*;base64,([A-Za-z0-9+/=]{16,})")
_COORD = r"(-?\d{1,3}\.\d{3,}|\d{6,7}(?:\.\d+)?)"  # degrees to 3+ decimals, or UTM metres
_NUMBER_PAIR = re.compile(rf"(?<![\w.]){_COORD}\s*[,\s]\s*{_COORD}(?![\w.])")
_KML_POINT = re.compile(
    r"<(?:\w+:)?Point\b[^>]*>.*?<(?:\w+:)?coordinates>(.*?)</(?:\w+:)?coordinates>", re.S
)
_LON, _LAT = (101.5, 108.5), (9.0, 15.5)  # Cambodia with a margin, degrees
_UTM_X, _UTM_Y = (100_000.0, 900_000.0), (990_000.0, 1_750_000.0)  # EPSG:32648, metres
_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".kml", ".kmz", ".shp", ".fgb", ".gml",
                    ".sqlite", ".zip", ".geojsonl", ".geojsons")


@dataclasses.dataclass(frozen=True)
class Finding:
    """One thing that leaked: where, what, and whose (case id)."""

    kind: str  # "value", "phone" or "point"
    where: str  # file, or file!member
    detail: str
    case_id: str | None = None
    distance_m: float | None = None

    def line(self) -> str:
        """Return the finding as one line (never the full sensitive value)."""
        return f"LEAK {self.kind}: {self.where}: {self.detail}"


@dataclasses.dataclass
class AuditResult:
    """The outcome of a leak check.

    Attributes
    ----------
    findings
        Every leak found (empty when the export is clean).
    scanned
        Every file and member that was read.
    values_checked, cases_checked, points_found
        How many sensitive values were searched for, how many true locations were compared and
        how many points were found in the export.
    min_radius_m
        The distance below which a point counts as the exact location.

    """

    findings: list[Finding]
    scanned: list[str]
    values_checked: int
    cases_checked: int
    points_found: int
    min_radius_m: float

    @property
    def ok(self) -> bool:
        """``True`` when nothing leaked."""
        return not self.findings

    def lines(self) -> list[str]:
        """Return one line per finding, then a summary line."""
        summary = (
            f"{len(self.findings)} leak(s)" if self.findings else "no leak found"
        ) + (
            f" in {len(self.scanned)} stream(s); {self.values_checked} sensitive values and "
            f"{self.cases_checked} true locations checked; {self.points_found} points found, "
            f"minimum radius {self.min_radius_m:g} m"
        )
        return [f.line() for f in self.findings] + [summary]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable summary (no sensitive values)."""
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        return data


# --------------------------------------------------------------------------- source values


_NEEDS_TRANSLATE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u17e0-\u17e9]")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_KHMER_DIGIT_RE = re.compile("[\u17e0-\u17e9]")
_NON_DIGIT = re.compile(r"\D")
_KHMER = re.compile("[\u1780-\u17ff]")
_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if _NEEDS_TRANSLATE.search(text):  # str.translate is slow on long texts
        text = _INVISIBLE_RE.sub("", text)
        text = _KHMER_DIGIT_RE.sub(lambda m: chr(ord(m.group()) - 0x17E0 + 48), text)
    return text


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_norm(text).casefold().replace("_", " "))


def _phone_core(digits: str) -> str:
    """Return the national significant number: without +855, or without the trunk 0."""
    if digits.startswith("855"):
        return digits[3:]
    return digits[1:] if digits.startswith("0") else digits


def _phone_cores(digits: str) -> tuple[str, ...]:
    """Cores a number found in an export may stand for ("+855 (0)12..." keeps its 0)."""
    core = _phone_core(digits)
    return (core, core[1:]) if digits.startswith("8550") else (core,)


class SecretIndex:
    """Sensitive values of a source layer, indexed for fast search in large texts."""

    def __init__(self, values: Iterable[tuple[str, str, str]], *, min_chars: int = 4) -> None:
        self.by_length: dict[int, dict[tuple[str, ...], tuple[str, str]]] = {}
        self.first: set[str] = set()
        self.phones: dict[str, tuple[str, str]] = {}
        self.numbers: dict[str, tuple[str, str]] = {}
        self.khmer: dict[str, tuple[str, str, str]] = {}
        self.count = 0
        for column, case_id, value in values:
            value = str(value).strip()
            digits = re.sub(r"\D", "", _norm(value))
            is_phone = bool(PHONE_PATTERN.search(_norm(value))) and len(digits) >= 8
            if is_phone:
                self.phones[_phone_core(digits)] = (column, case_id)
            elif len(digits) >= 8 and len(digits) >= len(re.sub(r"\s", "", value)) - 3:
                self.numbers[digits] = (column, case_id)
            toks = tuple(_tokens(value))
            if toks and sum(map(len, toks)) >= min_chars and not is_phone:
                self.by_length.setdefault(len(toks), {})[toks] = (column, case_id)
                self.first.add(toks[0])
                if _KHMER.search(value):
                    # Khmer runs words together: also look for the value inside longer runs,
                    # keyed by its longest word (a cheap first test).
                    key = max((t for t in toks if _KHMER.search(t)), key=len)
                    self.khmer[" ".join(toks)] = (key, column, case_id)
            self.count += 1
        self.lengths = {len(c) + extra for c in self.phones for extra in (0, 1, 3, 4)}
        self.lengths |= {len(n) for n in self.numbers}

    def search(self, text: str) -> Iterator[tuple[str, str, str, str]]:
        """Yield ``(kind, column, case_id, matched)`` for every sensitive value in ``text``."""
        text = _norm(text)
        toks = _TOKEN.findall(text.casefold().replace("_", " "))
        lengths = sorted(self.by_length)
        first = self.first
        for i in [i for i, tok in enumerate(toks) if tok in first]:
            for n in lengths:
                hit = self.by_length[n].get(tuple(toks[i:i + n]))
                if hit:
                    yield ("value", *hit, " ".join(toks[i:i + n]))
        if self.khmer and _KHMER.search(text):
            runs = "\n".join({t for t in toks if _KHMER.search(t)})
            joined = None
            for value, (key, column, case_id) in self.khmer.items():
                if key in runs:
                    joined = " ".join(toks) if joined is None else joined
                    if value in joined or value.replace(" ", "") in joined:
                        yield ("value", column, case_id, value)
        if not (self.phones or self.numbers):
            return
        for match in _DIGIT_RUN.finditer(text):
            run = match.group()
            # Try the run from each space-separated group: "3 012 345 678" holds a number.
            starts = [0] + [m.end() for m in _SPACES.finditer(run)] if " " in run else [0]
            for start in starts:
                digits = _NON_DIGIT.sub("", run[start:])
                if len(digits) < 8:
                    break
                if len(digits) not in self.lengths:
                    continue
                core = next((c for c in _phone_cores(digits) if c in self.phones), None)
                if core is not None:
                    yield ("phone", *self.phones[core], digits)
                    break
                if digits in self.numbers:
                    yield ("value", *self.numbers[digits], digits)
                    break


def _mask(text: str) -> str:
    return f"{text[:1]}{'*' * min(len(text) - 1, 8)} ({len(text)} characters)"


# --------------------------------------------------------------------------- byte streams


def _text_views(data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="replace")
    views = [text]
    if data.count(0) > len(data) // 10:
        views += [data.decode("utf-16-le", errors="replace"),
                  data.decode("utf-16-be", errors="replace")]
    decoded = []
    for view in views:
        unescaped = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), view)
        unescaped = unescaped.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        unescaped = urllib.parse.unquote(html.unescape(unescaped))
        if unescaped != view:
            decoded.append(unescaped)
    return views + decoded


def _png_text(data: bytes) -> Iterator[tuple[str, bytes]]:
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        ctype = data[pos + 4:pos + 8].decode("latin-1")
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        try:
            if ctype == "tEXt":
                yield ctype, body.replace(b"\0", b"\n").decode("latin-1").encode("utf-8")
            elif ctype == "zTXt":
                key, _, rest = body.partition(b"\0")
                yield ctype, key + b"\n" + zlib.decompress(rest[1:])
            elif ctype == "iTXt":
                key, _, rest = body.partition(b"\0")
                flag, rest = rest[0], rest[2:]
                _lang, _, rest = rest.partition(b"\0")
                _tkey, _, text = rest.partition(b"\0")
                yield ctype, key + b"\n" + (zlib.decompress(text) if flag else text)
            elif ctype in ("eXIf", "iCCP"):
                yield ctype, body
        except zlib.error:
            yield ctype, body


def _pdf_streams(data: bytes, path: Path | None) -> Iterator[tuple[str, bytes]]:
    for i, match in enumerate(re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)):
        try:
            yield f"stream {i}", zlib.decompress(match.group(1))
        except zlib.error:
            continue
    tmp = None
    if path is None:
        fd, tmp = tempfile.mkstemp(suffix=".pdf")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        path = Path(tmp)
    try:
        for tool, args in (("pdftotext", ["-enc", "UTF-8", str(path), "-"]),
                           ("pdfinfo", ["-enc", "UTF-8", "-meta", str(path)])):
            try:
                out = subprocess.run(  # noqa: S603 - fixed poppler tools, no shell
                    [tool, *args], capture_output=True, timeout=120, check=False
                )
                yield tool, out.stdout
            except FileNotFoundError:
                log.info("%s not found; PDF text is searched in the raw streams only", tool)
    finally:
        if tmp:
            os.unlink(tmp)


def _sqlite_text(data: bytes, path: Path | None) -> Iterator[tuple[str, bytes]]:
    tmp = None
    if path is None:
        fd, tmp = tempfile.mkstemp(suffix=".sqlite")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        path = Path(tmp)
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            query = "SELECT name FROM sqlite_master WHERE type='table'"
            tables = [r[0] for r in con.execute(query)]
            for table in tables:
                quoted = '"' + table.replace('"', '""') + '"'
                rows = con.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from the file
                cols = [d[0] for d in rows.description]
                parts = ["\t".join(cols)]
                for row in rows:
                    parts.append("\t".join(
                        v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                        for v in row if v is not None and not (isinstance(v, bytes)
                                                              and v[:2] == b"GP")
                    ))
                yield f"table {table}", "\n".join(parts).encode("utf-8")
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        log.info("could not read %s as SQLite: %s", path, err)
    finally:
        if tmp:
            os.unlink(tmp)


def iter_streams(
    data: bytes, where: str, *, path: Path | None = None, depth: int = 0
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(where, bytes)`` for a file's raw bytes and every stream decoded from it."""
    yield where, data
    if depth > 4:
        return
    nested: list[tuple[str, bytes, Path | None]] = []
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                nested += [(f"{where}!{info.filename}", zf.read(info), None)
                           for info in zf.infolist() if not info.is_dir()]
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as err:
            log.info("%s: unreadable ZIP (%s)", where, err)
    elif data[:2] == b"\x1f\x8b":
        try:
            nested.append((f"{where}!gunzip", gzip.decompress(data), None))
        except (OSError, EOFError):
            pass
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        nested += [(f"{where}!{name}", body, None) for name, body in _png_text(data)]
    elif data[:5] == b"%PDF-":
        nested += [(f"{where}!{name}", body, None) for name, body in _pdf_streams(data, path)]
    elif data[:16] == b"SQLite format 3\x00":
        nested += [(f"{where}!{name}", body, None) for name, body in _sqlite_text(data, path)]
    for i, match in enumerate(_DATA_URI.finditer(data)):
        try:
            nested.append((f"{where}!data-uri {i}", base64.b64decode(match.group(1)), None))
        except (binascii.Error, ValueError):
            continue
    for name, body, sub_path in nested:
        yield from iter_streams(body, name, path=sub_path, depth=depth + 1)


# --------------------------------------------------------------------------- coordinates


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
            out.extend((c[0], c[1], case_id) for c in coords
                       if isinstance(c, list) and len(c) >= 2)
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
        if isinstance(obj, dict) and ("features" in obj or "coordinates" in obj
                                      or "geometry" in obj):
            _geojson_points(obj, points, known=known)
            kept.append(text[pos:match.start()])
            pos = end
    kept.append(text[pos:])
    return points, " ".join(kept)


_VARINT_LUT = np.full(256, 255, dtype=np.uint8)
_VARINT_LUT[np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8
)] = np.arange(64, dtype=np.uint8)
_JSON_BLOCK = re.compile(r"<script[^>]*application/json[^>]*>(.*?)</script>", re.S | re.I)


def _varints(text: str) -> np.ndarray:
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
    if isinstance(encoded, dict) and isinstance(encoded.get("d"), list):
        codes = encoded.get("i")
        d = encoded["d"]
        if isinstance(codes, str):
            codes = _varints(codes).astype(np.int64).tolist() if codes else []
            return [d[c - 1] if 0 < c <= len(d) else None for c in codes]
        if isinstance(codes, list):
            return [d[c] if isinstance(c, int) and 0 <= c < len(d) else None for c in codes]
    return [None] * n


def _map_payload_points(obj: Any, out: list[Point], known: frozenset[str]) -> None:
    """Points of landmap's own map layers (see ``landmap.maps.encode``), with their case ids."""
    if isinstance(obj, list):
        for value in obj:
            _map_payload_points(value, out, known)
        return
    if not isinstance(obj, dict):
        return
    geom = obj.get("geom")
    if isinstance(geom, dict) and isinstance(geom.get("c"), str) and "h" not in geom:
        try:
            u = _varints(geom["c"]) if geom["c"] else np.zeros(0, dtype=np.uint64)
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
            if len(values) == len(xy) and (col == _ID or (
                    len(values) and sum(str(v) in known for v in values) > len(values) / 2)):
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
        rest.append(text[pos:match.start()])
        pos = match.end()
    rest.append(text[pos:])
    return points, " ".join(rest)


def _number_pairs(text: str) -> list[Point]:
    pairs: list[Point] = []
    for a, b in _NUMBER_PAIR.findall(text):
        x, y = float(a), float(b)
        pairs += [(x, y, None), (y, x, None)]
    return pairs


def _id_column(frame: pd.DataFrame, known: frozenset[str]) -> Any:
    """Return the column holding case ids: ``case_id``, else the one of known id values."""
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    if _ID in frame.columns:
        return _ID
    best, share = None, 0.5
    for col in frame.columns:
        values = frame[col].dropna()
        if len(values) and (values.dtype == object or pd.api.types.is_string_dtype(values)):
            found = float(values.astype(str).isin(known).mean())
            if found > share:
                best, share = col, found
    return best


def _table_points(frame: pd.DataFrame, known: frozenset[str]) -> list[Point]:
    id_col = _id_column(frame, known)
    numeric = {c: pd.to_numeric(frame[c], errors="coerce") for c in frame.columns}
    numeric = {c: s for c, s in numeric.items() if s.notna().mean() > 0.5}

    def within(s: pd.Series, lo_hi: tuple[float, float]) -> bool:
        v = s.dropna()
        return bool(len(v)) and bool(v.between(*lo_hi).mean() > 0.8)

    xs = [c for c, s in numeric.items() if within(s, _LON) or within(s, _UTM_X)]
    ys = [c for c, s in numeric.items() if within(s, _LAT) or within(s, _UTM_Y)]
    ids = (frame[id_col].astype("string").to_numpy(dtype=object, na_value=None)
           if id_col is not None else [None] * len(frame))
    points: list[Point] = []
    for x in xs:
        for y in ys:
            if x != y:
                points += list(zip(numeric[x], numeric[y], ids, strict=True))
    for col in frame.columns:  # WKT geometry columns (GDAL's CSV writer)
        text = frame[col].astype("string")
        is_wkt = text.str.match(r"\s*(?:MULTI)?POINT\b", case=False, na=False)
        if len(is_wkt) and int(is_wkt.sum()) > len(is_wkt) / 2:
            wkt = text.to_numpy(dtype=object, na_value=None)
            geoms = shapely.from_wkt(wkt, on_invalid="ignore")
            coords, index = shapely.get_coordinates(geoms, return_index=True)
            points += [(x, y, ids[i]) for (x, y), i in zip(coords.tolist(), index.tolist(),
                                                            strict=True)]
    return points


def _kml_points(text: str, known: frozenset[str]) -> list[Point]:
    points: list[Point] = []
    for placemark in re.findall(r"<(?:\w+:)?Placemark\b.*?</(?:\w+:)?Placemark>", text, re.S):
        found = re.search(
            rf'<(?:\w+:)?(?:SimpleData|Data) name="{_ID}"[^>]*>\s*(?:<(?:\w+:)?value>)?([^<]*)',
            placemark,
        )
        name = re.search(r"<(?:\w+:)?name>\s*([^<]*?)\s*</", placemark)
        case_id = (html.unescape(found.group(1)).strip() if found
                   else html.unescape(name.group(1)) if name and html.unescape(name.group(1))
                   in known else None)
        for coords in _KML_POINT.findall(placemark):
            for item in coords.split():
                parts = item.split(",")
                if len(parts) >= 2:
                    points.append((float(parts[0]), float(parts[1]), case_id))
    return points


def _stream_points(data: bytes, known: frozenset[str]) -> list[Point]:
    """Points in a text stream: KML placemarks, GeoJSON, GeoJSON inside HTML, number pairs."""
    text = data.decode("utf-8", errors="replace")
    head = text[:2000].lstrip().lower()
    if "<kml" in head:
        return _kml_points(text, known)
    if head.startswith(("{", "[")):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            return _number_pairs(text)
        points: list[Point] = []
        _geojson_points(obj, points, known=known)
        return points
    if head.startswith(("<?xml", "<worksheet", "<sst")) or "spreadsheetml" in head:
        return []  # XLSX parts: read as tables by _file_points
    if "<" not in head:
        return _number_pairs(text)
    points, rest = _json_blocks(text, known)
    more, rest = _embedded_geojson(rest, known)
    return points + more + _number_pairs(rest)


def _sqlite_table_points(path: Path, known: frozenset[str]) -> list[Point]:
    """Coordinate columns of the tables of a GeoPackage/SQLite file (not its index tables)."""
    points: list[Point] = []
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return points
    try:
        query = "SELECT name FROM sqlite_master WHERE type='table'"
        for (table,) in con.execute(query).fetchall():
            if str(table).lower().startswith(("gpkg_", "rtree_", "sqlite_", "gpkgext_")):
                continue  # extents and spatial-index boxes, not records
            quoted = '"' + str(table).replace('"', '""') + '"'
            frame = pd.read_sql_query(f"SELECT * FROM {quoted}", con)  # noqa: S608
            frame = frame[[c for c in frame.columns
                           if not frame[c].map(lambda v: isinstance(v, bytes)).any()]]
            points += _table_points(frame.astype("string"), known)
    except (sqlite3.Error, pd.errors.DatabaseError) as err:
        log.info("%s: could not read its tables (%s)", path, err)
    finally:
        con.close()
    return points


def _file_points(path: Path, known: frozenset[str]) -> tuple[list[Point], bool]:
    """Points of tables and of every GDAL vector layer; and whether the file was understood."""
    import pyogrio

    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            frame = pd.read_csv(path, dtype=str, sep=None, engine="python",
                                encoding="utf-8-sig", encoding_errors="replace")
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
            return [], False
        points = _table_points(frame, known)
        return points, bool(points)  # no coordinate columns: scan the text instead
    if suffix in (".xlsx", ".xlsm"):
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=str)
        except (ValueError, OSError, zipfile.BadZipFile) as err:
            log.info("%s: unreadable workbook (%s)", path, err)
            return [], False
        return [p for frame in sheets.values() for p in _table_points(frame, known)], True
    if not "".join(path.suffixes[-2:]).lower().endswith(_VECTOR_SUFFIXES):
        return [], False
    source, layers = str(path), None
    for candidate in (str(path), f"/vsizip/{path}"):
        try:
            layers = pyogrio.list_layers(candidate)
            source = candidate
            break
        except Exception:  # noqa: BLE001,S112 - any GDAL failure means: not this way
            continue
    if layers is None:
        return [], False
    points: list[Point] = _sqlite_table_points(path, known) if suffix in (".gpkg", ".sqlite") \
        else []
    for name in layers[:, 0]:
        try:
            gdf = pyogrio.read_dataframe(source, layer=name)
        except Exception as err:  # noqa: BLE001 - report and go on with the other layers
            log.info("%s: layer %s unreadable (%s)", path, name, err)
            continue
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.isna().all():
            continue
        geoms = np.asarray(gdf.geometry.array)
        types = shapely.get_type_id(geoms)
        if not np.isin(types[types >= 0], (0, 4)).all():
            continue  # a case layer holds points only; points among polygons are artefacts
        keep = np.isin(types, (0, 4))
        id_col = _id_column(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), known)
        ids = (gdf[id_col].astype("string").to_numpy(dtype=object, na_value=None)[keep]
               if id_col is not None else np.full(keep.sum(), None))
        geoms = geoms[keep]
        if gdf.crs is not None and len(geoms):
            geoms = np.asarray(gpd.GeoSeries(geoms, crs=gdf.crs).to_crs(4326).array)
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        points += [(x, y, ids[i]) for (x, y), i in zip(coords.tolist(), index.tolist(),
                                                        strict=True)]
    return points, True


def _to_metric(points: list[Point]) -> tuple[np.ndarray, np.ndarray]:
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


# --------------------------------------------------------------------------- the check


def load_source(source: Any, *, kind: LayerKind = "cases") -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Load the source register: the located layer, and every raw row (for its values).

    Uses landmap's loaders (rows they reject are still searched for their values), else
    GDAL/pandas with the common latitude/longitude column names. A file is read once per
    modification time.
    """
    if hasattr(source, "data") and hasattr(source, "report"):
        source = source.data
    if isinstance(source, gpd.GeoDataFrame):
        return source, pd.DataFrame(source.drop(columns=source.geometry.name))
    path = Path(source)
    if not path.exists():
        raise DataFileError("the source register does not exist", path=path,
                            fix="give the case file the export was made from (--against)")
    return _load_file(str(path.resolve()), path.stat().st_mtime_ns, kind)


@functools.lru_cache(maxsize=4)
def _load_file(name: str, _mtime: int, kind: LayerKind) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    path = Path(name)
    raw = None
    if path.suffix.lower() in (".csv", ".txt"):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    elif path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, dtype=str)
    try:
        from landmap.io.load import load as _load

        layer = _load(path, kind).data
    except ImportError:
        layer = _fallback_layer(path, raw)
    if raw is None:
        raw = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    return layer, raw


def _fallback_layer(path: Path, raw: pd.DataFrame | None) -> gpd.GeoDataFrame:
    if raw is None:
        return gpd.read_file(path)
    lower = {c.lower(): c for c in raw.columns}
    lat = next((lower[c] for c in ("latitude", "lat", "y") if c in lower), None)
    lon = next((lower[c] for c in ("longitude", "lon", "lng", "long", "x") if c in lower), None)
    if lat is None or lon is None:
        raise PrivacyError("the source table has no latitude/longitude columns", path=path,
                           fix="give a GeoPackage/GeoJSON of the cases, or name the columns")
    x = pd.to_numeric(raw[lon], errors="coerce")
    y = pd.to_numeric(raw[lat], errors="coerce")
    return gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def _prepare(
    against: Any, kind: LayerKind, columns: tuple[str, ...] | None
) -> tuple[gpd.GeoDataFrame, SecretIndex]:
    if isinstance(against, (str, os.PathLike)) and Path(against).is_file():
        path = Path(against)
        return _prepared_file(str(path.resolve()), path.stat().st_mtime_ns, kind, columns)
    layer, raw = load_source(against, kind=kind)
    return layer, secret_index(layer, raw, kind=kind, columns=columns)


@functools.lru_cache(maxsize=4)
def _prepared_file(
    name: str, mtime: int, kind: LayerKind, columns: tuple[str, ...] | None
) -> tuple[gpd.GeoDataFrame, SecretIndex]:
    layer, raw = _load_file(name, mtime, kind)
    return layer, secret_index(layer, raw, kind=kind, columns=columns)


def secret_index(
    layer: gpd.GeoDataFrame, raw: pd.DataFrame | None = None, *, kind: LayerKind = "cases",
    columns: Iterable[str] | None = None,
) -> SecretIndex:
    """Index the sensitive values of a source layer (see :class:`SecretIndex`)."""
    table = raw if raw is not None else layer
    if columns is None:
        found = sensitive_columns(table, kind, free_text=False)
        cols = {c: r for c, r in found.items() if not r.startswith(_NOT_SEARCHED)}
    else:
        cols = {c: "declared sensitive" for c in columns if c in table.columns}
    id_col = ID_COLUMN.get(kind)
    ids = (table[id_col].astype(str) if id_col in table.columns
           else pd.Series([f"row {i + 1}" for i in range(len(table))], index=table.index))

    def values() -> Iterator[tuple[str, str, str]]:
        for col in cols:
            series = table[col]
            ok = series.notna()
            for cid, value in zip(ids[ok], series[ok], strict=True):
                if str(value).strip():
                    yield col, cid, str(value)

    return SecretIndex(values())


def _files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    out: list[Path] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file())
        elif p.is_file():
            out.append(p)
        else:
            raise DataFileError("the export to check does not exist", path=p,
                                fix="give a file or a folder of exported files")
    return out


def audit_export(
    path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    against: Any,
    *,
    min_radius_m: float | None = None,
    kind: LayerKind = "cases",
    columns: Iterable[str] | None = None,
) -> AuditResult:
    """Check exported files for sensitive values and exact locations of the source cases.

    Parameters
    ----------
    path
        An exported file, a folder (every file under it) or a list of them.
    against
        The source register: a path (loaded with landmap's loaders) or a GeoDataFrame with the
        true locations and the sensitive columns.
    min_radius_m
        A point closer than this to a true case location is a leak (default: the public
        profile's minimum displacement, 500 m). ``0`` skips the location check.
    kind
        The source layer kind.
    columns
        The sensitive columns to search for (default: every column recognised as sensitive,
        except free text and coordinate columns).

    Returns
    -------
    AuditResult
        ``result.ok`` is ``False`` when anything leaked; ``result.lines()`` says what and where.

    """
    files = _files([path] if isinstance(path, (str, os.PathLike)) else path)
    layer, index = _prepare(against, kind, None if columns is None else tuple(columns))
    radius = float(PUBLIC.min_radius_m if min_radius_m is None else min_radius_m)
    true_m = np.asarray(layer.geometry.to_crs(CAMBODIA_METRIC_CRS).array)
    located = ~shapely.is_missing(true_m) & ~shapely.is_empty(true_m)
    true_m = true_m[located]
    id_col = ID_COLUMN.get(kind)
    true_ids = (layer[id_col].astype(str).to_numpy()[located] if id_col in layer.columns
                else np.flatnonzero(located).astype(str))
    tree = shapely.STRtree(true_m)
    known = frozenset(true_ids.tolist())
    findings: dict[tuple[str, ...], Finding] = {}
    scanned: list[str] = []
    points_found = 0
    for file in files:
        data = file.read_bytes()
        file_points, structured = _file_points(file, known) if radius > 0 else ([], False)
        for where, body in iter_streams(data, str(file), path=file):
            scanned.append(where)
            for view in _text_views(body):
                for kind_, col, cid, matched in index.search(view):
                    key = (where, kind_, col, cid)
                    findings.setdefault(key, Finding(
                        kind_, where, f"{col} of case {cid} found as text: {_mask(matched)}", cid))
            sql_table = re.search(r"!table [^!]*$", where) is not None  # read as tables
            if radius > 0 and not sql_table and not (structured and where == str(file)):
                file_points += _stream_points(body, known)
        if radius > 0 and file_points and len(true_m):
            found_m, found_ids = _to_metric(file_points)
            points_found += len(found_m)
            pts = shapely.points(found_m)
            hit_p, hit_t = tree.query(pts, predicate="dwithin", distance=radius)
            # A point labelled with a case id is judged against that case only: a masked point
            # may land near another household by chance. Unlabelled points against every case.
            own = np.array([i is None or i == true_ids[t]
                            for i, t in zip(found_ids[hit_p], hit_t, strict=True)], dtype=bool)
            hit_p, hit_t = hit_p[own], hit_t[own]
            dist = shapely.distance(pts[hit_p], true_m[hit_t])
            for t, d in zip(hit_t.tolist(), dist.tolist(), strict=True):
                key = (str(file), "point", true_ids[t])
                if key not in findings or d < (findings[key].distance_m or 0.0):
                    findings[key] = Finding(
                        "point", str(file),
                        f"a point {d:.0f} m from the true location of case {true_ids[t]} "
                        f"(minimum {radius:g} m)", true_ids[t], round(d, 1))
    return AuditResult(list(findings.values()), scanned, index.count, len(true_m),
                       points_found, radius)


def require_clean(
    path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    against: Any,
    *,
    min_radius_m: float | None = None,
    kind: LayerKind = "cases",
) -> AuditResult:
    """Run :func:`audit_export` and raise :class:`~landmap.errors.PrivacyError` on any leak.

    For pipelines and tests: ``require_clean("maps/public", "data/cases.csv")``.

    Raises
    ------
    PrivacyError
        Listing every finding, one per line.

    """
    result = audit_export(path, against, min_radius_m=min_radius_m, kind=kind)
    if not result.ok:
        raise PrivacyError(
            f"{len(result.findings)} leak(s) in the export:\n" + "\n".join(result.lines()),
            fix="export with the public profile (landmap.export.privacy.apply_profile)",
        )
    return result


__all__ = ["AuditResult", "Finding", "SecretIndex", "audit_export", "iter_streams",
           "load_source", "require_clean", "secret_index"]
