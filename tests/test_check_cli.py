"""``landmap check`` as a user runs it: the installed console command, in a subprocess."""

from __future__ import annotations

import subprocess
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

LANDMAP = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "landmap"


def run(*args, cwd=None):
    if not LANDMAP.exists():
        pytest.fail(f"{LANDMAP} is missing: install the package (make test does)")
    return subprocess.run(
        [str(LANDMAP), "check", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture
def cases_csv(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        "case_id,date,lat,lon,type,village\n"
        "C1,20/08/2014,11.5564,104.916,eviction,ភូមិ ១\n"
        "C2,31/02/2015,11.6,104.9,land grab,Tuol\n"
        "C3,01/01/2016,abc,104.9,eviction,Tuol\n"
        "C4,01/01/2016,104.9,11.6,eviction,Tuol\n",
        encoding="utf-8",
    )
    return path


def test_check_prints_counts_and_reasons_and_exits_0(cases_csv):
    res = run(cases_csv, "--as", "cases")
    assert res.returncode == 0, res.stderr
    assert "4 rows -> 2 loaded, 0 repaired, 2 rejected" in res.stdout
    # rows as the spreadsheet shows them: the header is row 1
    assert "row 3 [C2]: loaded: impossible date '31/02/2015' (no such day)" in res.stdout
    assert "row 4 [C3]: rejected: latitude 'abc' is not a number" in res.stdout
    assert "row 5 [C4]: rejected: probably swapped latitude/longitude" in res.stdout
    # the command line's own option, not the Python argument
    assert "run again with --fix-swapped" in res.stdout and "fix_swapped=True" not in res.stdout
    assert res.stderr == ""


def test_check_report_and_output(cases_csv, tmp_path):
    report = tmp_path / "out" / "report.csv"
    output = tmp_path / "out" / "clean.gpkg"
    res = run(cases_csv, "--as", "cases", "--report", report, "--output", output, "--fix-swapped")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(report, encoding="utf-8-sig")
    assert {"row", "status", "reason", "id"} <= set(table.columns)
    assert table["row"].tolist() == [2, 3, 4, 5]
    assert table["status"].tolist() == ["loaded", "loaded", "rejected", "repaired"]
    assert table["id"].tolist() == ["C1", "C2", "C3", "C4"]
    layer = gpd.read_file(output)
    assert layer["case_id"].tolist() == ["C1", "C2", "C4"]
    assert layer["village"].iloc[0] == "ភូមិ ១"
    assert layer.crs.to_epsg() == 4326
    assert not list(output.parent.glob(".*"))  # no temporary files left behind


def test_check_geojson_output_and_inferred_kind(tmp_path):
    src = tmp_path / "forest.gpkg"
    bowtie = shapely.Polygon([(104.0, 12.0), (104.1, 12.1), (104.1, 12.0), (104.0, 12.1)])
    gpd.GeoDataFrame(
        {"name": ["CF one", "CF two"]},
        geometry=[shapely.box(104, 12, 104.1, 12.1), bowtie],
        crs=4326,
    ).to_file(src)
    out = tmp_path / "clean.geojson"
    res = run(src, "--output", out)
    assert res.returncode == 0, res.stderr
    assert "read as areas" in res.stdout
    assert "row 2 [AREA-0002]: repaired: invalid geometry repaired (Self-intersection" in res.stdout
    assert gpd.read_file(out).is_valid.all()


@pytest.mark.parametrize(
    "args,message",
    [
        (["missing.csv", "--as", "cases"], "missing.csv: file not found"),
        (["nocoords.csv", "--as", "cases"], "has no coordinate columns"),
        (["nocrs.shp", "--as", "areas"], "declares no coordinate reference system"),
        (["junk.geojson", "--as", "areas"], "GDAL could not read it"),
        (["empty.csv", "--as", "cases"], "the file is empty"),
        (["ok.csv", "--as", "cases", "--output", "out.txt"], "name the output .gpkg or .geojson"),
    ],
)
def test_check_bad_input_one_line_exit_2(tmp_path, args, message):
    (tmp_path / "nocoords.csv").write_text("case_id,village\nA,Tuol\n")
    (tmp_path / "junk.geojson").write_text('{"type": "FeatureCollection", "features": [{"type"')
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "ok.csv").write_text("lat,lon\n11.5,104.9\n")
    shp = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=32648).to_file(shp)
    shp.with_suffix(".prj").unlink()
    res = run(*args, cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("landmap check: error: ")
    assert message in lines[0]
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.slow
def test_check_crs_and_layer_options(tmp_path):
    shp = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame(
        {"name": ["x"]}, geometry=[shapely.box(480000, 1280000, 481000, 1281000)], crs=32648
    ).to_file(shp)
    shp.with_suffix(".prj").unlink()
    res = run(shp, "--as", "areas", "--crs", "EPSG:32648")
    assert res.returncode == 0, res.stderr
    assert "crs_source: given: EPSG:32648" in res.stdout
    gpkg = tmp_path / "two.gpkg"
    gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[shapely.box(104, 12, 104.1, 12.1)], crs=4326
    ).to_file(gpkg, layer="one")
    gpd.GeoDataFrame(
        {"name": ["b"]}, geometry=[shapely.box(104, 12, 104.1, 12.1)], crs=4326
    ).to_file(gpkg, layer="two")
    res = run(gpkg, "--as", "areas")
    assert res.returncode == 2 and "holds 2 layers: one, two" in res.stderr
    res = run(gpkg, "--as", "areas", "--layer", "two")
    assert res.returncode == 0 and "layer: two" in res.stdout


