"""The main job on the demo project: seconds per step, and against the full-resolution export.

Runs ``landmap build`` on ``data/demo.toml`` (2,000 SYNTHETIC cases, 86 eviction sites, 225
ELCs, community forests, protected areas, every commune) in this process, ``--repeat`` times
(default 3) with the public GeoJSON and KML in their version for sharing (the default), then as
often with ``full_resolution=True`` (every vertex: the obvious alternative), runs interleaved.
Prints the median wall seconds and processor seconds of each step, the total, the ratio of the
two, and the size of the public GeoJSON and KML.

    python benchmarks/bench_build.py              # median of 3
    python benchmarks/bench_build.py --repeat 1
    python benchmarks/bench_build.py --sharing-only   # without the full-resolution runs

Wall seconds on a shared 2-core machine depend on what else runs (the load average is
printed); the processor seconds depend much less on it. The total processor seconds include
the second process that draws the briefing maps; a step's processor seconds are this
process's only. The forest raster warped for the interactive maps is kept in landmap's cache
folder (``LANDMAP_CACHE``), so every run after the first reads it back, as a user's second
build does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from landmap.pipeline import build  # noqa: E402
from landmap.progress import Progress  # noqa: E402

STEPS = ("load", "analyse", "raster", "maps", "exports", "audit")


def _cpu() -> float:
    """Processor seconds of this process and of the processes it waited for (the drawing)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def one_run(project: Path, *, full: bool, seed: int) -> dict[str, object]:
    """Build once into a fresh folder; return seconds per step and public file sizes."""
    progress = Progress(enabled=False)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        out = Path(tmp) / "maps"
        start, cpu = time.perf_counter(), _cpu()
        build(
            project,
            out_dir=out,
            seed=seed,
            say=lambda _line: None,
            full_resolution=full,
            progress=progress,
        )
        wall, cpu = time.perf_counter() - start, _cpu() - cpu
        sizes = {
            p.suffix: p.stat().st_size
            for p in (out / "public").glob("landmap-public.*")
            if p.suffix in (".geojson", ".kml")
        }
    return {
        "wall": progress.seconds,
        "cpu": progress.cpu_seconds,
        "total_wall": wall,
        "total_cpu": cpu,
        "sizes": sizes,
    }


def _warm_imports() -> None:
    """Import what the build imports on first use, so that no run pays for it alone."""
    import landmap.analysis
    import landmap.leakcheck
    import landmap.project
    import landmap.raster  # noqa: F401


def _median(runs: list[dict], key: str, step: str | None = None) -> float:
    values = [r[key][step] if step else r[key] for r in runs]
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--project", type=Path, default=ROOT / "data" / "demo.toml")
    parser.add_argument(
        "--sharing-only",
        action="store_true",
        help="skip the full-resolution runs (quicker; no ratio)",
    )
    args = parser.parse_args(argv)
    _warm_imports()
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for i in range(args.repeat):
        order = (False, True) if i % 2 == 0 else (True, False)
        for full in (False,) if args.sharing_only else order:
            runs[full].append(one_run(args.project, full=full, seed=i))
            print(
                f"  run {i + 1}/{args.repeat} {'full' if full else 'sharing'}: "  # noqa: T201
                f"{runs[full][-1]['total_wall']:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    share, full = runs[False], runs[True] or runs[False]
    print(
        f"landmap build on {args.project.name}, median of {args.repeat}; "  # noqa: T201
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
    )
    print("| step | wall s | cpu s | full-resolution wall s | cpu s | × (cpu) |")  # noqa: T201
    print("|---|---:|---:|---:|---:|---:|")  # noqa: T201
    for step in STEPS:
        sw, sc = _median(share, "wall", step), _median(share, "cpu", step)
        fw, fc = _median(full, "wall", step), _median(full, "cpu", step)
        print(
            f"| {step} | {sw:.2f} | {sc:.2f} | {fw:.2f} | {fc:.2f} | "  # noqa: T201
            f"{fc / sc if sc else float('nan'):.2f} |"
        )
    sw, sc = _median(share, "total_wall"), _median(share, "total_cpu")
    fw, fc = _median(full, "total_wall"), _median(full, "total_cpu")
    print(f"| **total** | {sw:.2f} | {sc:.2f} | {fw:.2f} | {fc:.2f} | {fc / sc:.2f} |")  # noqa: T201
    print()  # noqa: T201
    for suffix in (".geojson", ".kml"):
        a, b = share[0]["sizes"].get(suffix, 0), full[0]["sizes"].get(suffix, 0)
        print(
            f"public {suffix}: {a / 1e6:.1f} MB for sharing, {b / 1e6:.1f} MB at full "  # noqa: T201
            f"resolution ({b / a if a else float('nan'):.1f}× larger)"
        )
    print(f"\nunder 20 s: {'yes' if sw < 20 else 'no'} (wall, median)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
