"""Zonal statistics, change and clipping on tiny rasters with answers worked out by hand."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
from _rasters import write_raster
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin

from landmap.errors import (
    AnalysisError,
    CRSError,
    DataFileError,
    DataValueError,
    LandmapWarning,
)
from landmap.raster import clip, forest_cover, zonal_change, zonal_stats
from landmap.raster._coverage import edge_pieces, exact_coverage

X0, Y0, PX = 500_000.0, 1_400_040.0, 10.0  # 4x4 grid of 10 m pixels (0.01 ha each) in UTM 48N
GRID = from_origin(X0, Y0, PX, PX)
CLASSES = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [2, 0, 0, 0], [2, 2, 0, 0]], dtype="uint8")


def make_raster(path, array, *, crs="EPSG:32648", transform=None, nodata=None):
    return write_raster(path, array, transform=transform or GRID, crs=crs, nodata=nodata)


def cells(c0, r0, c1, r1):
    """Polygon covering pixel columns c0..c1-1 and rows r0..r1-1 of GRID."""
    return shapely.box(X0 + c0 * PX, Y0 - r1 * PX, X0 + c1 * PX, Y0 - r0 * PX)


def layer(*geoms, crs="EPSG:32648", **columns):
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=crs)


@pytest.fixture
def classes_tif(tmp_path):
    return make_raster(tmp_path / "classes.tif", CLASSES)


@pytest.mark.parametrize("method", ["center", "exact"])
def test_polygon_covering_exactly_six_pixels(classes_tif, method):
    # Columns 0-2, rows 0-1: values 1 1 0 / 1 1 1 -> five of class 1, one of class 0.
    out = zonal_stats(
        classes_tif,
        layer(cells(0, 0, 3, 2), area_id=["a"], name=["Six"]),
        classes=True,
        method=method,
    )
    row = out.iloc[0]
    assert list(out.columns[:3]) == ["area_id", "name", "area_ha"]
    assert row["area_ha"] == pytest.approx(0.06)
    assert row["class_1_ha"] == pytest.approx(0.05)
    assert row["class_0_ha"] == pytest.approx(0.01)
    assert row["class_1_pct"] == pytest.approx(500 / 6)
    assert "class_2_ha" not in out  # not inside this polygon
    assert row["nodata_ha"] == 0 and row["outside_ha"] == pytest.approx(0)


def test_half_pixels_exact_versus_center(classes_tif):
    # Six whole pixels plus the left half of column 3 in rows 0-1 (two class-0 pixels).
    poly = shapely.box(X0, Y0 - 2 * PX, X0 + 3.5 * PX, Y0)
    exact = zonal_stats(classes_tif, layer(poly), classes=True, method="exact").iloc[0]
    assert exact["class_0_ha"] == pytest.approx(0.01 + 2 * 0.005)
    assert exact["class_1_ha"] == pytest.approx(0.05)
    # The right boundary runs through the pixel centres: GDAL's rule is then one side or the
    # other, but never a fraction.
    center = zonal_stats(classes_tif, layer(poly), classes=True, method="center").iloc[0]
    assert center["class_0_ha"] in (pytest.approx(0.01), pytest.approx(0.03))
    # A triangle cutting pixel (0, 0) on its diagonal covers half of it.
    tri = shapely.Polygon([(X0, Y0), (X0 + PX, Y0), (X0, Y0 - PX)])
    assert zonal_stats(classes_tif, layer(tri), classes=True).iloc[0][
        "class_1_ha"
    ] == pytest.approx(0.005)


def test_exact_coverage_matches_shapely_intersection_areas():
    poly = shapely.Polygon(
        [(0.3, 0.2), (3.7, 0.9), (2.2, 3.8)], holes=[[(1.5, 1.5), (2, 1.4), (1.8, 2)]]
    )
    multi = shapely.MultiPolygon([poly, shapely.box(3.1, 3.1, 3.9, 3.6)])
    t = Affine(1, 0, 0, 0, -1, 4)
    ref = np.array(
        [
            [multi.intersection(shapely.box(c, 3 - r, c + 1, 4 - r)).area for c in range(4)]
            for r in range(4)
        ]
    )
    assert np.allclose(exact_coverage(edge_pieces(multi, t), 0, 0, 4, 4), ref, atol=1e-12)
    assert np.allclose(exact_coverage(edge_pieces(multi, t), 1, 2, 3, 2), ref[1:4, 2:4], atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.5, 9.5), st.floats(0.5, 9.5), st.floats(0.3, 3.0)),
        min_size=1,
        max_size=4,
    )
)
def test_exact_coverage_equals_pixel_by_pixel_intersection(discs):
    # Overlapping discs merge into shapes with holes and several parts.
    shape = shapely.union_all([shapely.Point(x, y).buffer(r, 5) for x, y, r in discs])
    t = Affine(1.0, 0, -1.5, 0, -1.0, 11.3)  # a grid not aligned with whole numbers
    cover = exact_coverage(edge_pieces(shape, t), 0, 0, 14, 14)
    rows, cols = np.divmod(np.arange(14 * 14), 14)
    left, top = -1.5 + cols, 11.3 - rows
    boxes = shapely.box(left, top - 1, left + 1, top)
    ref = shapely.area(shapely.intersection(shape, boxes)).reshape(14, 14)
    assert np.abs(cover - ref).max() < 1e-9


@pytest.mark.parametrize("method", ["center", "exact"])
def test_crs_mismatch_gives_the_same_answer_as_reprojected_polygons(classes_tif, method):
    # A tilted quadrilateral drawn in UTM, handed over in WGS 84: polygons are reprojected to
    # the raster (never the other way round) and the answers agree.
    poly = shapely.Polygon(
        [(X0 + 1, Y0 - 2), (X0 + 37, Y0 - 9), (X0 + 31, Y0 - 38), (X0 + 2, Y0 - 37)]
    )
    utm = layer(poly)
    wgs = utm.to_crs("EPSG:4326")
    a = zonal_stats(classes_tif, wgs, classes=True, method=method)
    b = zonal_stats(classes_tif, utm, classes=True, method=method)
    cols = [c for c in b.columns if c.endswith("_ha")]
    assert np.allclose(a[cols].to_numpy(), b[cols].to_numpy(), atol=1e-6)
    assert b["class_2_ha"].iloc[0] > 0


def test_nodata_declared_and_override(tmp_path):
    arr = CLASSES.copy()
    arr[0, 0] = 9
    declared = make_raster(tmp_path / "nd.tif", arr, nodata=9)
    plain = make_raster(tmp_path / "plain.tif", arr)
    poly = layer(cells(0, 0, 3, 2))
    got = zonal_stats(declared, poly, classes=True).iloc[0]
    assert got["nodata_ha"] == pytest.approx(0.01)
    assert got["class_1_ha"] == pytest.approx(0.04)
    assert got["class_1_pct"] == pytest.approx(80)  # share of the part with data
    assert "class_9_ha" not in got
    assert zonal_stats(plain, poly, classes=True).iloc[0]["class_9_ha"] == pytest.approx(0.01)
    over = zonal_stats(plain, poly, classes=True, nodata=9).iloc[0]
    assert over["nodata_ha"] == pytest.approx(0.01) and "class_9_ha" not in over


def test_polygons_partly_wholly_outside_null_and_invalid(classes_tif):
    partly = shapely.box(X0 - 20, Y0 - 20, X0 + 20, Y0 + 10)  # 0.12 ha, 0.04 ha inside
    far = shapely.box(X0 + 1000, Y0, X0 + 1100, Y0 + 100)
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 40, Y0 - 40), (X0 + 40, Y0), (X0, Y0 - 40)])
    gdf = layer(partly, far, None, bowtie, concession_id=["p", "f", "n", "b"])
    out = zonal_stats(classes_tif, gdf, classes=True)
    assert list(out["concession_id"]) == ["p", "f", "n", "b"]
    p, f, n, b = (out.iloc[i] for i in range(4))
    assert p["area_ha"] == pytest.approx(0.12) and p["outside_ha"] == pytest.approx(0.08)
    assert p["class_1_ha"] == pytest.approx(0.04)
    assert f["outside_ha"] == pytest.approx(1.0) and np.isnan(f["class_1_pct"])
    assert n["area_ha"] == 0 and n["outside_ha"] == 0
    assert b["area_ha"] == pytest.approx(0.08)  # repaired into two triangles
    ha = [c for c in out.columns if c.endswith("_ha") and c != "area_ha"]
    assert np.allclose(out[ha].sum(axis=1), out["area_ha"])  # nothing silently lost


def test_empty_layer_gives_empty_table(classes_tif):
    out = zonal_stats(classes_tif, layer(area_id=pd.Series([], dtype="string")), classes=True)
    assert len(out) == 0
    assert {"area_id", "area_ha", "nodata_ha", "outside_ha"} <= set(out.columns)
    cont = zonal_stats(classes_tif, gpd.GeoSeries([], crs="EPSG:32648"))
    assert {"mean", "min", "max", "sum", "count"} <= set(cont.columns)


def test_declared_classes_always_get_columns_and_labels(classes_tif):
    out = zonal_stats(
        classes_tif,
        layer(cells(0, 0, 2, 2)),
        classes={0: "Non-forest", 1: ("Forest", "#1b7a3a"), 5: "Water"},
    )
    assert out.iloc[0]["class_5_ha"] == 0 and out.iloc[0]["class_0_ha"] == 0
    assert out.attrs["classes"] == {0: "Non-forest", 1: "Forest", 5: "Water"}
    record = out.attrs["provenance"]
    assert record["operation"] == "zonal_stats" and record["crs"] == "EPSG:32648"
    assert record["parameters"]["method"] == "exact"


def test_overlap_pairs_keep_both_ids_and_names(classes_tif):
    pairs = layer(
        cells(0, 0, 1, 1),
        cells(0, 0, 2, 1),
        area_id=["A1", "A1"],
        concession_id=["C1", "C2"],
        area_name=["Forest", "Forest"],
        concession_name=["North", "South"],
        overlap_ha=[0.01, 0.02],
    )
    out = zonal_stats(classes_tif, pairs, classes=True)
    assert list(out.columns[:5]) == [
        "area_id",
        "concession_id",
        "area_name",
        "concession_name",
        "area_ha",
    ]
    assert out["class_1_ha"].tolist() == pytest.approx([0.01, 0.02])


def test_continuous_statistics(tmp_path):
    values = np.arange(16, dtype="float32").reshape(4, 4)
    values[3, 3] = np.nan
    path = make_raster(tmp_path / "v.tif", values)
    out = zonal_stats(path, layer(cells(2, 2, 4, 4), cells(0, 0, 1.5, 1)), method="exact")
    a, b = out.iloc[0], out.iloc[1]
    assert (a["mean"], a["min"], a["max"], a["sum"], a["count"]) == pytest.approx(
        (35 / 3, 10, 14, 35, 3)
    )
    assert a["nodata_ha"] == pytest.approx(0.01)  # the NaN pixel
    # Pixel 0 whole (value 0) and half of pixel 1 (value 1): weighted mean 1/3.
    assert (b["mean"], b["sum"], b["count"]) == pytest.approx((1 / 3, 0.5, 1.5))
    c = zonal_stats(path, layer(cells(2, 2, 4, 4)), method="center").iloc[0]
    assert c["count"] == 3 and c["sum"] == 35


def test_geographic_raster_rows_have_their_own_area(tmp_path):
    # 0.01 degree pixels from 60 N down to 59.96 N: each row's area checked against pyproj.Geod.
    t = from_origin(10.0, 60.0, 0.01, 0.01)
    path = make_raster(
        tmp_path / "g.tif", np.ones((4, 4), dtype="uint8"), crs="EPSG:4326", transform=t
    )
    rows = [shapely.box(10.0, 60.0 - 0.01 * (r + 1), 10.04, 60.0 - 0.01 * r) for r in range(4)]
    out = zonal_stats(path, gpd.GeoSeries(rows, crs="EPSG:4326"), classes=True)
    geod = pyproj.Geod(ellps="WGS84")
    for r, poly in enumerate(rows):
        expected = abs(geod.geometry_area_perimeter(poly)[0]) / 1e4
        assert out.iloc[r]["class_1_ha"] == pytest.approx(expected, rel=1e-6)
        assert out.iloc[r]["area_ha"] == pytest.approx(expected, rel=1e-6)
    assert out.iloc[0]["class_1_ha"] < out.iloc[3]["class_1_ha"]  # rows shrink towards the pole


def test_change_between_two_dates(tmp_path):
    before = make_raster(tmp_path / "b.tif", np.ones((4, 4), dtype="uint8"))
    later = np.ones((4, 4), dtype="uint8")
    later[:2, :2] = 0  # four forest pixels cleared
    after = make_raster(tmp_path / "a.tif", later)
    out = zonal_change(before, after, layer(cells(0, 0, 3, 3), name=["Concession"]))
    row = out.iloc[0]
    assert row["change_1_to_0_ha"] == pytest.approx(0.04)
    assert row["change_1_to_1_ha"] == pytest.approx(0.05)
    assert "change_0_to_1_ha" not in out
    shifted = make_raster(tmp_path / "s.tif", later, transform=from_origin(X0 + 5, Y0, PX, PX))
    with pytest.raises(AnalysisError, match="not on the same grid.*gdalwarp"):
        zonal_change(before, shifted, layer(cells(0, 0, 3, 3)))


def test_bad_inputs_raise_clear_errors(tmp_path, classes_tif):
    poly = layer(cells(0, 0, 2, 2))
    with pytest.raises(DataFileError, match="cannot open the raster"):
        zonal_stats(tmp_path / "missing.tif", poly)
    with pytest.raises(CRSError, match="no CRS"):
        zonal_stats(classes_tif, gpd.GeoSeries([cells(0, 0, 1, 1)]))
    with pytest.raises(DataValueError, match="row 2.*Point, not a polygon"):
        zonal_stats(classes_tif, layer(cells(0, 0, 1, 1), shapely.Point(X0, Y0)))
    with pytest.raises(DataValueError, match="unknown pixel-coverage method 'middle'"):
        zonal_stats(classes_tif, poly, method="middle")
    nocrs = make_raster(tmp_path / "nocrs.tif", CLASSES, crs=None)
    with pytest.raises(CRSError, match="raster has no coordinate reference system"):
        zonal_stats(nocrs, poly)


def test_clip_writes_a_tiled_compressed_geotiff(tmp_path, classes_tif):
    out = tmp_path / "sub" / "cut.tif"
    poly = layer(cells(1, 1, 3, 3), name=["Concession"])
    assert clip(classes_tif, poly.to_crs("EPSG:4326"), out) == out
    with rasterio.open(out) as src:
        assert src.profile["tiled"] and src.profile["compress"] == "deflate"
        assert (src.width, src.height) == (2, 2)
        assert src.transform.c == pytest.approx(X0 + PX)
        assert src.nodata == 255
        assert src.read(1).tolist() == [[1, 1], [0, 0]]
    assert (
        json.loads((tmp_path / "sub" / "cut.tif.provenance.json").read_text())["operation"]
        == "clip"
    )
    assert sorted(p.name for p in out.parent.iterdir()) == ["cut.tif", "cut.tif.provenance.json"]
    tri = shapely.Polygon([(X0, Y0), (X0 + 40, Y0), (X0, Y0 - 40)])
    clip(classes_tif, layer(tri), out, nodata=7)
    with rasterio.open(out) as src:
        data = src.read(1)
    assert data[0, 0] == 1 and data[3, 3] == 7 and src.nodata == 7


def test_clip_warns_when_the_chosen_nodata_value_occurs_inside(tmp_path):
    arr = CLASSES.copy()
    arr[0, 0] = 255
    src = make_raster(tmp_path / "full.tif", arr)
    with pytest.warns(LandmapWarning, match="value 255 chosen as nodata also occurs"):
        clip(src, layer(cells(0, 0, 2, 2)), tmp_path / "cut.tif")
    clip(src, layer(cells(0, 0, 2, 2)), tmp_path / "cut.tif", nodata=9)  # no warning


def test_clip_refuses_polygons_off_the_raster(tmp_path, classes_tif):
    far = layer(shapely.box(X0 + 1000, Y0, X0 + 1100, Y0 + 100))
    with pytest.raises(AnalysisError, match="no polygon overlaps the raster"):
        clip(classes_tif, far, tmp_path / "x.tif")
    assert not list(tmp_path.glob("*x*"))


# --- the real bundled forest mask -------------------------------------------------------------


@pytest.fixture(scope="module")
def fnf(shared_data):
    return shared_data / "rasters" / "FNF_mask_exercise.tif"


@pytest.fixture(scope="module")
def elcs(shared_data, fnf):
    gdf = gpd.read_file(shared_data / "cambodia" / "cam-elc-complete.geojson")
    # Three concessions wholly inside the mask with forest in them, and a small one without.
    picked = gdf.iloc[[218, 143, 50, 3]]
    with rasterio.open(fnf) as src:
        assert picked.within(shapely.box(*src.bounds)).all()
    assert shapely.is_valid(picked.geometry.values).all()
    return picked.to_crs("EPSG:4326")


def test_real_mask_center_matches_rasterio_mask_count(fnf, elcs):
    from rasterio.mask import mask

    got = zonal_stats(fnf, elcs, classes=True, method="center")
    with rasterio.open(fnf) as src:
        for i, geom in enumerate(elcs.to_crs(src.crs).geometry):
            data, _ = mask(src, [geom], crop=True, filled=False)
            counts = {v: int((data.compressed() == v).sum()) for v in (0, 1)}
            assert got.iloc[i]["class_0_ha"] == pytest.approx(counts[0] * 0.09)
            assert got.iloc[i].get("class_1_ha", 0) == pytest.approx(counts[1] * 0.09)


def test_real_mask_exact_totals_match_polygon_areas(fnf, elcs):
    exact = forest_cover(fnf, elcs, method="exact")
    center = forest_cover(fnf, elcs, method="center")
    utm_area = elcs.to_crs("EPSG:32648").area.to_numpy() / 1e4
    assert np.allclose(exact["forest_ha"] + exact["non_forest_ha"], utm_area, rtol=1e-9)
    assert (exact["outside_ha"] < 1e-6).all()
    # Centre counting differs from exact by at most the boundary pixels (0.09 ha each).
    perimeter_px = elcs.to_crs("EPSG:32648").length.to_numpy() / 30
    diff = (center["forest_ha"] + center["non_forest_ha"] - utm_area).abs() / 0.09
    assert (diff <= perimeter_px).all()
    assert list(exact.columns[2:]) == [
        "area_ha",
        "forest_ha",
        "non_forest_ha",
        "forest_pct",
        "nodata_ha",
        "outside_ha",
        "mapped_pct",
    ]
    assert (exact["forest_ha"].iloc[:3] > 3000).all() and exact["forest_ha"].iloc[3] == 0
    assert np.allclose(exact["mapped_pct"], 100)