@pytest.mark.slow
def test_check_maps_columns_from_the_command_line(tmp_path):
    src = tmp_path / "own_names.csv"
    src.write_text(
        "id,north_value,east_value,Date of incident\n"
        "A1,11.55,104.92,02/03/2020\nA2,12.1,105.3,15/07/2021\n",
        encoding="utf-8",
    )
    plain = run(str(src), "--as", "cases")
    assert plain.returncode == 2 and "--column lat=Y_coord" in plain.stderr
    out = tmp_path / "clean.geojson"
    mapped = run(
        str(src),
        "--as",
        "cases",
        "--column",
        "lat=north_value",
        "--column",
        "lon=east_value",
        "--column",
        "date=Date of incident",
        "--column",
        "case_id=id",
        "--output",
        str(out),
    )
    assert mapped.returncode == 0, mapped.stderr
    layer = gpd.read_file(out)
    assert list(layer["case_id"]) == ["A1", "A2"]
    assert layer.geometry.y.round(2).tolist() == [11.55, 12.1]
    assert str(layer["date"].iloc[0])[:10] == "2020-03-02"  # day first
    bad = run(str(src), "--as", "cases", "--column", "lat")
    assert bad.returncode == 2 and "NAME=COLUMN" in bad.stderr and "Traceback" not in bad.stderr


def test_a_wide_file_lists_the_columns_it_used_and_says_how_many_more(tmp_path):
    extra = [f"q{i}" for i in range(3000)]  # a wide form export: thousands of answers
    path = tmp_path / "wide.csv"
    path.write_text(
        ",".join(["case_id", *extra, "lat", "lon"])
        + "\n"
        + ",".join(["C1", *["x"] * len(extra), "11.55", "104.91"])
        + "\n",
        encoding="utf-8",
    )
    res = run(path, "--as", "cases")
    assert res.returncode == 0, res.stderr
    listing = res.stdout.split("  columns:\n", 1)[1].splitlines()
    assert len(listing) <= 41
    assert any(line.split()[:3] == ["lat", "->", "latitude"] for line in listing)  # used
    assert any(line.split()[:3] == ["lon", "->", "longitude"] for line in listing)
    assert listing[-1].strip() == (
        "... and 2,963 more columns kept as they are (3,003 in all; --all-columns lists every one)"
    )
    every = run(path, "--as", "cases", "--all-columns")
    assert every.returncode == 0, every.stderr
    listing = every.stdout.split("  columns:\n", 1)[1].splitlines()
    assert len(listing) == 3003 and "more columns" not in every.stdout
    suggest = run(path, "--as", "cases", "--suggest")
    kept = next(line for line in suggest.stdout.splitlines() if "kept as they are" in line)
    assert kept.endswith("... and 2,960 more (--all-columns lists every one)")
