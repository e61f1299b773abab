"""Cases without coordinates placed from their names; stated places checked against points."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import shapely

from landmap.io.load import load_cases
from landmap.places import unit_geometries


def _register(tmp_path, text):
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    return path


NAMES_ONLY = """case_id,province,district,commune,village,households
A1,Kg. Cham,Srok Batheay,Khum Chealea,,12
A2,កំពង់ចាម,ស្រុកបាធាយ,,,3
A3,Kampong Cham,,,,4
A4,Atlantis,Nowhere,,,1
A5,Kampong Cham,Batheay,Batheay,Phum Svay Pok,5
A6,Tboung Khmum,Memot,Kokir,,2
A7,,,,,1
"""


def test_a_register_without_gps_loads_with_every_row_accounted_for(tmp_path):
    cases, report = load_cases(_register(tmp_path, NAMES_ONLY))
    assert report.is_complete()
    rows = report.rows.set_index("id")
    assert report.repaired == 5 and report.rejected == 2
    got = cases.set_index("case_id")
    assert got.loc["A1", ["admin_code", "location_precision"]].tolist() == ["030103", "commune"]
    assert got.loc["A2", ["admin_code", "location_precision"]].tolist() == ["0301", "district"]
    assert got.loc["A3", ["admin_code", "location_precision"]].tolist() == ["03", "province"]
    # a village is matched (its code kept) but placed at its commune: no village locations
    assert got.loc["A5", ["admin_code", "location_precision"]].tolist() == ["03010101", "commune"]
    assert "has no location" in rows.loc["A5", "reason"]
    # an ambiguous commune: placed at the district, the candidates in the reason
    assert got.loc["A6", "location_precision"] == "district"
    assert "ambiguous" in rows.loc["A6", "reason"] and "250314" in rows.loc["A6", "reason"]
    assert got.loc["A1", "geocoded_from"] == "province, district, commune"
    # the unmatched row names its closest candidates; the empty one says it has nothing
    assert "closest:" in rows.loc["A4", "reason"]
    assert rows.loc["A7", "reason"] == "no coordinate columns in the file"
    # each placed point is the representative point of its unit, inside the unit
    for case in ("A1", "A2", "A3"):
        code = got.loc[case, "admin_code"]
        assert unit_geometries([code])[0].contains(got.loc[case, "geometry"])


def test_codes_in_the_register_win_over_names(tmp_path):
    text = "case_id,province,commune,commune_code\nC1,Kampot,Anything,030101\nC2,,,30103\n"
    cases, report = load_cases(_register(tmp_path, text))
    assert cases["admin_code"].tolist() == ["030101", "030103"]
    assert cases["location_precision"].tolist() == ["commune", "commune"]
    assert report.repaired == 2


def test_rows_with_gps_keep_exact_precision_and_get_their_code(tmp_path):
    text = (
        "case_id,lat,lon,province,district,commune\n"
        "P1,11.96189,104.9026,Kampong Cham,Batheay,Batheay\n"
        "P2,,,Kampong Cham,Batheay,Batheay\n"
    )
    cases, report = load_cases(_register(tmp_path, text))
    got = cases.set_index("case_id")
    assert got.loc["P1", "location_precision"] == "exact"
    assert got.loc["P1", "admin_code"] == "030101" and pd.isna(got.loc["P1", "geocoded_from"])
    assert got.loc["P2", "location_precision"] == "commune"
    assert report.rows.set_index("id").loc["P2", "status"] == "repaired"
    assert "no coordinates" in report.rows.set_index("id").loc["P2", "reason"]


def test_a_point_outside_its_stated_commune_is_flagged(tmp_path):
    # 030101 Batheay; the point is Phnom Penh's Tonle Basak (120101)
    text = (
        "case_id,lat,lon,province,district,commune\n"
        "T1,11.548,104.935,Kampong Cham,Batheay,Batheay\n"
    )
    cases, report = load_cases(_register(tmp_path, text))
    reason = report.rows["reason"].iloc[0]
    assert report.loaded == 1
    assert "outside the stated commune Batheay (030101)" in reason
    assert "in Tonle Basak (120101)" in reason
    assert report.details["places"]["point_outside_stated_unit"] == 1


def test_swapped_points_are_checked_after_the_swap(tmp_path):
    text = (
        "case_id,lat,lon,province,district,commune\n"
        "S1,104.9026,11.96189,Kampong Cham,Batheay,Batheay\n"
    )
    _, report = load_cases(_register(tmp_path, text), fix_swapped=True)
    assert report.repaired == 1
    assert "outside the stated" not in report.rows["reason"].iloc[0]


def test_vector_cases_with_null_geometry_are_placed(tmp_path):
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {
            "case_id": ["V1", "V2"],
            "province": ["Kampot", "Kampot"],
            "district": ["Kampong Trach", None],
        },
        geometry=[None, shapely.Point(104.4, 10.6)],
        crs="EPSG:4326",
    )
    path = tmp_path / "cases.gpkg"
    frame.to_file(path)
    cases, report = load_cases(path)
    assert report.repaired == 1 and report.loaded == 1
    got = cases.set_index("case_id")
    assert got.loc["V1", "location_precision"] == "district"
    assert got.loc["V1", "admin_code"] == "0706"


def test_table_with_neither_coordinates_nor_places_still_fails_clearly(tmp_path):
    from landmap.errors import SchemaError

    with pytest.raises(SchemaError, match="has no coordinate columns"):
        load_cases(_register(tmp_path, "case_id,note\nX1,hello\n"))


def test_the_synthetic_register_places_its_name_only_rows(data_dir):
    cases, report = load_cases(data_dir / "synthetic_cases.csv", fix_swapped=True)
    truth = pd.read_csv(data_dir / "synthetic_cases_places.csv", dtype=str, keep_default_na=False)
    assert report.is_complete()
    rows = report.rows.set_index("row")
    got = cases.drop_duplicates("case_id").set_index("case_id")
    impossible = truth["expected_admin_code"] == ""
    # the truth file counts data rows; the report numbers rows as a spreadsheet shows them
    spreadsheet_rows = truth.loc[impossible, "row"].astype(int) + 1
    assert (rows.loc[spreadsheet_rows, "status"] == "rejected").all()
    expected = truth[~impossible].set_index("case_id")
    assert (got.loc[expected.index, "admin_code"] == expected["expected_admin_code"]).all()
    assert (got.loc[expected.index, "location_precision"] == expected["expected_precision"]).all()
    assert report.details["places"]["point_outside_stated_unit"] == 0
    precision = cases["location_precision"].value_counts()
    assert set(precision.index) <= {"exact", "village", "commune", "district", "province"}


@pytest.mark.slow
def test_places_command_prints_matches_and_candidates():
    run = [sys.executable, "-m", "landmap", "places"]
    ok = subprocess.run(
        [*run, "Kg. Cham", "Srok Batheay"], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert "0301" in ok.stdout and "បាធាយ" in ok.stdout and "finest unit: 0301" in ok.stdout
    amb = subprocess.run(
        [*run, "Tboung Khmum", "Memot", "Kokir"], capture_output=True, text=True, check=False
    )
    assert amb.returncode == 1 and "ambiguous" in amb.stdout and "250321" in amb.stdout
    none = subprocess.run([*run, "Atlantis"], capture_output=True, text=True, check=False)
    assert none.returncode == 1 and "matches no province" in none.stdout
    bad = subprocess.run([*run, "Khet A", "Khet B"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_match_cost_is_paid_per_distinct_place(tmp_path):
    n = 20_000
    frame = pd.DataFrame(
        {
            "case_id": [f"R{i}" for i in range(n)],
            "province": np.where(np.arange(n) % 2, "Kg. Cham", "Kampot"),
            "district": np.where(np.arange(n) % 2, "Batheay", "Kampong Trach"),
        }
    )
    cases, report = load_cases(frame)
    assert report.repaired == n
    assert cases["admin_code"].nunique() == 2
