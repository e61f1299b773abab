"""The shape of a text table, checked before pandas reads it.

A line longer than the ``line_bytes`` limit, a header of more columns than the ``columns``
limit (:mod:`landmap.limits`), and values past the header's last column are found here with a
cheap pass over the file, so that a file too big for the machine is refused at once and a
ragged first row is never read with its values shifted one column to the left.
"""

from __future__ import annotations

import csv
import itertools
import mmap
import os

from landmap import limits
from landmap.errors import DataFileError
from landmap.io._vector import Source


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
                number = sum(mm[i:min(first, i + (1 << 24))].count(ends)
                             for i in range(0, first, 1 << 24))
                return last - first, number + 1
    return None


def check_line_lengths(src: Source) -> None:
    """Refuse a text table with a line longer than the ``line_bytes`` limit."""
    found = long_line(src.gdal_path, limits.current("line_bytes"))
    if found is None:
        return
    length, line = found
    limits.check("line_bytes", length,
                 what="the header line (line 1)" if line == 1 else f"line {line}",
                 path=src.display,
                 fix="check that this is a table with one record per line (a file that is "
                 "not a table at all often reads as one long line)")


def check_header_width(src: Source, sep: str, encoding: str, skip: int) -> None:
    """Refuse a table whose header has more columns than the ``columns`` limit.

    Counted from the header line before pandas reads anything: a header of millions of
    columns would otherwise take gigabytes.
    """
    with open(src.gdal_path, encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(skip):
            fh.readline()
        header = fh.readline()
    try:
        count = len(next(csv.reader([header.lstrip("\ufeff")], delimiter=sep), []))
    except csv.Error:  # a header cell longer than the csv module's field limit
        count = header.count(sep) + 1
    limits.check("columns", count, what="the header", path=src.display,
                 fix="keep only the columns you need (a wide form export can leave out its "
                 "repeat groups)")


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
                            path=src.display, row=row,
                            fix="quote values that contain the delimiter, or add the missing "
                                "column names",
                        )
        except csv.Error:
            return 0  # pandas gives the precise error
    src.details["trailing_delimiter"] = (
        f"{trailing} rows end with a delimiter past the last column (ignored)")
    return trailing


__all__ = ["check_header_width", "check_line_lengths", "long_line", "values_past_header"]
