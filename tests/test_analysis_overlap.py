"""Overlap, coverage and conflicts: property tests against geopandas.overlay and a catalogue of
awkward inputs (holes, multipart, slivers, touching edges, points, empty, Z, mixed CRS)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landmap.analysis import (
    PAIR_COLUMNS,
    concession_conflicts,
    coverage_by_area,
    coverage_by_concession,
    hectares_check,
    metric_crs,
    overlap,
)
from landmap.analysis._common import points_in
from landmap.analysis._engine import exact_pairs
from landmap.errors import AnalysisError, CRSError

UTM = "EPSG:32648"
X0, Y0 = 500_000.0, 1_300_000.0  # central Cambodia in UTM 48N


def areas(geoms, ids=None, crs=UTM, **cols):
    ids = ids or [f"A{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame(
        {"area_id": ids, "name": [f"area {i}" for i in ids], **cols}, geometry=list(geoms), crs=crs
    )


def concessions(geoms, ids=None, crs=UTM, **cols):
    ids = ids or [f"C{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame(
        {"concession_id": ids, "name": [f"conc {i}" for i in ids], **cols},
        geometry=list(geoms),
        crs=crs,
    )


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def overlay_areas(a: gpd.GeoDataFrame, c: gpd.GeoDataFrame) -> dict[tuple[str, str], float]:
    """The independent answer: geopandas.overlay, hectares per (area, concession)."""
    ov = gpd.overlay(
        a[["area_id", "geometry"]],
        c[["concession_id", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    ov = ov[ov.area > 0]
    return ov.assign(ha=ov.area / 1e4).groupby(["area_id", "concession_id"])["ha"].sum().to_dict()


# --- random polygon sets --------------------------------------------------------------------


@st.composite
def polygon(draw):
    kind = draw(st.sampled_from(["box", "star", "holed", "multi"]))
    cx = draw(st.integers(0, 2000))
    cy = draw(st.integers(0, 2000))
    r = draw(st.integers(20, 600))
    if kind == "box":
        w = draw(st.integers(10, 800))
        return box(cx, cy, cx + w, cy + r)
    n = draw(st.integers(5, 16))
    radii = draw(st.lists(st.floats(0.5, 1.0), min_size=n, max_size=n))
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = np.column_stack(
        [X0 + cx + r * np.array(radii) * np.cos(t), Y0 + cy + r * np.array(radii) * np.sin(t)]
    )
    shell = shapely.Polygon(ring)
    if kind == "holed":
        shell = shell.difference(shapely.Point(X0 + cx, Y0 + cy).buffer(r * 0.3))
    if kind == "multi":
        shell = shapely.union(shell, box(cx + 2 * r, cy, cx + 3 * r, cy + r))
    return shapely.make_valid(shell)


polygon_sets = st.lists(polygon(), min_size=1, max_size=8)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polygon_sets, polygon_sets, st.randoms(use_true_random=False))
def test_pairs_match_geopandas_overlay_and_row_order(ga, gc, rnd):
    a, c = areas(ga), concessions(gc)
    got = overlap(a, c)
    expected = overlay_areas(a, c)
    mine = {(r.area_id, r.concession_id): r.overlap_ha for r in got.itertuples()}
    big = {k for k, v in expected.items() if v > 1e-6}
    assert big <= set(mine)
    for key in mine:
        assert mine[key] == pytest.approx(expected.get(key, 0.0), rel=1e-6, abs=1e-8)
    # percentages are consistent with the areas
    np.testing.assert_allclose(got["pct_of_area"], 100 * got["overlap_ha"] / got["area_ha"])
    # union coverage never exceeds the area, and never falls below the largest single pair
    cov = coverage_by_area(a, c)
    assert (cov["covered_ha"] <= cov["area_ha"] * (1 + 1e-12)).all()
    largest = got.groupby("area_id")["overlap_ha"].max()
    joined = cov.set_index("area_id")["covered_ha"].reindex(largest.index)
    assert (joined >= largest * (1 - 1e-9)).all()
    # row order does not change the answer
    order_a = list(range(len(a)))
    order_c = list(range(len(c)))
    rnd.shuffle(order_a)
    rnd.shuffle(order_c)
    again = overlap(a.iloc[order_a], c.iloc[order_c])
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")),
        pd.DataFrame(again.drop(columns="geometry")),
        check_exact=False,
        rtol=1e-12,
    )


# --- catalogue of awkward inputs --------------------------------------------------------------


def test_touching_is_not_overlap():
    a = areas([box(0, 0, 100, 100)])
    c = concessions([box(100, 0, 200, 100), box(100, 100, 200, 200)])  # edge and corner
    assert len(overlap(a, c)) == 0
    assert coverage_by_area(a, c)["covered_ha"].iloc[0] == 0


def test_hole_is_not_covered():
    holed = shapely.Polygon(box(0, 0, 300, 300).exterior, [box(100, 100, 200, 200).exterior])
    a = areas([box(120, 120, 180, 180), box(150, 150, 250, 180)])
    got = overlap(a, concessions([holed])).set_index("area_id")
    assert "A0" not in got.index  # wholly inside the hole
    assert got.loc["A1", "overlap_ha"] == pytest.approx(50 * 30 / 1e4)


def test_multipart_concession_sums_its_parts():
    multi = shapely.MultiPolygon([box(0, 0, 100, 100), box(200, 0, 300, 100)])
    got = overlap(areas([box(50, 0, 250, 100)]), concessions([multi]))
    assert got["overlap_ha"].iloc[0] == pytest.approx(1.0)
    assert got["pct_of_concession"].iloc[0] == pytest.approx(50.0)


def test_sliver_overlap_is_measured():
    got = overlap(areas([box(0, 0, 100, 100)]), concessions([box(99.999, 0, 200, 100)]))
    assert got["overlap_ha"].iloc[0] == pytest.approx(0.001 * 100 / 1e4, rel=1e-6)


def test_overlapping_concessions_not_double_counted():
    a = areas([box(0, 0, 100, 100)])
    c = concessions([box(0, 0, 80, 100), box(20, 0, 100, 100)])
    pairs = overlap(a, c)
    assert pairs["overlap_ha"].sum() == pytest.approx(1.6)  # pairs may add above the area
    cov = coverage_by_area(a, c).iloc[0]
    assert cov["covered_ha"] == pytest.approx(1.0)
    assert cov["pct_covered"] == pytest.approx(100.0)
    assert cov["n_concessions"] == 2 and cov["concession_ids"] == "C0; C1"


def test_point_concessions_take_no_part_and_are_noted():
    c = concessions([box(0, 0, 50, 50), shapely.Point(X0 + 10, Y0 + 10)])
    got = overlap(areas([box(0, 0, 100, 100)]), c)
    assert got["concession_id"].tolist() == ["C0"]
    assert any("C1" in n and "point" in n for n in got.attrs["provenance"]["notes"])


def test_empty_inputs_give_empty_tables_with_columns():
    empty = areas([]).iloc[:0]
    got = overlap(empty, concessions([box(0, 0, 1, 1)]))
    assert list(got.columns) == [*PAIR_COLUMNS, "geometry"] and len(got) == 0
    assert len(overlap(areas([box(0, 0, 1, 1)]), concessions([]).iloc[:0])) == 0
    assert len(concession_conflicts(concessions([]).iloc[:0])) == 0


def test_z_coordinates_are_dropped():
    poly_z = shapely.force_3d(box(0, 0, 100, 100), 25.0)
    got = overlap(areas([poly_z]), concessions([box(50, 0, 150, 100)]))
    assert got["overlap_ha"].iloc[0] == pytest.approx(0.5)
    assert not shapely.has_z(got.geometry.values).any()


def test_mixed_crs_inputs_agree():
    a = areas([box(0, 0, 1000, 1000)])
    c = concessions([box(500, 0, 1500, 1000)])
    same = overlap(a, c)
    mixed = overlap(a.to_crs("EPSG:4326"), c)
    assert mixed["overlap_ha"].iloc[0] == pytest.approx(same["overlap_ha"].iloc[0], rel=1e-6)
    assert mixed["crs"].iloc[0] == "EPSG:32648"
    assert mixed.crs == "EPSG:4326"  # geometries back in the storage CRS


def test_invalid_bowtie_is_repaired_not_dropped():
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    got = overlap(areas([bowtie]), concessions([box(0, 0, 100, 100)]))
    assert got["overlap_ha"].iloc[0] == pytest.approx(0.5)


def test_missing_geometry_and_ids_are_reported():
    a = areas([box(0, 0, 10, 10), None], ids=["A0", None])
    got = overlap(a, concessions([box(0, 0, 5, 5)]))
    assert got["area_id"].tolist() == ["A0"]
    assert any(n.startswith("row 2") for n in got.attrs["provenance"]["notes"])


def test_no_crs_is_an_error():
    a = areas([box(0, 0, 1, 1)]).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="no coordinate reference system|has no CRS"):
        overlap(a, concessions([box(0, 0, 1, 1)]))


def test_geographic_crs_request_is_an_error():
    with pytest.raises(CRSError, match="not projected"):
        overlap(areas([box(0, 0, 1, 1)]), concessions([box(0, 0, 1, 1)]), crs="EPSG:4326")


def test_bad_input_type_is_an_error():
    with pytest.raises(AnalysisError, match="expected a GeoDataFrame"):
        overlap([1, 2], concessions([box(0, 0, 1, 1)]))


def test_metric_crs_choice():
    lonlat = gpd.GeoDataFrame(geometry=[shapely.Point(104.9, 11.6)], crs="EPSG:4326")
    assert metric_crs(lonlat) == "EPSG:32648"
    wide = gpd.GeoDataFrame(
        geometry=[shapely.Point(-60, 0), shapely.Point(60, 10)], crs="EPSG:4326"
    )
    assert metric_crs(wide) == "EPSG:6933"
    assert metric_crs(crs="EPSG:32647") == "EPSG:32647"


def test_provenance_and_crs_on_every_result():
    a, c = areas([box(0, 0, 100, 100)]), concessions([box(50, 0, 150, 100), box(60, 0, 70, 10)])
    for result in (
        overlap(a, c),
        coverage_by_area(a, c),
        coverage_by_concession(c, a),
        concession_conflicts(c),
        hectares_check(c),
    ):
        prov = result.attrs["provenance"]
        assert prov["crs"] == "EPSG:32648" and prov["landmap_version"]
        assert (result["crs"] == "EPSG:32648").all()


def test_conflicts_each_pair_once_and_contained_concession():
    c = concessions(
        [box(0, 0, 100, 100), box(50, 0, 150, 100), box(10, 10, 20, 20), box(100, 0, 200, 100)]
    )  # C3 only touches C0
    got = concession_conflicts(c)
    pairs = {(r.concession_id_a, r.concession_id_b): r.overlap_ha for r in got.itertuples()}
    assert pairs == pytest.approx({("C0", "C1"): 0.5, ("C0", "C2"): 0.01, ("C1", "C3"): 0.5})
    row = got.set_index(["concession_id_a", "concession_id_b"]).loc[("C0", "C2")]
    assert row["pct_of_b"] == pytest.approx(100.0)


def test_hectares_check_flags_discrepancy():
    c = concessions([box(0, 0, 100, 100), box(0, 0, 100, 100)], hectares_stated=[1.0, 2.0])
    got = hectares_check(c, tolerance_pct=10)
    assert got["flagged"].tolist() == [False, True]
    assert got["difference_pct"].tolist() == pytest.approx([0.0, -50.0])
    assert got.attrs["totals"] == pytest.approx({"hectares_stated": 3.0, "hectares_drawn": 2.0})


def test_coverage_by_concession_per_layer_and_union():
    c = concessions([box(0, 0, 100, 100)])
    forest = areas([box(0, 0, 60, 100)], kind=["community forest"])
    park = areas([box(40, 0, 100, 100)], kind=["protected area"])
    got = coverage_by_concession(c, forest, park).iloc[0]
    assert got["community_forest_ha"] == pytest.approx(0.6)
    assert got["protected_area_ha"] == pytest.approx(0.6)
    assert got["any_area_ha"] == pytest.approx(1.0)  # the shared 0.2 ha counted once


def test_exact_kernel_reverse_fast_path():
    big = np.array([box(0, 0, 1000, 1000)], dtype=object)
    small = np.array([box(10, 10, 20, 20)], dtype=object)
    got = exact_pairs(big, small)
    assert got.area.tolist() == pytest.approx([100.0])
    assert shapely.equals(got.geometry[0], small[0])


@settings(max_examples=20, deadline=None)
@given(polygon_sets)
def test_points_in_finds_every_point_in_or_on_a_polygon(gc):
    conc = np.array(gc, dtype=object)
    x0, y0, _, _ = shapely.total_bounds(conc)
    # points on a 25 m lattice (on many edges and corners) as well as inside polygons
    steps = np.arange(-2, 60) * 25.0
    xx, yy = np.meshgrid(x0 + steps, y0 + steps)
    x, y = xx.ravel(), yy.ravel()
    truth = shapely.intersects_xy(conc[None, :], x[:, None], y[:, None])
    ip, ik = points_in(x, y, conc)
    rows, cols = np.nonzero(truth)
    assert sorted(zip(ip.tolist(), ik.tolist(), strict=True)) == sorted(
        zip(rows.tolist(), cols.tolist(), strict=True)
    )


def test_union_cache_is_keyed_bounded_and_clearable():
    from landmap.analysis import clear_caches
    from landmap.analysis._common import UNIONS, UnionCache, union_parts

    clear_caches()
    assert len(UNIONS) == 0
    a = np.array([box(0, 0, 100, 100), box(50, 0, 150, 100)], dtype=object)
    b = np.array([box(0, 0, 100, 100), box(50, 0, 160, 100)], dtype=object)  # one edge moved
    first = union_parts(a)
    assert union_parts(a.copy()) is first  # same geometries: computed once
    assert shapely.area(union_parts(b)).sum() == pytest.approx(16_000.0)  # not a's union
    assert shapely.area(first).sum() == pytest.approx(15_000.0)
    with pytest.raises(ValueError, match="read-only"):
        first[0] = None
    small = UnionCache(maxsize=2)
    for k in range(5):
        small.parts(np.array([box(0, 0, k + 1, 1)], dtype=object))
    assert len(small) == 2
    small.clear()
    assert len(small) == 0
    clear_caches()
    assert len(UNIONS) == 0
