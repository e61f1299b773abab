"""Writing the demo's layers to one GeoPackage: SQLite's default durability against none.

Loads every layer of ``data/demo.toml`` (SYNTHETIC cases, eviction sites, ELCs, community
forests, protected areas, boundaries) and writes them, as the internal export does, into one
GeoPackage under this folder's ``_work/`` (on the same disk as a real output folder, not a RAM
disk), ``--repeat`` times each way, runs interleaved:

- ``default``: what landmap does: SQLite's default ``synchronous=FULL`` (the disk confirms each
  transaction), GDAL settings untouched;
- ``sync off``: the same with GDAL's process-wide ``OGR_SQLITE_SYNCHRONOUS=OFF``, which landmap
  used to set around the write (no wait for the disk; changes every other GDAL user in the
  process while it is set).

Prints the best and median seconds of each and the ratio. Usage:
``python benchmarks/bench_gpkg.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyogrio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from landmap.privacy import get_profile  # noqa: E402
from landmap.project import Project  # noqa: E402
from landmap.render.formats.write import _write_gpkg  # noqa: E402

WORK = Path(__file__).resolve().parent / "_work"


def write_once(ready: dict, *, sync_off: bool) -> float:
    """Seconds to write ``ready`` to a fresh GeoPackage (the file is removed afterwards)."""
    target = WORK / "bench_gpkg.gpkg"
    target.unlink(missing_ok=True)
    if sync_off:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    try:
        start = time.perf_counter()
        _write_gpkg(target, ready, profile=get_profile("internal"), lang="en", omitted=[])
        seconds = time.perf_counter() - start
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": None})
        target.unlink(missing_ok=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    loaded = Project.from_toml(ROOT / "data" / "demo.toml").load()
    ready = {name: (item.report.kind, item.data) for name, item in loaded.items()}
    rows = sum(len(frame) for _, frame in ready.values())
    print(f"{len(ready)} layers, {rows:,} rows, written to {WORK}")
    times: dict[str, list[float]] = {"default": [], "sync off": []}
    for _ in range(args.repeat):
        times["default"].append(write_once(ready, sync_off=False))
        times["sync off"].append(write_once(ready, sync_off=True))
    base = statistics.median(times["sync off"])
    print(f"{'':10} {'best s':>8} {'median s':>9} {'x sync off':>11}")
    for name, values in times.items():
        print(
            f"{name:10} {min(values):8.3f} {statistics.median(values):9.3f} "
            f"{statistics.median(values) / base:11.2f}"
        )


if __name__ == "__main__":
    main()
