"""Mistakes in the input end in a clear message: no traceback, no hang, no wrong guess.

Each test is a case that went wrong before (a traceback, minutes of work, a wrong column, a
garbled title), run as a user runs it: the installed ``landmap`` command in a subprocess.
"""

from __future__ import annotations

import json
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from _cli import assert_clean, assert_one_line_error, landmap

from landmap.errors import DataFileError
from landmap.io.load import load_cases


@pytest.fixture
def concessions(tmp_path):
    path = tmp_path / "concessions.geojson"
    gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Alpha Agro"], "kind": ["ELC"]},
        geometry=[shapely.box(104.85, 11.45, 105.25, 11.65)],
        crs="EPSG:4326",
    ).to_file(path)
    return path


def test_overlap_of_parcels_without_a_name_column(tmp_path):
    """Parcels with no name column: the summary shows their ids (was: TypeError on pd.NA)."""
    parcels = gpd.GeoDataFrame(
        {"parcel_no": ["P-1", "P-2"]},
        geometry=[shapely.box(104.9, 11.5, 105.0, 11.6), shapely.box(105.2, 11.5, 105.3, 11.6)],
        crs="EPSG:4326",
    )
    concessions = gpd.GeoDataFrame(
        {"company": ["Beta Rubber"]},
        geometry=[shapely.box(104.95, 11.55, 105.25, 11.65)],
        crs="EPSG:4326",
    )
    parcels.to_parquet(tmp_path / "parcels.parquet")
    concessions.to_parquet(tmp_path / "concessions.parquet")
    proc = landmap(
        "overlap", "parcels.parquet", "concessions.parquet", "-o", "out.csv", cwd=tmp_path
    )
    assert_clean(proc, "overlap")
    assert proc.returncode == 0
    assert "2 overlapping pairs" in proc.stdout
    table = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig")
    assert len(table) == 2
    for area in table["area_id"]:
        assert area in proc.stdout  # the id stands in for the missing name


def test_twenty_thousand_columns_are_refused_at_once(tmp_path):
    """20,000 columns (was: more than 5 minutes): a LimitError naming the limit and the fix."""
    names = ["lat", "lon", *(f"q{i}" for i in range(20_000))]
    row = ["11.5", "104.9", *("1" for _ in range(20_000))]
    (tmp_path / "wide.csv").write_text(",".join(names) + "\n" + ",".join(row) + "\n", "utf-8")
    line = assert_one_line_error(landmap("check", "wide.csv", cwd=tmp_path, timeout=120), "check")
    assert "20,002 columns" in line and "the limit is 5,000 columns" in line
    assert "LANDMAP_MAX_COLUMNS=" in line


def test_wide_table_under_the_limit_keeps_every_column(tmp_path):
    """4,000 columns load in linear time and every column is kept (with the limit raised)."""
    n = 4_000
    names = ["case_id", "lat", "lon", *(f"q{i}" for i in range(n))]
    rows = [
        ",".join(["C-1", "11.5", "104.9", *(str(i) for i in range(n))]),
        ",".join(["C-2", "11.6", "104.8", *(str(-i) for i in range(n))]),
    ]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(names) + "\n" + "\n".join(rows) + "\n", "utf-8")
    proc = landmap(
        "check", path, "--as", "cases", "--output", tmp_path / "out.geojson", timeout=120
    )
    assert_clean(proc, "check")
    assert "2 rows -> 2 loaded" in proc.stdout
    data = gpd.read_file(tmp_path / "out.geojson")
    assert {f"q{i}" for i in range(n)} <= set(data.columns)
    assert data["q3999"].astype(int).tolist() == [3999, -3999]
    # a GeoPackage cannot hold that many (SQLite's 2,000 columns): said before writing
    line = assert_one_line_error(
        landmap("check", path, "--output", tmp_path / "out.gpkg", timeout=120), "check"
    )
    assert "a GeoPackage layer holds at most 1,998 columns" in line and ".geojson" in line
    assert not (tmp_path / "out.gpkg").exists()


