"""Cases against areas, GeoParquet layers through each engine, and write_table."""

from __future__ import annotations

import importlib.util
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landmap.analysis import (
    case_links,
    cases_by_concession,
    cases_in_areas,
    coverage_by_area,
    overlap,
    write_table,
)
from landmap.errors import AnalysisError, ExportError

UTM = "EPSG:32648"
#: Engines for GeoParquet layers; SedonaDB's tests skip only where it cannot be installed.
HAS_SEDONADB = importlib.util.find_spec("sedonadb") is not None
needs_sedonadb = pytest.mark.skipif(
    not HAS_SEDONADB, reason="SedonaDB is not installed (pip install 'landmap[large]')"
)
ENGINES = ["memory", pytest.param("sedonadb", marks=needs_sedonadb)]
X0, Y0 = 500_000.0, 1_300_000.0


def pts(xy, **cols):
    n = len(xy)
    data = {"case_id": [f"k{i}" for i in range(n)], **cols}
    return gpd.GeoDataFrame(data, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM)


def conc(boxes, **cols):
    return gpd.GeoDataFrame(
        {
            "concession_id": [f"C{i}" for i in range(len(boxes))],
            "name": [f"conc {i}" for i in range(len(boxes))],
            **cols,
        },
        geometry=[shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes],
        crs=UTM,
    )


def test_inside_near_edge_and_overlapping():
    cases = pts([(50, 50), (150, 50), (100, 50), (400, 50), (5000, 5000)])
    k = conc([(0, 0, 100, 100), (90, 0, 200, 100)])
    links = case_links(cases, k, within_m=500)
    got = links.groupby("case_id")["concession_id"].apply(list).to_dict()
    assert got["k0"] == ["C0"]
    assert got["k1"] == ["C1"]
    assert got["k2"] == ["C0", "C1"]  # inside both overlapping concessions
    assert got["k3"] == ["C1"]  # 200 m from C1, outside both
    assert "k4" not in got
    near = links.set_index("case_id").loc["k3"]
    assert near["relation"] == "near" and near["distance_m"] == pytest.approx(200.0)
    wide = cases_in_areas(cases, k, within_m=500).set_index("case_id")
    assert wide.loc["k2", "concession_count"] == 2
    assert pd.isna(wide.loc["k4", "concession_id"]) and wide.loc["k4", "concession_count"] == 0
    assert wide.crs == "EPSG:4326"


def test_point_on_edge_counts_as_inside():
    links = case_links(pts([(100, 50)]), conc([(0, 0, 100, 100)]))
    assert links["relation"].tolist() == ["inside"]


def test_per_concession_counts_households_and_dates():
    cases = pts(
        [(10, 10), (20, 20), (95, 50), (300, 50)],
        households=[5, 7, 1, 100],
        date=pd.to_datetime(["2012-01-05", "2010-03-01", "2014-07-07", "2011-01-01"]),
    )
    k = conc([(0, 0, 100, 100), (90, 0, 200, 100), (1000, 1000, 1100, 1100)])
    per = cases_by_concession(cases, k, within_m=150).set_index("concession_id")
    assert per.loc["C0", "cases"] == 3 and per.loc["C0", "households"] == 13
    assert per.loc["C0", "first_date"] == pd.Timestamp("2010-03-01")
    assert per.loc["C0", "last_date"] == pd.Timestamp("2014-07-07")
    assert per.loc["C1", "cases"] == 2 and per.loc["C1", "cases_near"] == 1
    assert per.loc["C2", "cases"] == 0


def test_named_layers_and_bad_distance():
    cases = pts([(50, 50)])
    got = cases_in_areas(
        cases, {"elc": conc([(0, 0, 100, 100)]), "forest": conc([(40, 40, 60, 60)])}
    )
    assert got[["elc_id", "forest_id"]].iloc[0].tolist() == ["C0", "C0"]
    with pytest.raises(AnalysisError, match="within_m must be"):
        case_links(cases, conc([(0, 0, 1, 1)]), within_m=-5)
    with pytest.raises(AnalysisError, match="number of metres"):
        case_links(cases, conc([(0, 0, 1, 1)]), within_m="far")


