"""Interactive map size and drawing speed: landmap.render.maps vs plain folium.

Parcels, on two fabrics: ``paris``, the real Paris-18 cadastre (6,821 parcels,
../shared/data/parcels) tiled side by side and shifted to Cambodia, cut to 1k / 10k / 50k / 200k
parcels, ids ``P000123``; and ``rural``, a Voronoi tessellation of random seeds over a 38 km
square in Kampong Thom (bigger, irregular parcels with 5-9 corners, ids ``KT-000123``). Cases:
random points over Cambodia with a type, households, date, village, 10k / 100k. The baseline is
what ``GeoDataFrame.explore()`` builds (without needing mapclassify): ``folium.GeoJson`` of the
frame with a tooltip of its columns, circle markers for points. Each map is built in this
process (build seconds), written as one offline HTML file (bytes; the baseline gets the same
bundled Leaflet inlined so it can draw without network), then opened in headless Chromium with
the network cut: "draw s" is the time from navigation start until the page's scripts have run
and two animation frames have painted (for landmap also: marker clustering, which runs in chunks
to keep the page responsive, has finished); "heap MB" is the JS heap used after that, plus for
landmap the typed arrays holding decoded geometry (which live outside that heap).

    python benchmarks/bench_maps.py     # all sizes; baseline up to 50k parcels / 10k cases
    python benchmarks/bench_maps.py --sizes 1000 10000 --cases 10000
    python benchmarks/bench_maps.py --baseline-max 10000
    python benchmarks/bench_maps.py --fabrics rural --sizes 50000 --cases

Timings on a shared machine are noisy: read the ratios of one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CADASTRE = ROOT.parent / "shared" / "data" / "parcels" / "cadastre-75118-parcelles.json"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def parcels(n: int) -> gpd.GeoDataFrame:
    """``n`` real cadastral parcels, tiled into a fabric and shifted to Cambodia."""
    base = gpd.read_file(CADASTRE).geometry.values
    minx, miny, maxx, maxy = shapely.total_bounds(base)
    w, h = maxx - minx, maxy - miny
    tiles, k = [], 0
    while sum(len(t) for t in tiles) < n:
        i, j = k % 8, k // 8
        offset = np.array([104.0 + i * w * 1.02 - minx, 12.0 + j * h * 1.02 - miny])
        tiles.append(shapely.transform(base, lambda c, o=offset: c + o))
        k += 1
    geoms = np.concatenate(tiles)[:n]
    kinds = np.where(np.arange(n) % 7 == 0, "community land", "parcel")
    return gpd.GeoDataFrame(
        {"area_id": [f"P{i:06d}" for i in range(n)], "kind": kinds}, geometry=geoms, crs="EPSG:4326"
    )


def rural(n: int, seed: int = 3) -> gpd.GeoDataFrame:
    """``n`` Voronoi parcels over a 0.35-degree square in Kampong Thom (a second fabric)."""
    rng = np.random.default_rng(seed)
    x0, y0, w = 104.8, 12.6, 0.35
    seeds = shapely.multipoints(
        np.column_stack([rng.uniform(x0, x0 + w, n), rng.uniform(y0, y0 + w, n)])
    )
    square = shapely.box(x0, y0, x0 + w, y0 + w)
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=square)), square
    )
    kinds = np.where(np.arange(len(cells)) % 7 == 0, "community land", "parcel")
    return gpd.GeoDataFrame(
        {"area_id": [f"KT-{i:06d}" for i in range(len(cells))], "kind": kinds},
        geometry=cells,
        crs="EPSG:4326",
    )


FABRICS = {"paris": parcels, "rural": rural}


def cases(n: int, seed: int = 7) -> gpd.GeoDataFrame:
    """``n`` synthetic case points over Cambodia."""
    rng = np.random.default_rng(seed)
    types = [
        "eviction",
        "threat of eviction",
        "land grab",
        "violence",
        "arrest or harassment of defenders",
        "other",
    ]
    return gpd.GeoDataFrame(
        {
            "case_id": [f"SYN-{i:06d}" for i in range(n)],
            "date": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), "D"),
            "type": rng.choice(types, n),
            "households": rng.integers(1, 300, n),
            "village": [f"Phum {i % 5000}" for i in range(n)],
        },
        geometry=shapely.points(rng.uniform(102.5, 107.5, n), rng.uniform(10.5, 14.5, n)),
        crs="EPSG:4326",
    )


def build_landmap(
    kind: str, gdf: gpd.GeoDataFrame, out: Path, *, cluster: bool | None = None
) -> float:
    from landmap.render.maps import MapControls, MapFields, build_map, save_map

    t = time.perf_counter()
    if kind == "parcels":
        m = build_map(
            areas=gdf,
            fields=MapFields(popup=["area_id", "kind"], tooltip=[], search=[]),
            controls=MapControls(minimap=False),
        )
    else:
        m = build_map(
            cases=gdf,
            fields=MapFields(
                popup=["case_id", "type", "date", "households", "village"],
                tooltip=[],
                search=["case_id"],
            ),
            controls=MapControls(minimap=False, cluster=cluster),
        )
    save_map(m, out)
    return time.perf_counter() - t


def build_folium(kind: str, gdf: gpd.GeoDataFrame, out: Path) -> float:
    import folium

    from landmap.render.maps.assets import inline_assets

    t = time.perf_counter()
    gdf = gdf.copy()
    for col in gdf.columns[gdf.dtypes.astype(str).str.startswith("datetime")]:
        gdf[col] = gdf[col].astype(str)  # as explore() does
    m = folium.Map(tiles=None)
    fields = [c for c in gdf.columns if c != "geometry"]
    marker = folium.CircleMarker(radius=4) if kind == "cases" else None
    folium.GeoJson(gdf, tooltip=folium.GeoJsonTooltip(fields=fields), marker=marker).add_to(m)
    m.fit_bounds(
        [[gdf.total_bounds[1], gdf.total_bounds[0]], [gdf.total_bounds[3], gdf.total_bounds[2]]]
    )
    html = m.get_root().render()
    elapsed = time.perf_counter() - t
    out.write_text(inline_assets(html, offline=True), "utf-8")  # so it can draw offline
    return elapsed


def draw(browser, path: Path, *, landmap: bool) -> tuple[float, float]:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
    )
    page.goto(path.as_uri(), wait_until="load", timeout=600_000)
    if landmap:  # scripts run, clusters computed (chunked), two frames painted
        page.wait_for_function("window.landmap && landmap.status.ready", timeout=600_000)
        seconds = page.evaluate("landmap.status.readyAt / 1000")
    else:  # scripts run at load (synchronously), then two frames painted
        seconds = page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
            "() => r(performance.now() / 1000))))"
        )
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    # Typed arrays live outside the JS heap devtools report: landmap counts its own.
    typed = page.evaluate("landmap.status.typedBytes || 0") if landmap else 0
    page.close()
    return seconds, (metrics.get("JSHeapUsedSize", float("nan")) + typed) / 1e6


def run(args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    jobs = [("parcels", n, f) for f in args.fabrics for n in args.sizes] + [
        ("cases", n, "") for n in args.cases
    ]
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for kind, n, fabric in jobs:
            gdf = FABRICS[fabric](n) if kind == "parcels" else cases(n)
            contenders = [("landmap", build_landmap), ("folium", build_folium)]
            if kind == "cases":  # the default clusters up to 20,000 cases; also time the canvas
                contenders.insert(
                    1, ("landmap canvas", lambda k, g, o: build_landmap(k, g, o, cluster=False))
                )
            for who, builder in contenders:
                limit = args.baseline_max if kind == "parcels" else args.baseline_cases_max
                if who == "folium" and n > limit:
                    continue
                out = work / f"{who.replace(' ', '-')}-{kind}{fabric}-{n}.html"
                build_s = builder(kind, gdf, out)
                draw_s, heap = draw(browser, out, landmap=who.startswith("landmap"))
                rows.append(
                    {
                        "layer": f"{kind} ({fabric})" if fabric else kind,
                        "n": n,
                        "map": who,
                        "MB": out.stat().st_size / 1e6,
                        "build s": build_s,
                        "draw s": draw_s,
                        "heap MB": heap,
                    }
                )
                print(
                    f"{rows[-1]['layer']:17} {n:>7} {who:15} {rows[-1]['MB']:8.2f} MB  "
                    f"build {build_s:6.2f} s"
                    f"  draw {draw_s:6.2f} s  heap {heap:7.1f} MB",
                    flush=True,
                )
                out.unlink()
        browser.close()
    table = pd.DataFrame(rows)
    print("\n| layer | features | map | HTML MB | build s | draw s | heap MB |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['layer']} | {r['n']:,} | {r['map']} | {r['MB']:.2f} | {r['build s']:.2f} "
            f"| {r['draw s']:.2f} | {r['heap MB']:.0f} |"
        )
    print("\nRatios (plain folium / landmap, same run):")
    for (kind, n), group in table.groupby(["layer", "n"], sort=False):
        by = group.set_index("map")
        if "folium" not in by.index:
            continue
        f, lm = by.loc["folium"], by.loc["landmap"]
        print(
            f"  {kind} {n:,}: {f['MB'] / lm['MB']:.1f}x smaller, "
            f"{f['draw s'] / lm['draw s']:.1f}x faster to draw, "
            f"{f['build s'] / lm['build s']:.1f}x faster to build, "
            f"{f['heap MB'] / lm['heap MB']:.1f}x less JS heap"
        )
    targets = {50_000: (2.5, 2.0), 200_000: (10.0, 4.0)}
    for layer in table["layer"].unique():
        if not layer.startswith("parcels"):
            continue
        for n, (mb, s) in targets.items():
            mine = table[(table["layer"] == layer) & (table["n"] == n)].set_index("map")
            if "landmap" not in mine.index:
                continue
            r = mine.loc["landmap"]
            ratio = (
                f", {mine.loc['folium', 'MB'] / r['MB']:.1f}x smaller than folium (>= 10) "
                f"{'ok' if mine.loc['folium', 'MB'] / r['MB'] >= 10 else 'MISSED'}"
                if "folium" in mine.index
                else ""
            )
            print(
                f"  target {n:,} {layer}: {r['MB']:.2f} MB (<= {mb}) "
                f"{'ok' if r['MB'] <= mb else 'MISSED'}{ratio}, drawn in {r['draw s']:.2f} s "
                f"(<= {s}) {'ok' if r['draw s'] <= s else 'MISSED'}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 50_000, 200_000])
    parser.add_argument(
        "--fabrics",
        nargs="*",
        choices=sorted(FABRICS),
        default=["paris", "rural"],
        help="parcel fabrics to map (default both)",
    )
    parser.add_argument("--cases", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=50_000,
        help="largest parcel count also drawn with plain folium (slow: 50k "
        "parcels take ~15 s to build and ~6 s to draw)",
    )
    parser.add_argument("--baseline-cases-max", type=int, default=10_000)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