def test_fifty_megabyte_header_is_refused_within_the_memory_cap(tmp_path):
    """A 50 MB header line (was: 4.8 GB of memory): refused by the line-length limit."""
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("lat,lon,")
        fh.write(",".join(f"c{i}" for i in range(6_000_000)))
        fh.write("\n11.5,104.9\n")
    assert path.stat().st_size > 50_000_000
    line = assert_one_line_error(landmap("check", path, timeout=120), "check")
    assert "the header line (line 1) is" in line and "LANDMAP_MAX_LINE_BYTES=" in line


def test_kobo_case_number_wins_over_kobo_metadata(tmp_path):
    """``case/case_number`` is the case id, not ``_uuid`` or ``_id`` (was: ``_uuid``)."""
    table = pd.DataFrame(
        {
            "start": ["2024-01-02T08:00:00"],
            "case/case_number": ["KH-0042"],
            "case/gps_latitude": [11.55],
            "case/gps_longitude": [104.92],
            "_id": [987654],
            "_uuid": ["5c1f0e2a-9d0b-4c6e-8f5e-2b7d1c3a9e11"],
            "meta/instanceID": ["uuid:5c1f0e2a-9d0b-4c6e-8f5e-2b7d1c3a9e11"],
        }
    )
    cases, report = load_cases(table)
    assert cases["case_id"].tolist() == ["KH-0042"]
    assert report.details["columns"]["case_id"] == "case/case_number"
    # without a case-number column the metadata may stand in
    cases, _ = load_cases(table.drop(columns=["case/case_number"]))
    assert cases["case_id"].tolist() == ["987654"]


def test_title_with_dollar_signs_is_printed_as_written(tmp_path, concessions):
    """'$500 to $1000' stays as written, a lone '$' is a dollar (was: mathtext, traceback)."""
    title, subtitle = "$500 to $1000 per hectare", r"Paid: $5 only, \frac{a}{b}"
    proc = landmap(
        "export",
        concessions,
        "--format",
        "pdf",
        "--title",
        title,
        "--subtitle",
        subtitle,
        "-o",
        tmp_path / "o",
        "--name",
        "brief",
    )
    assert_clean(proc, "export")
    assert proc.returncode == 0
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "o" / "brief.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = " ".join(text.split())
    assert title in words and subtitle in words


@pytest.mark.parametrize(
    ("dpi", "expect"),
    [
        ("0", "dpi 0 is too low"),
        ("-300", "dpi -300 is too low"),
        ("5000", "would be 2,417 megapixels; the limit is 150 megapixels"),
    ],
)
def test_dpi_is_validated_before_rendering(tmp_path, concessions, dpi, expect):
    """--dpi 0 (was: ZeroDivisionError) and --dpi 5000 (was: more than 8 GB) are refused."""
    proc = landmap(
        "export", concessions, "--format", "png", "--dpi", dpi, "-o", tmp_path / "o", timeout=120
    )
    line = assert_one_line_error(proc, "export")
    assert expect in line
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").glob("*.png"))


def test_control_characters_in_data_are_printed_escaped(tmp_path):
    """An ANSI escape or a carriage return in a case id cannot drive the terminal."""
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,lat,lon,date\n"
        "\x1b[2J\x1b[H,11.5,104.9,31/02/2020\n"
        '"C-2\r0 rejected",11.6,abc,2020-01-01\n'
        "C-3\u202etxt.exe,11.6,104.9,not a date\n",
        "utf-8",
    )
    proc = landmap("check", path, "--as", "cases")
    assert_clean(proc, "check")
    assert "\\x1b[2J\\x1b[H" in proc.stdout
    assert "C-2\\r0 rejected" in proc.stdout
    assert "C-3\\u202etxt.exe" in proc.stdout
    # the same through an error message: a sheet or layer name that is not there
    proc = landmap("check", path, "--column", "lat=\x1b[31mred")
    line = assert_one_line_error(proc, "check")
    assert "\\x1b[31mred" in line


