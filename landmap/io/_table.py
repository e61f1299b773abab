"""Reading tables: CSV (any delimiter, any encoding) and XLSX, every cell as it was typed.

Ids and phone numbers keep their leading zeros, a workbook's title rows above its header are
skipped, and every record keeps the row number a spreadsheet shows for it (header = row 1), so
that the load report can name it. What the columns mean is settled later
(:mod:`landmap.io._canonical`, :mod:`landmap.io._coordinate_columns`).
"""

from __future__ import annotations

import contextlib
import csv
import re
import warnings
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import pandas as pd

from landmap import limits
from landmap.errors import DataFileError, LandmapError
from landmap.io._aliases import aliases, find_column, normalise
from landmap.io._csv_shape import (
    DELIMITERS,
    detect_encoding,
    header_cells,
    sniff_delimiter,
    text_shape,
)
from landmap.io._vector import Source

#: Columns read as text whatever they hold, so that ids and phone numbers keep leading zeros.
_TEXT_COLUMN = re.compile(
    r"(^|_)(id|uuid|code|no|num|number|ref|reference|phone|tel|telephone|mobile|contact|zip|postcode|case)(_|$)"
    # Khmer: number (លេខ: case number, phone number), telephone, code
    r"|លេខ|ទូរស័ព្ទ|កូដ"
)


class Sheet(NamedTuple):
    """A table as read: its records and the row a spreadsheet shows for each (header = 1)."""

    frame: pd.DataFrame
    rows: np.ndarray


def read_table(src: Source, *, encoding: str | None) -> Sheet:
    """Read a CSV or XLSX table as text columns (so ids like ``007`` keep their zeros)."""
    if src.fmt == "xlsx":
        sheet = _read_xlsx(src)
        limits.check(
            "columns",
            sheet.frame.shape[1],
            what="the sheet",
            path=src.display,
            fix="keep only the columns you need",
        )
        return sheet
    enc, sep, skip, strict = text_shape(src, encoding)
    try:
        text = _text_columns(src, sep, enc, skip, strict=strict)
        frame = _read_csv(
            src.gdal_path, sep=sep, encoding=enc, dtype=text, skip=skip, strict=strict
        )
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise _unreadable(src, err, sep, enc) from err
    if frame.shape[1] == 1:
        header = str(frame.columns[0])
        values = " ".join(frame.iloc[:5, 0].dropna().astype(str))
        if any(d in header for d in DELIMITERS) or (
            header.count(" ") >= 2 and any(d in values for d in DELIMITERS)
        ):
            raise DataFileError(
                f"was read as a single column {header!r}: its header and rows do not "
                "share a delimiter",
                path=src.display,
                fix="save the table with one delimiter (commas or semicolons) between all columns",
            )
    return Sheet(frame, _csv_rows(src, enc, skip, len(frame)))


def _unreadable(src: Source, err: Exception, sep: str, encoding: str) -> DataFileError:
    """Return the error for a CSV that pandas could not read, saying what to do."""
    if isinstance(err, pd.errors.EmptyDataError):
        what, fix = "has no header and no rows", "export the table again with its header row"
    elif isinstance(err, UnicodeDecodeError):
        what = f"is not valid {encoding} text ({err.reason} at byte {err.start})"
        fix = "pass the right encoding=, e.g. 'cp1252'"
    else:
        what = f"could not be split into columns with the delimiter {sep!r} ({str(err).strip()})"
        fix = "quote values that contain the delimiter, or re-export the table as CSV"
    return DataFileError(what, path=src.display, fix=fix)


def _csv_rows(src: Source, encoding: str, skip: int, n: int) -> np.ndarray:
    """Row numbers a spreadsheet shows for the records of a CSV (header = row 1).

    Records follow the header one per line, unless the file has blank lines (pandas skips
    them; a spreadsheet shows them as empty rows) or cells that run over several lines: only
    then, when the file has more lines than records, are the records counted again with the
    csv module (a second, slower pass over the file).
    """
    first = skip + 2
    if not encoding.lower().startswith("utf-16") and _lines(src.gdal_path) == n + first - 1:
        return np.arange(first, first + n, dtype=np.int64)
    with open(src.gdal_path, encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(skip):
            fh.readline()
        numbers = [i for i, rec in enumerate(csv.reader(fh), start=skip + 1) if rec]
    numbers = numbers[1:]  # the header
    if len(numbers) != n:  # the two parsers disagree (odd quoting): count records instead
        return np.arange(first, first + n, dtype=np.int64)
    return np.asarray(numbers, dtype=np.int64)


def _lines(path: str) -> int:
    """Count the lines of a text file (a last line without a line break counts too)."""
    count, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 23):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _text_columns(
    src: Source, sep: str, encoding: str, skip: int, *, strict: bool = True
) -> dict[str, type]:
    """Id- and phone-like columns whose first rows hold bare numbers: read them as text.

    ``007`` or ``012345678`` would otherwise lose their leading zeros. Columns whose sample
    already holds text are left to pandas, which keeps them as typed anyway, and cheaper.
    """
    with _strict_fields(strict):
        sample = pd.read_csv(
            src.gdal_path,
            sep=sep,
            encoding=encoding,
            nrows=1000,
            dtype=str,
            keep_default_na=False,
            skiprows=skip,
            index_col=False,
        )
    forced: dict[str, type] = {}
    for col in sample.columns:
        if not _TEXT_COLUMN.search(normalise(str(col).rsplit("/", 1)[-1])):
            continue
        values = sample[col].astype(str).str.strip()
        values = values[values.ne("")]
        if values.empty or values.str.fullmatch(r"[+-]?\d+(?:[.,]\d*)?").all():
            forced[col] = str
    return forced