def _fabric(n_side: int):
    rng = np.random.default_rng(7)
    xs = np.cumsum(rng.uniform(40, 200, n_side)) + X0
    ys = np.cumsum(rng.uniform(40, 200, n_side)) + Y0
    cells = [
        shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1])
        for i in range(n_side - 1)
        for j in range(n_side - 1)
    ]
    parcels = gpd.GeoDataFrame(
        {"parcel_id": np.arange(len(cells), dtype=np.int64)}, geometry=cells, crs=UTM
    )
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    span = xs[-1] - xs[0]
    polys = []
    for cx, cy, r in [(0.3, 0.3, 0.2), (0.5, 0.5, 0.25), (0.8, 0.3, 0.1)]:
        rr = span * r * (1 + 0.2 * np.sin(5 * t))
        shell = np.column_stack(
            [xs[0] + span * cx + rr * np.cos(t), ys[0] + span * cy + rr * np.sin(t)]
        )
        hole = shapely.Point(xs[0] + span * cx, ys[0] + span * cy).buffer(span * r * 0.3)
        polys.append(shapely.Polygon(shell).difference(hole))
    concs = gpd.GeoDataFrame(
        {"concession_id": ["C0", "C1", "C2"], "name": ["a", "b", "c"]}, geometry=polys, crs=UTM
    )
    return parcels, concs


