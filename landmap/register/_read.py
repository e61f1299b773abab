"""Reading the register: current records, merged cases (one row per event), and history."""

from __future__ import annotations

import json
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa

from landmap.errors import RegisterError
from landmap.register import _db
from landmap.register._schema import PLAIN_FIELDS
from landmap.schema import COLUMNS, LocationPrecision

#: Location precision, most precise first: a merged event takes the most precise point.
_PRECISION = tuple(p.value for p in LocationPrecision)
#: Fields a merged event publishes, each from the first source (by priority) that has it.
MERGED_FIELDS = (
    "date",
    "type",
    "status",
    "households",
    "province",
    "district",
    "commune",
    "village",
    "description",
)


def records(store: _db.Store, *, history: bool = False) -> gpd.GeoDataFrame:
    """Return every current record (every version with ``history``), source and event."""
    t = store.tables
    v, r, e = t["versions"], t["records"], t["events"]
    cols = [c for c in v.c if c.name != "geom"]
    query = (
        sa.select(*cols, r.c.source, r.c.original_id, e.c.event_key)
        .join(r, r.c.record_key == v.c.record_key)
        .join(e, e.c.record_key == v.c.record_key, isouter=True)
    )
    if not history:
        query = query.where(v.c.is_current)
    with _db.read(store) as conn:
        frame = pd.read_sql(query.order_by(v.c.record_key, v.c.version), conn)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["households"] = frame["households"].astype("Int64")
    for col in frame.columns:
        if frame[col].dtype == object and col not in ("date",):
            frame[col] = frame[col].astype("string")
    frame["is_current"] = frame["is_current"].astype(bool)
    frame["erased"] = frame["erased"].astype(bool)
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry)


def source_order(store: _db.Store, priority: Sequence[str] | None) -> list[str]:
    """Return sources by priority: those named first, then the rest by first import."""
    imp = store.tables["imports"]
    with _db.read(store) as conn:
        rows = conn.execute(
            sa.select(imp.c.source, sa.func.min(imp.c.import_id)).group_by(imp.c.source)
        ).all()
    known = [s for s, _ in sorted(rows, key=lambda x: x[1])]
    unknown = [s for s in (priority or []) if s not in known]
    if unknown:
        raise RegisterError(
            f"no source named {unknown[0]!r} in the register",
            fix=f"sources are: {', '.join(known) or 'none yet'}",
        )
    named = list(priority or [])
    return named + [s for s in known if s not in named]


