"""Importing a file into the register: every row stored once, changes as new versions.

The file goes through :func:`landmap.io.load.load_cases` (the same loader and column mappings as
``landmap check``). In one transaction: a file whose SHA-256 this source already imported adds
nothing; a record seen for the first time gets version 1; a record whose values changed gets a
new version (the earlier one is kept, no longer current); an unchanged record is left alone.
Records of an earlier export missing from this one stay in the register (a partner's export
may be filtered); they are counted in the result. A record erased at a person's request stays
erased: personal fields arriving again for it are not stored.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from landmap.errors import RegisterError
from landmap.io.report import LoadReport
from landmap.register import _db, _events
from landmap.register._schema import PLAIN_FIELDS
from landmap.schema import COLUMNS

#: Column-mapping keys the register understands besides the loader's: the company involved.
REGISTER_KEYS = ("company",)
_HASHED = (*PLAIN_FIELDS, "source_detail", "company", "description", "extra", "lon", "lat")
_CHUNK = 900  # ids per IN (...) list, below every back end's limit on bound parameters


@dataclass
class ImportResult:
    """What one import did.

    Attributes
    ----------
    source, file, sha256
        The source name, the file and its SHA-256.
    import_id
        The import's number in the register (``None`` when the file was already imported).
    already_imported
        The same source had already imported a file with this SHA-256: nothing was added.
    added, changed, unchanged
        Records stored for the first time, given a new version, and left as they were.
    not_in_file
        Records of this source in the register that this file does not have (kept).
    skipped
        ``(row, reason)`` for loaded rows not stored (an id used twice in the file).
    report
        The loader's account of every input row.
    """

    source: str
    file: str
    sha256: str
    report: LoadReport
    import_id: int | None = None
    already_imported: bool = False
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    not_in_file: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line: what happened to the file's rows."""
        if self.already_imported:
            return (
                f"{self.file}: already imported for source {self.source!r} "
                f"(same SHA-256); nothing added"
            )
        return (
            f"{self.file} -> source {self.source!r}: {self.report.input_rows} rows, "
            f"{self.report.rejected} rejected by the loader, {len(self.skipped)} skipped "
            f"(id used twice); {self.added} new, {self.changed} changed, "
            f"{self.unchanged} unchanged; {self.not_in_file} earlier records not in "
            "this file (kept)"
        )

    def __str__(self) -> str:
        return self.summary()


def check_source(source: str) -> str:
    """Return a usable source name or raise :class:`RegisterError`."""
    name = str(source or "").strip()
    if not name or ":" in name or len(name) > 100:
        raise RegisterError(
            f"source name {source!r} is not usable",
            column="source",
            fix="name the organisation or register in a few words without ':' "
            "(e.g. --source 'Partner A')",
        )
    return name


def import_file(
    store: _db.Store,
    file: str | os.PathLike[str] | pd.DataFrame,
    *,
    source: str,
    columns: dict[str, str] | None = None,
    by: str | None = None,
    reason: str | None = None,
    **loader_options: Any,
) -> ImportResult:
    """Load ``file`` as cases and store its rows under ``source`` (see the module docstring)."""
    from landmap.io.load import load_cases

    source = check_source(source)
    columns = dict(columns or {})
    company = columns.pop("company", None)
    data, report = load_cases(file, columns=columns or None, **loader_options)
    if company is not None and company not in data.columns:
        raise RegisterError(
            f"--column company={company!r} names a column the file does not have",
            path=report.path,
            column=company,
            fix=f"use one of {', '.join(map(str, data.columns[:-1]))}",
        )
    meta = data.attrs.get("landmap", {})
    display = Path(report.path).name if isinstance(file, str | os.PathLike) else report.path
    result = ImportResult(
        source=source, file=display, sha256=str(meta.get("sha256", "")), report=report
    )
    rows, result.skipped = _rows(data, report, source, company)
    user, stamp = _db.who(by), _db.now()
    t = store.tables
    with _db.write(store) as conn:
        seen = conn.execute(
            sa.select(t["imports"].c.import_id).where(
                t["imports"].c.source == source, t["imports"].c.sha256 == result.sha256
            )
        ).first()
        if seen is not None and result.sha256:
            result.already_imported = True
            return result
        old = _current(conn, t, source)
        rows = _erase_where_erased(rows, old)
        rows["content_hash"] = _hashes(rows)
        known = rows["record_key"].isin(old.index)
        prev = old.reindex(rows["record_key"])
        same = known.to_numpy() & (prev["content_hash"].to_numpy() == rows["content_hash"])
        new, changed = rows[~known.to_numpy()], rows[known.to_numpy() & ~same]
        result.added, result.changed = len(new), len(changed)
        result.unchanged = int(same.sum())
        result.not_in_file = int((~old.index.isin(rows["record_key"])).sum())
        result.import_id = _record_import(conn, t, result, user, stamp)
        _store(conn, t, new, changed, prev, result.import_id, user, stamp, reason)
        if len(new):
            _events.add_records(conn, t, new["record_key"].tolist())
    return result


