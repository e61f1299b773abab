"""``landmap map``: files in, one offline HTML map out; mistakes are one-line errors."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from landmap.cli import main
from landmap.cli.map import split_spec


@pytest.fixture
def files(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "case_id,date,type,households,village,latitude,longitude,informant_phone\n"
        "C-1,2023-02-01,eviction,12,Phum Thmei,12.5,104.9,012 999 888\n"
        "C-2,2023-05-09,land grab,3,Phum Chas,12.7,105.1,012 999 777\n",
        encoding="utf-8",
    )
    elc = tmp_path / "elc.geojson"
    gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Alpha Agro"], "kind": ["ELC"]},
        geometry=[shapely.box(104.8, 12.4, 105.0, 12.6)],
        crs="EPSG:4326",
    ).to_file(elc)
    return cases, elc


def test_map_writes_one_offline_file(files, tmp_path, capsys):
    cases, elc = files
    out = tmp_path / "out" / "map.html"
    assert (
        main(
            [
                "map",
                str(cases),
                f"{elc}:concessions",
                "-o",
                str(out),
                "--popup",
                "case_id,village,name",
                "--title",
                "Quick map",
            ]
        )
        == 0
    )
    page = out.read_text("utf-8")
    assert "Phum Thmei" in page and "Alpha Agro" in page and "Quick map" in page
    assert "012 999" not in page and "cdn.jsdelivr" not in page
    printed = capsys.readouterr().out
    assert "2 rows -> 2 loaded" in printed and "offline" in printed


def test_unknown_popup_column_is_one_line_exit_2(files, tmp_path, capsys):
    cases, _ = files
    code = main(["map", str(cases), "-o", str(tmp_path / "m.html"), "--popup", "nope"])
    err = capsys.readouterr().err
    assert code == 2 and "'nope'" in err and err.count("\n") == 1
    assert not (tmp_path / "m.html").exists()


def test_missing_file_and_wrong_output_are_errors(tmp_path, capsys):
    assert main(["map", str(tmp_path / "none.csv"), "-o", str(tmp_path / "m.html")]) == 2
    assert "none.csv" in capsys.readouterr().err
    assert main(["map", str(tmp_path / "none.csv"), "-o", str(tmp_path / "m.png")]) == 2
    assert "name the output .html" in capsys.readouterr().err


def test_split_spec_keeps_paths_with_colons():
    assert split_spec("a.gpkg:areas") == ("a.gpkg", "areas")
    assert split_spec("odd:name.csv") == ("odd:name.csv", None)
    assert split_spec("C:/data/x.csv") == ("C:/data/x.csv", None)


@pytest.mark.slow
def test_quick_map_of_cases_is_public_by_default(data_dir, tmp_path, capsys):
    from landmap.leakcheck import audit_export

    register = data_dir / "synthetic_cases.csv"
    public = tmp_path / "public.html"
    assert main(["map", f"{register}:cases", "-o", str(public), "--popup", "case_id,type"]) == 0
    assert (tmp_path / "public.html.audit.json").is_file()
    assert audit_export(public, register).ok
    internal = tmp_path / "internal.html"
    assert (
        main(
            [
                "map",
                f"{register}:cases",
                "-o",
                str(internal),
                "--profile",
                "internal",
                "--popup",
                "case_id,type",
            ]
        )
        == 0
    )
    result = audit_export(internal, register)
    assert not result.ok and any(f.kind == "point" for f in result.findings)
    assert "CONFIDENTIAL" in internal.read_text("utf-8")
    capsys.readouterr()
