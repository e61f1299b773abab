"""Location precision: how finely a case's place is known, and which counts that supports.

A case located by its own coordinates is ``exact``; one placed from its place names is known to
its ``village``, ``commune``, ``district`` or ``province`` only, and its point is that unit's
representative point. A count by commune may include a case only when its place is known to
the commune or better; a claim that a case lies *inside* a concession needs the point of the
case or of its village (a village is small beside a concession; a commune is not).
A blank precision counts as ``exact`` (a point typed in the register).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landmap.schema import LocationPrecision

#: Location precisions, finest first (the members of :class:`~landmap.schema.LocationPrecision`).
PRECISIONS: tuple[str, ...] = tuple(p.value for p in LocationPrecision)
#: Rank of each precision and of each admin level: a precision supports a level of lower or
#: equal rank (``exact`` 5 ... ``province`` 1, ``country`` 0).
RANK: dict[str, int] = {**{p: len(PRECISIONS) - i for i, p in enumerate(PRECISIONS)}, "country": 0}
#: Length of the NCDD code of the unit a precision names.
CODE_LENGTH_OF: dict[str, int] = dict(zip(PRECISIONS[1:], (8, 6, 4, 2), strict=True))


def precision_rank(values: object) -> np.ndarray:
    """Return the rank of each precision (``exact`` 5 ... ``province`` 1; blank = ``exact``).

    Unknown terms rank as ``exact``: they come from a register's own vocabulary and the point
    is the register's.

    Examples
    --------
    >>> precision_rank(["exact", "commune", None, "district"]).tolist()
    [5, 3, 5, 2]

    """
    series = pd.Series(np.asarray(values, dtype=object), dtype="object")
    return series.map(lambda v: RANK.get(v, 5) if isinstance(v, str) else 5).to_numpy(
        dtype=np.int64
    )


def supports(values: object, level: str) -> np.ndarray:
    """Tell, per case, whether its precision supports counting it in a unit of ``level``.

    Parameters
    ----------
    values
        Location precisions (``exact``, ``village``, ``commune``, ``district``, ``province``).
    level
        ``"province"``, ``"district"``, ``"commune"``, ``"village"``, or ``"exact"`` for a
        claim about the point itself (inside a concession).

    Examples
    --------
    >>> supports(["exact", "commune", "district"], "commune").tolist()
    [True, True, False]
    >>> supports(["exact", "village"], "exact").tolist()
    [True, False]

    """
    return precision_rank(values) >= RANK[level]


__all__ = ["CODE_LENGTH_OF", "PRECISIONS", "RANK", "precision_rank", "supports"]
