"""``landmap export``: the command a non-programmer runs."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landmap.cli import main
from landmap.render.bundle import parse_formats

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def files(tmp_path):
    cases = gpd.GeoDataFrame(
        {
            "case_id": ["K1", "K2", "K3"],
            "date": ["2023-01-05", "2023-02-11", "2023-03-09"],
            "type": ["eviction", "land grab", "violence"],
            "households": [5, 12, 30],
            "village": ["ភូមិថ្មី", "Phum Chas", "Phum Kandal"],
        },
        geometry=[
            shapely.Point(107.2, 12.4),
            shapely.Point(107.25, 12.45),
            shapely.Point(107.1, 12.35),
        ],
        crs="EPSG:4326",
    )
    concessions = gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Rubber Co"], "kind": ["ELC"]},
        geometry=[shapely.box(107.0, 12.3, 107.3, 12.5)],
        crs="EPSG:4326",
    )
    cases.to_file(tmp_path / "cases.geojson")
    concessions.to_file(tmp_path / "concessions.geojson")
    return tmp_path / "cases.geojson", tmp_path / "concessions.geojson"


def test_plain_files_to_google_earth_and_excel(tmp_path, files, capsys):
    out = tmp_path / "for-partners"
    code = main(
        [
            "export",
            *map(str, files),
            "--format",
            "kml,xlsx,csv",
            "-o",
            str(out),
            "--profile",
            "internal",
            "--name",
            "brief",
        ]
    )
    assert code == 0
    written = {p.name for p in out.iterdir() if not p.name.endswith(".json")}
    assert written == {"brief.kml", "brief.xlsx", "brief-cases.csv", "brief-concessions.csv"}
    assert len(gpd.read_file(out / "brief.kml", layer="cases")) == 3
    assert pd.read_csv(out / "brief-cases.csv", encoding="utf-8-sig")["village"][0] == "ភូមិថ្មី"
    said = capsys.readouterr().out
    assert "brief.kml" in said and "internal profile" in said


@pytest.mark.slow
def test_demo_project_briefing_map_in_khmer(tmp_path, capsys):
    code = main(
        [
            "export",
            str(ROOT / "data" / "demo.toml"),
            "--format",
            "pdf",
            "--lang",
            "km",
            "--paper",
            "a3",
            "--extent",
            "មណ្ឌលគិរី",
            "-o",
            str(tmp_path),
            "--dpi",
            "30",
        ]
    )
    assert code == 0
    pdf = tmp_path / "demo.pdf"
    provenance = json.loads(Path(f"{pdf}.provenance.json").read_text("utf-8"))
    assert provenance["parameters"]["paper"] == "A3"
    assert provenance["parameters"]["profile"] == "public"
    assert Path(f"{pdf}.audit.json").is_file()
    assert "public profile" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "png,docx"], "unknown output format 'docx'"),
        (["--extent", "Atlantis", "--format", "png"], "not a province"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(tmp_path, files, capsys, args, message):
    code = main(["export", *map(str, files), "-o", str(tmp_path / "out"), *args])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_format_names_a_person_would_type():
    assert parse_formats("PNG, pdf, Shapefile, excel, .kmz") == ["png", "pdf", "shp", "xlsx", "kmz"]
