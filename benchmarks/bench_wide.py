"""Wide tables and long lines: what the input checks and the column handling cost.

Two measurements, each against the obvious alternative in the same run:

- **wide tables**: ``load_cases`` on CSVs of 250 to 4,000 columns (200 rows) against a bare
  ``pandas.read_csv`` of the same file, and against the way the loader used to keep the file's
  other columns (one ``frame[name] = column`` per column, quadratic). The growth per doubling of
  the columns says whether the cost is linear (about 2x) or quadratic (about 4x).
- **the line-length check** (``landmap.io._csv_shape.long_line``) on a 100 MB register, against
  ``pandas.read_csv`` of it: the check must be a small fraction of the read it protects.

Usage: python benchmarks/bench_wide.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

WORK = Path(__file__).resolve().parent / "_work"


def wide_csv(columns: int, rows: int = 200) -> Path:
    path = WORK / f"wide_{columns}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(columns)
    frame = pd.DataFrame(
        rng.integers(0, 1000, (rows, columns)), columns=[f"q{i}" for i in range(columns)]
    )
    frame.insert(0, "longitude", np.round(rng.uniform(103, 107, rows), 5))
    frame.insert(0, "latitude", np.round(rng.uniform(11, 14, rows), 5))
    frame.insert(0, "case_id", [f"W-{i:05d}" for i in range(rows)])
    WORK.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def long_csv(megabytes: int = 100) -> Path:
    path = WORK / f"register_{megabytes}mb.csv"
    if path.exists():
        return path
    line = b"SYN-0000001,20/08/2014,11.556400,104.916000,eviction,Phnom Penh,Phum Thmei\n"
    WORK.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(b"case_id,date,latitude,longitude,type,province,village\n")
        fh.write(line * (megabytes * 1_000_000 // len(line)))
    return path


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def one_by_one(frame: pd.DataFrame) -> pd.DataFrame:
    """The old way of keeping a file's other columns: one insertion per column."""
    result = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        result[name] = frame[name]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import warnings

    from landmap.io._csv_shape import long_line
    from landmap.io.load import load_cases

    warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
    print("wide tables (200 rows): seconds, best of", args.repeat)  # noqa: T201
    print(
        f"{'columns':>8} {'read_csv':>9} {'landmap':>9} {'x read_csv':>10} "  # noqa: T201
        f"{'growth':>7} {'one by one':>11} {'growth':>7}"
    )
    last = last_old = None
    for columns in (250, 500, 1000, 2000, 4000):
        path = wide_csv(columns)
        bare = best(lambda p=path: pd.read_csv(p), args.repeat)
        ours = best(lambda p=path: load_cases(p), args.repeat)
        frame = pd.read_csv(path)
        old = best(lambda f=frame: one_by_one(f), args.repeat)
        growth = f"{ours / last:.1f}x" if last else ""
        growth_old = f"{old / last_old:.1f}x" if last_old else ""
        print(
            f"{columns:>8} {bare:>9.3f} {ours:>9.3f} {ours / bare:>9.1f}x "  # noqa: T201
            f"{growth:>7} {old:>11.3f} {growth_old:>7}"
        )
        last, last_old = ours, old
    path = long_csv()
    check = best(lambda: long_line(str(path), 1_000_000), args.repeat)
    read = best(lambda: pd.read_csv(path), args.repeat)
    size = path.stat().st_size / 1e6
    print(
        f"\nline-length check of a {size:.0f} MB register: {check * 1000:.2f} ms; "  # noqa: T201
        f"pandas.read_csv: {read:.2f} s; the check costs {check / read:.2%} of the read"
    )


if __name__ == "__main__":
    main()
