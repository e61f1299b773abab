"""The main job, end to end, through the real command: `landmap build` on the demo project."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from ahocorasick_rs import BytesAhoCorasick

pytestmark = pytest.mark.slow  # every test here runs the main job or a browser

ROOT = Path(__file__).resolve().parent.parent
LANDMAP = [sys.executable, "-m", "landmap.cli"]


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("build") / "maps"
    run = subprocess.run(
        [*LANDMAP, "build", "-o", str(out)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return out, run


def test_build_writes_internal_and_public_outputs(demo_build):
    out, run = demo_build
    assert "leak check clean" in run.stdout
    for name in (
        "internal/load_report.csv",
        "internal/map.html",
        "internal/landmap-internal.gpkg",
        "public/map.html",
        "public/landmap-public.png",
        "public/landmap-public.pdf",
        "public/landmap-public.gpkg",
        "public/synthetic_cases.audit.json",
        "internal/synthetic_cases.audit.json",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    tables = {p.stem for p in (out / "public" / "tables").glob("*.csv")}
    assert {
        "overlap_community_forests",
        "overlap_protected_areas",
        "concession_self_overlaps",
        "concession_hectares_check",
        "forest_cover_elc",
    } <= tables
    # case-level tables never go to public/
    assert not any("cases_in_areas" in p.name for p in (out / "public").rglob("*"))
    assert (out / "internal" / "tables" / "cases_in_areas.csv").is_file()


def test_load_report_accounts_for_every_input_row(demo_build):
    out, _ = demo_build
    report = pd.read_csv(out / "internal" / "load_report.csv", encoding="utf-8-sig")
    assert set(report["status"]) <= {"loaded", "repaired", "rejected"}
    cases = report[report["file"].str.endswith("synthetic_cases.csv")]
    source = pd.read_csv(ROOT / "data" / "synthetic_cases.csv", dtype=str)
    assert len(cases) == len(source)
    # rows as the spreadsheet shows them: the header is row 1, the first case row 2
    assert sorted(cases["row"]) == list(range(2, len(source) + 2))
    faults = pd.read_csv(ROOT / "data" / "synthetic_cases_faults.csv")
    rejected = cases[cases["status"] == "rejected"]
    assert set(rejected["row"] - 1) <= set(faults["row"])  # the fault list counts data rows
    assert rejected["reason"].str.len().min() > 0
    elc = report[report["file"].str.endswith("cam-elc-complete.geojson")]
    assert len(elc) == 225 and (elc["status"] == "repaired").sum() == 2


def test_manifest_hashes_match_the_files(demo_build):
    out, _ = demo_build
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["crs"] == "EPSG:32648"
    assert any(
        i["path"].endswith("synthetic_cases.csv") and len(i["sha256"]) == 64
        for i in manifest["inputs"]
    )
    assert len(manifest["outputs"]) > 10
    for entry in manifest["outputs"]:
        digest = hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"], entry["path"]


def test_no_name_or_phone_of_the_register_in_any_public_file(demo_build):
    out, _ = demo_build
    source = pd.read_csv(ROOT / "data" / "synthetic_cases.csv", dtype=str)
    secrets = set(source["complainant_name"].dropna()) | set(source["national_id"].dropna())
    secrets = {s.encode("utf-8") for s in secrets}
    phones = {p.encode() for p in source["complainant_phone"].dropna()}
    # one pass over each file for all ~6,000 values (Aho-Corasick), not one pass per value
    needles = sorted(secrets | phones)
    finder = BytesAhoCorasick(needles)

    def leaked(data: bytes) -> list[bytes]:
        return sorted(
            {needles[i] for i, _, _ in finder.find_matches_as_indexes(data, overlapping=True)}
        )

    # the search finds a value anywhere, even inside another (it can fail)
    assert leaked(b"x" + needles[0] + b"x" + needles[-1]) == [needles[0], needles[-1]]
    checked = 0
    for path in (out / "public").rglob("*"):
        if path.suffix in {".html", ".csv", ".json", ".geojson", ".kml"}:
            found = leaked(path.read_bytes())
            assert not found, f"{path}: {found[:3]}"
            checked += 1
    assert checked >= 5


def test_public_map_opens_offline_with_the_forest_layer(demo_build, open_page):
    out, _ = demo_build
    page, log = open_page(out / "public" / "map.html", wait_ms=1500)
    assert log.network_requests == []
    assert log.page_errors == [] and log.console_errors == []
    assert page.locator("img.leaflet-image-layer").count() >= 1
    html = (out / "public" / "map.html").read_text("utf-8")
    assert "SYNTHETIC Person" not in html


def _build_variant(tmp_path, old: str, new: str) -> subprocess.CompletedProcess:
    """Run `landmap build` on the demo project with one line changed (kept beside data/)."""
    text = (ROOT / "data" / "demo.toml").read_text("utf-8")
    assert old in text
    bad = ROOT / "data" / f".test-{tmp_path.name}.toml"
    bad.write_text(text.replace(old, new), "utf-8")
    try:
        return subprocess.run(
            [*LANDMAP, "build", str(bad), "-o", str(tmp_path / "out")],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        bad.unlink()


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (
            'path = "community_forests.geojson"',
            'path = "community_forest.geojson"',
            "community_forest.geojson",
        ),
        ('date = "date_of_incident"', 'date = "incident_date"', "incident_date"),
    ],
)
def test_a_project_with_a_wrong_path_or_column_is_one_line_error(tmp_path, old, new, named):
    run = _build_variant(tmp_path, old, new)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and named in lines[0] and ".toml" in lines[0]
    assert not (tmp_path / "out").exists()


def test_every_public_file_shows_the_same_masked_points(demo_build):
    """Cases are masked once per run: several independent draws would average out."""
    import geopandas as gpd

    out, _ = demo_build
    gpkg = gpd.read_file(out / "public" / "landmap-public.gpkg", layer="synthetic_cases")
    geojson = gpd.read_file(out / "public" / "landmap-public.geojson")
    geojson = geojson[geojson["case_id"].astype(str).str.startswith("SYN-")]
    gpkg = gpkg.drop_duplicates("case_id", keep=False)  # the register has duplicate ids
    geojson = geojson.drop_duplicates("case_id", keep=False)
    a = gpkg.set_index("case_id").geometry
    b = geojson.set_index("case_id").geometry.loc[a.index]
    assert len(a) > 1900
    assert (a.to_crs(32648).distance(b.to_crs(32648)) < 0.5).all()  # metres
    true = (
        pd.read_csv(ROOT / "data" / "synthetic_cases.csv", dtype=str)
        .drop_duplicates("case_id")
        .set_index("case_id")
    )
    lat = pd.to_numeric(true.loc[a.index, "latitude"], errors="coerce")
    moved = a.y.to_numpy() != lat.to_numpy()
    assert moved.mean() > 0.99


def test_a_build_whose_public_outputs_leak_writes_nothing_to_the_output(tmp_path):
    """The leak check is the last gate: unmasked 'public' outputs never reach the folder."""
    run = _build_variant(tmp_path, 'profile = "public"', 'profile = "internal"')
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "leak check found" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    out = tmp_path / "out"
    assert not (out / "public").exists() and not (out / "manifest.json").exists()
    kept = out / "rejected"
    findings = (kept / "leak_check.txt").read_text("utf-8").splitlines()
    assert any("complainant_name" in line for line in findings)
    assert all(".landmap-staging" not in line for line in findings)
    assert sorted(p.name for p in out.iterdir()) == ["rejected"]


def test_leak_check_of_the_demo_public_folder_finds_nothing(demo_build):
    """False-positive guard: every non-public value and every true location was compared."""
    from landmap.leakcheck import audit_export
    from landmap.project import Project

    out, _ = demo_build
    project = Project.from_toml(ROOT / "data" / "demo.toml")
    layers = project.load(["synthetic_cases", "eviction_sites"])
    profile = project.privacy_profile()
    for against in (
        ROOT / "data" / "synthetic_cases.csv",
        layers["synthetic_cases"],
        layers["eviction_sites"],
    ):
        columns = (
            dict(project.layer("synthetic_cases").columns) if isinstance(against, Path) else None
        )
        result = audit_export(out / "public", against, profile=profile, columns=columns)
        assert result.ok, result.lines()[:5]
        assert result.values_checked > 0 and result.points_found > 1000
    assert result.cases_checked == len(layers["eviction_sites"].data)
