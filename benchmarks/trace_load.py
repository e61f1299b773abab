"""The walk a load takes through landmap's modules, and how often it goes back.

A load should go through its stages in order: read the file, settle the canonical columns,
read the coordinates, validate, report. This script records, with :func:`sys.setprofile`, every
call that goes from one landmap module into another during one ``load_cases`` call, and prints
the modules in the order they were entered (consecutive calls into the same module shown
once) and the number of *returns*: entries into a module the walk had already entered and
then left for another. A module that the stages all use (the error classes, the column-name
forms in ``io._aliases``) counts too; the per-module counts say which ones come back. The
*stage returns* count only the calls the loader (``landmap.io.load``) makes itself: a module
it calls into again after calling another is a stage visited twice.

Each file is loaded once before it is traced, so the caches and lazy imports of a first call
do not show in the walk.

Usage: python benchmarks/trace_load.py [FILE ...] [--walk]
(without files: data/synthetic_cases.csv, data/synthetic_cases.xlsx and a KoboToolbox-style
export written to a temporary directory)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KOBO = (
    "start,case/date_of_incident,case/type,group_loc/gps,_id\n"
    "2014-08-20T09:00:00.000+07:00,20/08/2014,Forced eviction,11.5564 104.916 10 5,101\n"
    "2014-08-20T09:00:00.000+07:00,2014-08-21,Land grabbing,12.5 104.5 0 0,102\n"
    "2014-08-20T09:00:00.000+07:00,22-08-14,threat,13.0 105.0,103\n"
)


def _module_of(frame) -> str | None:
    name = frame.f_globals.get("__name__", "")
    return name if name == "landmap" or name.startswith("landmap.") else None


def _caller_module(frame) -> str | None:
    frame = frame.f_back
    while frame is not None:
        module = _module_of(frame)
        if module is not None:
            return module
        frame = frame.f_back
    return None


def walk(path: Path) -> tuple[list[str], list[str]]:
    """Return the landmap modules entered, in order, by cross-module calls of one load.

    Also the modules the loader itself (``landmap.io.load``) called into: its stages.
    """
    from landmap.io.load import load_cases

    load_cases(path)  # warm the caches
    entered: list[str] = []
    stages: list[str] = []

    def profile(frame, event, _arg):
        if event != "call":
            return
        module = _module_of(frame)
        caller = _caller_module(frame)
        if module is None or module == caller:
            return
        if not entered or entered[-1] != module:
            entered.append(module)
        if caller == "landmap.io.load" and (not stages or stages[-1] != module):
            stages.append(module)

    sys.setprofile(profile)
    try:
        load_cases(path)
    finally:
        sys.setprofile(None)
    return entered, stages


def returns(entered: list[str]) -> Counter[str]:
    """Count, per module, how often the walk enters it again after leaving it."""
    seen: set[str] = set()
    back: Counter[str] = Counter()
    for module in entered:
        if module in seen:
            back[module] += 1
        seen.add(module)
    return back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--walk", action="store_true", help="print every step of the walk")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = args.files
        if not files:
            kobo = Path(tmp) / "kobo_export.csv"
            kobo.write_text(KOBO, encoding="utf-8")
            files = [ROOT / "data/synthetic_cases.csv", ROOT / "data/synthetic_cases.xlsx", kobo]
        total = total_stages = 0
        print(
            f"{'file':<28} {'steps':>6} {'modules':>8} {'returns':>8} {'stage returns':>14}"
            "  modules returned to"
        )
        for path in files:
            entered, stages = walk(path)
            back, stage_back = returns(entered), returns(stages)
            total += sum(back.values())
            total_stages += sum(stage_back.values())
            worst = ", ".join(f"{m.removeprefix('landmap.')} {c}" for m, c in back.most_common())
            print(
                f"{path.name:<28} {len(entered):>6} {len(set(entered)):>8} "
                f"{sum(back.values()):>8} {sum(stage_back.values()):>14}  {worst}"
            )
            if args.walk:
                print("   stages: " + " -> ".join(m.removeprefix("landmap.") for m in stages))
                print("   walk:   " + " -> ".join(m.removeprefix("landmap.") for m in entered))
        print(
            f"total returns: {total}; returns of the loader to a stage it had left: {total_stages}"
        )


if __name__ == "__main__":
    main()
