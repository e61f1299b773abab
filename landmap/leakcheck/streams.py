"""Every byte stream inside an exported file, and what could not be opened.

:func:`walk` yields the file's own bytes, its name, and recursively every stream decoded from
it: ZIP members (KMZ, XLSX, zipped shapefiles) and their names, tar members, gzip, bzip2 and
xz data, PNG text chunks (``tEXt``, ``zTXt``, ``iTXt``, ``eXIf``), PDF streams with the page
text and metadata (poppler's ``pdftotext``/``pdfinfo`` when installed, else ``pypdf``), every
table of a SQLite/GeoPackage file, and base64 blobs anywhere in a text.

It fails closed: whatever it cannot open is yielded as :class:`Unchecked` (the leak check
reports it as a finding, so the result is not clean): an encrypted archive member or PDF, an
archive nested deeper than :data:`MAX_DEPTH`, more than :data:`MAX_EXPANDED_BYTES` decompressed
in one check, a compression or archive format it does not read (zstd, 7z, RAR, lz4, an OLE
compound file such as an old ``.xls`` or a password-protected workbook), a corrupt container, a
PDF whose text neither poppler nor pypdf could extract.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import dataclasses
import io
import lzma
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from landmap.leakcheck.text import stream_text

#: Containers inside containers are opened this many levels deep; one level deeper is a finding.
MAX_DEPTH = 5
#: Bytes decompressed in one check (all files together); beyond it the rest is a finding.
MAX_EXPANDED_BYTES = 2 * 1024**3
#: Shortest base64 run decoded (16 characters = 12 bytes).
MIN_BASE64 = 16

_B64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-="
_NOT_B64 = bytes(b if b in _B64_CHARS else 0x20 for b in range(256))
_HEX = re.compile(rb"^[0-9a-fA-F]+$")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_UNREADABLE = (  # magic bytes of formats this check cannot open
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x04\x22\x4d\x18", "lz4-compressed data"),
    (b"\x1f\x9d", "Unix compress (.Z) data"),
    (b"LZIP", "lzip-compressed data"),
    (b"MSCF", "Microsoft cabinet archive"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "OLE compound file (an old .xls/.doc, or a password-protected Office file)",
    ),
)


@dataclasses.dataclass(frozen=True)
class Stream:
    """Bytes to search: where they are (``file`` or ``file!member!...``) and what they are.

    ``kind`` is ``"file"`` (a whole file on disk, ``path`` set), ``"name"`` (a file or member
    name), ``"pdf-content"`` (a PDF drawing stream), ``"table"`` (a SQLite table as text) or
    ``"member"`` (anything decoded from a container). ``text`` holds the texts to search
    (:func:`~landmap.leakcheck.text.stream_text`) and ``parsed`` the stream read as JSON.
    """

    where: str
    data: bytes
    kind: str = "member"
    path: Path | None = None
    text: tuple[bytes, ...] = ()
    parsed: Any = None


@dataclasses.dataclass(frozen=True)
class Unchecked:
    """Something the check could not open, and why: reported as a finding."""

    where: str
    why: str


class Budget:
    """Bytes that may still be decompressed in one check (shared by every file of it)."""

    def __init__(self) -> None:
        self.left = MAX_EXPANDED_BYTES

    def take(self, n: int) -> bool:
        """Take ``n`` bytes; ``False`` once the budget is spent."""
        self.left -= n
        return self.left >= 0


def _limited(decompressor, data: bytes, budget: Budget) -> bytes:
    """Decompress at most the budget; raise ``MemoryError`` when it runs out."""
    out = decompressor.decompress(data, max_length=max(budget.left, 0) + 1)
    if not budget.take(len(out)):
        raise MemoryError
    return out


def _decompress(data: bytes, budget: Budget) -> tuple[str, bytes] | None:
    """Return ``(name, bytes)`` for gzip, bzip2 or xz data, ``None`` for anything else."""
    if data[:3] == b"\x1f\x8b\x08":
        parts, rest = [], data
        while rest[:3] == b"\x1f\x8b\x08":  # concatenated gzip members
            d = zlib.decompressobj(wbits=31)
            parts.append(_limited(d, rest, budget))
            rest = d.unused_data
        return "gunzip", b"".join(parts)
    if data[:3] == b"BZh":
        return "bunzip2", _limited(bz2.BZ2Decompressor(), data, budget)
    if data[:6] == b"\xfd7zXZ\x00":
        return "unxz", _limited(lzma.LZMADecompressor(), data, budget)
    return None


def _zip_members(data: bytes, where: str, budget: Budget) -> Iterator[Stream | Unchecked]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            name = f"{where}!{info.filename}"
            yield Stream(f"{name} (member name)", info.filename.encode("utf-8"), "name")
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                yield Unchecked(name, "encrypted archive member")
                continue
            if not budget.take(info.file_size):
                yield Unchecked(name, f"more than {MAX_EXPANDED_BYTES:,} bytes decompressed")
                continue
            try:
                yield Stream(name, zf.read(info))
            except NotImplementedError as err:
                yield Unchecked(name, f"unsupported ZIP compression ({err})")
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as err:
                yield Unchecked(name, f"corrupt archive member ({err})")


def _tar_members(data: bytes, where: str, budget: Budget) -> Iterator[Stream | Unchecked]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        for info in tf:
            name = f"{where}!{info.name}"
            yield Stream(f"{name} (member name)", info.name.encode("utf-8"), "name")
            if not info.isfile():
                continue
            if not budget.take(info.size):
                yield Unchecked(name, f"more than {MAX_EXPANDED_BYTES:,} bytes decompressed")
                continue
            handle = tf.extractfile(info)
            if handle is not None:
                yield Stream(name, handle.read())


def _png_text(data: bytes, where: str) -> Iterator[Stream | Unchecked]:
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        ctype = data[pos + 4 : pos + 8].decode("latin-1")
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        name = f"{where}!{ctype}"
        try:
            if ctype == "tEXt":
                yield Stream(name, body.replace(b"\0", b"\n").decode("latin-1").encode())
            elif ctype == "zTXt":
                key, _, rest = body.partition(b"\0")
                yield Stream(name, key + b"\n" + zlib.decompress(rest[1:]))
            elif ctype == "iTXt":
                key, _, rest = body.partition(b"\0")
                flag, rest = rest[0], rest[2:]
                _lang, _, rest = rest.partition(b"\0")
                _tkey, _, text = rest.partition(b"\0")
                yield Stream(name, key + b"\n" + (zlib.decompress(text) if flag else text))
            elif ctype in ("eXIf", "iCCP"):
                yield Stream(name, body)
        except (zlib.error, IndexError) as err:
            yield Unchecked(name, f"compressed PNG text that does not decompress ({err})")


def _on_disk(data: bytes, path: Path | None, suffix: str) -> tuple[Path, str | None]:
    if path is not None:
        return path, None
    fh = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)  # noqa: SIM115
    with fh:
        fh.write(data)
    return Path(fh.name), fh.name


def _pdf(data: bytes, where: str, path: Path | None) -> Iterator[Stream | Unchecked]:
    for i, match in enumerate(_PDF_STREAM.finditer(data)):
        try:
            body = zlib.decompress(match.group(1))
        except zlib.error:
            continue  # an image or a filter other than Flate: no text to search
        content = b" BT" in body[:4096] or body[:4096].count(b" l\n") > 8
        yield Stream(f"{where}!stream {i}", body, "pdf-content" if content else "member")
    yield from pdf_text(data, where, path)


def pdf_text(
    data: bytes, where: str, path: Path | None = None, *, poppler: bool | None = None
) -> Iterator[Stream | Unchecked]:
    """Yield the page text and metadata of a PDF, or :class:`Unchecked` if they cannot be read.

    Poppler's ``pdftotext`` and ``pdfinfo`` are used when they are on the ``PATH`` (or when
    ``poppler=True``), else ``pypdf``.
    """
    use_poppler = shutil.which("pdftotext") is not None if poppler is None else poppler
    if not use_poppler:
        yield from _pypdf_text(data, where)
        return
    file, tmp = _on_disk(data, path, ".pdf")
    try:
        for tool, args in (
            ("pdftotext", ["-enc", "UTF-8", str(file), "-"]),
            ("pdfinfo", ["-enc", "UTF-8", "-meta", str(file)]),
        ):
            out = subprocess.run(  # noqa: S603 - fixed poppler tools, no shell
                [tool, *args], capture_output=True, timeout=300, check=False
            )
            if out.returncode != 0:
                message = out.stderr.decode("utf-8", "replace").strip().splitlines()
                yield Unchecked(
                    f"{where}!{tool}",
                    f"the PDF could not be read by {tool} "
                    f"({message[-1] if message else f'exit {out.returncode}'})",
                )
                return
            yield Stream(f"{where}!{tool}", out.stdout)
    finally:
        if tmp:
            Path(tmp).unlink()


def _pypdf_text(data: bytes, where: str) -> Iterator[Stream | Unchecked]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    name = f"{where}!pypdf"
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            yield Unchecked(name, "encrypted PDF (its text cannot be read without the password)")
            return
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = [f"{k} {v}" for k, v in (reader.metadata or {}).items()]
        xmp = reader.xmp_metadata
        if xmp is not None:
            meta.append(xmp.stream.get_data().decode("utf-8", "replace"))
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as err:
        yield Unchecked(name, f"the PDF's text could not be read by pypdf ({err})")
        return
    yield Stream(name, "\n".join(pages + meta).encode("utf-8", "replace"))


def _sqlite_tables(data: bytes, where: str, path: Path | None) -> Iterator[Stream | Unchecked]:
    file, tmp = _on_disk(data, path, ".sqlite")
    try:
        con = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in names:
                quoted = '"' + table.replace('"', '""') + '"'
                rows = con.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from the file
                parts = ["\t".join(d[0] for d in rows.description)]
                for row in rows:
                    parts.append(
                        "\t".join(
                            v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                            for v in row
                            if v is not None and not (isinstance(v, bytes) and v[:2] == b"GP")
                        )
                    )
                yield Stream(f"{where}!table {table}", "\n".join(parts).encode(), "table")
        finally:
            con.close()
    except sqlite3.Error as err:
        yield Unchecked(where, f"unreadable SQLite/GeoPackage file ({err})")
    finally:
        if tmp:
            Path(tmp).unlink()


def _looks_decoded(blob: bytes) -> bool:
    """Whether decoded base64 is text or a file (not the noise an ordinary word decodes to)."""
    if _is_container(blob) or blob[:5] in (b"%PDF-", b"\x89PNG\r", b"SQLit"):
        return True
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return False
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n")
    return controls <= len(text) // 20


def _base64_blobs(data: bytes, where: str) -> Iterator[Stream]:
    """Base64 runs anywhere in a text that decode to text or to a file."""
    seen: set[bytes] = set()
    runs = [r for r in data.translate(_NOT_B64).split() if len(r) >= MIN_BASE64]
    for run in runs:
        body = run.rstrip(b"=")
        if (
            len(body) < MIN_BASE64
            or run in seen
            or b"=" in body
            or _HEX.match(body)
            or body.islower()
            or body.isupper()
            or len(body) % 4 == 1
        ):
            continue  # short, a repeat, a hash, an identifier, or not base64 at all
        seen.add(run)
        alt = b"-_" if (b"-" in run or b"_" in run) else None
        try:
            blob = base64.b64decode(body + b"=" * (-len(body) % 4), altchars=alt)
        except (binascii.Error, ValueError):
            continue
        if _looks_decoded(blob):
            yield Stream(f"{where}!base64 {len(seen)}", blob, "base64")


def _children(stream: Stream, budget: Budget) -> Iterator[Stream | Unchecked]:
    data, where = stream.data, stream.where
    head = data[:16]
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        yield from _zip_members(data, where, budget)
    elif len(data) > 262 and data[257:262] == b"ustar":
        yield from _tar_members(data, where, budget)
    elif head[:8] == b"\x89PNG\r\n\x1a\n":
        yield from _png_text(data, where)
    elif head[:5] == b"%PDF-":
        yield from _pdf(data, where, stream.path)
    elif head == b"SQLite format 3\x00":
        yield from _sqlite_tables(data, where, stream.path)
    else:
        unpacked = _decompress(data, budget)
        if unpacked is not None:
            yield Stream(f"{where}!{unpacked[0]}", unpacked[1])
            return
        for magic, what in _UNREADABLE:
            if head.startswith(magic):
                yield Unchecked(where, f"{what}: the leak check cannot open it")
                return
        if stream.kind != "name":
            for view in stream.text:
                yield from _base64_blobs(view, where)


def _is_container(data: bytes) -> bool:
    head = data[:16]
    return (
        head[:4] in (b"PK\x03\x04", b"PK\x05\x06")
        or head[:2] == b"\x1f\x8b"
        or head[:3] == b"BZh"
        or head[:6] == b"\xfd7zXZ\x00"
        or (len(data) > 262 and data[257:262] == b"ustar")
    )


def expand(stream: Stream, budget: Budget, depth: int = 0) -> Iterator[Stream | Unchecked]:
    """Yield ``stream`` (with its text) and everything decoded from it, depth first."""
    if stream.kind != "pdf-content":
        views, parsed = stream_text(stream.data)
        stream = dataclasses.replace(stream, text=tuple(views), parsed=parsed)
    yield stream
    if depth >= MAX_DEPTH and _is_container(stream.data):
        yield Unchecked(stream.where, f"an archive nested more than {MAX_DEPTH} levels deep")
        return
    try:
        children = list(_children(stream, budget))
    except MemoryError:
        yield Unchecked(stream.where, f"more than {MAX_EXPANDED_BYTES:,} bytes decompressed")
        return
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        zlib.error,
        lzma.LZMAError,
        OSError,
        EOFError,
        ValueError,
    ) as err:
        yield Unchecked(stream.where, f"corrupt or truncated container ({err})")
        return
    for child in children:
        if isinstance(child, Unchecked):
            yield child
        elif child.kind == "base64" and depth >= MAX_DEPTH:
            continue
        else:
            yield from expand(child, budget, depth + 1)


def walk(
    files: list[tuple[Path, str]], *, budget: Budget | None = None
) -> Iterator[Stream | Unchecked]:
    """Yield every stream of every file (``(path, name to report)`` pairs), then its name.

    ``budget``: the decompression budget, when one check walks its files in several calls.
    """
    budget = budget if budget is not None else Budget()
    for path, name in files:
        yield from expand(Stream(f"{name} (file name)", name.encode("utf-8"), "name"), budget)
        yield from expand(Stream(str(path), path.read_bytes(), "file", path), budget)


__all__ = [
    "Budget",
    "MAX_DEPTH",
    "MAX_EXPANDED_BYTES",
    "MIN_BASE64",
    "Stream",
    "Unchecked",
    "expand",
    "pdf_text",
    "walk",
]