def _read_csv(
    path: str,
    *,
    sep: str,
    encoding: str,
    dtype: dict[str, type],
    skip: int = 0,
    strict: bool = True,
) -> pd.DataFrame:
    """Read a CSV with pandas' C parser: blank cells are missing, text such as "NA" is kept."""
    with _strict_fields(strict):
        return pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            dtype=dtype or None,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
            skiprows=skip,
            index_col=False,
        )


@contextlib.contextmanager
def _strict_fields(strict: bool) -> Iterator[None]:
    """Read with ``index_col=False``: pandas' warning that it dropped values past the header.

    ``strict``: the warning is an error (no row should have such values); otherwise the
    dropped values are the empty ones of a trailing delimiter, and the warning is silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error" if strict else "ignore", pd.errors.ParserWarning)
        yield


def _read_xlsx(src: Source) -> Sheet:
    with _workbook(src) as (book, sheet, sheets):
        head = pd.read_excel(book, sheet_name=sheet, header=None, nrows=15, dtype=object)
        header = header_row(head)
        frame = pd.read_excel(book, sheet_name=sheet, header=header, dtype=object)
    src.details.update(sheet=sheet, sheets=sheets)
    if header:
        src.details["header_row"] = f"row {header + 1} of the sheet (title rows above it skipped)"
    blank = frame.isna().all(axis=1)
    if blank.any():
        src.details["blank_rows_skipped"] = int(blank.sum())
    frame = frame[~blank]
    # the sheet's own row numbers (1-based, header included): what Excel shows beside each row
    rows = frame.index.to_numpy(dtype=np.int64) + header + 2
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:  # text stays text (Khmer untouched); numbers/dates as typed
        if frame[col].map(lambda v: isinstance(v, str)).all():
            frame[col] = frame[col].astype("string")
    return Sheet(frame.reset_index(drop=True), rows)


@contextlib.contextmanager
def _workbook(src: Source) -> Iterator[tuple[pd.ExcelFile, str, list[str]]]:
    """Open a workbook: ``(book, the sheet to read, all its sheets)``; a clear error if not."""
    try:
        with pd.ExcelFile(src.gdal_path, engine="openpyxl") as book:
            sheets = [str(s) for s in book.sheet_names]
            sheet = src.layer if src.layer is not None else sheets[0]
            if sheet not in sheets:
                raise DataFileError(
                    f"has no sheet {sheet!r}; its sheets are: {', '.join(sheets)}",
                    path=src.display,
                    fix="name one of these with layer= (or --layer)",
                )
            yield book, sheet, sheets
    except LandmapError:
        raise
    except Exception as err:  # noqa: BLE001 - openpyxl raises zip/xml errors of many types
        raise DataFileError(
            f"is not a readable .xlsx workbook ({type(err).__name__}: {err})",
            path=src.display,
            fix="open it in Excel/LibreOffice and save it again",
        ) from err


def header_row(head: pd.DataFrame) -> int:
    """Return the first row that names coordinate columns (sheets often start with a title)."""
    spec = aliases()["coordinates"]
    for i in range(len(head)):
        names = [str(v) for v in head.iloc[i] if isinstance(v, str)]
        found = {
            role
            for role, entry in spec.items()  # type: ignore[union-attr]
            if find_column(names, entry["aliases"], entry["suffixes"]) is not None
        }
        if {"lat", "lon"} <= found or "geopoint" in found or {"easting", "northing"} <= found:
            return i
    return 0


def table_header(src: Source, *, encoding: str | None = None) -> list[str]:
    """Return the column names of a CSV or XLSX table without reading its records.

    The header is the one :func:`read_table` uses: after Excel's ``sep=`` line in a CSV, and
    below the title rows of a workbook.
    """
    if src.fmt == "xlsx":
        with _workbook(src) as (book, sheet, _):
            head = pd.read_excel(book, sheet_name=sheet, header=None, nrows=15, dtype=object)
        if head.empty:
            return []
        return [str(v) for v in head.iloc[header_row(head)] if not pd.isna(v)]
    enc = detect_encoding(src, encoding)
    sep, skip = sniff_delimiter(src, enc)
    return header_cells(src, sep, enc, skip)


__all__ = ["Sheet", "detect_encoding", "header_row", "read_table", "table_header"]
