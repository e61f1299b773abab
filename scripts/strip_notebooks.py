"""Remove outputs, execution counts and saved widget state from notebooks before committing.

Usage::

    python scripts/strip_notebooks.py            # strip every notebook under notebooks/
    python scripts/strip_notebooks.py --check    # list notebooks that still carry outputs; exit 1

Written with nbformat (already a dependency of the Jupyter stack) rather than nbstripout so the
kit needs no extra package; it also keeps the ``source_hidden`` flag of workshop solution cells,
which is metadata the trainer needs, while dropping everything a run adds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
#: Notebook-level metadata a run or a JupyterLab session adds and that does not belong in git.
RUN_METADATA = ("widgets", "execution", "papermill")
#: Cell-level metadata a run adds.
CELL_RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def dirty(nb: nbformat.NotebookNode) -> list[str]:
    """Describe what in a notebook should not be committed (empty when clean)."""
    problems = [f"notebook metadata {key!r}" for key in RUN_METADATA if key in nb.metadata]
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i}: outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i}: execution count")
        problems += [f"cell {i}: metadata {k!r}" for k in CELL_RUN_METADATA if k in cell.metadata]
    return problems


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip a notebook in place and return it."""
    for key in RUN_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in CELL_RUN_METADATA:
            cell.metadata.pop(key, None)
    return nb


def notebooks(paths: list[str]) -> list[Path]:
    """Return the notebooks named, or all under ``notebooks/`` (checkpoints excluded)."""
    found = [Path(p) for p in paths] or sorted((ROOT / "notebooks").rglob("*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def main(argv: list[str] | None = None) -> int:
    """Strip (or ``--check``) notebooks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="notebooks (default: all under notebooks/)")
    parser.add_argument(
        "--check", action="store_true", help="report, do not change; exit 1 if dirty"
    )
    args = parser.parse_args(argv)
    status = 0
    for path in notebooks(args.paths):
        nb = nbformat.read(path, as_version=4)
        problems = dirty(nb)
        if not problems:
            continue
        if args.check:
            print(f"{path}: {', '.join(problems)}")
            status = 1
        else:
            nbformat.write(strip(nb), path)
            print(f"stripped {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
