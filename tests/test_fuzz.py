"""Fuzzing ``landmap check``, ``map``, ``export`` and ``build`` with random and broken files.

The rules every run must keep are in ``tests/_fuzz.py``. ``make test`` runs a few examples of
each test (the same ones every time: the examples are derandomised) and every case in
``tests/corpus/``; ``pytest -m fuzz --hypothesis-profile long`` searches much longer, with new
random examples on every run (see the README).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from _fuzz import (
    CORPUS,
    FuzzFile,
    csv_files,
    geojson_files,
    kml_files,
    kmz_files,
    mutated,
    project_files,
    run,
    texts,
    xlsx_files,
)
from _projects import cases_and_concessions
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fuzz

#: How many more examples each test runs under ``--hypothesis-profile long`` (see conftest.py).
LONG_FACTOR = 40

CONCESSIONS = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "concession_id": "E1",
                    "name": "Alpha Agro",
                    "kind": "ELC",
                    "company": "Alpha Co",
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[104.7, 11.4], [105.3, 11.4], [105.3, 11.8], [104.7, 11.8], [104.7, 11.4]]
                    ],
                },
            }
        ],
    }
).encode()
CASES = FuzzFile(
    "cases.csv",
    b"case_id,date,type,households,latitude,longitude\n"
    b"F-1,2023-01-05,eviction,12,11.52,104.92\n"
    b"F-2,2023-02-11,land grab,3,11.55,104.95\n"
    b"F-3,2023-03-09,eviction,40,11.61,105.02\n",
    3,
    "cases",
)
PROJECT = FuzzFile(
    "project.toml",
    cases_and_concessions(
        "fuzz", title="Cases and concessions: $5 per hectare", formats=["kml"]
    ).encode(),
)


def fuzz(examples: int):
    """Settings of a fuzz test: ``examples`` runs, or ``LONG_FACTOR`` times more (random).

    The default runs are derandomised: the same examples every time, chosen from the test's
    code, and no example database (a derandomised test never reads one). The long runs are
    random and use the profile's database: an example that failed is replayed first next time.
    """
    long = settings.get_current_profile_name() == "long"
    return settings(
        max_examples=examples * (LONG_FACTOR if long else 1),
        deadline=None,
        derandomize=not long,
        database=settings.get_profile("long").database if long else None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


def workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="landmap-fuzz-")


def companions(folder: Path) -> Path:
    (folder / "concessions.geojson").write_bytes(CONCESSIONS)
    return folder / "concessions.geojson"


def report_problems(report: Path, rows: int | None = None) -> list[str]:
    """Every input row is in the row report once, with a known status and, if rejected, why."""
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    found = []
    numbers = table["row"].astype(int).tolist()
    if not numbered(numbers):
        found.append("the row report does not number the rows in file order, once each")
    elif rows is not None and numbers != list(range(2, rows + 2)):  # header = row 1
        found.append("the row report does not number the rows as the spreadsheet does")
    if not set(table["status"]) <= {"loaded", "repaired", "rejected"}:
        found.append(f"unknown statuses in the row report: {set(table['status'])}")
    if not table.loc[table["status"] == "rejected", "reason"].str.strip().ne("").all():
        found.append("a rejected row has no reason")
    if rows is not None and len(table) != rows:
        found.append(f"the file holds {rows} records, the row report {len(table)}")
    return found


def row_report(path: Path, rows: int | None = None):
    """An ``after`` check for :func:`run`: the row report of a successful run is complete."""
    return lambda proc: report_problems(path, rows) if proc.returncode == 0 else []


@fuzz(6)
@given(
    file=mutated(st.one_of(csv_files(), xlsx_files())),
    output=st.sampled_from(["clean.gpkg", "clean.geojson"]),
    as_kind=st.booleans(),
)
def test_check_tables(file: FuzzFile, output: str, as_kind: bool) -> None:
    with workdir() as tmp:
        folder = Path(tmp)
        path = file.write(folder)
        args = [path.name, "--report", "out/report.csv", "--output", f"out/{output}"]
        if as_kind:
            args += ["--as", "cases"]
        run(
            "check",
            args,
            cwd=folder,
            inputs=[path],
            outputs=[folder / "out" / output],
            rows=file.rows,
            after=row_report(folder / "out" / "report.csv", file.rows),
        )


@fuzz(6)
@given(file=mutated(st.one_of(geojson_files(), kml_files(), kmz_files())), as_kind=st.booleans())
def test_check_vectors(file: FuzzFile, as_kind: bool) -> None:
    with workdir() as tmp:
        folder = Path(tmp)
        path = file.write(folder)
        args = [path.name, "--report", "out/report.csv", "--output", "out/clean.geojson"]
        if as_kind and file.kind:
            args += ["--as", file.kind]
        run(
            "check",
            args,
            cwd=folder,
            inputs=[path],
            outputs=[folder / "out" / "clean.geojson"],
            after=row_report(folder / "out" / "report.csv"),
        )


@fuzz(2)
@example(file=CASES, profile="public", popup="case_id,type", title="$ \x1b[2J ភូមិ")
@given(
    file=mutated(st.one_of(csv_files(), geojson_files(), kml_files(), xlsx_files())),
    profile=st.sampled_from(["public", "internal"]),
    popup=st.sampled_from([None, "case_id,type", "name", "description"]),
    title=st.one_of(st.none(), texts()),
)
def test_map(file: FuzzFile, profile: str, popup: str | None, title: str | None) -> None:
    with workdir() as tmp:
        folder = Path(tmp)
        path = file.write(folder)
        args = [
            f"{path.name}:{file.kind}" if file.kind else path.name,
            companions(folder).name,
            "-o",
            "out/map.html",
            "--profile",
            profile,
        ]
        if popup:
            args += ["--popup", popup]
        if title:
            args += ["--title", title.replace("\x00", "")]
        run(
            "map",
            args,
            cwd=folder,
            inputs=[path, folder / "concessions.geojson"],
            outputs=[folder / "out" / "map.html"],
        )


@fuzz(1)
@example(file=CASES, formats=["png", "kml"], dpi=60, lang="both", title="$500 to $1000")
@given(
    file=mutated(st.one_of(csv_files(), geojson_files(), xlsx_files())),
    formats=st.lists(
        st.sampled_from(["gpkg", "geojson", "kml", "csv", "xlsx", "png", "pdf"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    dpi=st.integers(50, 90),
    lang=st.sampled_from(["en", "km", "both"]),
    title=st.one_of(st.none(), texts()),
)
def test_export(file: FuzzFile, formats: list[str], dpi: int, lang: str, title: str | None) -> None:
    with workdir() as tmp:
        folder = Path(tmp)
        path = file.write(folder)
        args = [
            path.name,
            companions(folder).name,
            "--format",
            ",".join(formats),
            "--dpi",
            dpi,
            "--lang",
            lang,
            "-o",
            "out",
        ]
        if title:
            args += ["--title", title.replace("\x00", "")]
        run("export", args, cwd=folder, inputs=[path, folder / "concessions.geojson"])


@fuzz(2)
@example(project=PROJECT, cases=CASES)
@given(project=mutated(project_files()), cases=st.one_of(st.just(CASES), csv_files()))
def test_build(project: FuzzFile, cases: FuzzFile) -> None:
    with workdir() as tmp:
        folder = Path(tmp)
        path = project.write(folder)
        cases_path = cases.write(folder)
        companions(folder)
        run(
            "build",
            [path.name],
            cwd=folder,
            inputs=[path, cases_path, folder / "concessions.geojson"],
            after=lambda proc: build_problems(folder / "out", proc),
        )


def build_problems(out: Path, proc) -> list[str]:
    """A successful build wrote a load report with every row of every layer, and a manifest."""
    if proc.returncode != 0:
        return []
    found = []
    report = out / "internal" / "load_report.csv"
    if not (out / "manifest.json").is_file() or not report.is_file():
        return ["the build succeeded without a manifest.json or a load report"]
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    if not set(table["status"]) <= {"loaded", "repaired", "rejected"}:
        found.append(f"unknown statuses in the load report: {set(table['status'])}")
    for name, rows in table.groupby("file", sort=False)["row"]:
        if not numbered(rows.astype(int).tolist()):
            found.append(f"the load report does not number the rows of {name} in file order")
    return found


def numbered(numbers: list[int]) -> bool:
    """Row numbers in file order, each once: 1, 2, 3... or as a spreadsheet shows them."""
    return all(n >= 1 for n in numbers[:1]) and all(
        b > a for a, b in zip(numbers, numbers[1:], strict=False)
    )


CASES_KEPT = sorted(p.parent for p in CORPUS.glob("*/case.json"))


@pytest.mark.parametrize("case", CASES_KEPT, ids=[p.name for p in CASES_KEPT])
def test_corpus(case: Path) -> None:
    """Every input that once broke a command runs cleanly now."""
    spec = json.loads((case / "case.json").read_text("utf-8"))
    with workdir() as tmp:
        folder = Path(tmp)
        inputs = []
        for path in sorted(case.iterdir()):
            if path.name not in ("case.json", "README.md"):
                inputs.append(Path(shutil.copy(path, folder / path.name)))
        command, *args = [a.replace("{dir}", str(folder)) for a in spec["command"]]
        proc = run(command, args, cwd=folder, inputs=inputs)
        if "status" in spec:
            assert proc.returncode == spec["status"], (proc.stdout, proc.stderr)
        if "expect" in spec:
            assert spec["expect"] in proc.stdout + proc.stderr
