"""Privacy profile and leak check: how long masking and checking take on the demo register.

python benchmarks/bench_privacy.py [--repeat 5]

Prints the median time of: geomasking the 1,988 loaded synthetic cases inside their communes
(with the concession consistency check), the same with the keyed seed policy, the centroid and
aggregate modes, the public summaries from true locations, masking ten times as many cases, the
leak check of a public GeoJSON and HTML map against the register file, and the leak check of the
demo's whole public folder (``landmap build``; ``--public DIR`` reuses one) against
``grep -rF -f values.txt`` over the same files with the same values (every value the leak check
searches for), with the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def median_time(func, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--public",
        type=Path,
        default=None,
        help="the public folder of a demo build (default: build one)",
    )
    args = parser.parse_args()
    n = args.repeat

    from landmap.leakcheck import audit_export
    from landmap.privacy import PUBLIC, apply_profile, public_summary
    from landmap.project import Project
    from landmap.render.maps import build_map, save_map

    layers = Project.from_toml(ROOT / "data" / "demo.toml").load(
        ["synthetic_cases", "elc", "communes"]
    )
    cases, concessions = layers["synthetic_cases"].data, layers["elc"].data
    communes = layers["communes"].data
    register = ROOT / "data" / "synthetic_cases.csv"
    rows = []

    def row(what, seconds, note=""):
        rows.append((what, seconds, note))
        print(f"{what:<46} {seconds:8.3f} s  {note}", flush=True)

    t, pub = median_time(
        lambda: apply_profile(cases, communes=communes, concessions=concessions), n
    )
    dist = pub.audit["points"]["distance_m"]
    row(
        f"displace {len(cases):,} cases (+ concession check)",
        t,
        f"moved {pub.audit['points']['moved']}, {dist['min']:.0f}/{dist['median']:.0f}/"
        f"{dist['max']:.0f} m min/median/max, left out {pub.audit['points']['left_out']}, "
        f"commune crossings {pub.audit['consistency'].get('crossed_commune_boundary')}",
    )
    keyed = PUBLIC.replace(seed_policy="keyed")
    t, _ = median_time(
        lambda: apply_profile(
            cases, keyed, communes=communes, concessions=concessions, key=b"k" * 32
        ),
        n,
    )
    row("displace, keyed seed policy", t)
    for mode in ("commune_centroid", "aggregate"):
        t, res = median_time(
            lambda m=mode: apply_profile(cases, PUBLIC.replace(mode=m), communes=communes), n
        )
        row(f"mode {mode}", t, f"{len(res.data)} rows out")
    t, _ = median_time(lambda: public_summary(cases, concessions=concessions, communes=communes), n)
    row("public_summary (true locations)", t)
    big = pd.concat([cases] * 10, ignore_index=True)
    big["case_id"] = [f"B{i}" for i in range(len(big))]
    t, _ = median_time(lambda: apply_profile(big, communes=communes), max(1, n // 2))
    row(f"displace {len(big):,} cases", t)

    folder = Path(tempfile.mkdtemp(prefix="landmap-bench-privacy-"))
    geojson = folder / "cases.geojson"
    pub.data.to_file(geojson, driver="GeoJSON")
    html = save_map(build_map(cases=pub.data), folder / "map.html")
    audit_export(geojson, register)  # first call loads and indexes the register
    for path in (geojson, html):
        t, res = median_time(lambda p=path: audit_export(p, register), n)
        row(
            f"leak check {path.name} ({path.stat().st_size / 1e6:.1f} MB)",
            t,
            f"clean={res.ok}, {res.points_found} points",
        )
    leak_check_against_grep(args.public, register, n, row)


def _values_file(register: Path, folder: Path) -> tuple[Path, int]:
    """Every value the leak check searches for, one a line, for grep -F."""
    from landmap.io.read import read_table
    from landmap.leakcheck.register import read_register

    searched = read_register(register).searched
    table = read_table(register)
    values = sorted({str(v).strip() for c in searched for v in table[c].dropna() if str(v).strip()})
    path = folder / "values.txt"
    path.write_text("\n".join(values) + "\n", "utf-8")
    return path, len(values)


def leak_check_against_grep(public: Path | None, register: Path, n: int, row) -> None:
    """The leak check of the demo's public folder, and grep -rF with the same values."""
    from landmap.leakcheck import audit_export
    from landmap.leakcheck.register import _load_path, _read_path

    work = Path(tempfile.mkdtemp(prefix="landmap-bench-leakcheck-"))
    if public is None:
        from landmap.pipeline import build

        start = time.perf_counter()
        build(ROOT / "data" / "demo.toml", out_dir=work / "maps")
        public = work / "maps" / "public"
        row("landmap build (the demo, to make its public folder)", time.perf_counter() - start)
    files = [p for p in public.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files) / 1e6
    values, count = _values_file(register, work)
    grep = shutil.which("grep")

    def run_grep() -> int:  # output to a pipe: grep stops at the first match when it is /dev/null
        out = subprocess.run(
            [grep, "-rF", "-f", str(values), str(public)], check=False, capture_output=True
        )
        return out.stdout.count(b"\n")

    t_grep, lines = median_time(run_grep, n)
    row(
        f"grep -rF, {count:,} values, {len(files)} files ({size:.0f} MB)",
        t_grep,
        f"{lines} matching lines",
    )

    def cold():
        _read_path.cache_clear()
        _load_path.cache_clear()
        return audit_export(public, register)

    t_cold, res = median_time(cold, n)
    row(
        "leak check of the public folder (reads the register)",
        t_cold,
        f"{t_cold / t_grep:.1f}x grep; clean={res.ok}, {res.values_checked:,} values, "
        f"{res.points_found:,} points, {len(res.scanned)} streams",
    )
    t_warm, _ = median_time(lambda: audit_export(public, register), n)
    row("leak check of the public folder (register cached)", t_warm, f"{t_warm / t_grep:.1f}x grep")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