def test_gdal_warnings_become_report_lines(tmp_path):
    """Mixed JSON/text properties and 4-D coordinates: notes, not raw warnings."""
    path = tmp_path / "areas.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"PROV_CODE": {"code": 1}, "name": "A"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[104.9, 11.5, 1, 2], [105, 11.5, 1, 2], [105, 11.6, 1, 2], [104.9, 11.5, 1, 2]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"PROV_CODE": "12{", "name": "B"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[104.9, 11.5], [105, 11.5], [105, 11.6], [104.9, 11.5]]],
            },
        },
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    proc = landmap("check", path, "--as", "areas")
    assert_clean(proc, "check")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "note: some coordinates have more than 3 values" in proc.stdout
    assert "note: column 'PROV_CODE' holds JSON objects or lists" in proc.stdout
    assert "2 rows -> 2 loaded" in proc.stdout


def test_check_output_geojson_is_named_after_the_file(tmp_path):
    """The GeoJSON layer is named after the output, not the temporary file it was written as."""
    path = tmp_path / "cases.csv"
    path.write_text("case_id,lat,lon\nC-1,11.5,104.9\n", "utf-8")
    out = tmp_path / "clean_cases.geojson"
    assert_clean(landmap("check", path, "--output", out), "check")
    assert json.loads(out.read_text("utf-8"))["name"] == "clean_cases"


def test_popup_column_removed_by_the_public_profile_says_so(tmp_path, concessions):
    """--popup description under the public profile names the profile and the way out."""
    path = tmp_path / "cases.csv"
    path.write_text("case_id,lat,lon,description\nC-1,11.5,104.9,free text\n", "utf-8")
    proc = landmap(
        "map", path, concessions, "-o", tmp_path / "m.html", "--popup", "case_id,description"
    )
    line = assert_one_line_error(proc, "map")
    assert "description" in line and "--profile internal" in line


# -- what the fuzzing harness found beyond the known list (its corpus runs them as commands) --
def test_trailing_delimiter_is_read_and_said(tmp_path):
    """Rows ending in an empty value past the header load, with a note (was: shifted left)."""
    path = tmp_path / "cases.csv"
    path.write_text("case_id,lat,lon\nC-1,11.5,104.9,\nC-2,11.6,104.8,\n", "utf-8")
    cases, report = load_cases(path)
    assert cases["case_id"].tolist() == ["C-1", "C-2"]
    assert cases.geometry.y.round(1).tolist() == [11.5, 11.6]
    assert report.details["trailing_delimiter"].startswith("2 rows end with a delimiter")


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("case_id,lat,lon\nC-1,11.5,104.9,extra\nC-2,11.6,104.8\n", 2),
        ("case_id,lat,lon\nC-1,11.5,104.9,\nC-2,11.6,104.8,extra\n", 3),
        ("sep=,\ncase_id,lat,lon\nC-1,11.5,104.9,\nC-2,11.6,104.8,extra\n", 4),
    ],
)
def test_filled_values_past_the_header_name_their_row(tmp_path, text, row):
    """A value past the last column is an error naming the row a spreadsheet shows it in."""
    path = tmp_path / "cases.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(DataFileError, match=rf"row {row} has 4 values, the header 3 columns"):
        load_cases(path)


def test_household_count_too_large_for_an_integer_is_flagged(tmp_path):
    """1e30 households is whole but no 64-bit integer (was: TypeError traceback)."""
    path = tmp_path / "cases.csv"
    path.write_text("case_id,lat,lon,households\nC-1,11.5,104.9,1e30\nC-2,11.6,104.8,12\n", "utf-8")
    cases, report = load_cases(path)
    assert cases["households"].tolist()[1] == 12 and pd.isna(cases["households"].iloc[0])
    assert report.loaded == 2
    assert "row 2 [C-1]: loaded: households 1e+30 is too large; left empty" in str(report)
