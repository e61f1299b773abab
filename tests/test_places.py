"""Place names to gazetteer codes: normalisation, top-down matching, ambiguity, the code table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landmap.places import (
    commune_polygons,
    gazetteer,
    match_place,
    match_places,
    name_key,
    normalise_code,
    precision_rank,
    supports,
    unit_geometries,
    unit_points,
    units_at,
)

HANDCHECKED = Path(__file__).parent / "reference" / "places_handchecked.csv"


def test_gazetteer_holds_the_official_counts():
    g = gazetteer()
    counts = {level: len(u.codes) for level, u in g.units.items()}
    assert counts["province"] == 25
    assert counts["district"] == 210
    assert counts["commune"] == 1661
    assert counts["village"] > 14_500
    assert g.name("0301") == "Batheay" and g.name("0301", "km") == "បាធាយ"
    assert g.data_year == 2025


@pytest.mark.parametrize(
    "a, b",
    [
        ("Kg. Cham", "Kampong Cham"),
        ("KOMPONG  CHAM", "kampong cham"),
        ("Srok Batheay", "Batheay"),
        ("ស្រុកបាធាយ", "បាធាយ"),
        ("ស្រុក បាធាយ", "បាធាយ"),
        ("Kakab Ti Muoy", "Sangkat Kakab 1"),
        ("កាកាបទី១", "កាកាប ១"),
        ("ឧត្តរមានជ័យ", "ឧត្ដរមានជ័យ"),  # subscript ta typed as subscript da
        ("សង្កាត់ភ្នំពេញថ្មី", "ភ្នំពេញថ្មី"),
        ("បាធាយ\u200b", "បាធាយ"),
        ("Phnom Srok", "Phnum Srok"),
        ("Stung Treng", "Stueng Treng"),
        ("Lekh Bei", "Sangkat Bei"),
    ],
)
def test_spellings_of_one_name_share_a_key(a, b):
    assert name_key(a).key == name_key(b).key


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz áéKgP.'-", min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_keys_ignore_case_spacing_and_punctuation(text):
    assert name_key(text).key == name_key(f"  {text.upper()}  ").key
    assert name_key(text).key == name_key(text.replace(" ", "  ")).key


def test_top_down_match_with_prefixes_and_variants():
    m = match_place("Kg. Cham", "Srok Batheay", "Khum Chealea")
    assert (m.admin_code, m.level, m.status) == ("030103", "commune", "matched")
    assert [s.status for s in m.steps] == ["matched"] * 3
    assert "Chealea (030103)" in m.describe()


def test_khmer_names_match():
    m = match_place("ខេត្តកំពង់ចាម", "ស្រុកបាធាយ", "ឃុំបាធាយ", "ភូមិបាធាយ")
    assert m.admin_code == "03010102"


def test_ambiguous_name_keeps_its_candidates_and_is_not_guessed():
    m = match_place("Tboung Khmum", "Memot", "Kokir")  # the 2025 list has eight Kokir here
    assert m.admin_code == "2503" and m.status == "partial"
    step = m.steps[-1]
    assert step.status == "ambiguous" and len(step.candidates) == 8
    assert m.candidates()[0] == "250314"


def test_ambiguity_resolved_by_the_name_below():
    # "Samraong" is a district name in two provinces; only one of them has this commune
    m = match_place(None, "Samraong", "Ou Smach")
    assert m.admin_code is not None and m.admin_code.startswith("22")
    assert "the only one with a commune" in m.describe()


def test_unmatched_name_reports_the_closest():
    m = match_place("Atlantis")
    assert (m.admin_code, m.status) == (None, "unmatched")
    assert len(m.steps[0].candidates) == 3
    assert "not found (closest:" in m.describe()


def test_villages_without_a_code_are_never_offered_as_candidates():
    """Nine villages of the 2025 list carry a placeholder, not a code (050614...).

    A bare village name that also fits them was a TypeError (a None among the candidate
    codes); the candidates are now codes only, and a match on such a village says so.
    """
    found = match_places(pd.DataFrame({"village": ["Phum 7", "Phum Ti Bei", "Sral"]}))
    assert all(code for text in found["candidates"] for code in text.split("; ") if text)
    assert found["status"].tolist()[:2] == ["ambiguous", "ambiguous"]
    m = match_place(None, None, "Yeay Mau Pech Nil", "Sral")  # the placeholders' commune
    assert (m.admin_code, m.status) == ("050614", "matched")
    assert "an entry of the official list with no code" in m.describe()


def test_district_moved_to_a_new_province_is_found_with_a_note():
    m = match_place("Kampong Cham", "Memot")  # Tboung Khmum since 2013
    assert m.admin_code == "2503"
    assert m.steps[0].status == "overruled"
    assert "not in the stated Kampong Cham (03)" in m.describe()


def test_a_village_name_never_moves_a_matched_commune():
    m = match_place("Ratanak Kiri", "Andoung Meas", "Malik", "Prey Ampil")
    assert m.admin_code.startswith("160101")


def test_codes_win_over_names_and_survive_spreadsheets():
    assert normalise_code(30201.0) == "030201"
    assert normalise_code("៣០២០១") == "030201"
    assert normalise_code("not a code") == ""
    m = match_place("Kampot", code="030101")  # the code wins over a contradicting name
    assert m.admin_code == "030101" and m.steps[0].status == "code"
    m = match_place(commune="Chealea", code="0301")  # names below the code are matched in it
    assert m.admin_code == "030103"


def test_match_places_is_vectorised_over_distinct_rows():
    table = pd.DataFrame(
        {
            "province": ["Kg. Cham"] * 3 + ["Atlantis"],
            "district": ["Batheay", "Batheay", "Srok Batheay", None],
        }
    )
    out = match_places(table)
    assert out["admin_code"].tolist()[:3] == ["0301"] * 3
    assert pd.isna(out["admin_code"].iloc[3])
    assert out["status"].tolist() == ["matched"] * 3 + ["unmatched"]
    assert out["candidates"].iloc[3].count(";") == 2


def test_handchecked_names_get_their_codes():
    """The hand-checked register: every code right, or (rarely) its parent, never a wrong unit."""
    table = pd.read_csv(HANDCHECKED, dtype=str, keep_default_na=False)
    assert len(table) >= 60
    g = gazetteer()
    assert all(g.find(code) is not None for code in table["expected"])
    got = match_places(table[["province", "district", "commune", "village"]], code=table["code"])[
        "admin_code"
    ].fillna("")
    exact = got == table["expected"]
    coarser = (
        ~exact
        & got.ne("")
        & pd.Series([e.startswith(c) for e, c in zip(table["expected"], got, strict=True)])
    )
    assert (exact | coarser).all(), table[~(exact | coarser)]
    assert exact.mean() >= 0.95, table[~exact]


def test_commune_code_table_covers_the_polygons():
    communes = commune_polygons()
    assert len(communes) == 1633
    coded = communes["admin_code"].notna()
    assert coded.sum() >= 1600
    g = gazetteer()
    assert all(g.find(c) is not None and len(c) == 6 for c in communes.loc[coded, "admin_code"])
    table = pd.read_csv(
        Path(__file__).parents[1] / "landmap/resources/places/commune_codes.csv",
        dtype=str,
        keep_default_na=False,
    )
    unmatched = table[table["ncdd_code"] == ""]
    assert len(unmatched) == (~coded).sum()
    assert unmatched["note"].str.len().gt(20).all()  # each one explained


def test_compass_names_cut_short_are_told_apart_by_position():
    communes = commune_polygons().set_index("admin_code")
    north = communes.loc["210914"].geometry.representative_point()  # ... Khang Cheung
    south = communes.loc["210915"].geometry.representative_point()  # ... Khang Tboung
    assert north.y > south.y


def test_unit_points_fall_back_to_the_parent_and_lie_inside():
    points, placed = unit_points(["030101", "03010101", "0301", "03", "99", None])
    assert list(placed) == ["030101", "030101", "0301", "03", None, None]
    shapes = unit_geometries(["030101", "0301", "03"])
    for point, shape in zip(points[[0, 2, 3]], shapes, strict=True):
        assert shape.contains(point)
    x = np.array([points[0].x, np.nan, 100.0])
    y = np.array([points[0].y, 11.0, 0.0])
    assert list(units_at(x, y)) == ["030101", None, None]


def test_precision_ranks_and_support():
    assert precision_rank(
        ["exact", "village", "commune", "district", "province", None, "unheard"]
    ).tolist() == [5, 4, 3, 2, 1, 5, 5]
    assert supports(["exact", "commune", "district"], "district").tolist() == [True, True, True]
    assert supports(["exact", "commune", "district"], "commune").tolist() == [True, True, False]
