"""Location precision carried into every count: summaries by unit, cases inside concessions,
and the way maps and briefings draw a case known only to its commune."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landmap.analysis import cases_by_concession, cases_in_areas, summarise_by_admin
from landmap.io.load import load_boundaries, load_cases
from landmap.places import unit_geometries, unit_points

PRECISIONS = ["exact", "village", "commune", "district", "province"]


@pytest.fixture(scope="module")
def units(data_dir):
    return {
        "province": load_boundaries(
            data_dir / "khm_bnd_admin1_gov_ed2022.json", level="province"
        ).data,
        "district": load_boundaries(
            data_dir / "cambodia-adm2-simplified.geojson", level="district"
        ).data,
        "commune": load_boundaries(
            data_dir / "cambodia-adm3-simplified.geojson", level="commune"
        ).data,
    }


@pytest.fixture(scope="module")
def register(data_dir):
    return load_cases(data_dir / "synthetic_cases.csv", fix_swapped=True).data


def _cases(codes, precision, households=None):
    points, _ = unit_points(codes)
    return gpd.GeoDataFrame(
        {
            "case_id": [f"K{i}" for i in range(len(codes))],
            "admin_code": codes,
            "location_precision": precision,
            "households": households or [1] * len(codes),
        },
        geometry=list(points),
        crs="EPSG:4326",
    )


@pytest.mark.slow
def test_totals_add_up_at_every_level(units, register):
    n = len(register)
    for level, layer in units.items():
        table = summarise_by_admin(layer, cases=register)
        assert table["cases"].sum() == n, level
        assert table["households"].sum() == pd.to_numeric(register["households"]).sum()
        assert set(table["row_kind"]) <= {"unit", "unknown", "outside"}


def test_commune_counts_never_hold_a_coarser_case(units, register):
    table = summarise_by_admin(units["commune"], cases=register)
    coarse = register["location_precision"].isin(["district", "province"]).sum()
    unknown = table[table["row_kind"] == "unknown"]
    assert unknown["cases"].sum() == coarse > 0
    assert table.loc[table["row_kind"] == "unit", "cases"].sum() == len(register) - coarse
    assert unknown["name"].str.startswith("Commune unknown: located to the").all()
    assert unknown["name_km"].str.startswith("មិនស្គាល់ឃុំ").all()
    # district-level counts hold district cases but no province-only ones
    by_district = summarise_by_admin(units["district"], cases=register)
    only_province = (register["location_precision"] == "province").sum()
    assert by_district.loc[by_district["row_kind"] == "unknown", "cases"].sum() == only_province


def test_a_district_case_counts_in_its_district_not_in_the_commune_under_its_point(units):
    cases = _cases(["0301", "030101"], ["district", "commune"], [7, 5])
    by_commune = summarise_by_admin(units["commune"], cases=cases)
    counted = by_commune[by_commune["row_kind"] == "unit"]
    assert counted["cases"].sum() == 1 and counted["households"].sum() == 5
    unknown = by_commune[by_commune["row_kind"] == "unknown"].iloc[0]
    assert unknown["cases"] == 1 and unknown["households"] == 7
    assert unknown["parent"] == "Batheay (0301)"
    by_district = summarise_by_admin(units["district"], cases=cases)
    assert by_district.loc[by_district["row_kind"] == "unit", "cases"].sum() == 2


@pytest.mark.slow
@given(st.lists(st.sampled_from(PRECISIONS), min_size=1, max_size=40))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_mix_of_precisions_adds_up(units, precisions):
    codes = ["030101", "120101", "171001", "0301", "17"] * 8
    cases = _cases(codes[: len(precisions)], precisions)
    for layer in units.values():
        assert summarise_by_admin(layer, cases=cases)["cases"].sum() == len(precisions)


def test_a_case_in_a_commune_is_never_inside_a_concession():
    commune = unit_geometries(["030101"])[0]
    concession = gpd.GeoDataFrame(
        {"concession_id": ["C1"], "name": ["ELC"]},
        geometry=[commune.buffer(-0.001)],
        crs="EPSG:4326",
    )
    cases = _cases(["030101", "030101"], ["commune", "exact"], [10, 3])
    per = cases_by_concession(cases, concession).iloc[0]
    assert (per["cases"], per["cases_inside"], per["cases_in_overlapping_units"]) == (1, 1, 1)
    assert per["households"] == 3
    links = cases_in_areas(cases, concession).set_index("case_id")
    assert links.loc["K0", "concession_relation"] == "in_unit"
    assert np.isnan(links.loc["K0", "concession_distance_m"])
    assert links.loc["K1", "concession_relation"] == "inside"


def test_the_demo_counts_its_vague_cases_apart(register, data_dir):
    from landmap.analysis import case_links
    from landmap.io.load import load_concessions

    concessions = load_concessions(data_dir / "cam-elc-complete.geojson").data
    per = cases_by_concession(register, concessions, within_m=2000)
    links = case_links(register, concessions, within_m=2000)
    vague = register["location_precision"].isin(["commune", "district", "province"])
    assert set(links.loc[links["case_id"].isin(register.loc[vague, "case_id"]), "relation"]) == {
        "in_unit"
    }
    assert per["cases_in_overlapping_units"].sum() == (links["relation"] == "in_unit").sum() > 0
    assert per["cases"].sum() == links["relation"].isin(["inside", "near"]).sum()


def test_maps_and_briefings_draw_vague_cases_hollow():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from landmap.render.briefing.layers import plot_cases
    from landmap.render.maps.layers import layer_spec

    cases = _cases(["030101", "0301", "120101"], ["commune", "district", "exact"])
    cases["type"] = "eviction"
    spec, rows = layer_spec(cases, "cases", layer_id="c", lang="en")
    assert spec["precision"]["hollow"] == {
        "commune": "Location known to the commune only",
        "district": "Location known to the district only",
    }
    assert any(r.get("hollow") for r in rows)
    assert "location_precision" in spec["props"]
    fig, ax = plt.subplots()
    sections = []
    plot_cases(ax, cases, "en", sections, 1.0)
    kinds = [e[0] for e in sections[0].entries]
    assert "hollow" in kinds
    faces = [c.get_facecolor() for c in ax.collections]
    assert any(len(f) == 0 or (np.asarray(f)[:, 3] == 0).all() for f in faces)
    plt.close(fig)
    exact_only = _cases(["120101"], ["exact"])
    assert "precision" not in layer_spec(exact_only, "cases", layer_id="c")[0]


def test_unit_points_of_geocoded_cases_lie_in_their_commune_polygon(units):
    cases = _cases(["030101", "120101", "171001"], ["commune"] * 3)
    communes = units["commune"]
    hits = gpd.sjoin(cases, communes, predicate="within")
    assert len(hits) == 3
    assert shapely.is_valid(cases.geometry.values).all()
