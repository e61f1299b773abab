"""Reading dates as they are written in Cambodia: day first.

Recognised: ``20/08/2014``, ``20-08-14``, ``20.08.2014``, ``2014-08-20`` (and ISO date-times
as Kobo writes them), ``2014/08/20``, ``20 Aug 2014``, ``August 2014``, Excel serial numbers,
bare years (read as 1 January) and datetime values from Excel or GDAL; the same in Khmer digits
(``១៥/០៣/២០២៣``) and with Khmer month names (``ថ្ងៃទី១៥ ខែមីនា ឆ្នាំ២០២៣``, ``មីនា ២០២៣``; the
words are in ``resources/date_words.json``). A date that only reads
month-first (``08/20/2014``) is accepted with a flag. Impossible dates (``31/02/2014``, year 0,
before 1950, in the future) are flagged and left empty; the row itself is kept.

Only the distinct values are parsed (a register of a million rows has a few thousand distinct
dates), so the cost does not grow with the number of rows.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from landmap.bundled import resource_json
from landmap.io._aliases import fold_khmer

EARLIEST = pd.Timestamp("1950-01-01")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DAYFIRST = ["%d/%m/%Y", "%d/%m/%y"]
_YEARFIRST = ["%Y/%m/%d"]
_WORDS = ["%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%b %Y", "%B %Y", "%d %b %y"]
_NUMERIC_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}$")


@cache
def _date_words() -> tuple[dict[str, str], tuple[str, ...]]:
    data = resource_json("date_words.json")
    months = {fold_khmer(k): v for k, v in data["months"].items()}
    drop = tuple(sorted((fold_khmer(w) for w in data["drop"]), key=len, reverse=True))
    return months, drop


def _khmer_date(text: str) -> str:
    """Khmer digits as digits, Khmer month names as English ones, date words dropped.

    Examples
    --------
    >>> _khmer_date("ថ្ងៃទី១៥ ខែមីនា ឆ្នាំ២០២៣")
    '15 Mar 2023'
    >>> _khmer_date("១៥/០៣/២០២៣")
    '15/03/2023'

    """
    folded = fold_khmer(text)
    if folded == text and not any("\u1780" <= c <= "\u17ff" for c in text):
        return text
    months, drop = _date_words()
    named = False
    for khmer, english in sorted(months.items(), key=lambda kv: -len(kv[0])):
        if khmer in folded:
            folded = folded.replace(khmer, f" {english} ")
            named = True
    for word in drop:
        folded = folded.replace(word, " ")
    if named:  # "១៥-មីនា-២០២៣": the separators around a month name are spaces
        folded = re.sub(r"\s*[-/.]\s*", " ", folded)
    return " ".join(folded.split())


def _try(text: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(text, format=fmt, errors="coerce")


def _parse_unique(uniq: pd.Series, today: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """Parse distinct raw values; return (dates, flag) aligned with ``uniq``."""
    out = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    flag = pd.Series(pd.NA, index=uniq.index, dtype="object")
    is_dt = uniq.map(lambda v: isinstance(v, (pd.Timestamp, date, np.datetime64)))
    if is_dt.any():
        stamps = pd.to_datetime(uniq[is_dt].astype(object), errors="coerce", utc=True)
        out[is_dt] = stamps.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    shown = uniq[~is_dt].astype(str).str.strip()  # messages echo what the file holds
    text = shown.map(_khmer_date).str.strip()
    number = pd.to_numeric(text, errors="coerce")
    is_num = number.notna()
    if is_num.any():
        num = number[is_num]
        year = (num == num.round()) & num.between(1000, 2999)
        out[year[year].index] = pd.to_datetime(num[year].astype(int).astype(str), format="%Y")
        zero = num == 0
        flag[zero[zero].index] = "impossible date: year 0"
        serial = ~year & ~zero & num.between(18264, 73051)  # 1950-01-01 .. 2100-01-01
        out[serial[serial].index] = _EXCEL_EPOCH + pd.to_timedelta(num[serial].round(), unit="D")
        other = ~year & ~zero & ~serial
        flag[other[other].index] = [
            f"date {t!r} is not a date or a year" for t in shown[is_num][other]
        ]
    todo = text[~is_num]
    todo = todo[todo.ne("") & ~todo.str.lower().isin(["nan", "nat", "none", "n/a", "na", "-"])]
    first = _try(todo, _DAYFIRST[0]) if len(todo) else todo
    if len(todo) and first.notna().all():  # the usual case: every value is dd/mm/yyyy
        out[first.index] = first.astype("datetime64[ns]")
    elif len(todo):
        iso = todo.str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})(?:[T ].*)?$")[0]
        got = _try(iso, "%Y-%m-%d")
        slash = todo.str.replace(r"[-.\s]+", "/", regex=True)
        words = todo.str.replace(",", " ", regex=False).str.replace(r"\s+", " ", regex=True)
        for fmt in _YEARFIRST + _DAYFIRST:
            got = got.fillna(_try(slash.where(got.isna()), fmt))
        for fmt in _WORDS:
            got = got.fillna(_try(words.where(got.isna()), fmt))
        monthfirst = _try(slash.where(got.isna()), "%m/%d/%Y")
        mf = monthfirst.notna()
        flag[mf[mf].index] = [
            f"date {t!r} read month-first (mm/dd/yyyy)" for t in shown[mf[mf].index]
        ]
        got = got.fillna(monthfirst)
        out[got.index] = got.astype("datetime64[ns]")
        failed = got.isna()
        shaped = slash.str.match(_NUMERIC_DATE.pattern) & failed
        flag[shaped[shaped].index] = [
            f"impossible date {t!r} (no such day)" for t in shown[shaped[shaped].index]
        ]
        rest = failed & ~shaped
        flag[rest[rest].index] = [
            f"date {t!r} not understood (write dd/mm/yyyy)" for t in shown[rest[rest].index]
        ]
    early = (out < EARLIEST).fillna(False)
    flag[early] = [f"impossible date {d:%Y-%m-%d} (before 1950)" for d in out[early]]
    late = (out > today).fillna(False)
    flag[late] = [f"impossible date {d:%Y-%m-%d} (in the future)" for d in out[late]]
    out[early | late] = pd.NaT
    return out, flag


def parse_dates(
    values: pd.Series, *, today: pd.Timestamp | None = None
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates, day first.

    Parameters
    ----------
    values
        Raw values (strings, numbers, datetimes, missing).
    today
        Dates after this are impossible (defaults to today).

    Returns
    -------
    dates, flags
        A ``datetime64[ns]`` Series aligned with ``values`` (``NaT`` where missing or
        impossible) and a Series of reasons holding only the flagged rows (same index labels).

    Examples
    --------
    >>> d, f = parse_dates(pd.Series(["20/08/2014", "2014/08/20", "31/02/2014", 0, None]))
    >>> d.dt.strftime("%Y-%m-%d").tolist()
    ['2014-08-20', '2014-08-20', nan, nan, nan]
    >>> f.to_dict()
    {2: "impossible date '31/02/2014' (no such day)", 3: 'impossible date: year 0'}

    """
    today = pd.Timestamp(date.today()) if today is None else pd.Timestamp(today)
    index = values.index
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values.astype("datetime64[ns]").dt.normalize()
        bad = ((dates < EARLIEST) | (dates > today)).fillna(False)
        flags = pd.Series(
            [f"impossible date {d:%Y-%m-%d} (before 1950 or in the future)" for d in dates[bad]],
            index=index[bad.to_numpy()],
            dtype="string",
        )
        return dates.mask(bad), flags
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniq = pd.Series(np.asarray(uniques, dtype=object))
    parsed, flag = _parse_unique(uniq, today)
    parsed_arr = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    dates = pd.Series(parsed_arr[codes], index=index, dtype="datetime64[ns]")
    flagged_codes = np.flatnonzero(flag.notna().to_numpy())
    hit = np.flatnonzero(np.isin(codes, flagged_codes))
    flags = pd.Series(flag.to_numpy(dtype=object)[codes[hit]], index=index[hit], dtype="string")
    return dates, flags


__all__ = ["EARLIEST", "parse_dates"]
