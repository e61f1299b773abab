"""The shape of a text table, found and checked before pandas reads it.

Its encoding (byte-order mark, UTF-8, else charset detection) and delimiter (Excel's ``sep=``
line, else sniffed) are found here. A line longer than the ``line_bytes`` limit, a header of
more columns than the ``columns`` limit (:mod:`landmap.limits`), and values past the header's
last column are found here with a cheap pass over the file, so that a file too big for the
machine is refused at once and a ragged first row is never read with its values shifted one
column to the left.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import mmap
import os
import re
from typing import NamedTuple

from landmap import limits
from landmap.errors import DataFileError
from landmap.io._vector import Source

_SAMPLE = 256 * 1024
DELIMITERS = ",;\t|"


class TextShape(NamedTuple):
    """How to read a text table: its encoding, delimiter, lines before the header, strictness."""

    encoding: str
    delimiter: str
    skip: int
    #: no row has (empty) values past the header: any row with too many values is an error
    strict: bool


def text_shape(src: Source, encoding: str | None) -> TextShape:
    """Check a text table's shape and find how to read it (a clear error when it cannot be).

    Lines over the ``line_bytes`` limit are refused first, then the encoding and delimiter are
    found, then a header over the ``columns`` limit and filled values past the header are
    refused. The encoding and delimiter are noted in ``src.details``.
    """
    check_line_lengths(src)
    enc = detect_encoding(src, encoding)
    sep, skip = sniff_delimiter(src, enc)
    src.details.update(encoding=enc, delimiter=sep)
    check_header_width(src, sep, enc, skip)
    return TextShape(enc, sep, skip, values_past_header(src, sep, enc, skip) == 0)


def detect_encoding(src: Source, encoding: str | None) -> str:
    """Return the encoding to read a text table with (BOM, UTF-8, else charset detection)."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as err:
            raise DataFileError(
                f"unknown encoding {encoding!r}",
                path=src.display,
                fix="use a name such as 'utf-8', 'cp1252' or 'utf-16'",
            ) from err
        return encoding
    with open(src.gdal_path, "rb") as fh:
        sample = fh.read(_SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < _SAMPLE)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    results = from_bytes(sample)
    best = results.best()
    names = [m.encoding for m in results]
    if (
        "cp1252" in names
    ):  # short Western samples fit several code pages; Windows-1252 is the usual one
        return "cp1252"
    if best is None:
        raise DataFileError(
            "is not text in any encoding landmap can recognise (a binary file named .csv?)",
            path=src.display,
            fix="export the sheet again as CSV UTF-8, or pass encoding=",
        )
    return str(best.encoding)


def sniff_delimiter(src: Source, encoding: str) -> tuple[str, int]:
    """Return the delimiter and the number of lines to skip (Excel's ``sep=;`` hint line)."""
    with open(src.gdal_path, encoding=encoding, errors="replace", newline="") as fh:
        head = fh.read(64 * 1024)
    lines = head.lstrip("\ufeff").splitlines()[:50]
    hint = re.match(r"^sep=(.)\s*$", lines[0]) if lines else None
    if hint:
        return hint.group(1), 1
    if len(lines) > 1 and len(head) == 64 * 1024:
        lines = lines[:-1]  # the last line may be cut off
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter, 0
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS} if lines else {}
        best = max(counts, key=counts.get) if counts else ","
        return (best if counts.get(best) else ","), 0


