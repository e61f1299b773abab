"""Every shipped notebook runs top to bottom in a real Jupyter kernel, offline, on bundled data.

Each notebook is its own test. The cell tagged ``parameters`` is followed by an injected cell that
points ``OUTPUT_DIR`` at a temporary folder, so a test run writes nothing into the repository;
the test also checks that nothing new appeared in ``notebooks/``. The kernel is the ``python3``
kernel of the interpreter running the tests (jupyter_client starts it with ``sys.executable``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
WORKSHOP = [p for p in NOTEBOOKS if p.parent.name == "workshop"]


def _rel(path: Path) -> str:
    return str(path.relative_to(NOTEBOOK_DIR))


def _load_strip_script():
    spec = importlib.util.spec_from_file_location(
        "strip_notebooks", ROOT / "scripts" / "strip_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def test_the_kit_is_complete():
    names = {_rel(p) for p in NOTEBOOKS}
    for expected in (
        "01_quickstart.ipynb",
        "02_load_and_check.ipynb",
        "03_overlap_analysis.ipynb",
        "04_explorer.ipynb",
        "05_briefing_exports.ipynb",
        "06_register.ipynb",
    ):
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
        # JupyterLab unfolds a cell's output when it runs: the answer goes into a folded box
        # instead (tests/test_jupyterlab.py checks it after Run All in a real JupyterLab)
        assert cell.source.startswith("%%solution"), cell.source
    assert "%load_ext landmap.widgets" in json.dumps(nb)
    # synthetic cases only
    text = json.dumps(nb)
    assert "synthetic_cases" in text
    assert "eviction_hotspots" not in text


def _inject_output_dir(nb: nbformat.NotebookNode, out: Path) -> None:
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.metadata.get("tags", []):
            injected = nbformat.v4.new_code_cell(
                f"OUTPUT_DIR = Path({str(out)!r})  # injected by the test",
                metadata={"tags": ["injected-parameters"]},
            )
            nb.cells.insert(i + 1, injected)
            return
    raise AssertionError("no cell tagged 'parameters'")


def _execute(path: Path, out: Path, extra: str = "") -> nbformat.NotebookNode:
    """Run a notebook top to bottom (``extra``: code run right after its parameters)."""
    nb = nbformat.read(path, as_version=4)
    _inject_output_dir(nb, out)
    if extra:
        for cell in nb.cells:
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell.source += "\n" + extra
                break
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable, end='')"))
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    return nb


#: Notebooks run by test_notebook_runs, for the tests that read what they printed.
_RUNS: dict[str, nbformat.NotebookNode] = {}


def _text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream"
    )


def _run_once(path: Path, tmp_path_factory) -> nbformat.NotebookNode:
    key = _rel(path)
    if key not in _RUNS:
        _RUNS[key] = _execute(path, tmp_path_factory.mktemp("nb") / "out")
    return _RUNS[key]


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_runs(path, tmp_path):
    before = _files(NOTEBOOK_DIR)
    nb = _execute(path, tmp_path / "out")
    _RUNS[_rel(path)] = nb
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors == []
    assert _files(NOTEBOOK_DIR) == before, "a notebook wrote into notebooks/"
    # the kernel ran the project's interpreter, not whatever "python" is first on PATH
    assert nb.cells[-1].outputs[0]["text"] == sys.executable


@pytest.mark.slow
@pytest.mark.notebook
def test_load_and_check_runs_on_a_workbook_with_khmer_headers(tmp_path):
    path = NOTEBOOK_DIR / "02_load_and_check.ipynb"
    nb = _execute(path, tmp_path / "out", 'CASES_FILE = DATA / "synthetic_khmer_register.xlsx"')
    text = _text(nb)
    assert "synthetic_khmer_register.xlsx as cases: 60 rows -> 60 loaded" in text
    assert "WARNING" not in text
    # the mapping the form saved is a project file that loads the workbook again
    from landmap.project import Project

    project = Project.from_toml(tmp_path / "out" / "my_project.toml")
    assert project.load()["cases"].report.loaded == 60


@pytest.mark.notebook
def test_overlap_headline_is_the_union_coverage_by_area_gives(tmp_path_factory):
    import re

    from landmap.analysis import coverage_by_area
    from landmap.io.load import load_areas, load_concessions

    nb = _run_once(NOTEBOOK_DIR / "03_overlap_analysis.ipynb", tmp_path_factory)
    found = re.search(
        r"([\d,]+) ha of protected areas lie inside economic land concessions", _text(nb)
    )
    assert found, "the headline is missing"
    data = ROOT / "data"
    protected = load_areas(data / "protected_areas_and_forests.geojson").data
    elc = load_concessions(data / "cam-elc-complete.geojson", kind="ELC").data
    total = coverage_by_area(protected, elc)["covered_ha"].sum()
    assert int(found.group(1).replace(",", "")) == round(total)


#: How a notebook loads the synthetic register: always with the swapped points swapped back,
#: as the demo project does (``fix_swapped = true``), so every notebook counts the same cases.
_LOADS = re.compile(r"load_cases\(\s*DATA\s*/\s*\"synthetic_cases\.csv\"([^)]*)\)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_every_notebook_counts_the_same_cases(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    for options in _LOADS.findall(text):
        assert "fix_swapped=True" in options, (path.name, options)


@pytest.mark.notebook
def test_the_quickstart_and_the_overlaps_print_the_same_case_count(tmp_path_factory):
    from landmap.io.load import load_cases
    from landmap.project import Project

    counts = set()
    for name in ("01_quickstart.ipynb", "03_overlap_analysis.ipynb"):
        text = _text(_run_once(NOTEBOOK_DIR / name, tmp_path_factory))
        counts |= {
            int(n.replace(",", "")) for n in re.findall(r"([\d,]+) cases \(synthetic\)", text)
        }
    expected = len(load_cases(ROOT / "data" / "synthetic_cases.csv", fix_swapped=True).data)
    demo = Project.from_toml(ROOT / "data" / "demo.toml").load(["synthetic_cases"])
    assert counts == {expected} == {len(demo["synthetic_cases"].data)}
