"""The packaging files agree with each other and the README gives the two set-up commands."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _requirement_name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _environment_names() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text("utf-8")
    deps = text.split("dependencies:", 1)[1]
    for line in deps.splitlines():
        item = line.strip()
        if not item.startswith("- ") or item.startswith("- -e") or item.endswith(":"):
            continue
        names.add(_requirement_name(item[2:]))
    return names - {"python", "pip"}


def test_environment_yml_matches_pyproject_core_and_test_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = {_requirement_name(r) for r in project["dependencies"]}
    wanted |= {_requirement_name(r) for r in project["optional-dependencies"]["test"]}
    have = _environment_names()
    assert wanted - have == set(), f"missing from environment.yml: {sorted(wanted - have)}"
    assert have - wanted == set(), f"in environment.yml only: {sorted(have - wanted)}"


def test_pyproject_names_the_core_stack():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    names = {_requirement_name(r) for r in project["dependencies"]}
    core = {
        "geopandas",
        "shapely",
        "pyogrio",
        "pyproj",
        "folium",
        "ipywidgets",
        "rasterio",
        "jupyterlab",
    }
    assert core <= names
    assert project["scripts"]["landmap"] == "landmap.cli:main"


def test_readme_gives_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "make demo" in readme and "make test" in readme
    # and the same without make, for Windows and macOS
    assert "pip install ." in readme and "python -m landmap build" in readme
    assert ".venv\\Scripts\\activate" in readme and "--project" in readme
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_version_and_help_run_without_traceback():
    out = subprocess.run(
        [sys.executable, "-m", "landmap.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0 and out.stdout.startswith("landmap ")
    out = subprocess.run(
        [sys.executable, "-m", "landmap.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0 and "COMMAND" in out.stdout
    assert "Traceback" not in out.stderr


def test_public_api_is_curated():
    import landmap

    assert landmap.__all__ == sorted(landmap.__all__, key=str)
    for name in landmap.__all__:
        assert hasattr(landmap, name), name
