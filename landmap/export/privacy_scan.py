r"""Every byte stream of an exported file, and the text views a value can hide behind.

Used by the leak check (:mod:`landmap.audit`): ZIP members (KMZ, XLSX, zipped shapefiles),
gzip, PNG text chunks (``tEXt``, ``zTXt``, ``iTXt``, ``eXIf``), PDF streams (inflated) with the
text and metadata poppler extracts, every table of a GeoPackage/SQLite file, and base64
``data:`` URIs inside HTML, recursively. :func:`text_views` adds the JSON ``\\uXXXX``-,
HTML-entity- and percent-decoded forms (and UTF-16 when the bytes look like it).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import html
import io
import logging
import os
import re
import sqlite3
import subprocess
import tempfile
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("landmap.audit")

_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_DATA_URI = re.compile(rb"data:[\w/+.\-]*(?:;[\w=\-]+)*;base64,([A-Za-z0-9+/=]{16,})")


def text_views(data: bytes) -> list[str]:
    """Return the text of a byte stream as written and with JSON/HTML/URL escapes undone."""
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




__all__ = ["iter_streams", "text_views"]
