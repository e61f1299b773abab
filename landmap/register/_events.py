"""Events: which source records describe the same event, from the merge decisions.

Decisions are append-only rows (``merge``, ``unmerge``, ``distinct``) between two records; the
latest decision about a pair says whether the pair is linked. An event is a connected group of
linked records; its key is the smallest record key in the group. ``register_events`` holds the
current grouping and is refreshed inside every transaction that changes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from landmap.errors import RegisterError
from landmap.register import _db

_OPS = ("merge", "unmerge", "distinct")


def components(keys: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Label each key with the smallest key of its connected group.

    Parameters
    ----------
    keys
        Sorted unique record keys.
    a, b
        Positions in ``keys`` of the two ends of every link.

    Examples
    --------
    >>> components(np.array(["a", "b", "c", "d"]), np.array([1, 2]), np.array([2, 3])).tolist()
    ['a', 'b', 'b', 'b']
    """
    label = np.arange(len(keys))
    if len(a):
        while True:
            low = np.minimum(label[a], label[b])
            before = label.copy()
            np.minimum.at(label, a, low)
            np.minimum.at(label, b, low)
            label = label[label]  # pointer jumping: follow each label to its own label
            if np.array_equal(label, before):
                break
    return keys[label]


def links(conn: sa.Connection, t: dict[str, sa.Table]) -> pd.DataFrame:
    """Return the pairs whose latest decision is ``merge``: ``record_a``, ``record_b``."""
    d = t["decisions"]
    rows = conn.execute(sa.select(d.c.decision_id, d.c.op, d.c.record_a, d.c.record_b)).all()
    frame = pd.DataFrame(rows, columns=["decision_id", "op", "record_a", "record_b"])
    latest = frame.sort_values("decision_id").drop_duplicates(["record_a", "record_b"], keep="last")
    return latest.loc[latest["op"] == "merge", ["record_a", "record_b"]]


def grouping(conn: sa.Connection, t: dict[str, sa.Table]) -> pd.Series:
    """Return record_key -> event_key, computed from the decisions."""
    keys = np.array(
        sorted(r for (r,) in conn.execute(sa.select(t["records"].c.record_key))), dtype=object
    )
    pairs = links(conn, t)
    a = np.searchsorted(keys, pairs["record_a"].to_numpy(dtype=object))
    b = np.searchsorted(keys, pairs["record_b"].to_numpy(dtype=object))
    return pd.Series(components(keys, a, b), index=keys, dtype=object)


def refresh(conn: sa.Connection, t: dict[str, sa.Table]) -> int:
    """Bring ``register_events`` in step with the decisions; return how many rows changed."""
    e = t["events"]
    want = grouping(conn, t)
    have = pd.Series(
        dict(conn.execute(sa.select(e.c.record_key, e.c.event_key)).all()), dtype=object
    )
    have = have.reindex(want.index)
    stale = want.index[(have != want).to_numpy()]
    for chunk in _db.chunks(stale.tolist(), 900):
        conn.execute(e.delete().where(e.c.record_key.in_(chunk)))
    if len(stale):
        conn.execute(e.insert(), [{"record_key": k, "event_key": want[k]} for k in stale])
    return len(stale)


def add_records(conn: sa.Connection, t: dict[str, sa.Table], keys: Sequence[str]) -> None:
    """Start new records as events of their own."""
    for chunk in _db.chunks(keys, 5000):
        conn.execute(t["events"].insert(), [{"record_key": k, "event_key": k} for k in chunk])


def known_keys(conn: sa.Connection, t: dict[str, sa.Table], keys: Iterable[str]) -> set[str]:
    """Return the subset of ``keys`` that are records of the register."""
    r = t["records"]
    found: set[str] = set()
    for chunk in _db.chunks(sorted(set(keys)), 900):
        found.update(
            k for (k,) in conn.execute(sa.select(r.c.record_key).where(r.c.record_key.in_(chunk)))
        )
    return found


def decide(
    conn: sa.Connection,
    t: dict[str, sa.Table],
    pairs: pd.DataFrame,
    *,
    op: str,
    method: str,
    by: str,
    stamp: str,
    reason: str | None,
) -> int:
    """Append one decision per pair (``record_a``, ``record_b``, optional ``score``).

    Raises
    ------
    RegisterError
        A pair names a record the register does not have, or a record paired with itself.
    """
    if op not in _OPS:
        raise RegisterError(f"unknown decision {op!r}", fix=f"use one of {', '.join(_OPS)}")
    if pairs.empty:
        return 0
    a, b = pairs["record_a"].astype(str), pairs["record_b"].astype(str)
    same = (a == b).to_numpy()
    if same.any():
        row = int(np.flatnonzero(same)[0]) + 1
        raise RegisterError(
            f"pair {row} links record {a.iloc[row - 1]!r} with itself",
            row=row,
            fix="a pair must name two different records",
        )
    missing = set(a) | set(b)
    missing -= known_keys(conn, t, missing)
    if missing:
        raise RegisterError(
            f"no such record in the register: {', '.join(sorted(missing)[:5])}",
            fix="records are named SOURCE:ID as in `landmap register duplicates` output",
        )
    low, high = np.minimum(a.to_numpy(), b.to_numpy()), np.maximum(a.to_numpy(), b.to_numpy())
    score = pairs["score"] if "score" in pairs.columns else pd.Series(None, index=pairs.index)
    rows = [
        {
            "op": op,
            "record_a": x,
            "record_b": y,
            "score": None if pd.isna(s) else float(s),
            "method": method,
            "decided_at": stamp,
            "decided_by": by,
            "reason": reason,
        }
        for x, y, s in zip(low, high, score, strict=True)
    ]
    conn.execute(t["decisions"].insert(), rows)
    refresh(conn, t)
    return len(rows)


__all__ = ["add_records", "components", "decide", "grouping", "known_keys", "links", "refresh"]
