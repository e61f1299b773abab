"""Changes made by people: corrections, deletion at a person's request, merge and un-merge.

Each is one transaction and leaves a trace: a new version (edit, delete) or a decision row
(merge, unmerge, distinct), with who, when and why.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from landmap.errors import RegisterError
from landmap.register import _db, _events
from landmap.register._import import _hashes
from landmap.register._read import resolve_key
from landmap.register._schema import PLAIN_FIELDS

EDITABLE = (*PLAIN_FIELDS, "source_detail", "company", "description", "lon", "lat")
_YES = {"merge", "yes", "y", "same", "duplicate", "1", "true", "x"}
_NO = {"distinct", "no", "n", "different", "keep apart", "not duplicate", "0", "false"}
PAIR_COLUMNS = ("source_a", "id_a", "source_b", "id_b", "score")


def _need_reason(reason: str | None, what: str) -> str:
    if not reason or not reason.strip():
        raise RegisterError(
            f"a {what} needs a reason",
            column="reason",
            fix='say why, e.g. --reason "corrected after field visit"',
        )
    return reason.strip()


def _current_version(conn: sa.Connection, t: dict[str, sa.Table], key: str) -> dict[str, Any]:
    v = t["versions"]
    cols = [c for c in v.c if c.name not in ("geom", "version_id")]
    row = conn.execute(sa.select(*cols).where(v.c.record_key == key, v.c.is_current)).mappings()
    found = row.first()
    if found is None:
        raise RegisterError(f"record {key!r} has no current version", fix="check the record")
    return dict(found)


def _coerce(field: str, value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if field == "date":
            return pd.Timestamp(value).date()
        if field == "households":
            return int(value)
        if field in ("lon", "lat"):
            return float(value)
    except (ValueError, TypeError) as err:
        raise RegisterError(
            f"{value!r} is not a valid {field}",
            column=field,
            fix="dates as YYYY-MM-DD, households as a whole number",
        ) from err
    return str(value)


def _new_version(
    conn: sa.Connection,
    t: dict[str, sa.Table],
    row: dict[str, Any],
    *,
    op: str,
    by: str,
    reason: str,
) -> int:
    v = t["versions"]
    conn.execute(
        v.update()
        .where(v.c.record_key == row["record_key"], v.c.is_current)
        .values(is_current=False)
    )
    row.update(
        op=op,
        import_id=None,
        changed_at=_db.now(),
        changed_by=by,
        reason=reason,
        is_current=True,
        version=int(row["version"]) + 1,
    )
    row["content_hash"] = _hashes(pd.DataFrame([row]))[0]
    conn.execute(v.insert().values(**row))
    return row["version"]


def edit(
    store: _db.Store, case: str, changes: dict[str, Any], *, by: str | None, reason: str | None
) -> int:
    """Correct fields of a record: a new version; returns its number."""
    unknown = [f for f in changes if f not in EDITABLE]
    if unknown:
        raise RegisterError(
            f"{unknown[0]!r} cannot be edited",
            column=unknown[0],
            fix=f"editable fields: {', '.join(EDITABLE)}",
        )
    why = _need_reason(reason, "correction")
    key = resolve_key(store, case)
    with _db.write(store) as conn:
        row = _current_version(conn, store.tables, key)
        if row["erased"] and ("description" in changes):
            raise RegisterError(
                f"record {key!r} was erased at a person's request",
                column="description",
                fix="personal fields stay erased",
            )
        row.update({f: _coerce(f, value) for f, value in changes.items()})
        return _new_version(conn, store.tables, row, op="edit", by=_db.who(by), reason=why)


def delete_personal(store: _db.Store, case: str, *, by: str | None, reason: str | None) -> int:
    """Erase a record's personal fields from every version and record that it happened.

    The description and every column the source file had beyond the canonical ones (names,
    phone numbers, ID numbers...) are removed from all versions; the case itself (date, type,
    place, households) stays, so counts do not change. A later import of the same source does
    not bring the erased fields back. Returns the number of the version recording the deletion.
    """
    why = _need_reason(reason, "deletion")
    key = resolve_key(store, case)
    t = store.tables
    v, r = t["versions"], t["records"]
    with _db.write(store) as conn:
        conn.execute(
            v.update()
            .where(v.c.record_key == key)
            .values(description=None, extra=None, erased=True)
        )
        stamp = _db.now()
        conn.execute(r.update().where(r.c.record_key == key).values(erased_at=stamp))
        row = _current_version(conn, t, key)
        return _new_version(conn, t, row, op="delete", by=_db.who(by), reason=why)


def pairs_to_keys(pairs: pd.DataFrame, *, origin: str) -> pd.DataFrame:
    """Turn a pair table (``source_a, id_a, source_b, id_b``) into ``record_a``, ``record_b``."""
    missing = [c for c in PAIR_COLUMNS[:4] if c not in pairs.columns]
    if missing:
        raise RegisterError(
            f"the pair table has no column {missing[0]!r}",
            path=origin,
            column=missing[0],
            fix="use the CSV written by `landmap register duplicates`",
        )
    out = pd.DataFrame(
        {
            "record_a": pairs["source_a"].astype(str) + ":" + pairs["id_a"].astype(str),
            "record_b": pairs["source_b"].astype(str) + ":" + pairs["id_b"].astype(str),
        },
        index=pairs.index,
    )
    if "score" in pairs.columns:
        out["score"] = pd.to_numeric(pairs["score"], errors="coerce")
    return out


def merge(
    store: _db.Store,
    pairs: pd.DataFrame | str | os.PathLike[str],
    *,
    threshold: float | None = None,
    by: str | None = None,
    reason: str | None = None,
) -> dict[str, int]:
    """Merge pairs: all above ``threshold``, or as a reviewer marked them.

    ``pairs`` is the table from :func:`~landmap.register.find_duplicates` or a CSV of it. With
    a ``decision`` column (reviewed), ``merge``/``yes`` rows are merged and ``distinct``/``no``
    rows recorded as distinct (they are not proposed again); blank rows are left for later.
    Without it, every pair whose score is at least ``threshold`` is merged.
    Returns ``{"merged": n, "distinct": n, "left": n}``.
    """
    origin = str(pairs) if not isinstance(pairs, pd.DataFrame) else "<pairs>"
    if not isinstance(pairs, pd.DataFrame):
        try:
            pairs = pd.read_csv(pairs, dtype={"id_a": str, "id_b": str}, encoding="utf-8-sig")
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
            raise RegisterError(
                f"could not read the pair table ({err})",
                path=origin,
                fix="give the CSV written by `landmap register duplicates`",
            ) from err
    keys = pairs_to_keys(pairs, origin=origin)
    if "decision" in pairs.columns:
        said = pairs["decision"].fillna("").astype(str).str.strip().str.lower()
        bad = ~(said.isin(_YES) | said.isin(_NO) | said.eq(""))
        if bad.any():
            row = int(bad.to_numpy().argmax()) + 2  # header is line 1
            raise RegisterError(
                f"decision {pairs['decision'][bad].iloc[0]!r} not understood",
                path=origin,
                row=row,
                column="decision",
                fix="write merge or distinct (or leave it blank)",
            )
        yes, no = said.isin(_YES).to_numpy(), said.isin(_NO).to_numpy()
        method = "reviewed"
    else:
        if threshold is None:
            raise RegisterError(
                "no threshold and no decision column",
                path=origin,
                fix="give --threshold 0.9, or add a 'decision' column with "
                "merge / distinct to the CSV",
            )
        score = keys["score"] if "score" in keys else pd.Series(float("nan"), index=keys.index)
        yes = (score >= threshold).to_numpy()
        no = np.zeros(len(keys), dtype=bool)
        method = f"score >= {threshold:g}"
    user, stamp = _db.who(by), _db.now()
    with _db.write(store) as conn:
        merged = _events.decide(
            conn,
            store.tables,
            keys[yes],
            op="merge",
            method=method,
            by=user,
            stamp=stamp,
            reason=reason,
        )
        distinct = _events.decide(
            conn,
            store.tables,
            keys[no],
            op="distinct",
            method=method,
            by=user,
            stamp=stamp,
            reason=reason,
        )
    return {"merged": merged, "distinct": distinct, "left": int(len(keys) - merged - distinct)}


def unmerge(
    store: _db.Store,
    case: str,
    *,
    other: str | None = None,
    by: str | None = None,
    reason: str | None = None,
) -> int:
    """Take a record out of its event (or only unlink it from ``other``); returns links undone."""
    why = _need_reason(reason, "un-merge")
    key = resolve_key(store, case)
    other_key = resolve_key(store, other) if other else None
    with _db.write(store) as conn:
        linked = _events.links(conn, store.tables)
        touch = linked[(linked["record_a"] == key) | (linked["record_b"] == key)]
        if other_key is not None:
            touch = touch[(touch["record_a"] == other_key) | (touch["record_b"] == other_key)]
        if touch.empty:
            raise RegisterError(
                f"record {key!r} is not merged with {other_key or 'any other record'}",
                fix="see `landmap register history` for its merges",
            )
        return _events.decide(
            conn,
            store.tables,
            touch,
            op="unmerge",
            method="manual",
            by=_db.who(by),
            stamp=_db.now(),
            reason=why,
        )


__all__ = [
    "EDITABLE",
    "PAIR_COLUMNS",
    "delete_personal",
    "edit",
    "merge",
    "pairs_to_keys",
    "unmerge",
]
