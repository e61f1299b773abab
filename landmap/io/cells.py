"""Spreadsheet cells that stay text: no value from data is ever run as a formula.

A CSV or XLSX opened in Excel or LibreOffice runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(...)`` sends a click to a stranger's server, ``=cmd|...`` asks
to run a program). Following OWASP's CSV-injection guidance, every such text value and header is
written with a leading ``'``, which the spreadsheet shows as the text itself. Numbers are left
as numbers. Every CSV and XLSX landmap writes goes through :func:`text_safe`, in every profile.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from landmap.io.atomic import atomic_path

#: First characters that make a spreadsheet read a cell as a formula (OWASP), tab and CR too.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: The prefix that makes such a cell plain text.
TEXT_PREFIX = "'"


def safe_text(value: object) -> object:
    """Return ``value`` with a leading ``'`` if a spreadsheet would run it as a formula.

    Examples
    --------
    >>> safe_text("=1+1"), safe_text("-12"), safe_text(-12), safe_text("ok")
    ("'=1+1", "'-12", -12, 'ok')

    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return TEXT_PREFIX + value
    return value


def text_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text values and headers cannot run as formulas.

    Examples
    --------
    >>> frame = pd.DataFrame({"=x": ["@SUM(A1)", "plain"], "n": [-1, 2]})
    >>> safe = text_safe(frame)
    >>> list(safe.columns), safe["'=x"].tolist(), safe["n"].tolist()
    (["'=x", 'n'], ["'@SUM(A1)", 'plain'], [-1, 2])

    """
    out = frame.copy()
    geometry = getattr(frame, "_geometry_column_name", None)
    for i, column in enumerate(out.columns):
        if column == geometry:
            continue
        series = out.iloc[:, i]
        if series.dtype == object:
            values = series.to_numpy(dtype=object, copy=True)
            risky = np.fromiter(
                (isinstance(v, str) and v.startswith(FORMULA_START) for v in values),
                dtype=bool,
                count=len(values),
            )
            if risky.any():
                values[risky] = [TEXT_PREFIX + v for v in values[risky]]
                out.isetitem(i, pd.Series(values, index=series.index, dtype=object))
        elif pd.api.types.is_string_dtype(series.dtype):
            risky = series.str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)
            if risky.any():
                out.isetitem(i, series.where(~risky, TEXT_PREFIX + series))
    out.columns = [safe_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], **options: object) -> Path:
    """Write ``frame`` as UTF-8 CSV with a byte-order mark (Excel shows Khmer), atomically.

    Text that a spreadsheet would run as a formula is written as text (:func:`text_safe`).
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        text_safe(frame).to_csv(tmp, index=False, encoding="utf-8-sig", **options)
    return target


__all__ = ["FORMULA_START", "TEXT_PREFIX", "safe_text", "text_safe", "write_csv"]
