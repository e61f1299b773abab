"""Tables with coordinates: CSV (any delimiter, any encoding) and XLSX.

Coordinates come from a latitude/longitude pair (decimal degrees or DMS text), a Kobo/ODK
geopoint column (``"lat lon alt acc"``), or UTM easting/northing with a zone (``utm_zone=``, a
zone column, or ``crs=``). Rows whose coordinates cannot be read keep an empty geometry and a
reason; the validator rejects them, so no row is lost on the way.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import re
import warnings
from collections.abc import Iterator
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from landmap import limits
from landmap.errors import CRSError, DataFileError, LandmapError, SchemaError
from landmap.io._aliases import aliases, find_column, normalise
from landmap.io._csv_shape import check_header_width, check_line_lengths, values_past_header
from landmap.io._geocode import has_place_columns
from landmap.io._vector import Source, _crs
from landmap.io.coords import parse_coordinates, split_geopoint, utm_crs

_SAMPLE = 256 * 1024
#: Columns read as text whatever they hold, so that ids and phone numbers keep leading zeros.
_TEXT_COLUMN = re.compile(
    r"(^|_)(id|uuid|code|no|num|number|ref|reference|phone|tel|telephone|mobile|contact|zip|postcode|case)(_|$)"
    # Khmer: number (លេខ: case number, phone number), telephone, code
    r"|លេខ|ទូរស័ព្ទ|កូដ"
)
_DELIMITERS = ",;\t|"
#: Key of ``Source.details`` holding the spreadsheet row number of every record read.
SHEET_ROWS = "_sheet_rows"


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


def _sniff_delimiter(src: Source, encoding: str) -> tuple[str, int]:
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
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter, 0
    except csv.Error:
        counts = {d: lines[0].count(d) for d in _DELIMITERS} if lines else {}
        best = max(counts, key=counts.get) if counts else ","
        return (best if counts.get(best) else ","), 0


def read_table(src: Source, *, encoding: str | None) -> pd.DataFrame:
    """Read a CSV or XLSX table as text columns (so ids like ``007`` keep their zeros)."""
    if src.fmt == "xlsx":
        frame = _read_xlsx(src)
        limits.check("columns", frame.shape[1], what="the sheet", path=src.display,
                     fix="keep only the columns you need")
        return frame
    check_line_lengths(src)
    enc = detect_encoding(src, encoding)
    sep, skip = _sniff_delimiter(src, enc)
    src.details.update(encoding=enc, delimiter=sep)
    check_header_width(src, sep, enc, skip)
    strict = values_past_header(src, sep, enc, skip) == 0
    try:
        text = _text_columns(src, sep, enc, skip, strict=strict)
        frame = _read_csv(src.gdal_path, sep=sep, encoding=enc, dtype=text, skip=skip,
                          strict=strict)
    except pd.errors.EmptyDataError as err:
        raise DataFileError(
            "has no header and no rows",
            path=src.display,
            fix="export the table again with its header row",
        ) from err
    except pd.errors.ParserError as err:
        raise DataFileError(
            f"could not be split into columns with the delimiter {sep!r} ({str(err).strip()})",
            path=src.display,
            fix="quote values that contain the delimiter, or re-export the table as CSV",
        ) from err

    except UnicodeDecodeError as err:
        raise DataFileError(
            f"is not valid {enc} text ({err.reason} at byte {err.start})",
            path=src.display,
            fix="pass the right encoding=, e.g. 'cp1252'",
        ) from err
    src.details[SHEET_ROWS] = _csv_rows(src, enc, skip, len(frame))
    if frame.shape[1] == 1:
        header = str(frame.columns[0])
        values = " ".join(frame.iloc[:5, 0].dropna().astype(str))
        if any(d in header for d in _DELIMITERS) or (
            header.count(" ") >= 2 and any(d in values for d in _DELIMITERS)
        ):
            raise DataFileError(
                f"was read as a single column {header!r}: its header and rows do not "
                "share a delimiter",
                path=src.display,
                fix="save the table with one delimiter (commas or semicolons) between all columns",
            )
    return frame


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


def sheet_rows(src: Source, n: int) -> np.ndarray:
    """Return the row numbers the report gives the ``n`` records read from ``src``.

    A spreadsheet's (CSV or XLSX) are the rows it shows, header = row 1; other sources are
    numbered 1, 2, 3... The numbers are taken out of ``src.details``.
    """
    rows = src.details.pop(SHEET_ROWS, None)
    if rows is not None and len(rows) == n:
        src.details["rows"] = "numbered as in the spreadsheet (the header is row 1)"
        return np.asarray(rows, dtype=np.int64)
    return np.arange(1, n + 1, dtype=np.int64)


def _text_columns(src: Source, sep: str, encoding: str, skip: int, *,
                  strict: bool = True) -> dict[str, type]:
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
    path: str, *, sep: str, encoding: str, dtype: dict[str, type], skip: int = 0,
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


def _read_xlsx(src: Source) -> pd.DataFrame:
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
            head = pd.read_excel(book, sheet_name=sheet, header=None, nrows=15, dtype=object)
            header = _header_row(head)
            frame = pd.read_excel(book, sheet_name=sheet, header=header, dtype=object)
    except LandmapError:
        raise
    except Exception as err:  # noqa: BLE001 - openpyxl raises zip/xml errors of many types
        raise DataFileError(
            f"is not a readable .xlsx workbook ({type(err).__name__}: {err})",
            path=src.display,
            fix="open it in Excel/LibreOffice and save it again",
        ) from err
    src.details.update(sheet=sheet, sheets=sheets)
    if header:
        src.details["header_row"] = f"row {header + 1} of the sheet (title rows above it skipped)"
    blank = frame.isna().all(axis=1)
    if blank.any():
        src.details["blank_rows_skipped"] = int(blank.sum())
    frame = frame[~blank]
    # the sheet's own row numbers (1-based, header included): what Excel shows beside each row
    src.details[SHEET_ROWS] = frame.index.to_numpy(dtype=np.int64) + header + 2
    frame.columns = [str(c) for c in frame.columns]
    for (
        col
    ) in frame.columns:  # text stays text (Khmer untouched); numbers/dates as Excel typed them
        if frame[col].map(lambda v: isinstance(v, str)).all():
            frame[col] = frame[col].astype("string")
    return frame.reset_index(drop=True)


def _header_row(head: pd.DataFrame) -> int:
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


def _coordinate_columns(frame: pd.DataFrame, columns: dict[str, str]) -> dict[str, str]:
    """Find coordinate columns: explicit mapping first, then the alias table."""
    spec = aliases()["coordinates"]
    names = [str(c) for c in frame.columns]
    found: dict[str, str] = {}
    absent: set[str] = set()  # mapped to "": the table has no such column
    explicit = {"latitude": "lat", "longitude": "lon", "y": "lat", "x": "lon"}
    for key, col in columns.items():
        role = explicit.get(key, key)
        if role in spec and col == "":
            absent.add(role)
        elif role in spec:
            if col not in frame.columns:
                raise SchemaError(
                    f"columns={{{key!r}: {col!r}}} names a column that is not in the "
                    f"table (columns: {', '.join(names)})",
                    column=col,
                    fix="use one of the table's column names",
                )
            found[role] = col
    taken = set(columns.values())
    for role, entry in spec.items():  # type: ignore[union-attr]
        if role not in found and role not in absent:
            col = find_column(
                names, entry["aliases"], entry["suffixes"], taken=taken | set(found.values())
            )
            if col is not None:
                found[role] = col
    return found


class TablePoints(NamedTuple):
    """Coordinates read from a table, before any geometry is built."""

    frame: pd.DataFrame
    x: np.ndarray
    y: np.ndarray
    reasons: pd.Series
    used: list[str]


def table_to_points(
    frame: pd.DataFrame,
    src: Source,
    *,
    columns: dict[str, str],
    crs: object,
    utm_zone: object,
    places_ok: bool = False,
) -> TablePoints:
    """Read the coordinates of every row (longitude/latitude arrays in EPSG:4326).

    Rows whose coordinates cannot be read get ``NaN`` and a reason (index = row position).
    With ``places_ok``, a table with no coordinate columns but place-name columns (a register
    that never had GPS) gives ``NaN`` for every row, for the loader to place by name.
    """
    found = _coordinate_columns(frame, columns)
    n = len(frame)
    reasons: list[pd.Series] = []
    user_crs = None if crs is None else _crs(crs, src)
    projected = user_crs is not None and user_crs.is_projected
    if projected and "lat" in found and "lon" in found and "easting" not in found:
        found["easting"], found["northing"] = found.pop("lon"), found.pop("lat")
    if "lat" in found and "lon" in found:
        used = [found["lat"], found["lon"]]
        lat = parse_coordinates(frame[found["lat"]], axis="lat", check_range=False)
        lon = parse_coordinates(frame[found["lon"]], axis="lon", check_range=False)
        x, y = lon.values, lat.values
        both = np.abs(np.concatenate([x[:20_000], y[:20_000]]))  # a sample decides
        big = float(np.nanmedian(both)) if n and not np.isnan(both).all() else 0.0
        if big > 1000:  # most values are metres: projected coordinates
            if utm_zone is None and "utm_zone" not in found:
                raise CRSError(
                    f"columns {found['lat']!r}/{found['lon']!r} hold values around {big:,.0f}: "
                    "projected coordinates (metres), not degrees",
                    path=src.display,
                    fix="pass crs= (e.g. 'EPSG:32648') or utm_zone= (e.g. '48N')",
                )
            found["easting"], found["northing"] = found.pop("lon"), found.pop("lat")
        else:
            source_crs = user_crs or CRS.from_epsg(4326)
            src.details["coordinates"] = (
                f"{found['lat']} / {found['lon']} ({source_crs.to_string()})"
            )
            reasons += _pair_reasons(lat, lon, "latitude", "longitude")
    if "easting" in found and "northing" in found:
        used = [found["easting"], found["northing"]]
        east = parse_coordinates(frame[found["easting"]], check_range=False)
        north = parse_coordinates(frame[found["northing"]], check_range=False)
        reasons += _pair_reasons(north, east, "northing", "easting")
        x, y, zone_reasons, source_crs = _from_utm(
            frame, src, east.values, north.values, found, user_crs, utm_zone, used
        )
        reasons += zone_reasons
        source_crs = CRS.from_epsg(4326)  # already transformed
    elif not ("lat" in found and "lon" in found):  # no pair: a geopoint, or nothing usable
        if "geopoint" in found:
            used = [found["geopoint"]]
            parts = split_geopoint(frame[found["geopoint"]])
            lat = parse_coordinates(parts.lat, axis="lat", check_range=False)
            lon = parse_coordinates(parts.lon, axis="lon", check_range=False)
            reasons += _pair_reasons(
                lat, lon, f"{found['geopoint']} latitude", f"{found['geopoint']} longitude"
            )
            x, y = lon.values, lat.values
            source_crs = user_crs or CRS.from_epsg(4326)
            src.details["coordinates"] = f"{found['geopoint']} (geopoint: lat lon alt acc)"
        elif places_ok and has_place_columns(frame, columns):
            used = []
            x = y = np.full(n, np.nan)
            reasons.append(pd.Series("no coordinate columns in the file", index=np.arange(n)))
            source_crs = CRS.from_epsg(4326)
            src.details["coordinates"] = "none in the file: cases placed from their place names"
        else:
            half = {"lat": "a latitude", "lon": "a longitude", "easting": "an easting",
                    "northing": "a northing"}
            alone = [f"{half[r]} column {found[r]!r}" for r in half if r in found]
            raise SchemaError(
                "has no coordinate columns (looked for latitude/longitude, a geopoint, or "
                f"easting/northing{'; found only ' + ' and '.join(alone) if alone else ''}; "
                f"the columns are: {', '.join(map(str, frame.columns))})",
                path=src.display,
                fix="map them: columns={'lat': 'Y_coord', 'lon': 'X_coord'} in Python, "
                "--column lat=Y_coord --column lon=X_coord on the command line",
            )
    if not source_crs.equals(CRS.from_epsg(4326)):
        tr = Transformer.from_crs(source_crs, "EPSG:4326", always_xy=True)
        x, y = (np.asarray(v, dtype="float64") for v in tr.transform(x, y))
        x[~np.isfinite(x)] = np.nan
        y[~np.isfinite(y)] = np.nan
        src.details["crs_source"] = f"given: {source_crs.to_string()}"
    src.details["coordinate_roles"] = _roles(found, used)
    reason = pd.concat(reasons) if reasons else pd.Series(dtype="string")
    reason = reason.groupby(level=0).agg("; ".join) if len(reason) else reason
    return TablePoints(
        frame, np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"), reason, used
    )


_ROLE_NAMES = {"lat": "latitude", "lon": "longitude", "easting": "easting",
               "northing": "northing", "utm_zone": "UTM zone", "geopoint": "geopoint"}


def _roles(found: dict[str, str], used: list[str]) -> dict[str, str]:
    """``{column: role}`` of the coordinate columns the points were read from."""
    return {col: _ROLE_NAMES.get(role, role) for role, col in found.items() if col in used}


def points_frame(points: TablePoints) -> gpd.GeoDataFrame:
    """Return the table with point geometries in EPSG:4326 (``None`` for missing coordinates)."""
    bad = np.isnan(points.x) | np.isnan(points.y)
    geoms = gpd.points_from_xy(np.where(bad, 0, points.x), np.where(bad, 0, points.y))
    geoms[bad] = None
    return gpd.GeoDataFrame(points.frame, geometry=geoms, crs="EPSG:4326")


def _pair_reasons(a, b, name_a: str, name_b: str) -> list[pd.Series]:
    out = []
    both_missing = a.missing & b.missing
    if both_missing.any():
        idx = np.flatnonzero(both_missing)
        out.append(pd.Series(f"no coordinates ({name_a} and {name_b} are empty)", index=idx))
    for parsed, name, other in ((a, name_a, b), (b, name_b, a)):
        only = parsed.missing & ~other.missing
        if only.any():
            out.append(pd.Series(f"{name} is empty", index=np.flatnonzero(only)))
        err = parsed.errors.notna().to_numpy()
        if err.any():
            out.append(pd.Series(parsed.errors[err].to_numpy(), index=np.flatnonzero(err)))
    return out


def _from_utm(frame, src, east, north, found, user_crs, utm_zone, used):
    reasons: list[pd.Series] = []
    x = np.full(len(frame), np.nan)
    y = np.full(len(frame), np.nan)
    if user_crs is not None and user_crs.is_projected:
        groups = {user_crs.to_string(): (user_crs, np.ones(len(frame), bool))}
    elif utm_zone is not None:
        zcrs = utm_crs(utm_zone)
        groups = {zcrs.to_string(): (zcrs, np.ones(len(frame), bool))}
    elif "utm_zone" in found:
        used.append(found["utm_zone"])
        zones = frame[found["utm_zone"]].astype("string").str.strip()
        groups = {}
        for value in zones.dropna().unique():
            mask = (zones == value).fillna(False).to_numpy()
            try:
                zcrs = utm_crs(value)
            except LandmapError as err:
                reasons.append(
                    pd.Series(
                        f"UTM zone {value!r} not understood ({err.message})",
                        index=np.flatnonzero(mask),
                    )
                )
                continue
            groups[f"{zcrs.to_string()}#{value}"] = (zcrs, mask)
        missing = zones.isna().to_numpy()
        if missing.any():
            reasons.append(
                pd.Series(f"UTM zone ({found['utm_zone']}) is empty", index=np.flatnonzero(missing))
            )
    else:
        raise CRSError(
            f"has easting/northing columns ({found['easting']}, {found['northing']}) but no UTM "
            "zone",
            path=src.display,
            fix="pass utm_zone='48N' (most of Cambodia) or crs='EPSG:32648'",
        )
    for zcrs, mask in groups.values():
        tr = Transformer.from_crs(zcrs, "EPSG:4326", always_xy=True)
        x[mask], y[mask] = tr.transform(east[mask], north[mask])
    src.details["coordinates"] = (
        f"{found['easting']} / {found['northing']} "
        f"(UTM: {', '.join(sorted({c.to_string() for c, _ in groups.values()}))})"
    )
    x[~np.isfinite(x)] = np.nan
    y[~np.isfinite(y)] = np.nan
    return x, y, reasons, CRS.from_epsg(4326)


__all__ = [
    "SHEET_ROWS",
    "TablePoints",
    "detect_encoding",
    "points_frame",
    "read_table",
    "sheet_rows",
    "table_to_points",
]