def _rows(
    data: pd.DataFrame, report: LoadReport, source: str, company: str | None
) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Return the loaded rows as register columns; later rows reusing an id are skipped."""
    input_rows = report.rows.loc[report.rows["status"] != "rejected", "row"].to_numpy()
    ids = data["case_id"].astype("string").fillna("").str.strip()
    dup = ids.duplicated(keep="first").to_numpy()
    skipped = [
        (int(r), f"case_id {i!r} used again in this file; only its first row is stored")
        for r, i in zip(input_rows[dup], ids[dup], strict=True)
    ]
    frame = data.loc[~dup].reset_index(drop=True)
    ids = ids[~dup].reset_index(drop=True)
    out = pd.DataFrame({"record_key": source + ":" + ids, "original_id": ids})
    dates = frame["date"]
    out["date"] = pd.Series(dates.dt.date.astype(object), dtype=object).where(dates.notna(), None)
    for col in PLAIN_FIELDS[1:]:
        out[col] = _objects(frame[col])
    out["source_detail"] = _objects(frame["source"])
    out["description"] = _objects(frame["description"])
    out["company"] = _objects(frame[company].astype("string")) if company else None
    geom = frame.geometry
    out["lon"], out["lat"] = geom.x.to_numpy(), geom.y.to_numpy()
    canon = set(COLUMNS["cases"]) | {geom.name, company}
    extra = [c for c in frame.columns if c not in canon]
    out["extra"] = _extra_json(frame[extra]) if extra else None
    return out, skipped


def _objects(values: pd.Series) -> pd.Series:
    """Values as Python objects with ``None`` for missing (what every DB driver binds)."""
    obj = values.astype(object)
    return obj.where(values.notna().to_numpy(), None).reset_index(drop=True)


def _extra_json(frame: pd.DataFrame) -> pd.Series:
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    lines = text.splitlines()
    return pd.Series(lines, dtype=object)


def _hashes(rows: pd.DataFrame) -> list[str]:
    parts = [
        rows[c].map(lambda v: "" if v is None else repr(v))
        if c not in ("lon", "lat")
        else rows[c].round(7).astype(str)
        for c in _HASHED
    ]
    joined = parts[0].str.cat(parts[1:], sep="\x1f")
    return [hashlib.sha1(s.encode("utf-8"), usedforsecurity=False).hexdigest() for s in joined]


def _current(conn: sa.Connection, t: dict[str, sa.Table], source: str) -> pd.DataFrame:
    """Return a source's current versions: record_key -> content_hash, version, erased."""
    v, r = t["versions"], t["records"]
    query = (
        sa.select(v.c.record_key, v.c.content_hash, v.c.version, v.c.erased)
        .join(r, r.c.record_key == v.c.record_key)
        .where(r.c.source == source, v.c.is_current)
    )
    rows = conn.execute(query).all()
    return pd.DataFrame(
        rows, columns=["record_key", "content_hash", "version", "erased"]
    ).set_index("record_key")


def _erase_where_erased(rows: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    erased = old.index[old["erased"].astype(bool)] if len(old) else []
    mask = rows["record_key"].isin(erased).to_numpy()
    rows["erased"] = mask
    if mask.any():
        rows.loc[mask, ["description", "extra"]] = None
    return rows


def _record_import(
    conn: sa.Connection, t: dict[str, sa.Table], result: ImportResult, user: str, stamp: str
) -> int:
    rep = result.report
    flagged = rep.rows[(rep.rows["status"] != "loaded") | rep.rows["reason"].fillna("").ne("")]
    report = {
        "summary": rep.summary(),
        "details": rep.details,
        "rows": json.loads(flagged.to_json(orient="records", force_ascii=False)),
        "skipped": [{"row": r, "reason": why} for r, why in result.skipped],
        "not_in_file": result.not_in_file,
    }
    values = {
        "source": result.source,
        "file_name": result.file,
        "sha256": result.sha256,
        "imported_at": stamp,
        "imported_by": user,
        "rows_in": rep.input_rows,
        "loaded": rep.loaded,
        "repaired": rep.repaired,
        "rejected": rep.rejected,
        "added": result.added,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "report": json.dumps(report, ensure_ascii=False, default=str),
    }
    return int(conn.execute(t["imports"].insert().values(**values)).inserted_primary_key[0])


def _store(
    conn: sa.Connection,
    t: dict[str, sa.Table],
    new: pd.DataFrame,
    changed: pd.DataFrame,
    prev: pd.DataFrame,
    import_id: int,
    user: str,
    stamp: str,
    reason: str | None,
) -> None:
    if len(new):
        conn.execute(
            t["records"].insert(),
            [
                {
                    "record_key": k,
                    "source": k.split(":", 1)[0],
                    "original_id": o,
                    "first_import": import_id,
                }
                for k, o in zip(new["record_key"], new["original_id"], strict=True)
            ],
        )
    v = t["versions"]
    for chunk in _db.chunks(changed["record_key"].tolist(), _CHUNK):
        conn.execute(
            v.update().where(v.c.record_key.in_(chunk), v.c.is_current).values(is_current=False)
        )
    base = {
        "op": "import",
        "import_id": import_id,
        "changed_at": stamp,
        "changed_by": user,
        "reason": reason,
        "is_current": True,
    }
    numbers = np.concatenate(
        [
            np.ones(len(new), dtype=np.int64),
            prev.loc[changed["record_key"], "version"].to_numpy(dtype=np.int64) + 1,
        ]
    )
    both = pd.concat([new, changed], ignore_index=True).drop(columns=["original_id"])
    both["version"] = numbers
    records = both.to_dict("records")
    for rec in records:
        rec.update(base)
        rec["version"] = int(rec["version"])
        rec["lon"], rec["lat"] = float(rec["lon"]), float(rec["lat"])
        rec["erased"] = bool(rec["erased"])
    for chunk in _db.chunks(records, 5000):
        conn.execute(v.insert(), list(chunk))


__all__ = ["REGISTER_KEYS", "ImportResult", "check_source", "import_file"]