@pytest.mark.parametrize("engine", ENGINES)
def test_geoparquet_engine_matches_in_memory_and_overlay(tmp_path, engine):
    parcels, concs = _fabric(60)
    p, c = tmp_path / "parcels.parquet", tmp_path / "concessions.parquet"
    parcels.to_parquet(p, write_covering_bbox=True, row_group_size=500)
    concs.to_parquet(c, write_covering_bbox=True)
    fast = overlap(str(p), str(c), geometry=False, engine=engine)
    assert fast.attrs["provenance"]["notes"][0].startswith(
        {
            "memory": "GeoParquet layer measured in memory",
            "sedonadb": "GeoParquet layer measured by SedonaDB",
        }[engine]
    )
    slow = overlap(parcels, concs, area_id="parcel_id", geometry=False)
    ov = gpd.overlay(parcels, concs, how="intersection", keep_geom_type=True)
    ov = ov[ov.area > 0]
    assert len(fast) == len(slow) == len(ov)
    assert fast["overlap_ha"].sum() == pytest.approx(ov.area.sum() / 1e4, rel=1e-9)
    key = fast["area_id"].astype(str) + "|" + fast["concession_id"].astype(str)
    key2 = slow["area_id"].astype(str) + "|" + slow["concession_id"].astype(str)
    assert sorted(key) == sorted(key2)
    np.testing.assert_allclose(np.sort(fast["overlap_ha"]), np.sort(slow["overlap_ha"]), rtol=1e-9)
    # without a bbox covering column the engine still works
    parcels.to_parquet(p, row_group_size=500)
    again = overlap(str(p), str(c), geometry=False, engine=engine)
    assert again["overlap_ha"].sum() == pytest.approx(fast["overlap_ha"].sum(), rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_geoparquet_points_engine_matches_in_memory(tmp_path, engine):
    _, concs = _fabric(30)
    rng = np.random.default_rng(3)
    b = concs.total_bounds
    xy = np.column_stack([rng.uniform(b[0], b[2], 3000), rng.uniform(b[1], b[3], 3000)])
    cases = gpd.GeoDataFrame({"case_id": np.arange(3000)}, geometry=shapely.points(xy), crs=UTM)
    p, c = tmp_path / "cases.parquet", tmp_path / "c.parquet"
    cases.to_parquet(p, write_covering_bbox=True, row_group_size=700)
    concs.to_parquet(c, write_covering_bbox=True)
    fast = case_links(str(p), str(c), engine=engine)
    slow = case_links(cases, concs)
    assert len(fast) == len(slow) > 100
    assert sorted(zip(fast["case_id"].astype(str), fast["concession_id"], strict=True)) == sorted(
        zip(slow["case_id"], slow["concession_id"], strict=True)
    )


def test_write_table_csv_xlsx_with_provenance(tmp_path):
    k = conc([(0, 0, 100, 100)], kind=["ELC"])
    a = gpd.GeoDataFrame(
        {"area_id": ["ព្រៃសហគមន៍"], "name": ["ព្រៃ"]},
        geometry=[shapely.box(X0 + 50, Y0, X0 + 150, Y0 + 100)],
        crs=UTM,
    )
    pairs = overlap(a, k)
    out = write_table(pairs, tmp_path / "pairs.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert back["area_id"].tolist() == ["ព្រៃសហគមន៍"] and "geometry" not in back.columns
    assert back["overlap_ha"].iloc[0] == pytest.approx(0.5)
    prov = json.loads((tmp_path / "pairs.csv.provenance.json").read_text("utf-8"))
    assert prov["crs"] == "EPSG:32648" and prov["operation"] == "overlap"
    xlsx = write_table(pairs, tmp_path / "pairs.xlsx")
    assert pd.read_excel(xlsx)["concession_id"].tolist() == ["C0"]
    assert (tmp_path / "pairs.xlsx.provenance.json").exists()
    with pytest.raises(ExportError, match="cannot write a table"):
        write_table(pairs, tmp_path / "pairs.txt")
    assert not (tmp_path / "pairs.txt").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_geoparquet_invalid_parcels_are_repaired(tmp_path, engine):
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    parcels = gpd.GeoDataFrame(
        {"area_id": ["bowtie", "fine"]},
        crs=UTM,
        geometry=[bowtie, shapely.box(X0 + 200, Y0, X0 + 300, Y0 + 100)],
    )
    p, c = tmp_path / "p.parquet", tmp_path / "c.parquet"
    parcels.to_parquet(p, write_covering_bbox=True)
    conc([(-10, -10, 400, 400)]).to_parquet(c, write_covering_bbox=True)
    got = overlap(str(p), str(c), geometry=False, engine=engine).set_index("area_id")
    assert got.loc["bowtie", "overlap_ha"] == pytest.approx(0.5)
    assert got.loc["fine", "overlap_ha"] == pytest.approx(1.0)
    shapes = overlap(str(p), str(c), engine=engine).set_index("area_id").to_crs(UTM)
    assert shapes.area["bowtie"] == pytest.approx(5000.0)
    assert shapes.loc["bowtie", "area_ha"] == pytest.approx(0.5)


@pytest.mark.parametrize("engine", ENGINES)
def test_geoparquet_engine_returns_overlap_geometries(tmp_path, engine):
    parcels, concs = _fabric(30)
    p, c = tmp_path / "parcels.parquet", tmp_path / "concessions.parquet"
    parcels.to_parquet(p, write_covering_bbox=True, row_group_size=300)
    concs.to_parquet(c, write_covering_bbox=True)
    got = overlap(str(p), str(c), engine=engine)
    assert got.crs == "EPSG:4326" and len(got) > 50
    plain = overlap(parcels, concs, area_id="parcel_id")
    assert shapely.equals(
        got.sort_values(["area_id", "concession_id"]).geometry.values,
        plain.assign(area_id=plain["area_id"].astype(int))
        .sort_values(["area_id", "concession_id"])
        .geometry.values,
    ).all()
    np.testing.assert_allclose(got.to_crs(UTM).area / 1e4, got["overlap_ha"], rtol=1e-6)
    assert got.attrs["provenance"]["crs"] == "EPSG:32648"


@pytest.mark.parametrize("engine", ENGINES)
def test_geoparquet_coverage_matches_in_memory(tmp_path, engine):
    parcels, concs = _fabric(40)
    # a fourth concession over two others: overlapping grants must not be counted twice
    extra = gpd.GeoDataFrame(
        {"concession_id": ["C3"], "name": ["d"]},
        crs=UTM,
        geometry=[concs.geometry.iloc[1].buffer(-50)],
    )
    concs = pd.concat([concs, extra], ignore_index=True)
    p, c = tmp_path / "parcels.parquet", tmp_path / "concessions.parquet"
    parcels.to_parquet(p, write_covering_bbox=True, row_group_size=400)
    concs.to_parquet(c, write_covering_bbox=True)
    fast = coverage_by_area(str(p), str(c), engine=engine).set_index("area_id")
    slow = coverage_by_area(parcels, concs, area_id="parcel_id").set_index("area_id")
    slow = slow[slow["n_concessions"] > 0]
    slow.index = slow.index.astype(int)
    assert sorted(fast.index) == sorted(slow.index)
    fast = fast.loc[slow.index]
    np.testing.assert_allclose(fast["covered_ha"], slow["covered_ha"], rtol=1e-9)
    assert (fast["n_concessions"].to_numpy() == slow["n_concessions"].to_numpy()).all()
    assert (fast["concession_ids"].to_numpy() == slow["concession_ids"].to_numpy()).all()
    assert (fast["covered_ha"] <= fast["area_ha"] * (1 + 1e-12)).all()
    assert (fast["n_concessions"] > 1).any()


@pytest.mark.parametrize("engine", ENGINES)
def test_geoparquet_pairs_have_the_pair_columns(tmp_path, engine):
    from landmap.analysis import PAIR_COLUMNS

    parcels, concs = _fabric(20)
    parcels = parcels.rename(columns={"parcel_id": "area_id"})
    parcels["name"] = [f"parcel {i}" for i in range(len(parcels))]
    parcels["kind"] = "parcel"
    concs["kind"] = "ELC"
    p, c = tmp_path / "parcels.parquet", tmp_path / "concessions.parquet"
    parcels.to_parquet(p, write_covering_bbox=True)
    concs.to_parquet(c, write_covering_bbox=True)
    got = overlap(str(p), str(c), geometry=False, engine=engine)
    assert list(got.columns) == list(PAIR_COLUMNS)
    assert got["area_name"].str.startswith("parcel ").all()
    assert set(got["area_kind"]) == {"parcel"} and set(got["concession_kind"]) == {"ELC"}


def _parquet_pair(tmp_path, parcels, concs):
    p, c = tmp_path / "parcels.parquet", tmp_path / "concessions.parquet"
    parcels.to_parquet(p, write_covering_bbox=True, row_group_size=300)
    concs.to_parquet(c, write_covering_bbox=True)
    return str(p), str(c)


@needs_sedonadb
def test_engines_give_the_same_table(tmp_path):
    p, c = _parquet_pair(tmp_path, *_fabric(40))
    mem = overlap(p, c, engine="memory")
    sdb = overlap(p, c, engine="sedonadb")
    pd.testing.assert_frame_equal(
        pd.DataFrame(mem.drop(columns="geometry")),
        pd.DataFrame(sdb.drop(columns="geometry")),
        check_exact=False,
        rtol=1e-12,
    )
    assert shapely.equals(mem.geometry.values, sdb.geometry.values).all()
    assert overlap(p, c).attrs["provenance"]["notes"] == sdb.attrs["provenance"]["notes"]


def test_without_sedonadb_auto_measures_in_memory_and_sedonadb_names_the_install(
    tmp_path, monkeypatch
):
    import sys

    p, c = _parquet_pair(tmp_path, *_fabric(20))
    monkeypatch.setitem(sys.modules, "sedonadb", None)  # import sedonadb now fails
    got = overlap(p, c, geometry=False)
    assert got.attrs["provenance"]["notes"] == [
        "GeoParquet layer measured in memory (pip install 'landmap[large]' measures it with "
        "SedonaDB)"
    ]
    pd.testing.assert_frame_equal(got, overlap(p, c, geometry=False, engine="memory"))
    with pytest.raises(AnalysisError, match=r"pip install 'landmap\[large\]'"):
        overlap(p, c, engine="sedonadb")
    with pytest.raises(AnalysisError, match=r"pip install 'landmap\[large\]'"):
        case_links(p, c, engine="sedonadb")


def test_unknown_engine_and_sedonadb_without_ids(tmp_path):
    parcels, concs = _fabric(20)
    p, c = _parquet_pair(tmp_path, parcels.drop(columns="parcel_id"), concs)
    with pytest.raises(AnalysisError, match="engine must be one of auto, memory, sedonadb"):
        overlap(p, c, engine="duckdb")
    with pytest.raises(AnalysisError, match="engine must be one of"):
        coverage_by_area(parcels, concs, engine="spark")
    # rows without an id are named by file position, which only the memory engine knows
    got = overlap(p, c, geometry=False)
    assert got["area_id"].str.match(r"row \d+$").all()
    assert "in memory" in got.attrs["provenance"]["notes"][0]
    if HAS_SEDONADB:
        with pytest.raises(AnalysisError, match="needs an id column"):
            overlap(p, c, engine="sedonadb")
