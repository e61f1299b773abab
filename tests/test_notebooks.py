"""Every shipped notebook runs top to bottom in a real Jupyter kernel, offline, on bundled data.

Each notebook is its own test. The cell tagged ``parameters`` is followed by an injected cell that
points ``OUTPUT_DIR`` at a temporary folder, so a test run writes nothing into the repository;
the test also checks that nothing new appeared in ``notebooks/``. The kernel is the ``python3``
kernel of the interpreter running the tests (jupyter_client starts it with ``sys.executable``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(
    p for p in NOTEBOOK_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
WORKSHOP = [p for p in NOTEBOOKS if p.parent.name == "workshop"]


def _rel(path: Path) -> str:
    return str(path.relative_to(NOTEBOOK_DIR))


def _load_strip_script():
    spec = importlib.util.spec_from_file_location("strip_notebooks",
                                                  ROOT / "scripts" / "strip_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def test_the_kit_is_complete():
    names = {_rel(p) for p in NOTEBOOKS}
    for expected in ("01_quickstart.ipynb", "02_load_and_check.ipynb",
                     "03_overlap_analysis.ipynb", "04_explorer.ipynb",
                     "05_briefing_exports.ipynb", "06_register.ipynb"):
        assert expected in names
    assert 3 <= len(WORKSHOP) <= 4
    assert (NOTEBOOK_DIR / "workshop" / "TRAINER_GUIDE.md").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert _load_strip_script().dirty(nb) == []
    # and the checker itself is able to fail
    nb.cells.append(nbformat.v4.new_code_cell("1", execution_count=3))
    assert _load_strip_script().dirty(nb) == [f"cell {len(nb.cells) - 1}: execution count"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_has_parameters_at_the_top(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell must be parameters"
    assert "OUTPUT_DIR" in code[0].source
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


@pytest.mark.parametrize("path", WORKSHOP, ids=_rel)
def test_workshop_solutions_are_hidden(path):
    nb = nbformat.read(path, as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions, "a workshop notebook has at least one exercise with a solution"
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
    # synthetic cases only
    text = json.dumps(nb)
    assert "synthetic_cases" in text
    assert "eviction_hotspots" not in text


def _inject_output_dir(nb: nbformat.NotebookNode, out: Path) -> None:
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.metadata.get("tags", []):
            injected = nbformat.v4.new_code_cell(
                f"OUTPUT_DIR = Path({str(out)!r})  # injected by the test", metadata={"tags": [
                    "injected-parameters"]})
            nb.cells.insert(i + 1, injected)
            return
    raise AssertionError("no cell tagged 'parameters'")


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    _inject_output_dir(nb, tmp_path / "out")
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable, end='')"))
    before = _files(NOTEBOOK_DIR)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    assert _files(NOTEBOOK_DIR) == before, "a notebook wrote into notebooks/"
    # the kernel ran the project's interpreter, not whatever "python" is first on PATH
    assert nb.cells[-1].outputs[0]["text"] == sys.executable