def merged_cases(store: _db.Store, *, priority: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Merge the records into one row per event, saying where each value came from.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical cases columns (``case_id`` is the event key, ``source`` the sources
        joined with ``"; "``), then ``source_records`` (how many source records stand behind
        the row), ``record_ids`` and ``values_from`` (``field=source; ...``), geometry last.
    """
    order = source_order(store, priority)
    recs = records(store)
    if recs.empty:
        return _empty()
    rank = {s: i for i, s in enumerate(order)}
    recs["_rank"] = recs["source"].map(rank).astype("int64")
    recs = recs.sort_values(["event_key", "_rank", "record_key"], kind="stable")
    groups = recs.groupby("event_key", sort=True)
    out = groups[list(MERGED_FIELDS)].first()
    origin = pd.DataFrame({f: recs["source"].where(recs[f].notna()) for f in MERGED_FIELDS})
    origin["event_key"] = recs["event_key"]
    came = origin.groupby("event_key", sort=True).first()
    # location: the most precise point, then by source priority
    prec = recs["location_precision"].map({p: i for i, p in enumerate(_PRECISION)})
    loc = (
        recs.assign(_prec=prec.fillna(len(_PRECISION)).astype("int64"))
        .sort_values(["event_key", "_prec", "_rank"], kind="stable")
        .groupby("event_key", sort=True)
        .first()
    )
    came["location"] = loc["source"]
    out["location_precision"] = loc["location_precision"]
    out["source"] = groups["source"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    out["source_records"] = groups.size().astype("int64")
    out["record_ids"] = groups["record_key"].agg("; ".join)
    fields = [*MERGED_FIELDS, "location"]
    out["values_from"] = _values_from(came[fields], fields)
    out = out.reset_index().rename(columns={"event_key": "case_id"})
    geometry = gpd.GeoSeries(loc["geometry"].to_numpy(), crs="EPSG:4326")
    frame = gpd.GeoDataFrame(out, geometry=geometry.to_numpy(), crs="EPSG:4326")
    return _typed(frame)


def _values_from(came: pd.DataFrame, fields: list[str]) -> np.ndarray:
    parts = [(f + "=" + came[f].astype("string")).fillna("") for f in fields]
    joined = parts[0].str.cat(parts[1:], sep="; ")
    return joined.str.replace(r"(; )+", "; ", regex=True).str.strip("; ").to_numpy()


def _typed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    canon = COLUMNS["cases"]
    for col, dtype in canon.items():
        frame[col] = (
            frame[col].astype(dtype)
            if col in frame
            else pd.Series(pd.NA, index=frame.index).astype(dtype)
        )
    for col in ("record_ids", "values_from"):
        frame[col] = frame[col].astype("string")
    order = [*canon, "source_records", "record_ids", "values_from", "geometry"]
    return frame[order]


def _empty() -> gpd.GeoDataFrame:
    data = {c: pd.Series(dtype=d) for c, d in COLUMNS["cases"].items()}
    data.update(
        source_records=pd.Series(dtype="int64"),
        record_ids=pd.Series(dtype="string"),
        values_from=pd.Series(dtype="string"),
    )
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs="EPSG:4326"))


def resolve_key(store: _db.Store, case: str) -> str:
    """Return the record key: ``SOURCE:ID`` as given, or a bare id only one source uses."""
    r = store.tables["records"]
    with _db.read(store) as conn:
        if conn.execute(sa.select(r.c.record_key).where(r.c.record_key == case)).first():
            return case
        hits = [
            k
            for (k,) in conn.execute(
                sa.select(r.c.record_key).where(r.c.original_id == case).limit(5)
            )
        ]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise RegisterError(
            f"{case!r} is an id in several sources: {', '.join(hits)}", fix="name it as SOURCE:ID"
        )
    raise RegisterError(
        f"no record {case!r} in the register",
        path=store.display,
        fix="name a record as SOURCE:ID (see `landmap register export --records`)",
    )


def history(store: _db.Store, case: str) -> pd.DataFrame:
    """Return every version of a record and every decision about it, oldest first.

    Returns
    -------
    pandas.DataFrame
        ``when``, ``who``, ``what`` (import, edit, correct, delete, merge, unmerge,
        distinct), ``version``, ``why``, ``detail`` (the fields that changed, the file
        imported, or the other record of a decision).
    """
    key = resolve_key(store, case)
    t = store.tables
    v, d, imp = t["versions"], t["decisions"], t["imports"]
    with _db.read(store) as conn:
        vers = pd.read_sql(
            sa.select(v, imp.c.file_name, imp.c.sha256)
            .join(imp, imp.c.import_id == v.c.import_id, isouter=True)
            .where(v.c.record_key == key)
            .order_by(v.c.version),
            conn,
        )
        dec = pd.read_sql(
            sa.select(d)
            .where(sa.or_(d.c.record_a == key, d.c.record_b == key))
            .order_by(d.c.decision_id),
            conn,
        )
    rows = []
    previous: dict[str, object] | None = None
    for rec in vers.to_dict("records"):
        rows.append(
            {
                "when": rec["changed_at"],
                "who": rec["changed_by"],
                "what": rec["op"],
                "version": rec["version"],
                "why": rec["reason"],
                "detail": _version_detail(rec, previous),
            }
        )
        previous = rec
    for rec in dec.to_dict("records"):
        other = rec["record_b"] if rec["record_a"] == key else rec["record_a"]
        score = "" if pd.isna(rec["score"]) else f" (score {rec['score']:.2f})"
        rows.append(
            {
                "when": rec["decided_at"],
                "who": rec["decided_by"],
                "what": rec["op"],
                "version": None,
                "why": rec["reason"],
                "detail": f"with {other}{score}, {rec['method']}",
            }
        )
    out = pd.DataFrame(rows, columns=["when", "who", "what", "version", "why", "detail"])
    out = out.sort_values("when", kind="stable").reset_index(drop=True)
    out["version"] = out["version"].astype("Int64")
    out.attrs["record"] = key
    return out


def _version_detail(rec: dict[str, object], previous: dict[str, object] | None) -> str:
    where = (
        f"from {rec['file_name']} (sha256 {str(rec['sha256'])[:12]}...)"
        if rec.get("file_name")
        else ""
    )
    if rec["op"] == "delete":
        return "personal fields erased from every version"
    if previous is None:
        return where or "first version"
    fields = [*PLAIN_FIELDS, "source_detail", "company", "lon", "lat", "description", "extra"]
    changed = []
    for f in fields:
        a, b = previous.get(f), rec.get(f)
        if _differs(a, b):
            changed.append(f if f in ("description", "extra") else f"{f} {a!r} -> {b!r}")
    text = "changed: " + ", ".join(changed) if changed else "no field changed"
    return f"{text} {where}".strip()


def _differs(a: object, b: object) -> bool:
    na, nb = (
        a is None or (isinstance(a, float) and np.isnan(a)),
        b is None or (isinstance(b, float) and np.isnan(b)),
    )
    if na or nb:
        return na != nb
    return a != b


def import_log(store: _db.Store) -> pd.DataFrame:
    """Return every import: source, file, SHA-256, when, who, counts and ``report``."""
    imp = store.tables["imports"]
    with _db.read(store) as conn:
        frame = pd.read_sql(sa.select(imp).order_by(imp.c.import_id), conn)
    frame["report"] = frame["report"].map(lambda s: json.loads(s) if s else None)
    return frame


__all__ = [
    "MERGED_FIELDS",
    "history",
    "import_log",
    "merged_cases",
    "records",
    "resolve_key",
    "source_order",
]
