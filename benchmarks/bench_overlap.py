"""Overlap benchmark: national parcel fabrics x concessions, landmap's engines and their peers.

Whole job, from GeoParquet on disk to the pair table (parcel id, concession id, overlap
hectares, % of parcel, % of concession), on two fabrics: ``synthetic`` (``_synthetic.py``:
generated blocks of 8-vertex parcels, generated concessions) and ``real`` (``_realfabric.py``:
the real cadastral parcels of ``../shared/data/parcels/`` tiled over Cambodia, the real ELCs),
at 100k parcels (``--million`` adds 1M), for:

* ``landmap``         landmap.analysis.overlap on the two GeoParquet paths, engine "auto"
                      (SedonaDB when installed, as here)
* ``landmap-memory``  the same call with engine="memory": the file read whole and measured by
                      landmap's exact in-memory kernel (STRtree + prepared predicates)
* ``sedonadb``        SedonaDB's own SQL on the two files
* ``shapely``         the plain geopandas/shapely script: read_parquet, STRtree, prepared
                      wholly-inside test, intersection for the rest
* ``duckdb``          DuckDB + spatial extension (loaded offline from the pip package)
* ``postgis``         PostGIS 3 on PostgreSQL 15 (Debian packages), started on loopback in a temp
                      dir as the ``postgres`` user; the job includes loading the parcels (binary
                      COPY) and building the GiST index
* ``overlay``         geopandas.overlay(how="intersection")

Every SQL peer uses the same "parcel wholly inside" fast path as landmap
(``CASE WHEN ST_Within(...) THEN ST_Area(parcel) ELSE ST_Area(ST_Intersection(...))``).

Each engine runs in its own process, twice per size: *whole process* (cold interpreter, imports,
job, exit; wall and CPU time, peak RSS of the process) and *in-process* (imports done, one
warm-up job, then the best of ``--repeat`` jobs, wall and CPU time of all threads; CPU time is
what load from other users of the machine disturbs least; PostGIS's server CPU is not counted).
Engines are interleaved so that load from other users of the machine falls on all of them
alike. Every engine's pairs (ids) and total hectares are checked against landmap's (total to
1e-9 relative).

``--points`` adds 1M case points per fabric -> the concession each falls in (ST_Intersects
semantics: a point on an edge counts).

Usage::

    python benchmarks/bench_overlap.py                      # both fabrics at 100k (minutes)
    python benchmarks/bench_overlap.py --million --points   # and 1M parcels, 1M points
    python benchmarks/bench_overlap.py --engines landmap,sedonadb --fabrics real
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _realfabric  # noqa: E402
import _synthetic  # noqa: E402

ENGINES = ("landmap", "landmap-memory", "sedonadb", "shapely")
MORE_ENGINES = ("duckdb", "postgis", "overlay")
POINT_ENGINES = ("landmap", "landmap-memory", "sedonadb", "geopandas")

SQL = """SELECT p.{pid} AS pid, c.concession_id AS cid,
  CASE WHEN ST_Within(p.{g}, c.{g}) THEN ST_Area(p.{g})
       ELSE ST_Area(ST_Intersection(p.{g}, c.{g})) END AS overlap_m2,
  ST_Area(p.{g}) AS parea, ST_Area(c.{g}) AS carea
