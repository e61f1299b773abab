"""Register benchmark: import 100,000 cases and find duplicates among 200,000 records.

Two SYNTHETIC partner registers of ``--size`` cases each (default 100,000), 30 % of the events
in both (the second partner's date shifted by up to a week, point moved up to 1.5 km,
households rounded). On a GeoPackage and on PostGIS (a throw-away PostgreSQL 15 + PostGIS
cluster, as in bench_overlap.py), it times:

* ``import``      landmap.register: load the CSV, hash every row, one transaction writing
                  records, versions and events (the second partner's import goes into a register
                  already holding the first's);
* ``to_sql``      the obvious alternative: the same loader, then ``DataFrame.to_sql`` of the
                  loaded rows into one table (no history, no re-import check, no events);
* ``duplicates``  landmap.register's duplicate finder (splink on DuckDB) over both partners;
* ``naive``       a naive blocking join in pandas: the same ~5 km grid cell, then "within 1 km
                  and 7 days" (no scores, no evidence).

Precision and recall against the known shared events are printed for both finders.

Usage::

    python benchmarks/bench_register.py                 # 100,000 per partner, both back ends
    python benchmarks/bench_register.py --size 20000 --backends geopackage
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def make_partners(size: int, folder: Path, seed: int = 7) -> tuple[Path, Path, set]:
    """Write two SYNTHETIC partner CSVs and return them with the shared (id_a, id_b) pairs."""
    rng = np.random.default_rng(seed)
    shared = int(size * 0.3)
    n = 2 * size - shared
    lat, lon = rng.uniform(11.0, 14.0, n), rng.uniform(103.6, 106.6, n)
    date = pd.Timestamp("2005-01-01") + pd.to_timedelta(rng.integers(0, 7000, n), "D")
    hh = rng.integers(1, 300, n)
    types = rng.choice(["eviction", "land grab", "threat of eviction", "violence"], n)
    a_idx = np.arange(size)
    b_idx = np.concatenate([np.arange(shared), np.arange(size, n)])
    a = pd.DataFrame(
        {
            "case_id": [f"A{i:06d}" for i in a_idx],
            "date": date[a_idx],
            "type": types[a_idx],
            "households": hh[a_idx],
            "lat": lat[a_idx],
            "lon": lon[a_idx],
            "note": "SYNTHETIC",
        }
    )
    move = rng.uniform(0, 1500, len(b_idx)) * (np.arange(len(b_idx)) < shared)
    ang = rng.uniform(0, 2 * np.pi, len(b_idx))
    shift = rng.integers(-7, 8, len(b_idx)) * (np.arange(len(b_idx)) < shared)
    b = pd.DataFrame(
        {
            "case_id": [f"B{i:06d}" for i in range(len(b_idx))],
            "date": date[b_idx] + pd.to_timedelta(shift, "D"),
            "type": types[b_idx],
            "households": np.maximum(10, np.round(hh[b_idx] / 10) * 10).astype(int),
            "lat": lat[b_idx] + move * np.sin(ang) / 110_574,
            "lon": lon[b_idx] + move * np.cos(ang) / (111_320 * np.cos(np.radians(lat[b_idx]))),
            "note": "SYNTHETIC",
        }
    )
    pa, pb = folder / "partner_a.csv", folder / "partner_b.csv"
    a.to_csv(pa, index=False)
    b.to_csv(pb, index=False)
    truth = {(f"A{i:06d}", f"B{i:06d}") for i in range(shared)}
    return pa, pb, truth


def timed(func, *args, **kw):
    t0 = time.perf_counter()
    out = func(*args, **kw)
    return out, time.perf_counter() - t0


def naive_pairs(recs: pd.DataFrame) -> set:
    """Same 0.05-degree cell, then within 1 km and 7 days."""
    frame = pd.DataFrame(
        {
            "key": recs["record_key"],
            "source": recs["source"],
            "lat": recs.geometry.y,
            "lon": recs.geometry.x,
            "date": pd.to_datetime(recs["date"]),
        }
    )
    frame["cell"] = (
        np.floor(frame["lat"] / 0.05).astype(int).astype(str)
        + "_"
        + np.floor(frame["lon"] / 0.05).astype(int).astype(str)
    )
    a, b = (frame[frame["source"] == s] for s in sorted(frame["source"].unique()))
    j = a.merge(b, on="cell", suffixes=("_a", "_b"))
    dy = (j["lat_a"] - j["lat_b"]) * 110.574
    dx = (j["lon_a"] - j["lon_b"]) * 111.32 * np.cos(np.radians(j["lat_a"]))
    keep = (np.hypot(dx, dy) <= 1.0) & ((j["date_a"] - j["date_b"]).abs().dt.days <= 7)
    j = j[keep]
    return {
        (x.split(":", 1)[1], y.split(":", 1)[1])
        for x, y in zip(j["key_a"], j["key_b"], strict=True)
    }


def quality(found: set, truth: set) -> str:
    tp = len(found & truth)
    return f"precision {tp / max(len(found), 1):.3f}, recall {tp / len(truth):.3f}"


def run(backend: str, db: str, pa: Path, pb: Path, truth: set, sql_url: str) -> list[tuple]:
    import sqlalchemy as sa

    from landmap.io.load import load_cases
    from landmap.register import open_register

    rows = []
    with open_register(db, create=True) as reg:
        res, t_a = timed(reg.import_file, pa, source="Partner A")
        res_b, t_b = timed(reg.import_file, pb, source="Partner B")
        rows += [
            (backend, "import partner A", t_a, res.added),
            (backend, "import partner B (into A's register)", t_b, res_b.added),
        ]
        engine = sa.create_engine(sql_url)

        def plain() -> int:
            data, _ = load_cases(pa)
            frame = pd.DataFrame(data.drop(columns="geometry"))
            frame["lon"], frame["lat"] = data.geometry.x, data.geometry.y
            frame.to_sql("plain_cases", engine, if_exists="replace", index=False, chunksize=10_000)
            return len(frame)

        n, t_plain = timed(plain)
        engine.dispose()
        rows.append((backend, "load + pandas to_sql (alternative)", t_plain, n))
        rows.append((backend, "  ratio import / to_sql", t_a / t_plain, None))
        ids = set(reg.records()["original_id"])
        truth = {(x, y) for x, y in truth if x in ids and y in ids}  # both rows loaded
        pairs, t_dup = timed(reg.duplicates, threshold=0.5)
        found = set(zip(pairs["id_a"], pairs["id_b"], strict=True))
        rows.append((backend, f"duplicates (splink), {quality(found, truth)}", t_dup, len(pairs)))
        recs, t_read = timed(reg.records)
        naive, t_naive = timed(naive_pairs, recs)
        rows.append((backend, f"naive blocking join, {quality(naive, truth)}", t_naive, len(naive)))
        rows.append((backend, "  ratio duplicates / naive join", t_dup / t_naive, None))
        merged, t_merge = timed(reg.merge, pairs, threshold=0.9)
        cases, t_cases = timed(reg.cases)
        rows += [
            (backend, "merge pairs >= 0.9", t_merge, merged["merged"]),
            (backend, "read merged cases", t_cases, len(cases)),
            (backend, "read current records", t_read, len(recs)),
        ]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000, help="cases per partner")
    ap.add_argument("--backends", default="geopackage,postgis")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="landmap-bench-register-"))
    pa, pb, truth = make_partners(args.size, folder)
    print(f"two SYNTHETIC partners of {args.size:,} cases, {len(truth):,} shared events")
    rows = []
    backends = args.backends.split(",")
    if "geopackage" in backends:
        db = folder / "register.gpkg"
        rows += run("geopackage", str(db), pa, pb, truth, f"sqlite:///{folder / 'plain.sqlite'}")
    if "postgis" in backends:
        from bench_overlap import PostGIS

        pg = PostGIS()
        pg.start()
        try:
            if pg.reason:
                print(f"PostGIS skipped: {pg.reason}")
            else:
                url = "postgresql+psycopg://postgres@127.0.0.1:54329/postgres"
                rows += run("postgis", url, pa, pb, truth, url)
        finally:
            pg.stop()
    print(f"\n{'back end':<11} {'step':<58} {'seconds':>8} {'rows':>9}")
    for backend, step, seconds, count in rows:
        value = f"{seconds:8.2f}" if not step.strip().startswith("ratio") else f"{seconds:7.2f}x"
        print(f"{backend:<11} {step:<58} {value:>8} {'' if count is None else count:>9}")


if __name__ == "__main__":
    main()
