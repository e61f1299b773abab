"""Privacy profile and leak check: how long masking and checking take on the demo register.

python benchmarks/bench_privacy.py [--repeat 5]

Prints the median time of: geomasking the 1,988 loaded synthetic cases inside their communes
(with the concession consistency check), the same with the keyed seed policy, the centroid and
aggregate modes, the public summaries from true locations, masking ten times as many cases, and
the leak check of a public GeoJSON and HTML map against the register file.
"""

from __future__ import annotations

import argparse
import statistics
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
    n = parser.parse_args().repeat

    from landmap.audit import audit_export
    from landmap.privacy import PUBLIC, apply_profile, public_summary
    from landmap.maps import build_map, save_map
    from landmap.project import Project

    layers = Project.from_toml(ROOT / "data" / "demo.toml").load(
        ["synthetic_cases", "elc", "communes"])
    cases, concessions = layers["synthetic_cases"].data, layers["elc"].data
    communes = layers["communes"].data
    register = ROOT / "data" / "synthetic_cases.csv"
    rows = []

    def row(what, seconds, note=""):
        rows.append((what, seconds, note))
        print(f"{what:<46} {seconds:8.3f} s  {note}", flush=True)

    t, pub = median_time(lambda: apply_profile(cases, communes=communes,
                                               concessions=concessions), n)
    dist = pub.audit["points"]["distance_m"]
    row(f"displace {len(cases):,} cases (+ concession check)", t,
        f"moved {pub.audit['points']['moved']}, {dist['min']:.0f}/{dist['median']:.0f}/"
        f"{dist['max']:.0f} m min/median/max, left out {pub.audit['points']['left_out']}, "
        f"commune crossings {pub.audit['consistency'].get('crossed_commune_boundary')}")
    keyed = PUBLIC.replace(seed_policy="keyed")
    t, _ = median_time(lambda: apply_profile(cases, keyed, communes=communes,
                                             concessions=concessions, key=b"k" * 32), n)
    row("displace, keyed seed policy", t)
    for mode in ("commune_centroid", "aggregate"):
        t, res = median_time(lambda m=mode: apply_profile(cases, PUBLIC.replace(mode=m),
                                                          communes=communes), n)
        row(f"mode {mode}", t, f"{len(res.data)} rows out")
    t, _ = median_time(lambda: public_summary(cases, concessions=concessions,
                                              communes=communes), n)
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
        row(f"leak check {path.name} ({path.stat().st_size / 1e6:.1f} MB)", t,
            f"clean={res.ok}, {res.points_found} points")


if __name__ == "__main__":
    main()
