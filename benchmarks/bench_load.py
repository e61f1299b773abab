"""Loading cost: landmap's loaders against the bare read they are built on.

Generates (once, into benchmarks/_work/) a synthetic case register of 1,000,000 rows as CSV and
100,000 synthetic parcels as a GeoPackage, then times

- cases:   pandas.read_csv + geopandas.points_from_xy   vs  landmap.io.load.load_cases
- parcels: geopandas.read_file                          vs  landmap.io.load.load_areas

and prints a table with the best of ``--repeat`` runs and the ratio (aim: under 1.5x).
Usage: python benchmarks/bench_load.py [--cases N] [--parcels N] [--repeat R]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

WORK = Path(__file__).resolve().parent / "_work"
TYPES = [
    "eviction",
    "threat of eviction",
    "land grab",
    "violence",
    "arrest or harassment of defenders",
    "other",
]
PROVINCES = [
    "Phnom Penh",
    "Kandal",
    "Kampong Speu",
    "Koh Kong",
    "Preah Vihear",
    "Ratanakiri",
    "Mondulkiri",
]


def make_cases(n: int) -> Path:
    path = WORK / f"cases_{n}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(42)
    # points inside Cambodia (a real register's points mostly are); one in a thousand typed badly
    from landmap.io.validate import study_area_shape

    outline = study_area_shape("Cambodia").geometry
    lon = rng.uniform(102.4, 107.6, 2 * n)
    lat = rng.uniform(10.4, 14.6, 2 * n)
    keep = shapely.contains_xy(outline, lon, lat)
    lon, lat = lon[keep][:n], lat[keep][:n]
    swap = rng.random(n) < 0.001
    lon[swap], lat[swap] = lat[swap], lon[swap]
    days = pd.to_datetime("2010-01-01") + pd.to_timedelta(rng.integers(0, 5400, n), unit="D")
    frame = pd.DataFrame(
        {
            "case_id": [f"SYN-{i:07d}" for i in range(1, n + 1)],
            "date": days.strftime("%d/%m/%Y"),
            "type": rng.choice(TYPES, n),
            "status": rng.choice(["reported", "ongoing", "resolved"], n),
            "households": rng.integers(1, 300, n),
            "province": rng.choice(PROVINCES, n),
            "village": rng.choice(["ភូមិថ្មី", "Phum Chas", "Boeung Kak"], n),
            "latitude": np.round(lat, 6),
            "longitude": np.round(lon, 6),
        }
    )
    WORK.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def make_parcels(n: int) -> Path:
    path = WORK / f"parcels_{n}.gpkg"
    if path.exists():
        return path
    rng = np.random.default_rng(7)
    side = int(np.ceil(np.sqrt(n)))
    i, j = np.divmod(np.arange(n), side)
    x0, y0, step = 104.0, 11.5, 0.0009  # ~100 m cells
    jitter = rng.uniform(-0.00015, 0.00015, (n, 8))
    xs = x0 + j * step
    ys = y0 + i * step
    rings = np.stack(
        [
            np.stack([xs + jitter[:, 0], ys + jitter[:, 1]], 1),
            np.stack([xs + step + jitter[:, 2], ys + jitter[:, 3]], 1),
            np.stack([xs + step + jitter[:, 4], ys + step + jitter[:, 5]], 1),
            np.stack([xs + jitter[:, 6], ys + step + jitter[:, 7]], 1),
        ],
        1,
    )
    bow = rng.random(n) < 0.001  # one parcel in a thousand drawn as a bow-tie
    rings[bow] = rings[bow][:, [0, 2, 1, 3]]
    geoms = shapely.polygons(rings)
    gdf = gpd.GeoDataFrame(
        {
            "parcel_no": [f"P{i:06d}" for i in range(n)],
            "claimant": rng.choice(["Community A", "Community B", "Family plot"], n),
            "area_ha": np.round(rng.uniform(0.5, 1.5, n), 2),
            "kind": "parcel",
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    WORK.mkdir(parents=True, exist_ok=True)
    gdf.to_file(path, driver="GPKG", layer="parcels")
    return path


def best_interleaved(bare, ours, repeat: int) -> dict[str, float]:
    """Best of ``repeat`` runs each, alternating the two so that load on a shared machine hits
    both alike; wall-clock and CPU seconds (all threads of this process)."""
    times: dict[str, list[float]] = {"bare": [], "ours": [], "bare_cpu": [], "ours_cpu": []}
    for _ in range(repeat):
        for name, fn in (("bare", bare), ("ours", ours)):
            t, c = time.perf_counter(), time.process_time()
            fn()
            times[name].append(time.perf_counter() - t)
            times[name + "_cpu"].append(time.process_time() - c)
    return {k: min(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from landmap.io.load import load_areas, load_cases

    cases = make_cases(args.cases)
    parcels = make_parcels(args.parcels)

    def bare_cases():
        df = pd.read_csv(cases)
        return gpd.GeoDataFrame(
            df, geometry=gpd.points_from_xy(df.longitude, df.latitude), crs="EPSG:4326"
        )

    rows = []
    for label, bare, ours in (
        (f"{args.cases:,} case rows (CSV)", bare_cases, lambda: load_cases(cases)),
        (
            f"{args.parcels:,} parcels (GeoPackage)",
            lambda: gpd.read_file(parcels),
            lambda: load_areas(parcels),
        ),
    ):
        rows.append((label, best_interleaved(bare, ours, args.repeat)))
    _, report = load_areas(parcels)
    print(
        f"{'input':<32} {'bare s':>7} {'landmap s':>9} {'ratio':>6}   "
        f"{'bare cpu':>8} {'landmap cpu':>11} {'ratio':>6}"
    )
    for label, t in rows:
        print(
            f"{label:<32} {t['bare']:>7.2f} {t['ours']:>9.2f} {t['ours'] / t['bare']:>6.2f}   "
            f"{t['bare_cpu']:>8.2f} {t['ours_cpu']:>11.2f} {t['ours_cpu'] / t['bare_cpu']:>6.2f}"
        )
    print(f"parcels: {report.summary()}")


if __name__ == "__main__":
    main()
