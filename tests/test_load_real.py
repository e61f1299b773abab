"""Every vector file of the reference data loads with the right loader, counts matching the file
and the invalid geometries listed in ../shared/data/SOURCES.md reported as repaired."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pyogrio
import pytest

from landmap.io.load import infer_kind, load

ZIP = "cambodia/eviction_hotspots_geojson.zip"
# (file, kind, features, repaired)
FILES = [
    ("cambodia/cam-elc-complete.geojson", "concessions", 225, 2),
    ("cambodia/protected_areas_and_forests.geojson", "areas", 33, 0),
    ("cambodia/community_forests.geojson", "areas", 316, 4),
    (f"{ZIP}/eviction_sites.geojson", "cases", 92, 0),
    (f"{ZIP}/relocation_sites.geojson", "cases", 54, 0),
    ("boundaries/geoBoundaries-KHM-ADM0.geojson", "boundaries", 1, 0),
    ("boundaries/geoBoundaries-KHM-ADM1.geojson", "boundaries", 25, 0),
    ("boundaries/cambodia-adm2-simplified.geojson", "boundaries", 197, 0),
    ("boundaries/cambodia-adm3-simplified.geojson", "boundaries", 1633, 0),
    ("boundaries/khm_bnd_admin1_gov_ed2022.json", "boundaries", 25, 0),
    ("parcels/cadastre-75118-parcelles.json", "areas", 6821, 0),
]


def _path(shared_data, name):
    if name.startswith(ZIP):
        return f"/vsizip/{shared_data / ZIP}/{name[len(ZIP) + 1 :]}"
    return str(shared_data / name)


@pytest.fixture(scope="module")
def loaded(shared_data):
    return {name: load(_path(shared_data, name), kind) for name, kind, _, _ in FILES}


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,kind,features,repaired", FILES, ids=[f[0].rsplit("/", 1)[-1] for f in FILES]
)
def test_reference_file_loads_with_every_row_accounted_for(
    loaded, shared_data, name, kind, features, repaired
):
    data, report = loaded[name]
    path = _path(shared_data, name)
    assert int(pyogrio.read_info(path)["features"]) == features
    assert report.input_rows == features
    assert report.rejected == 0
    assert report.repaired == repaired
    assert len(data) == features
    assert report.loaded + report.repaired + report.rejected == features
    assert data.crs.to_epsg() == 4326
    assert data.is_valid.all()
    assert infer_kind(path) == kind


def test_repaired_geometries_name_the_self_intersection(loaded):
    for name in ("cambodia/cam-elc-complete.geojson", "cambodia/community_forests.geojson"):
        rows = loaded[name].report.rows
        repaired = rows[rows["status"] == "repaired"]
        assert repaired["reason"].str.startswith("invalid geometry repaired (").all()
        assert repaired["reason"].str.contains("intersection", case=False).all()


def test_elc_mapping(loaded):
    data, report = loaded["cambodia/cam-elc-complete.geojson"]
    assert report.details["profile"].startswith("Open Development Cambodia")
    assert data["concession_id"].iloc[0] == "ELC-0001"
    assert data["concession_id"].iloc[-1] == "ELC-0225"
    assert data["concession_id"].is_unique
    assert "generated" in report.details["id"] and "not unique" in report.details["id"]
    first = data.iloc[0]
    assert first["name"] == first["company"] == "Camland Co., Ltd (Region I)"
    assert first["hectares_stated"] == 5643.0
    assert first["granted"] == pd.Timestamp("2000-10-26")
    assert first["investor_country"] == "Cambodian"
    assert first["province"] == "Kampot"
    assert set(data["kind"]) == {"ELC"}
    assert "Owner_Name" in data.columns  # other columns kept unchanged
    assert 1.8e6 < data["hectares_stated"].sum() < 1.95e6


def test_protected_area_kinds_from_status(loaded):
    data, _ = loaded["cambodia/protected_areas_and_forests.geojson"]
    assert data["kind"].value_counts().to_dict() == {"protected area": 24, "protected forest": 9}
    assert data.loc[data["name"] == "Virachey", "hectares_stated"].iloc[0] == pytest.approx(
        333722.78959
    )


def test_community_forest_mapping(loaded):
    data, report = loaded["cambodia/community_forests.geojson"]
    assert report.details["id"] == "from the file"
    assert data["area_id"].iloc[0] == "84"
    assert set(data["kind"]) == {"community forest"}
    assert data["hectares_stated"].iloc[0] == 70.0
    assert data["province"].iloc[0] == "Kampong Chhnang"


def test_eviction_sites_year_zero_flagged_row_kept(loaded, shared_data):
    data, report = loaded[f"{ZIP}/eviction_sites.geojson"]
    with zipfile.ZipFile(shared_data / ZIP) as zf:
        raw = json.loads(zf.read("eviction_sites.geojson"))
    years = [f["properties"]["Year"] for f in raw["features"]]
    zero = [i for i, y in enumerate(years) if not y]
    assert len(zero) == 8
    rows = report.rows
    assert (rows.loc[zero, "reason"] == "impossible date: year 0").all()
    assert (rows.loc[zero, "status"] == "loaded").all()
    assert data.loc[zero, "date"].isna().all()
    named = data["village"].tolist()
    assert named[:2] == [
        raw["features"][0]["properties"]["Name"],
        raw["features"][1]["properties"]["Name"],
    ]
    assert set(data["type"]) == {"eviction"}
    assert data["households"].dtype == "Int64"
    assert data.loc[5, "date"] == pd.Timestamp(int(years[5]), 1, 1)
    assert (
        "Name" not in data.columns
    )  # the site name lives in `village`, not in a person-name column


def test_boundary_levels_and_khmer_names_byte_for_byte(loaded, shared_data):
    assert set(loaded["boundaries/geoBoundaries-KHM-ADM0.geojson"].data["level"]) == {"country"}
    assert set(loaded["boundaries/geoBoundaries-KHM-ADM1.geojson"].data["level"]) == {"province"}
    assert set(loaded["boundaries/cambodia-adm2-simplified.geojson"].data["level"]) == {"district"}
    assert set(loaded["boundaries/cambodia-adm3-simplified.geojson"].data["level"]) == {"commune"}
    data, _ = loaded["boundaries/khm_bnd_admin1_gov_ed2022.json"]
    raw = json.loads((shared_data / "boundaries/khm_bnd_admin1_gov_ed2022.json").read_text("utf-8"))
    expected = [f["properties"]["Adm1_Name_"].encode("utf-8") for f in raw["features"]]
    assert [v.encode("utf-8") for v in data["name_km"]] == expected
    assert set(data["level"]) == {"province"}
    assert data["name"].iloc[0] == raw["features"][0]["properties"]["Adm1_Name"]
    assert data["Type_KH"].iloc[0].encode("utf-8") == raw["features"][0]["properties"][
        "Type_KH"
    ].encode("utf-8")
