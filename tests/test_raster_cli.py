"""``landmap raster-stats``: one row per polygon, one-line errors with exit status 2."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from landmap.cli import main

X0, Y0 = 500_000.0, 1_400_040.0


@pytest.fixture
def inputs(tmp_path):
    raster = tmp_path / "fnf.tif"
    arr = np.array([[1, 1, 0, 0]] * 4, dtype="uint8")
    with rasterio.open(
        raster,
        "w",
        driver="GTiff",
        width=4,
        height=4,
        count=1,
        dtype="uint8",
        crs="EPSG:32648",
        transform=from_origin(X0, Y0, 10, 10),
    ) as dst:
        dst.write(arr, 1)
    polys = gpd.GeoDataFrame(
        {"name": ["West <forest>", "Whole", "ព្រៃសហគមន៍"]},
        geometry=[
            shapely.box(X0, Y0 - 40, X0 + 20, Y0),
            shapely.box(X0, Y0 - 40, X0 + 40, Y0),
            shapely.box(X0 + 20, Y0 - 20, X0 + 40, Y0),
        ],
        crs="EPSG:32648",
    ).to_crs("EPSG:4326")
    vector = tmp_path / "areas.geojson"
    polys.to_file(vector)
    return raster, vector


def test_classes_table_has_id_name_and_class_columns(inputs, tmp_path, capsys):
    raster, vector = inputs
    out = tmp_path / "out" / "stats.csv"
    assert main(["raster-stats", str(raster), str(vector), "--classes", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert len(table) == 3
    assert {
        "name",
        "area_ha",
        "class_0_ha",
        "class_1_ha",
        "class_0_pct",
        "class_1_pct",
        "nodata_ha",
        "outside_ha",
    } <= set(table.columns)
    assert table.columns[0].endswith("id") or table.columns[0] == "row"
    assert list(table["name"]) == ["West <forest>", "Whole", "ព្រៃសហគមន៍"]
    assert table["class_1_ha"].tolist() == pytest.approx([0.08, 0.08, 0.0], abs=1e-4)
    assert table["class_1_pct"].tolist() == pytest.approx([100, 50, 0], abs=1e-3)
    record = json.loads((tmp_path / "out" / "stats.csv.provenance.json").read_text())
    assert record["operation"] == "zonal_stats" and record["crs"] == "EPSG:32648"
    assert "3 polygon(s)" in capsys.readouterr().err


def test_continuous_to_stdout_with_center_method(inputs, capsys):
    raster, vector = inputs
    assert main(["raster-stats", str(raster), str(vector), "--method", "center"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = lines[0].split(",")
    assert {"mean", "min", "max", "sum", "count"} <= set(header)
    row = dict(zip(header, lines[2].split(","), strict=False))
    assert float(row["mean"]) == pytest.approx(0.5) and float(row["count"]) == 16


def test_change_between_two_dates(inputs, tmp_path):
    raster, vector = inputs
    later = tmp_path / "later.tif"
    with rasterio.open(raster) as src:
        profile, data = src.profile, src.read(1)
    data[:, 0] = 0  # the westernmost column of forest cleared
    with rasterio.open(later, "w", **profile) as dst:
        dst.write(data, 1)
    out = tmp_path / "change.csv"
    assert (
        main(["raster-stats", str(raster), str(vector), "--after", str(later), "-o", str(out)]) == 0
    )
    table = pd.read_csv(out)
    assert table["change_1_to_0_ha"].tolist() == pytest.approx([0.04, 0.04, 0.0])
    assert table["change_1_to_1_ha"].tolist() == pytest.approx([0.04, 0.04, 0.0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.tif", "{vector}"], "cannot open the raster"),
        (["{raster}", "missing.geojson"], "no such file"),
        (["{raster}", "{vector}", "--band", "3"], "band 3 was asked for"),
    ],
)
def test_errors_are_one_line_with_exit_2(inputs, capsys, args, message):
    raster, vector = inputs
    argv = ["raster-stats", *(a.format(raster=raster, vector=vector) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("landmap raster-stats: error:") and message in err
    assert len(err.splitlines()) == 1
