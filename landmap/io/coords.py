"""Reading coordinates as people type them.

Field teams write coordinates as decimal degrees (``11.5535``), degrees-minutes-seconds
(``11°33'12.5"N``, ``N 11 33 12.5``, ``11d33m12.5s``), degrees and decimal minutes
(``11°33.208'N``), with typographic quirks (``º`` or ``˚`` for the degree sign, curly quotes,
two apostrophes for seconds, a decimal comma, Khmer digits), or as UTM easting/northing with a
zone. This module turns a whole column of such values into floats at once: a numeric fast path
(:func:`pandas.to_numeric`), then one vectorised regular expression over the rows that are
text. Every row gets a value or a reason; nothing raises for one bad cell.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
from pyproj import CRS

from landmap.errors import CRSError, DataValueError

Axis = Literal["lat", "lon"]

_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
#: Quirky characters folded onto the plain tokens the pattern reads.
_FOLD = [
    ("''", '"'),
    ("′′", '"'),
    ("’’", '"'),
    ("º", "°"),
    ("˚", "°"),
    ("ᵒ", "°"),
    ("′", "'"),
    ("’", "'"),
    ("‘", "'"),
    ("`", "'"),
    ("´", "'"),
    ("″", '"'),
    ("“", '"'),
    ("”", '"'),
    ("−", "-"),
    ("–", "-"),
    ("\u00a0", " "),
]
_NUM = r"\d+(?:[.,]\d+)?"
_DEG = r"(?:\s*°|d(?:eg(?:rees?)?)?(?![a-z])|\s+deg(?:rees?)?)"
_MIN = r"(?:\s*'|m(?:in)?(?![a-z])|\s+min)"
_SEC = r"(?:\s*\"|s(?:ec)?(?![a-z])|\s+sec)"
_SEP = r"\s*:\s*|\s+"
#: One coordinate: optional leading hemisphere or sign, degrees, optional minutes and seconds
#: (each marked by a symbol, a unit word, a colon or just a space), optional trailing hemisphere.
#: Parts must be separated: ``12.4567.3`` is not degrees and minutes. A lower-case ``s`` right
#: after the seconds is the seconds unit; after a space it is South.
DMS_PATTERN = re.compile(
    rf"""^\s*(?P<h1>[NSEWnsew])?\s*(?P<sign>[+-])?\s*
    (?P<deg>{_NUM})
    (?:(?:{_DEG}\s*|{_SEP})(?P<min>{_NUM})
        (?:(?:{_MIN}\s*|{_SEP})(?P<sec>{_NUM}){_SEC}?|{_MIN})?
     |{_DEG})?
    \s*(?P<h2>[NSEWnsew])?\s*$""",
    re.VERBOSE,
)
_AXIS_WORD = {"lat": "latitude", "lon": "longitude", None: "coordinate"}


class ParsedCoordinates(NamedTuple):
    """Result of :func:`parse_coordinates`.

    Attributes
    ----------
    values
        Float array, ``NaN`` where the input could not be read or was empty.
    errors
        String Series aligned with the input: why a value could not be read, ``<NA>`` where it
        was read (or was simply empty: see ``missing``).
    missing
        Boolean array: the input cell was empty.

    """

    values: np.ndarray
    errors: pd.Series
    missing: np.ndarray


def _fold(text: pd.Series) -> pd.Series:
    text = text.str.translate(_KHMER_DIGITS).str.strip()
    for old, new in _FOLD:
        text = text.str.replace(old, new, regex=False)
    return text


def _num(part: pd.Series) -> pd.Series:
    return pd.to_numeric(part.str.replace(",", ".", regex=False), errors="coerce")


def parse_coordinates(
    values: pd.Series | list[object] | np.ndarray,
    *,
    axis: Axis | None = None,
    check_range: bool = True,
) -> ParsedCoordinates:
    r"""Read a column of coordinates in any of the forms people type.

    Parameters
    ----------
    values
        The column: numbers, strings, or a mix.
    axis
        ``"lat"`` or ``"lon"``: names the axis in messages and, with ``check_range``, limits the
        range (90 or 180 degrees) and the hemisphere letters allowed (N/S or E/W).
    check_range
        Reject values out of range and hemisphere letters of the other axis. Loaders pass
        ``False`` so that swapped latitude/longitude columns can be recognised later.

    Returns
    -------
    ParsedCoordinates
        ``values`` (float array), ``errors`` (reason per row or ``<NA>``), ``missing``.

    Examples
    --------
    >>> parse_coordinates(["11.5", "11°33'12.5\"N", "104 55 10 E", "x"], axis=None).values.round(5)
    array([ 11.5    ,  11.55347, 104.91944,       nan])

    """
    series = pd.Series(values, copy=False) if not isinstance(values, pd.Series) else values
    series = series.reset_index(drop=True)
    n = len(series)
    word = _AXIS_WORD[axis]
    # an all-missing Arrow column, without repeating a scalar a million times
    errors = pd.Series(pd.array(pa.nulls(n, pa.large_string()), dtype="string"), index=series.index)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        out = np.array(series.to_numpy(dtype="float64", na_value=np.nan))
        missing = np.isnan(out)
    else:
        as_obj = series.astype(object)
        missing = as_obj.isna().to_numpy()
        text = as_obj.where(~missing, "").astype(str)
        blank = text.str.strip().eq("").to_numpy()
        missing = missing | blank
        out = np.array(pd.to_numeric(text.where(~blank, None), errors="coerce"), dtype="float64")
        todo = np.isnan(out) & ~missing
        if todo.any():
            raw = text[todo]
            parts = _fold(raw).str.extract(DMS_PATTERN)
            out[todo], errors_todo = _from_parts(raw, parts, word)
            errors[todo] = errors_todo
    out = np.asarray(out, dtype="float64")
    if not np.isfinite(out[~missing & errors.isna().to_numpy()]).all():
        bad = ~missing & errors.isna().to_numpy() & ~np.isfinite(out)
        out[bad] = np.nan
        errors[bad] = [f"{word} {v!r} is not a finite number" for v in series[bad]]
    if check_range and axis is not None and (~missing).any():
        text = series.astype(object).where(~pd.isna(series), "").astype(str)
        other = "EW" if axis == "lat" else "NS"
        wrong = np.array(
            text.str.upper().str.contains(f"[{other}]\\s*$|^\\s*[{other}]", regex=True)
        )
        wrong &= errors.isna().to_numpy() & ~missing
        if wrong.any():
            errors[wrong] = [
                f"{word} {v!r} carries a hemisphere letter of the other axis" for v in text[wrong]
            ]
            out[wrong] = np.nan
    if check_range and axis is not None:
        limit = 90.0 if axis == "lat" else 180.0
        bad = (np.abs(np.nan_to_num(out)) > limit) & errors.isna().to_numpy()
        if bad.any():
            errors[bad] = [
                f"{word} {float(v):g} is out of range (-{limit:g} to {limit:g})" for v in out[bad]
            ]
            out[bad] = np.nan
    assert len(out) == n
    return ParsedCoordinates(out, errors, missing)


def _from_parts(raw: pd.Series, parts: pd.DataFrame, word: str) -> tuple[np.ndarray, list[object]]:
    """Combine extracted degree/minute/second parts; give a reason where they do not add up."""
    deg, mnt, sec = _num(parts["deg"]), _num(parts["min"]), _num(parts["sec"])
    h1, h2 = parts["h1"].str.upper(), parts["h2"].str.upper()
    value = deg + mnt.fillna(0) / 60 + sec.fillna(0) / 3600
    neg = (
        parts["sign"].eq("-").fillna(False)
        | h1.isin(["S", "W"]).fillna(False)
        | h2.isin(["S", "W"]).fillna(False)
    )
    value = value.where(~neg, -value)
    reason = pd.Series(pd.NA, index=raw.index, dtype="object")
    nomatch = deg.isna()
    quoted = raw.map(repr)
    reason[nomatch] = (
        f"{word} " + quoted[nomatch] + " is not a number or a degrees-minutes-seconds value"
    )
    both = h1.notna() & h2.notna() & ~nomatch
    reason[both] = f"{word} " + quoted[both] + " has two hemisphere letters"
    pair = (
        raw.str.match(r"^\s*[+-]?\d+\.\d+\s*[ ,;]\s*[+-]?\d+\.\d+\s*$").fillna(False)
        & reason.isna()
    )
    reason[pair] = (
        f"{word} " + quoted[pair] + " holds two numbers: split latitude and longitude into two "
        "columns, or name the column as a geopoint"
    )
    badmin = (mnt >= 60).fillna(False) & reason.isna()
    reason[badmin] = f"{word} " + quoted[badmin] + ": minutes must be under 60"
    badsec = (sec >= 60).fillna(False) & reason.isna()
    reason[badsec] = f"{word} " + quoted[badsec] + ": seconds must be under 60"
    fraction = mnt.notna() & (deg % 1 != 0) & reason.isna()
    reason[fraction] = f"{word} " + quoted[fraction] + ": decimal degrees cannot have minutes"
    signed = (
        parts["sign"].eq("-").fillna(False)
        & (h1.isin(["S", "W"]) | h2.isin(["S", "W"])).fillna(False)
        & reason.isna()
    )
    reason[signed] = f"{word} " + quoted[signed] + ": both a minus sign and S/W"
    value = value.where(reason.isna())
    return value.to_numpy(dtype="float64"), reason.astype("string").tolist()


def parse_coordinate(value: object, *, axis: Axis | None = None) -> float:
    r"""Read one coordinate; raise :class:`~landmap.errors.DataValueError` if it cannot be read.

    Parameters
    ----------
    value
        A number or a string such as ``"11°33'12.5\"N"``, ``"N 11 33.208"`` or ``"104.92E"``.
    axis
        ``"lat"`` or ``"lon"`` to check the range and the hemisphere letter.

    Returns
    -------
    float
        Decimal degrees (negative south and west).

    Raises
    ------
    DataValueError
        The value is empty, not a coordinate, or out of range; the message echoes it.

    Examples
    --------
    >>> round(parse_coordinate("11º33'12.5''N", axis="lat"), 6)
    11.553472
    >>> parse_coordinate("104,9", axis="lon")
    104.9

    """
    parsed = parse_coordinates(pd.Series([value], dtype=object), axis=axis)
    if parsed.missing[0]:
        raise DataValueError(
            f"{_AXIS_WORD[axis]} is empty ({value!r} of type {type(value).__name__})",
            fix="fill in the coordinate or leave the row out",
        )
    if not pd.isna(parsed.errors.iloc[0]):
        raise DataValueError(
            str(parsed.errors.iloc[0]),
            fix="write decimal degrees such as 11.5535 or DMS such as 11°33'12.5\"N",
        )
    return float(parsed.values[0])


class GeopointColumns(NamedTuple):
    """Latitude and longitude split out of a combined column (Kobo/ODK geopoint)."""

    lat: pd.Series
    lon: pd.Series


_PAIR = re.compile(
    r"^\s*\[?\s*(?P<a>[^\s,;\[\]]+)\s*[\s,;]\s*(?P<b>[^\s,;\[\]]+)(?:[\s,;]+.*)?\]?\s*$"
)


def split_geopoint(values: pd.Series) -> GeopointColumns:
    """Split ``"lat lon alt acc"`` (Kobo/ODK geopoint) or ``"lat, lon"`` / ``"[lat, lon]"``.

    Parameters
    ----------
    values
        The combined column.

    Returns
    -------
    GeopointColumns
        Two string Series (latitude, longitude); rows that do not split are left as the whole
        value in ``lat`` and empty in ``lon`` so that the coordinate parser explains them.

    Examples
    --------
    >>> g = split_geopoint(pd.Series(["11.55 104.92 12 5", "[11.5, 104.9]"]))
    >>> g.lat.tolist(), g.lon.tolist()
    (['11.55', '11.5'], ['104.92', '104.9'])

    """
    text = values.astype(object).where(values.notna(), "").astype(str).reset_index(drop=True)
    parts = text.str.extract(_PAIR)
    lat = parts["a"].where(parts["a"].notna(), text.where(text.str.strip().ne(""), None))
    lon = parts["b"]
    return GeopointColumns(lat.astype(object), lon.astype(object))


_ZONE = re.compile(r"^\s*(\d{1,2})\s*([A-Za-z]*)\s*$")


def parse_crs(value: object, *, path: object = None) -> CRS:
    """Return the CRS a user gave (``"EPSG:32648"``, ``32648``, a WKT or PROJ string...).

    Raises
    ------
    CRSError
        pyproj does not know it; the message names ``path``, the file it was given for.
    """
    try:
        return CRS.from_user_input(value)
    except Exception as err:  # noqa: BLE001 - pyproj raises several types
        raise CRSError(
            f"crs {value!r} is not a coordinate reference system pyproj knows",
            path=path,
            fix="give an EPSG code such as 'EPSG:32648'",
        ) from err


def utm_crs(zone: int | str, *, south: bool | None = None) -> CRS:
    """Return the WGS 84 / UTM CRS of a zone written as ``48``, ``"48N"``, ``"48 P"`` or ``"48S"``.

    A trailing ``N`` or ``S`` is read as the hemisphere (as in "UTM zone 48N"); any other
    letter as an MGRS latitude band (C-M south, P-X north). Cambodia is zone 48 (and 47 in the
    far west), north.

    Examples
    --------
    >>> utm_crs("48N").to_epsg(), utm_crs(48).to_epsg(), utm_crs("48P").to_epsg()
    (32648, 32648, 32648)

    """
    text = str(zone).strip()
    if text.endswith(".0"):
        text = text[:-2]
    text = re.sub(r"(?i)\s*(north|nord)$", "N", re.sub(r"(?i)\s*(south|sud)$", "S", text))
    match = _ZONE.match(text)
    if not match or not 1 <= int(match.group(1)) <= 60 or len(match.group(2)) > 1:
        raise CRSError(
            f"UTM zone {zone!r} is not a zone number 1-60 with an optional hemisphere or band "
            "letter",
            fix="give the zone as e.g. utm_zone='48N' (Cambodia is 48N; 47N in the far west)",
        )
    number, letter = int(match.group(1)), match.group(2).upper()
    if letter in ("", "N"):
        is_south = bool(south)
    elif letter == "S":
        is_south = True
    elif letter in "CDEFGHJKLM":
        is_south = True
    elif letter in "PQRTUVWX":
        is_south = False
    else:
        raise CRSError(
            f"UTM zone {zone!r} has an unknown band letter {letter!r}",
            fix="use N or S for the hemisphere, e.g. 48N",
        )
    return CRS.from_epsg((32700 if is_south else 32600) + number)


__all__ = [
    "DMS_PATTERN",
    "GeopointColumns",
    "ParsedCoordinates",
    "parse_coordinate",
    "parse_coordinates",
    "parse_crs",
    "split_geopoint",
    "utm_crs",
]
