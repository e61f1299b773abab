"""``landmap overlap`` on real files: summary printed, tables written, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from landmap.cli import main


def test_overlap_areas_with_concessions(data_dir, tmp_path, capsys):
    out = tmp_path / "cf_elc.csv"
    rc = main(
        [
            "overlap",
            str(data_dir / "community_forests.geojson"),
            str(data_dir / "cam-elc-complete.geojson"),
            "-o",
            str(out),
            "--top",
            "3",
        ]
    )
    text = capsys.readouterr().out
    assert rc == 0
    assert "overlapping pairs" in text and "EPSG:32648" in text
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert {"area_id", "concession_id", "overlap_ha", "pct_of_area", "pct_of_concession"} <= set(
        table.columns
    )
    assert f"{table['overlap_ha'].sum():,.1f} ha" in text
    prov = json.loads(out.with_name(out.name + ".provenance.json").read_text("utf-8"))
    assert len(prov["inputs"]) == 2 and all("sha256" in i for i in prov["inputs"])


def test_overlap_cases_within_distance(data_dir, tmp_path, capsys):
    out = tmp_path / "links.xlsx"
    zipped = f"/vsizip/{data_dir}/eviction_hotspots_geojson.zip/eviction_sites.geojson"
    rc = main(
        [
            "overlap",
            zipped,
            str(data_dir / "cam-elc-complete.geojson"),
            "--within",
            "2000",
            "-o",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert rc == 0 and "92 cases:" in text and "within 2000 m" in text
    links = pd.read_excel(out)
    assert set(links["relation"]) <= {"inside", "near"}
    assert (links["distance_m"] <= 2000).all()


def test_bad_inputs_exit_2_with_one_line(data_dir, tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "landmap.cli",
        "overlap",
        str(tmp_path / "missing.geojson"),
        str(data_dir / "cam-elc-complete.geojson"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "missing.geojson" in proc.stderr
    bad = tmp_path / "broken.geojson"
    bad.write_text("{not json", "utf-8")
    rc = main(["overlap", str(bad), str(data_dir / "cam-elc-complete.geojson")])
    assert rc == 2
    rc = main(
        [
            "overlap",
            str(data_dir / "community_forests.geojson"),
            str(data_dir / "cam-elc-complete.geojson"),
            "-o",
            str(tmp_path / "x.txt"),
        ]
    )
    assert rc == 2 and not (tmp_path / "x.txt").exists()
    rc = main(
        [
            "overlap",
            str(data_dir / "community_forests.geojson"),
            str(data_dir / "cam-elc-complete.geojson"),
            "--within",
            "500",
        ]
    )
    assert rc == 2


def test_geoparquet_points_are_cases(tmp_path, capsys):
    import geopandas as gpd
    import shapely

    pts = gpd.GeoDataFrame(
        {"case_id": ["a", "b", "c"]},
        crs="EPSG:32648",
        geometry=[
            shapely.Point(500_050, 1_300_050),
            shapely.Point(500_150, 1_300_050),
            shapely.Point(509_000, 1_300_050),
        ],
    )
    conc = gpd.GeoDataFrame(
        {"concession_id": ["C1"], "name": ["ELC one"]},
        crs="EPSG:32648",
        geometry=[shapely.box(500_000, 1_300_000, 500_200, 1_300_100)],
    )
    pts.to_parquet(tmp_path / "cases.parquet", write_covering_bbox=True)
    conc.to_parquet(tmp_path / "conc.parquet", write_covering_bbox=True)
    rc = main(["overlap", str(tmp_path / "cases.parquet"), str(tmp_path / "conc.parquet")])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("3 cases: 2 inside a concession, 0 more within 0 m of one, 1 not linked")
    assert "ELC one" in out