FROM {parcels} p JOIN {concessions} c ON ST_Intersects(p.{g}, c.{g})"""
SQL_POINTS = """SELECT p.case_id AS pid, c.concession_id AS cid
FROM {cases} p JOIN {concessions} c ON ST_Intersects(p.{g}, c.{g})"""


# --- the jobs, one per engine (run inside a child process) -----------------------------------


def _pct_table(pid, cid, overlap_m2, parea, carea):
    """The pair table every engine ends with (pyarrow), overlaps of zero area dropped."""
    import numpy as np
    import pyarrow as pa

    keep = np.asarray(overlap_m2) > 0
    o = np.asarray(overlap_m2)[keep]
    return pa.table(
        {
            "area_id": pa.array(np.asarray(pid)[keep]),
            "concession_id": pa.array(np.asarray(cid, dtype=object)[keep]),
            "overlap_ha": o / 1e4,
            "pct_of_area": 100 * o / np.asarray(parea)[keep],
            "pct_of_concession": 100 * o / np.asarray(carea)[keep],
        }
    )


def job_landmap(parcels, concessions, pg=None, engine="auto"):
    from landmap.analysis import overlap

    t = overlap(parcels, concessions, geometry=False, engine=engine)
    return t["area_id"].to_numpy(), t["concession_id"].to_numpy(), t["overlap_ha"].to_numpy()


def job_landmap_memory(parcels, concessions, pg=None):
    return job_landmap(parcels, concessions, pg, engine="memory")


def job_duckdb(parcels, concessions, pg=None):
    import duckdb

    con = duckdb.connect()
    ext = glob.glob(
        str(
            Path(sys.prefix) / "lib/python*/site-packages/duckdb_extension_spatial"
            "/extensions/*/spatial.duckdb_extension"
        )
    )[0]
    con.execute(f"LOAD '{ext}'")
    sql = SQL.format(
        pid="parcel_id",
        g="geometry",
        parcels=f"read_parquet('{parcels}')",
        concessions=f"read_parquet('{concessions}')",
    )
    tab = con.sql(sql).to_arrow_table()
    t = _pct_table(
        tab["pid"],
        tab["cid"].to_numpy(zero_copy_only=False),
        tab["overlap_m2"],
        tab["parea"],
        tab["carea"],
    )
    return _cols(t)


def job_sedonadb(parcels, concessions, pg=None):
    import sedonadb

    sd = sedonadb.connect()
    sd.read_parquet(str(parcels)).to_view("parcels", overwrite=True)
    sd.read_parquet(str(concessions)).to_view("concessions", overwrite=True)
    tab = sd.sql(
        SQL.format(pid="parcel_id", g="geometry", parcels="parcels", concessions="concessions")
    ).to_arrow_table()
    t = _pct_table(
        tab["pid"],
        tab["cid"].to_numpy(zero_copy_only=False),
        tab["overlap_m2"],
        tab["parea"],
        tab["carea"],
    )
    return _cols(t)


def _pg_load(cur, path, table, id_col, id_type):
    import pyarrow.parquet as pq

    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE UNLOGGED TABLE {table} ({id_col} {id_type}, geom geometry)")
    pf = pq.ParquetFile(path)
    with cur.copy(f"COPY {table} ({id_col}, geom) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([id_type, "bytea"])
        for rg in range(pf.num_row_groups):
            t = pf.read_row_group(rg, columns=[id_col, "geometry"])
            for row in zip(t[id_col].to_pylist(), t["geometry"].to_pylist(), strict=True):
                copy.write_row(row)
    cur.execute(f"CREATE INDEX ON {table} USING gist (geom)")
    cur.execute(f"ANALYZE {table}")


def job_postgis(parcels, concessions, pg=None):
    import psycopg

    with psycopg.connect(pg, autocommit=True) as conn, conn.cursor() as cur:
        _pg_load(cur, concessions, "concessions", "concession_id", "text")
        _pg_load(cur, parcels, "parcels", "parcel_id", "int8")
        cur.execute(
            SQL.format(pid="parcel_id", g="geom", parcels="parcels", concessions="concessions")
        )
        rows = cur.fetchall()
    import numpy as np

    if not rows:
        return np.empty(0), np.empty(0), np.empty(0)
    pid, cid, o, pa_, ca = zip(*rows, strict=True)
    return _cols(
        _pct_table(
            np.array(pid), np.array(cid, dtype=object), np.array(o), np.array(pa_), np.array(ca)
        )
    )


def job_shapely(parcels, concessions, pg=None):
    import geopandas as gpd
    import numpy as np
    import shapely

    p = gpd.read_parquet(parcels, columns=["parcel_id", "geometry"])
    c = gpd.read_parquet(concessions, columns=["concession_id", "geometry"])
    pg_, cg = p.geometry.values._data, c.geometry.values._data  # noqa: SLF001
    tree = shapely.STRtree(cg)
    ip, ic = tree.query(pg_, predicate="intersects")
    shapely.prepare(cg)
    inside = shapely.contains_properly(cg[ic], pg_[ip])
    parea = shapely.area(pg_[ip])
    o = parea.copy()
    rest = ~inside
    o[rest] = shapely.area(shapely.intersection(pg_[ip[rest]], cg[ic[rest]]))
    t = _pct_table(
        p["parcel_id"].to_numpy()[ip],
        c["concession_id"].to_numpy()[ic],
        o,
        parea,
        shapely.area(cg[ic]),
    )
    del np
    return _cols(t)


def job_overlay(parcels, concessions, pg=None):
    import geopandas as gpd

    p = gpd.read_parquet(parcels, columns=["parcel_id", "geometry"])
    c = gpd.read_parquet(concessions, columns=["concession_id", "geometry"])
    p["parea"] = p.area
    c["carea"] = c.area
    ov = gpd.overlay(p, c, how="intersection", keep_geom_type=True)
    t = _pct_table(
        ov["parcel_id"].to_numpy(),
        ov["concession_id"].to_numpy(),
        ov.area.to_numpy(),
        ov["parea"].to_numpy(),
        ov["carea"].to_numpy(),
    )
    return _cols(t)


def _cols(t):
    return (
        t["area_id"].to_numpy(zero_copy_only=False),
        t["concession_id"].to_numpy(zero_copy_only=False),
        t["overlap_ha"].to_numpy(),
    )


# --- points -----------------------------------------------------------------------------------


def points_landmap(cases, concessions, pg=None, engine="auto"):
    from landmap.analysis import case_links

    t = case_links(cases, concessions, engine=engine)
    return t["case_id"].to_numpy(), t["concession_id"].to_numpy(), None


def points_landmap_memory(cases, concessions, pg=None):
    return points_landmap(cases, concessions, pg, engine="memory")


def points_duckdb(cases, concessions, pg=None):
    import duckdb

    con = duckdb.connect()
    ext = glob.glob(
        str(
            Path(sys.prefix) / "lib/python*/site-packages/duckdb_extension_spatial"
            "/extensions/*/spatial.duckdb_extension"
        )
    )[0]
    con.execute(f"LOAD '{ext}'")
    tab = con.sql(
        SQL_POINTS.format(
            g="geometry",
            cases=f"read_parquet('{cases}')",
            concessions=f"read_parquet('{concessions}')",
        )
    ).to_arrow_table()
    return (tab["pid"].to_numpy(), tab["cid"].to_numpy(zero_copy_only=False), None)


def points_sedonadb(cases, concessions, pg=None):
    import sedonadb

    sd = sedonadb.connect()
    sd.read_parquet(str(cases)).to_view("cases", overwrite=True)
    sd.read_parquet(str(concessions)).to_view("concessions", overwrite=True)
    tab = sd.sql(
        SQL_POINTS.format(g="geometry", cases="cases", concessions="concessions")
    ).to_arrow_table()
    return (tab["pid"].to_numpy(), tab["cid"].to_numpy(zero_copy_only=False), None)


def points_postgis(cases, concessions, pg=None):
    import numpy as np
    import psycopg

    with psycopg.connect(pg, autocommit=True) as conn, conn.cursor() as cur:
        _pg_load(cur, concessions, "concessions", "concession_id", "text")
        _pg_load(cur, cases, "cases", "case_id", "int8")
        cur.execute(SQL_POINTS.format(g="geom", cases="cases", concessions="concessions"))
        rows = cur.fetchall()
    pid, cid = zip(*rows, strict=True) if rows else ((), ())
    return np.array(pid), np.array(cid, dtype=object), None


def points_geopandas(cases, concessions, pg=None):
    import geopandas as gpd

    p = gpd.read_parquet(cases, columns=["case_id", "geometry"])
    c = gpd.read_parquet(concessions, columns=["concession_id", "geometry"])
    j = gpd.sjoin(p, c, predicate="intersects", how="inner")
    return j["case_id"].to_numpy(), j["concession_id"].to_numpy(), None


# --- child process: run one engine, print JSON ------------------------------------------------


def _digest(pid, cid, ha):
    import numpy as np

    keys = np.char.add(np.char.add(np.asarray(pid).astype(str), "|"), np.asarray(cid).astype(str))
    keys.sort()
    h = hashlib.sha256("\n".join(keys.tolist()).encode()).hexdigest()[:16]
    total = None if ha is None else float(np.sum(ha, dtype=np.float64))
    return {"pairs": int(len(keys)), "digest": h, "total_ha": total}


def child(args) -> None:
    task = {"overlap": "job_", "points": "points_"}[args.task]
    func = globals()[task + args.engine.replace("-", "_")]
    left, right = args.left, args.right
    if args.mode == "whole":
        t0 = time.perf_counter()
        out = func(left, right, args.pg)
        elapsed = time.perf_counter() - t0
        result = {"job_s": elapsed}
    else:
        func(left, right, args.pg)  # warm-up: imports, caches, extension load
        best = best_cpu = float("inf")
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            out = func(left, right, args.pg)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, time.process_time() - c0)
        result = {"job_s": best, "job_cpu_s": best_cpu}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.update(_digest(*out))
    result["peak_mb"] = usage.ru_maxrss / 1024
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


def run_child(engine, task, mode, left, right, pg, repeat) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        engine,
        "--task",
        task,
        "--mode",
        mode,
        "--left",
        str(left),
        "--right",
        str(right),
        "--repeat",
        str(repeat),
    ]
    if pg:
        cmd += ["--pg", pg]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not line:
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": err[:160]}
    out = json.loads(line[0][7:])
    out["wall_s"] = wall
    out["cpu_s"] = cpu
    return out


# --- PostGIS server ---------------------------------------------------------------------------


class PostGIS:
    """A throw-away PostgreSQL + PostGIS cluster on loopback, owned by the postgres user."""

    def __init__(self) -> None:
        self.dir = None
        self.dsn = None
        self.reason = None

    def start(self) -> None:
        bindir = Path("/usr/lib/postgresql/15/bin")
        if not (bindir / "initdb").exists():
            self.reason = "PostgreSQL 15 is not installed (apt-get install postgresql-15-postgis-3)"
            return
        if not Path("/usr/share/postgresql/15/extension/postgis.control").exists():
            self.reason = "PostGIS is not installed (apt-get install postgresql-15-postgis-3)"
            return
        self.dir = tempfile.mkdtemp(prefix="landmap-pg-")
        os.chmod(self.dir, 0o777)
        data = Path(self.dir) / "data"
        port = 54329
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        try:
            subprocess.run(
                [*as_pg, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                check=True,
                capture_output=True,
            )
            opts = (
                f"-p {port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB "
                "-c work_mem=64MB -c maintenance_work_mem=256MB"
            )
            subprocess.run(
                [
                    *as_pg,
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    opts,
                    "-w",
                    "-l",
                    str(Path(self.dir) / "log"),
                    "start",
                ],
                check=True,
                capture_output=True,
            )
        except (subprocess.CalledProcessError, OSError) as err:
            stderr = getattr(err, "stderr", b"") or b""
            self.reason = f"PostgreSQL did not start: {stderr.decode(errors='replace')[-200:]}"
            return
        self.dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def stop(self) -> None:
        if self.dir and self.dsn:
            as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
            subprocess.run(
                [
                    *as_pg,
                    "/usr/lib/postgresql/15/bin/pg_ctl",
                    "-D",
                    str(Path(self.dir) / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                check=False,
            )
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- parent: run everything, print the table --------------------------------------------------


def _check(ref: dict, res: dict) -> str:
    if "error" in res or "error" in ref:
        return "-"
    same_pairs = ref["digest"] == res["digest"]
    if ref.get("total_ha") is None or res.get("total_ha") is None:
        return "same pairs" if same_pairs else f"DIFFERENT pairs ({res['pairs']})"
    rel = abs(res["total_ha"] - ref["total_ha"]) / max(abs(ref["total_ha"]), 1e-300)
    ok_ha = rel <= 1e-9
    text = "same pairs" if same_pairs else f"DIFFERENT pairs ({res['pairs']})"
    return f"{text}, ha {'equal' if ok_ha else 'DIFFER'} ({rel:.0e})"


def _print_table(title: str, rows: list[tuple[str, str, dict]]) -> None:
    print(f"\n{title}")
    head = (
        f"{'fabric size':>19}  {'engine':<14} {'whole s':>8} {'cpu s':>7} {'in-proc s':>9} "
        f"{'in-proc cpu':>11} {'peak MB':>8} {'x whole':>8} {'x in-proc':>9} "
        f"{'x cpu':>6} {'pairs':>8}  check vs landmap"
    )
    print(head)
    print("-" * len(head))
    by_size: dict[str, dict[str, dict]] = {}
    for size, engine, res in rows:
        by_size.setdefault(size, {})[engine] = res
    for size, engines in by_size.items():
        ref = engines.get("landmap", {})
        for engine, res in engines.items():
            if "error" in res:
                print(f"{size:>19}  {engine:<14} {'skipped: ' + res['error']}")
                continue
            whole = res["whole"]
            warm = res.get("warm", {})
            lw = ref.get("whole", {}).get("wall_s")
            li = ref.get("warm", {}).get("job_s")
            xw = f"{whole['wall_s'] / lw:.2f}" if lw else "-"
            xi = f"{warm['job_s'] / li:.2f}" if li and warm.get("job_s") else "-"
            lc = ref.get("warm", {}).get("job_cpu_s")
            xc = f"{warm['job_cpu_s'] / lc:.2f}" if lc and warm.get("job_cpu_s") else "-"
            print(
                f"{size:>19}  {engine:<14} {whole['wall_s']:>8.2f} {whole['cpu_s']:>7.2f} "
                f"{warm.get('job_s', float('nan')):>9.2f} "
                f"{warm.get('job_cpu_s', float('nan')):>11.2f} {whole['peak_mb']:>8.0f} "
                f"{xw:>8} {xi:>9} {xc:>6} {whole['pairs']:>8}  "
                f"{_check(ref.get('whole', {}), whole) if engine != 'landmap' else ''}"
            )
    print(
        "x whole / x in-proc / x cpu: engine's divided by landmap's (above 1: landmap is "
        "faster or uses less CPU); in-proc cpu: CPU seconds of the best warm job (all threads)"
    )


FABRICS = {"synthetic": _synthetic, "real": _realfabric}


def _fabric_files(fabric: str, size: int | None) -> dict[str, Path]:
    mod = FABRICS[fabric]
    return mod.write_all(size or 10_000)


def _run_engines(engines, task, left, right, pg, args, label) -> dict[str, dict]:
    results: dict[str, dict] = {e: {} for e in engines}
    for mode in ("whole", "warm"):
        for engine in engines:  # interleaved: shared-machine noise hits every engine
            if engine == "postgis" and not pg.dsn:
                results[engine] = {"error": pg.reason or "not started"}
                continue
            if "error" in results[engine]:
                continue
            res = run_child(engine, task, mode, left, right, pg.dsn, args.repeat)
            if "error" in res:
                results[engine] = res
            else:
                results[engine][mode] = res
            print(f"  {label} {engine} {mode}: {res}", file=sys.stderr)
    return results


def parent(args) -> None:
    sizes = [int(s) for s in args.sizes]
    if args.million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    fabrics = [f for f in args.fabrics.split(",") if f]
    if "real" in fabrics and not _realfabric.PARCELS.exists():
        print(f"real fabric skipped: no parcels at {_realfabric.PARCELS} (see _realfabric.py)")
        fabrics.remove("real")
    engines = [e for e in args.engines.split(",") if e]
    pg = PostGIS()
    if "postgis" in engines or (args.points and "postgis" in args.point_engines):
        pg.start()
        if pg.reason:
            print(f"PostGIS skipped: {pg.reason}")
    rows = []
    prow = []
    try:
        for fabric in fabrics:
            for size in sizes:
                files = _fabric_files(fabric, size)
                eng = [e for e in engines if e != "overlay" or size <= args.overlay_max]
                results = _run_engines(
                    eng,
                    "overlap",
                    files["parcels"],
                    files["concessions"],
                    pg,
                    args,
                    f"{fabric} {size}",
                )
                rows += [(f"{fabric} {size:,}", e, r) for e, r in results.items()]
            if args.points:
                files = _fabric_files(fabric, None)
                presults = _run_engines(
                    args.point_engines.split(","),
                    "points",
                    files["cases"],
                    files["concessions"],
                    pg,
                    args,
                    f"{fabric} points",
                )
                prow += [(f"{fabric} 1,000,000", e, r) for e, r in presults.items()]
        _print_table("Overlap: parcels x concessions, GeoParquet -> pair table", rows)
        if prow:
            _print_table("Points: 1M case points -> concession they fall in", prow)
    finally:
        pg.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="*", default=["100000"])
    ap.add_argument("--million", action="store_true", help="also run 1,000,000 parcels")
    ap.add_argument(
        "--fabrics",
        default=",".join(FABRICS),
        help="parcel fabrics: synthetic (_synthetic.py), real (_realfabric.py)",
    )
    ap.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help=f"comma-separated, of {', '.join(ENGINES + MORE_ENGINES)}",
    )
    ap.add_argument("--points", action="store_true", help="also run the 1M points benchmark")
    ap.add_argument("--point-engines", default=",".join(POINT_ENGINES))
    ap.add_argument("--repeat", type=int, default=2, help="measured in-process runs (best kept)")
    ap.add_argument(
        "--overlay-max",
        type=int,
        default=1_000_000,
        help="largest size to run geopandas.overlay at",
    )
    ap.add_argument("--child")
    ap.add_argument("--task", default="overlap")
    ap.add_argument("--mode", default="whole")
    ap.add_argument("--left")
    ap.add_argument("--right")
    ap.add_argument("--pg")
    args = ap.parse_args()
    if args.child:
        args.engine = args.child
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
