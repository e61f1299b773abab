"""The analyses on the real bundled layers, cross-checked against independent computations:
geopandas.overlay + dissolve in UTM 48N, geodesic areas on the WGS 84 ellipsoid (pyproj.Geod),
and geopandas.sjoin_nearest for distances."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from landmap.analysis import (
    cases_by_concession,
    cases_in_areas,
    concession_conflicts,
    coverage_by_area,
    hectares_check,
    overlap,
    summarise_by_admin,
    summarise_by_year,
)
from landmap.io.load import load

UTM = "EPSG:32648"
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def layers(data_dir):
    def get(name, kind):
        path = data_dir / name if not name.startswith("/vsi") else name
        return load(str(path), kind).data

    return {
        "elc": get("cam-elc-complete.geojson", "concessions"),
        "cf": get("community_forests.geojson", "areas"),
        "pa": get("protected_areas_and_forests.geojson", "areas"),
        "evictions": get(
            f"/vsizip/{data_dir}/eviction_hotspots_geojson.zip/eviction_sites.geojson", "cases"
        ),
        "provinces": get("khm_bnd_admin1_gov_ed2022.json", "boundaries"),
    }


def _valid_utm(frame):
    out = frame.to_crs(UTM)
    out["geometry"] = shapely.make_valid(out.geometry.values)
    return out


def _independent_pairs(areas, conc):
    a = _valid_utm(areas)[["area_id", "geometry"]]
    c = _valid_utm(conc)[["concession_id", "geometry"]]
    ov = gpd.overlay(a, c, how="intersection", keep_geom_type=True)
    return ov[ov.area > 0]


def _geodesic_ha(geoms_4326) -> float:
    return sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in geoms_4326 if g is not None) / 1e4


@pytest.mark.parametrize("area_layer", ["cf", "pa"])
def test_elc_overlaps_match_overlay_and_geodesic_areas(layers, area_layer):
    got = overlap(layers[area_layer], layers["elc"])
    ov = _independent_pairs(layers[area_layer], layers["elc"])
    assert len(got) > 10
    expected = ov.assign(ha=ov.area / 1e4).groupby(["area_id", "concession_id"])["ha"].sum()
    mine = got.set_index(["area_id", "concession_id"])["overlap_ha"]
    big = expected[expected > 1e-6].index
    assert set(big) <= set(mine.index)
    np.testing.assert_allclose(
        mine.reindex(expected.index).fillna(0), expected, rtol=1e-6, atol=1e-6
    )
    assert got["overlap_ha"].sum() == pytest.approx(expected.sum(), rel=1e-9)
    # UTM 48N areas agree with geodesic areas on the ellipsoid within the projection's scale
    geodesic = _geodesic_ha(got.geometry.values)
    assert got["overlap_ha"].sum() == pytest.approx(geodesic, rel=3e-3)


def test_protected_area_coverage_matches_dissolve(layers):
    cov = coverage_by_area(layers["pa"], layers["elc"])
    a = _valid_utm(layers["pa"])[["area_id", "geometry"]]
    union = _valid_utm(layers["elc"]).dissolve()[["geometry"]]
    ov = gpd.overlay(a, union, how="intersection", keep_geom_type=True)
    expected = (ov.area / 1e4).groupby(ov["area_id"]).sum()
    got = cov.set_index("area_id")["covered_ha"]
    np.testing.assert_allclose(got.reindex(expected.index), expected, rtol=1e-6)
    assert (cov["covered_ha"] <= cov["area_ha"] * (1 + 1e-12)).all()
    pairs = overlap(layers["pa"], layers["elc"])
    assert cov["covered_ha"].sum() <= pairs["overlap_ha"].sum() + 1e-6  # union <= sum of pairs


def test_elc_self_overlaps_match_pairwise_intersections(layers):
    got = concession_conflicts(layers["elc"])
    elc = _valid_utm(layers["elc"]).reset_index(drop=True)
    left, right = elc.sindex.query(elc.geometry, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    inter = shapely.intersection(elc.geometry.values[left], elc.geometry.values[right])
    area = shapely.area(inter)
    expected = area[area > 0].sum() / 1e4
    assert len(got) == int((area > 0).sum())
    assert len(got) > 20  # the ODC layer is known to hold overlapping grants
    assert got["overlap_ha"].sum() == pytest.approx(expected, rel=1e-9)


def test_stated_vs_drawn_hectares_of_the_elc_layer(layers):
    got = hectares_check(layers["elc"])
    totals = got.attrs["totals"]
    # SOURCES.md: the Hectares attribute sums to 1.88 Mha, the drawn polygons to 2.18 Mha
    assert totals["hectares_stated"] == pytest.approx(1.88e6, rel=0.01)
    assert totals["hectares_drawn"] == pytest.approx(2.18e6, rel=0.01)
    drawn = _geodesic_ha(layers["elc"].geometry.values)
    assert totals["hectares_drawn"] == pytest.approx(drawn, rel=3e-3)


def test_eviction_sites_nearest_concession_matches_sjoin_nearest(layers):
    ev, elc = layers["evictions"], layers["elc"]
    got = cases_in_areas(ev, elc, within_m=2000)
    pts = ev.to_crs(UTM).reset_index(drop=True)
    conc = _valid_utm(elc)[["concession_id", "geometry"]]
    nearest = gpd.sjoin_nearest(
        pts[["case_id", "geometry"]], conc, max_distance=2000, distance_col="dist"
    )
    expected = nearest.groupby("case_id")["dist"].min()
    mine = got.set_index("case_id")["concession_distance_m"].dropna()
    assert set(mine.index) == set(expected.index)
    np.testing.assert_allclose(mine.reindex(expected.index), expected, atol=1e-6)
    linked = got["concession_id"].notna()
    assert (got.loc[linked, "concession_relation"].isin(["inside", "near"])).all()
    per = cases_by_concession(ev, elc, within_m=2000)
    assert per["cases"].sum() == nearest.drop_duplicates(["case_id", "concession_id"]).shape[0]
    hh = pd.to_numeric(ev.set_index("case_id")["households"], errors="coerce")
    expected_hh = nearest.drop_duplicates(["case_id", "concession_id"])["case_id"].map(hh).sum()
    assert per["households"].sum() == expected_hh


def test_summaries_by_province_and_year(layers):
    pairs = overlap(layers["cf"], layers["elc"])
    by_prov = summarise_by_admin(
        layers["provinces"], cases=layers["evictions"], concessions=layers["elc"], overlaps=pairs
    )
    assert by_prov["name_km"].notna().all()  # Khmer names from the government edition
    assert by_prov["cases"].sum() == len(layers["evictions"])
    pp = by_prov.set_index("name").loc["Phnom Penh"]
    assert pp["cases"] == len(layers["evictions"])
    # provinces partition the country: the overlap hectares add up to the union of the pairs
    union = _geodesic_ha([shapely.union_all(pairs.geometry.values)])
    assert by_prov["overlap_ha"].sum() == pytest.approx(union, rel=5e-3)
    by_year = summarise_by_year(
        cases=layers["evictions"], concessions=layers["elc"], overlaps=pairs
    )
    assert by_year["year"].is_monotonic_increasing
    dated = pd.to_datetime(layers["evictions"]["date"]).notna().sum()
    assert by_year["cases"].sum() == dated


def test_standard_tables_for_the_main_job(layers, tmp_path):
    from landmap.analysis import analysis_tables, write_tables

    tables = analysis_tables(
        concessions=layers["elc"],
        areas={"community_forests": layers["cf"], "protected_areas": layers["pa"]},
        cases=layers["evictions"],
        boundaries={"province": layers["provinces"]},
        within_m=2000,
    )
    assert set(tables) == {
        "concessions_x_community_forests",
        "coverage_community_forests",
        "concessions_x_protected_areas",
        "coverage_protected_areas",
        "concession_coverage",
        "concession_overlaps",
        "concession_hectares",
        "case_links",
        "cases_by_concession",
        "by_year",
        "by_province",
    }
    written = write_tables(tables, tmp_path)
    assert len(written) == len(tables)
    for path in written:
        assert path.with_name(path.name + ".provenance.json").exists()
    pairs = pd.read_csv(tmp_path / "concessions_x_community_forests.csv", encoding="utf-8-sig")
    assert pairs["overlap_ha"].sum() == pytest.approx(
        tables["concessions_x_community_forests"]["overlap_ha"].sum()
    )
    cov = tables["concession_coverage"]
    assert cov["any_area_ha"].sum() <= (
        cov["community_forests_ha"].sum() + cov["protected_areas_ha"].sum() + 1e-6
    )
    links = pd.read_csv(tmp_path / "case_links.csv", encoding="utf-8-sig")
    assert list(links.columns) == [
        "case_id",
        "concession_id",
        "name",
        "relation",
        "distance_m",
        "crs",
    ]  # no personal fields
