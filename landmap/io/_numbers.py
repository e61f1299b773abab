"""Reading numbers as registers write them: Khmer digits, thousands separators, a unit word.

``'១៥'``, ``'1,200'``, ``'1 200'``, ``'15 គ្រួសារ'`` (15 families) and ``'12.5 ha'`` are numbers
to the person who typed them. Only the distinct text values are parsed, so a column of a million
rows with a few hundred distinct values costs a few hundred parses.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from landmap.io._aliases import fold_khmer

#: Words that may follow a number in a cell (a unit, or what is counted); compared lower-cased.
UNIT_WORDS = (
    "គ្រួសារ",
    "ខ្នងផ្ទះ",
    "នាក់",
    "ហិកតា",
    "ហ.ត",
    "ហត",
    "families",
    "family",
    "households",
    "household",
    "hh",
    "ha",
    "hectares",
    "hectare",
    "people",
    "persons",
)
_UNIT = re.compile(
    r"\s*(?:"
    + "|".join(re.escape(w) for w in sorted(UNIT_WORDS, key=len, reverse=True))
    + r")\.?\s*$",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:[,\s\u00a0\u202f']\d{3})+(?:\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}$|^[+-]?\d+,\d{4,}$")


def _one(text: str) -> float:
    """Parse one cell's text; NaN when it is not a number."""
    value = fold_khmer(text).strip()
    value = _UNIT.sub("", value).strip()
    if _GROUPED.match(value):
        value = re.sub(r"[,\s\u00a0\u202f']", "", value)
    elif _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return float("nan")


def to_numbers(raw: pd.Series) -> pd.Series:
    """Return the numbers of a column (``NaN`` where a cell holds no number).

    Numbers already typed as numbers pass unchanged; text is read with Khmer digits, a thousands
    separator (``1,200``), a decimal comma (``12,5``) and a trailing unit word (``15 គ្រួសារ``).

    Parameters
    ----------
    raw
        Cells as read from the file.

    Returns
    -------
    pandas.Series
        Float or integer values aligned with ``raw``.

    Examples
    --------
    >>> to_numbers(pd.Series(["១៥", "1,200", "15 គ្រួសារ", "12,5", "x", None])).tolist()
    [15.0, 1200.0, 15.0, 12.5, nan, nan]

    """
    num = pd.to_numeric(raw, errors="coerce")
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return num
    todo = num.isna().to_numpy() & raw.notna().to_numpy()
    if not todo.any():
        return num
    text = raw[todo].astype("string")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed = np.array([_one(str(u)) for u in uniques] + [np.nan], dtype="float64")
    values = parsed[np.where(codes < 0, len(uniques), codes)]
    out = num.astype("float64") if not pd.api.types.is_float_dtype(num.dtype) else num.copy()
    out[todo] = values
    return out


__all__ = ["UNIT_WORDS", "to_numbers"]
