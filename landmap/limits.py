"""Named limits: how large an input or a briefing map may be before landmap refuses it.

A file that is too large for the machine should fail at once with a clear message, not after
minutes of swapping. Each limit has a default that is far above what real land-rights data
needs, and an environment variable that raises (or lowers) it::

    LANDMAP_MAX_COLUMNS=20000 landmap check very_wide_export.csv

In Python, set the variable before the call (``os.environ["LANDMAP_MAX_COLUMNS"] = "20000"``);
it is read at every check. A value over a limit raises :class:`~landmap.errors.LimitError`
naming the limit, the actual value and the variable to set.

Examples
--------
>>> from landmap.limits import check, current
>>> current("columns")
5000
>>> check("columns", 12, what="the header")   # within the limit: nothing happens
>>> check("columns", 20_000, what="the header")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
landmap.errors.LimitError: the header has 20,000 columns; the limit is 5,000 columns...

"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from os import PathLike

from landmap.errors import DataValueError, LimitError


@dataclass(frozen=True)
class Limit:
    """One named limit.

    Attributes
    ----------
    name
        Short name, used in :func:`check` and in :class:`~landmap.errors.LimitError`.
    env
        Environment variable that sets it.
    default
        The value when the variable is not set.
    unit
        What it counts, for messages (``"columns"``, ``"MB"``...).
    measured
        How a value is reported, with ``{what}`` and ``{actual}`` filled in.
    description
        What it limits, in a sentence for the README and the messages.
    """

    name: str
    env: str
    default: int
    unit: str
    measured: str
    description: str


#: Every limit landmap enforces, by name.
LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit(
            "archive_member_mb",
            "LANDMAP_MAX_ARCHIVE_MEMBER_MB",
            1000,
            "MB",
            "{what} unpacks to {actual} MB",
            "uncompressed size of one file inside a zip, KMZ or XLSX archive",
        ),
        Limit(
            "archive_ratio",
            "LANDMAP_MAX_ARCHIVE_RATIO",
            100,
            "times",
            "{what} unpacks to {actual} times its compressed size",
            "how many times its compressed size a file of more than 10 MB inside an "
            "archive may unpack to; real data: 3 to 20 times, a zip bomb: hundreds",
        ),
        Limit(
            "cache_mb",
            "LANDMAP_MAX_CACHE_MB",
            1000,
            "MB",
            "{what} holds {actual} MB",
            "size of landmap's cache folder; past it, the entries used least recently are "
            "removed after each write (never refused)",
        ),
        Limit(
            "columns",
            "LANDMAP_MAX_COLUMNS",
            5000,
            "columns",
            "{what} has {actual} columns",
            "columns in a CSV or XLSX table",
        ),
        Limit(
            "line_bytes",
            "LANDMAP_MAX_LINE_BYTES",
            1_000_000,
            "bytes",
            "{what} is {actual} bytes long",
            "length of one line of a CSV file",
        ),
        Limit(
            "raster_megapixels",
            "LANDMAP_MAX_RASTER_MEGAPIXELS",
            150,
            "megapixels",
            "{what} would be {actual} megapixels",
            "size of a briefing map PNG; A4 at 1200 dpi is 139 megapixels, A3 at 600 dpi 70",
        ),
    )
}

#: Members of an archive smaller than this (uncompressed) are never refused for their ratio.
RATIO_GRACE_BYTES = 10_000_000


def current(name: str) -> int:
    """Return the limit ``name`` in force (its environment variable, else the default).

    Raises
    ------
    DataValueError
        If the environment variable does not hold a positive whole number.
    """
    limit = LIMITS[name]
    text = os.environ.get(limit.env, "").strip().replace("_", "").replace(",", "")
    if not text:
        return limit.default
    if not text.isdigit() or int(text) <= 0:
        raise DataValueError(
            f"the environment variable {limit.env}={os.environ[limit.env]!r} is not a "
            "positive whole number",
            fix=f"set it to a number such as {limit.default} (the default), or unset it",
        )
    return int(text)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or value >= 100 else f"{value:,.1f}"


def check(
    name: str,
    actual: float,
    *,
    what: str,
    path: str | PathLike[str] | None = None,
    row: int | None = None,
    column: str | None = None,
    fix: str | None = None,
) -> None:
    """Raise :class:`~landmap.errors.LimitError` if ``actual`` is over the limit ``name``.

    Parameters
    ----------
    name
        A key of :data:`LIMITS`.
    actual
        The measured value, in the limit's unit.
    what
        What was measured, as the subject of a sentence ("the zip member 'a.geojson'").
    path, row, column
        Where, for the message.
    fix
        What to do instead, put before the advice to raise the limit.
    """
    limit = LIMITS[name]
    allowed = current(name)
    if actual <= allowed:
        return
    unit = limit.unit
    raise_to = max(allowed + 1, math.ceil(actual * 1.1))
    advice = (
        f"if you need it and the machine has the memory, raise the limit: set the "
        f"environment variable {limit.env}={raise_to} (default {limit.default})"
    )
    measured = limit.measured.format(what=what, actual=_number(actual))
    raise LimitError(
        f"{measured}; the limit is {_number(allowed)} {unit} ({limit.description})",
        name=name,
        limit=allowed,
        actual=actual,
        path=path,
        row=row,
        column=column,
        fix=f"{fix}; or, {advice}" if fix else advice[0].upper() + advice[1:],
    )


__all__ = ["LIMITS", "RATIO_GRACE_BYTES", "Limit", "check", "current"]
