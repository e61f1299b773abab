"""What `landmap build` shows while it runs: step times on standard error, quiet with -q.

A small project (the 92 eviction sites and the communes) keeps these runs short. Standard
error is a pseudo-terminal, as in a user's shell.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _projects import eviction_project

ROOT = Path(__file__).resolve().parent.parent
LANDMAP = [sys.executable, "-m", "landmap.cli"]
STEPS = ("load", "analyse", "raster", "maps", "exports", "audit")


@pytest.fixture(scope="module")
def small_project(tmp_path_factory) -> Path:
    return eviction_project(tmp_path_factory.mktemp("small"), formats=["geojson", "kml"])


def run_on_terminal(args: list[str]) -> tuple[int, str, str]:
    """Run the command with standard error on a pseudo-terminal; return code, stdout, stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*LANDMAP, *args], stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, text=True
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process is done with it
            break
        if not chunk:
            break
        chunks.append(chunk)
    stdout = proc.stdout.read()
    code = proc.wait(timeout=600)
    os.close(master)
    return code, stdout, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture(scope="module")
def shown(small_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("shown") / "maps"
    return out, run_on_terminal(["build", str(small_project), "-o", str(out)])


@pytest.fixture(scope="module")
def quiet(small_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("quiet") / "maps"
    return out, run_on_terminal(["build", str(small_project), "-o", str(out), "-q"])


def test_a_line_per_step_with_its_time_on_a_terminal(shown):
    out, (code, stdout, stderr) = shown
    assert code == 0, stderr[-2000:]
    times = dict(re.findall(r"^\[(\w+)\] (\d+\.\d) s$", stderr, re.M))
    assert set(STEPS) <= set(times), stderr
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    for step in STEPS:  # the times shown are the times recorded
        assert abs(float(times[step]) - manifest["seconds"][step]) <= 0.06
    assert re.search(r"^\[load eviction_sites\] \d+\.\d s$", stderr, re.M)  # each big file
    assert "[load]" not in stdout and "done:" in stdout and "leak check:" in stdout


def test_quiet_shows_nothing_but_the_last_line(quiet):
    out, (code, stdout, stderr) = quiet
    assert code == 0
    assert stderr.strip() == ""
    assert stdout.strip().splitlines() == [stdout.strip()]
    assert stdout.startswith("done: ") and (out / "manifest.json").is_file()


def test_progress_goes_into_no_output_file(shown, quiet):
    for out, _ in (shown, quiet):
        for path in out.rglob("*"):
            if path.is_file() and path.suffix in (".json", ".csv", ".html", ".geojson", ".kml"):
                text = path.read_text("utf-8", errors="replace")
                assert "[load]" not in text and "it/s" not in text, path


def test_without_a_terminal_only_when_asked(small_project, tmp_path):
    """In a log file the step times appear only with --progress (an error stays one line)."""
    run = subprocess.run(
        [*LANDMAP, "build", str(small_project), "-o", str(tmp_path / "a"), "--progress"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert set(STEPS) <= set(re.findall(r"^\[(\w+)\] \d+\.\d s$", run.stderr, re.M))
    assert "\r" not in run.stderr  # no bars in a log file


def test_sharing_version_by_default_and_full_resolution_on_request(shown, small_project, tmp_path):
    out, _ = shown
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["public_geojson_kml"]["simplified_m"] == 10.0
    geojson = json.loads((out / "public" / "landmap-public.geojson").read_text("utf-8"))
    assert "for sharing" in geojson["description"] and geojson["landmap"]["tolerance_m"] == 10.0
    assert "for sharing: outlines simplified at 10 m" in (
        out / "public" / "landmap-public.kml"
    ).read_text("utf-8")
    record = json.loads((out / "public" / "landmap-public.kml.provenance.json").read_text())
    assert record["parameters"]["simplified_m"] == 10.0
    full = tmp_path / "full"
    run = subprocess.run(
        [*LANDMAP, "build", str(small_project), "-o", str(full), "--full-resolution", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    manifest = json.loads((full / "manifest.json").read_text("utf-8"))
    assert manifest["public_geojson_kml"]["simplified_m"] is None
    record = json.loads((full / "public" / "landmap-public.geojson.provenance.json").read_text())
    assert record["parameters"]["resolution"].startswith("full resolution")
    small = (out / "public" / "landmap-public.geojson").stat().st_size
    big = (full / "public" / "landmap-public.geojson").stat().st_size
    assert small < big * 0.8  # communes already simplified at the source: the least gain


@pytest.mark.notebook
def test_progress_shows_in_a_jupyter_kernel_and_not_in_a_process_that_imported_ipykernel():
    import ipykernel  # noqa: F401 - imported, as a test run or a tool may do, without a kernel
    import nbformat
    from nbclient import NotebookClient

    from landmap.progress import current

    assert current().enabled is False
    cell = nbformat.v4.new_code_cell(
        "from landmap.progress import current\nprint(current().enabled)"
    )
    notebook = nbformat.v4.new_notebook(cells=[cell])
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    assert notebook.cells[0].outputs[0]["text"].strip() == "True"