def long_line(path: str, limit: int) -> tuple[int, int] | None:
    """Return ``(length in bytes, 1-based line number)`` of a line longer than ``limit``.

    ``None`` when every line is within the limit. A line longer than ``limit`` covers a
    whole block of ``limit // 2`` bytes starting at a multiple of ``limit // 2``; so only
    those blocks are searched for a line end (LF, or CR for old Mac files), which stops at
    the first one, a few bytes in. A 100 MB register is checked by reading a few hundred
    pages of it, not all of it.
    """
    size = os.path.getsize(path)
    if size <= limit:
        return None
    block = max(1, limit // 2)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for start in range(0, size, block):
            end = min(size, start + block)
            if mm.find(b"\n", start, end) >= 0 or mm.find(b"\r", start, end) >= 0:
                continue
            first = max(mm.rfind(b"\n", 0, start), mm.rfind(b"\r", 0, start)) + 1
            after = [i for i in (mm.find(b"\n", end), mm.find(b"\r", end)) if i >= 0]
            last = min(after) if after else size
            if last - first > limit:
                ends = b"\n" if mm.find(b"\n", 0, first) >= 0 else b"\r"
                number = sum(
                    mm[i : min(first, i + (1 << 24))].count(ends) for i in range(0, first, 1 << 24)
                )
                return last - first, number + 1
    return None


def check_line_lengths(src: Source) -> None:
    """Refuse a text table with a line longer than the ``line_bytes`` limit."""
    found = long_line(src.gdal_path, limits.current("line_bytes"))
    if found is None:
        return
    length, line = found
    limits.check(
        "line_bytes",
        length,
        what="the header line (line 1)" if line == 1 else f"line {line}",
        path=src.display,
        fix="check that this is a table with one record per line (a file that is "
        "not a table at all often reads as one long line)",
    )


def check_header_width(src: Source, sep: str, encoding: str, skip: int) -> None:
    """Refuse a table whose header has more columns than the ``columns`` limit.

    Counted from the header line before pandas reads anything: a header of millions of
    columns would otherwise take gigabytes.
    """
    limits.check(
        "columns",
        len(header_cells(src, sep, encoding, skip)),
        what="the header",
        path=src.display,
        fix="keep only the columns you need (a wide form export can leave out its repeat groups)",
    )


def header_cells(src: Source, sep: str, encoding: str, skip: int) -> list[str]:
    """Return the cells of a text table's header line (the line after ``skip`` lines)."""
    with open(src.gdal_path, encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(skip):
            fh.readline()
        header = fh.readline().rstrip("\r\n").lstrip("\ufeff")
    try:
        return next(csv.reader([header], delimiter=sep), [])
    except csv.Error:  # a header cell longer than the csv module's field limit
        return header.split(sep)


def values_past_header(src: Source, sep: str, encoding: str, skip: int) -> int:
    """Count the rows that end with empty values past the header (a trailing delimiter).

    Those are harmless and read without them. A first row with *filled* values past the
    header is an error naming it: left to itself, pandas would take the first column for an
    index and shift every value one column to the left (ids would become latitudes), or, told
    not to, drop the extra values with a warning. Later rows with too many values are
    refused by pandas itself (:func:`landmap.io._table.read_table`).
    """
    with open(src.gdal_path, encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(skip):
            fh.readline()
        reader = csv.reader(fh, delimiter=sep)
        try:
            width = len(next(reader, []))
            first = next(reader, None)
            if first is None or len(first) <= width:
                return 0
            trailing = 0
            # the rare trailing-delimiter file is read through here once, row by row: pandas
            # will drop values past the header, so every one of them must be empty
            for values in itertools.chain([first], reader):
                row = skip + reader.line_num  # as a spreadsheet numbers it (header = row 1)
                if len(values) > width:
                    trailing += 1
                    if any(v.strip() for v in values[width:]):
                        raise DataFileError(
                            f"could not be split into columns with the delimiter {sep!r}: row "
                            f"{row} has {len(values)} values, the header {width} columns",
                            path=src.display,
                            row=row,
                            fix="quote values that contain the delimiter, or add the missing "
                            "column names",
                        )
        except csv.Error:
            return 0  # pandas gives the precise error
    src.details["trailing_delimiter"] = (
        f"{trailing} rows end with a delimiter past the last column (ignored)"
    )
    return trailing


__all__ = [
    "DELIMITERS",
    "TextShape",
    "check_header_width",
    "check_line_lengths",
    "detect_encoding",
    "header_cells",
    "long_line",
    "sniff_delimiter",
    "text_shape",
    "values_past_header",
]
