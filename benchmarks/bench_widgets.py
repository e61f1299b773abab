"""How long one explorer update takes on the 2,000-case synthetic register.

An "update" is what happens when a control moves: filter, build the folium map, render it as a
standalone offline HTML document for the iframe, recompute the summary table, redraw the chart.
The target is about one second. Printed: preparation time (once per explorer), then per control
change the median / max over several changes, and the share of each step.

Usage: ``.venv/bin/python benchmarks/bench_widgets.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def load():
    from landmap.io.load import load_boundaries, load_cases, load_concessions

    t = time.perf_counter()
    cases = load_cases(DATA / "synthetic_cases.csv").data
    elc = load_concessions(DATA / "cam-elc-complete.geojson", kind="ELC").data
    provinces = load_boundaries(DATA / "khm_bnd_admin1_gov_ed2022.json", level="province").data
    return cases, elc, provinces, time.perf_counter() - t


def steps(explorer) -> dict[str, float]:
    """Time each step of one update separately (same work as Explorer.update)."""
    from landmap.widgets import _explorer as widgets

    out = {}
    t = time.perf_counter()
    view = widgets.filter_view(explorer.data, explorer.filter)
    out["filter"] = time.perf_counter() - t
    t = time.perf_counter()
    m = widgets._build_map(view, lang=explorer.lang, title=explorer.title)
    out["build map"] = time.perf_counter() - t
    t = time.perf_counter()
    doc = widgets._page_html(m)
    out["render HTML"] = time.perf_counter() - t
    out["html_bytes"] = len(doc.encode())
    t = time.perf_counter()
    widgets.summary_table(view.cases, lang=explorer.lang).to_html()
    counts = widgets.cases_per_year(view.cases, years=tuple(explorer.years.value))
    out["table"] = time.perf_counter() - t
    t = time.perf_counter()
    fig = explorer._chart(counts)
    fig.savefig(io.BytesIO(), format="png", dpi=80)
    out["chart"] = time.perf_counter() - t
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="changes per control")
    args = parser.parse_args()

    from landmap.widgets import Explorer

    cases, elc, provinces, t_load = load()
    print(
        f"register: {len(cases):,} cases, {len(elc)} ELCs, {len(provinces)} provinces "
        f"(loading {t_load:.2f} s)"
    )
    t = time.perf_counter()
    ex = Explorer(cases, concessions=elc, boundaries=provinces, profile="internal")
    t_init = time.perf_counter() - t
    print(f"explorer start (prepare + first draw): {t_init:.2f} s")

    first, last = ex.data.year_range
    provinces_keys = list(ex.data.provinces)
    changes = {
        "province": lambda i: setattr(ex.province, "value", (provinces_keys[i % 5],)),
        "years": lambda i: setattr(ex.years, "value", (first + i, last - i)),
        "case type": lambda i: setattr(ex.case_type, "value", (ex.data.case_types[i % 3],)),
        "status": lambda i: setattr(ex.status, "value", (ex.data.case_statuses[i % 3],)),
        "distance": lambda i: (
            setattr(ex.near, "value", True),
            setattr(ex.within_km, "value", 1.0 + 2 * i),
        ),
        "all cases": lambda i: ex.update(force=True),
    }
    print(f"\n{'control':20} {'cases':>6} {'median s':>9} {'max s':>7}   (target: about 1 s)")
    all_times = []
    for name, change in changes.items():
        times = []
        for i in range(args.repeat):
            ex.reset()  # each change starts from the full register
            change(i)
            times.append(ex.last_update_seconds)
        all_times += times
        print(
            f"{name:20} {len(ex.view.cases):6,} {statistics.median(times):9.3f} {max(times):7.3f}"
        )
    print(f"{'all updates':20} {'':6} {statistics.median(all_times):9.3f} {max(all_times):7.3f}")

    # breakdown on the full register (the heaviest view)
    ex2 = Explorer(cases, concessions=elc, boundaries=provinces, profile="internal")
    parts = steps(ex2)
    size = parts.pop("html_bytes")
    total = sum(parts.values())
    print(f"\nbreakdown, all {len(cases):,} cases ({size / 1e6:.1f} MB of map HTML):")
    for step, seconds in parts.items():
        print(f"  {step:12} {seconds:6.3f} s  {100 * seconds / total:4.0f}%")
    print(f"  {'total':12} {total:6.3f} s")


if __name__ == "__main__":
    main()
