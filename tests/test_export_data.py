"""Data exports: every format read back by GDAL's ogrinfo and by geopandas; Khmer; safety."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from landmap.errors import DataValueError, ExportError, PrivacyError
from landmap.privacy import publish
from landmap.render.formats.write import data_format, write_data

HOSTILE = '<script>alert("x")</script> & <b>'
SECRET = "SYNTHETIC Person 0007"


@pytest.fixture
def layers():
    cases = gpd.GeoDataFrame(
        {
            "case_id": pd.array(["C1", "C2", "C3"], dtype="string"),
            "type": pd.array(["eviction", "land grab", "eviction"], dtype="string"),
            "households": pd.array([12, None, 40], dtype="Int64"),
            "date": pd.to_datetime(["2020-01-02", "2021-05-06", None]),
            "village": pd.array(["ភូមិថ្មី", HOSTILE, "Phum 1"], dtype="string"),
            "complainant_name": [SECRET, SECRET, SECRET],
            "phone": ["+855 00 012 3456", None, "+855 00 099 1234"],
        },
        geometry=[
            shapely.Point(107.2, 12.4),
            shapely.Point(107.3, 12.5),
            shapely.Point(107.1, 12.45),
        ],
        crs="EPSG:4326",
    )
    concessions = gpd.GeoDataFrame(
        {
            "concession_id": pd.array(["E1", "E2"], dtype="string"),
            "name": pd.array(["Rubber & Co <Ltd>", "ក្រុមហ៊ុន ខ្មែរ"], dtype="string"),
            "kind": pd.array(["ELC", "mining"], dtype="string"),
            "hectares_stated": [100.0, 2.5],
            "investor_country": pd.array(["Cambodia", "កម្ពុជា"], dtype="string"),
        },
        geometry=[
            shapely.box(107.0, 12.3, 107.25, 12.45),
            shapely.Polygon(
                [(107.3, 12.3), (107.4, 12.3), (107.4, 12.4)],
                [[(107.35, 12.31), (107.39, 12.31), (107.39, 12.35)]],
            ),
        ],
        crs="EPSG:4326",
    )
    return {"cases": cases, "concessions": concessions}


@pytest.fixture
def tables():
    return {
        "overlaps": pd.DataFrame(
            {
                "area_id": ["A"],
                "concession_id": ["E1"],
                "overlap_ha": [12.5],
                "area_name": ["ព្រៃសហគមន៍"],
            }
        )
    }


def ogrinfo(path: Path) -> str:
    done = subprocess.run(
        ["ogrinfo", "-al", "-so", "-ro", str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout


def counts(info: str) -> dict[str, int]:
    out, layer = {}, None
    for line in info.splitlines():
        if line.startswith("Layer name:"):
            layer = line.split(":", 1)[1].strip()
        elif line.startswith("Feature Count:") and layer:
            out[layer] = int(line.split(":", 1)[1])
    return out


def test_geopackage_holds_every_layer_and_table(tmp_path, layers, tables):
    out = write_data(tmp_path / "all.gpkg", layers, tables, profile="internal")
    info = ogrinfo(out)
    assert counts(info) == {"cases": 3, "concessions": 2, "overlaps": 1, "landmap_export": 6}
    cases = gpd.read_file(out, layer="cases")
    assert list(cases["village"]) == ["ភូមិថ្មី", HOSTILE, "Phum 1"]  # Khmer and text intact
    assert cases["households"].tolist()[0] == 12 and pd.isna(cases["households"][1])
    assert gpd.read_file(out, layer="concessions").geometry.iloc[1].interiors  # hole kept
    overlaps = pyogrio.read_dataframe(out, layer="overlaps")
    assert overlaps["area_name"].iloc[0] == "ព្រៃសហគមន៍"
    notes = pyogrio.read_dataframe(out, layer="landmap_export")["note"].tolist()
    assert any("CONFIDENTIAL" in n for n in notes)
    assert "landmap_notice=CONFIDENTIAL" in info  # GDAL metadata QGIS shows


def test_public_export_refuses_raw_cases(tmp_path, layers, tables):
    with pytest.raises(PrivacyError, match="was given raw case data"):
        write_data(tmp_path / "public.gpkg", layers, tables)
    assert not list(tmp_path.iterdir())


def test_public_export_drops_personal_fields_and_says_so(tmp_path, layers, tables):
    published = {**layers, "cases": publish(layers["cases"], kind="cases", seed=5)}
    out = write_data(tmp_path / "public.gpkg", published, tables)
    cases = gpd.read_file(out, layer="cases")
    assert "complainant_name" not in cases and "phone" not in cases
    assert SECRET.encode() not in out.read_bytes()
    moved = cases.to_crs(32648).distance(layers["cases"].to_crs(32648), align=False)
    assert (moved >= 499).all()  # every point displaced by at least the minimum radius
    provenance = json.loads(Path(f"{out}.provenance.json").read_text("utf-8"))
    assert any("complainant_name" in item for item in provenance["omitted"])
    assert provenance["parameters"]["profile"] == "public"
    audit = json.loads(Path(f"{out}.audit.json").read_text("utf-8"))
    assert audit["points"]["moved"] == 3
    assert "detail" not in audit  # no per-case ids beside a public file


def test_audit_of_several_case_layers_has_no_case_ids(tmp_path, layers):
    more = layers["cases"].assign(case_id=["D1", "D2", "D3"])
    two = {
        "cases": publish(layers["cases"], kind="cases", seed=2),
        "more_cases": publish(more, kind="cases", seed=2),
    }
    out = write_data(tmp_path / "two.gpkg", two)
    text = Path(f"{out}.audit.json").read_text("utf-8")
    audit = json.loads(text)
    assert set(audit["layers"]) == {"cases", "more_cases"}
    assert all(one["points"]["moved"] == 3 for one in audit["layers"].values())
    assert "detail" not in text and "D1" not in text


def test_geojson_round_trip(tmp_path, layers):
    out = write_data(
        tmp_path / "c.geojson", {"concessions": layers["concessions"]}, profile="internal"
    )
    assert counts(ogrinfo(out)) == {"c": 2}
    back = gpd.read_file(out)
    assert list(back["name"]) == ["Rubber & Co <Ltd>", "ក្រុមហ៊ុន ខ្មែរ"]
    assert back.crs.to_epsg() == 4326
    doc = json.loads(out.read_text("utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946
    assert doc["description"].startswith("CONFIDENTIAL")


def test_geojson_of_several_layers_names_each_feature_s_layer(tmp_path, layers, tables):
    out = write_data(tmp_path / "two.geojson", layers, tables, profile="internal")
    back = gpd.read_file(out)
    assert back["layer"].value_counts().to_dict() == {"cases": 3, "concessions": 2}
    provenance = json.loads(Path(f"{out}.provenance.json").read_text("utf-8"))
    assert any("overlaps" in item and "GeoJSON" in item for item in provenance["omitted"])


@pytest.mark.parametrize("ext", [".kml", ".kmz"])
def test_kml_styles_escaped_descriptions_and_fields(tmp_path, layers, ext):
    out = write_data(tmp_path / f"ge{ext}", layers, profile="internal")
    assert counts(ogrinfo(out)) == {"cases": 3, "concessions": 2}
    back = gpd.read_file(out, layer="cases")
    assert list(back["village"]) == ["ភូមិថ្មី", HOSTILE, "Phum 1"]  # ExtendedData fields
    assert list(back["case_id"]) == ["C1", "C2", "C3"]
    if ext == ".kmz":
        with zipfile.ZipFile(out) as archive:
            assert archive.namelist() == ["doc.kml"]
            text = archive.read("doc.kml").decode("utf-8")
    else:
        text = out.read_text("utf-8")
    # the balloon HTML is escaped twice: once as HTML (data cannot add markup), once as XML
    assert "&amp;lt;script&amp;gt;" in text and "<script>" not in text
    assert "<styleUrl>#cases-eviction-pt</styleUrl>" in text
    assert "<PolyStyle><color>" in text and "ff005ed5" in text  # eviction colour, aabbggrr
    from xml.etree import ElementTree as ET

    ET.fromstring(text.encode("utf-8"))  # well-formed


def test_zipped_shapefile_with_field_name_mapping(tmp_path, layers, tables):
    out = write_data(tmp_path / "shp.shp.zip", layers, tables, profile="internal")
    assert data_format(out) == ".shp.zip"
    info = ogrinfo(out)
    assert counts(info) == {"cases": 3, "concessions": 2}
    assert "investor_c: String" in info  # cut to 10 characters
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        mapping = pd.read_csv(archive.open("field_names.csv"), encoding="utf-8-sig")
    assert {
        "cases.shp",
        "cases.dbf",
        "cases.cpg",
        "concessions.shp",
        "overlaps.csv",
        "field_names.csv",
    } <= names
    row = mapping[mapping["column"] == "investor_country"].iloc[0]
    assert row["field"] == "investor_c"
    back = gpd.read_file(f"zip://{out}!concessions.shp")
    assert list(back["investor_c"]) == ["Cambodia", "កម្ពុជា"]
    assert list(gpd.read_file(f"zip://{out}!cases.shp")["date"])[:2] == ["2020-01-02", "2021-05-06"]


def test_csv_has_a_bom_and_khmer_and_coordinates(tmp_path, layers):
    out = write_data(tmp_path / "cases.csv", {"cases": layers["cases"]}, profile="internal")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert back["village"].tolist() == ["ភូមិថ្មី", HOSTILE, "Phum 1"]
    assert back["longitude"].iloc[0] == pytest.approx(107.2)
    with pytest.raises(DataValueError, match="one table"):
        write_data(tmp_path / "two.csv", layers, profile="internal")
    assert not (tmp_path / "two.csv").exists()


def test_xlsx_sheets_keep_khmer_and_text_that_looks_like_a_formula(tmp_path, layers, tables):
    from openpyxl import load_workbook

    tables = {**tables, "notes": pd.DataFrame({"text": ['=HYPERLINK("http://x")', "ខ្មែរ"]})}
    out = write_data(tmp_path / "book.xlsx", layers, tables, profile="internal")
    book = load_workbook(out)
    assert book.sheetnames == ["about", "cases", "concessions", "overlaps", "notes"]
    cases = list(book["cases"].values)
    assert cases[0][:3] == ("case_id", "type", "households")
    assert cases[1][cases[0].index("village")] == "ភូមិថ្មី"
    formula = book["notes"]["A2"]  # shown as the text itself, never run (OWASP: a leading ')
    assert formula.data_type == "s" and formula.value == '\'=HYPERLINK("http://x")'
    about = [row[0] for row in book["about"].values]
    assert any("polygon geometry" in line for line in about)  # says what it left out


def test_unknown_extension_and_empty_export(tmp_path, layers):
    with pytest.raises(DataValueError, match="export format"):
        write_data(tmp_path / "x.docx", layers)
    with pytest.raises(DataValueError, match="nothing to export"):
        write_data(tmp_path / "x.gpkg", {})
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_geopackage_leaves_no_file(tmp_path, layers, tables, monkeypatch):
    real = pyogrio.write_dataframe
    calls = []

    def fails_on_second_layer(df, path, **kw):
        calls.append(kw.get("layer"))
        if len(calls) == 2:  # the first layer is really written, then the disk "fills up"
            raise pyogrio.errors.DataSourceError("No space left on device")
        return real(df, path, **kw)

    monkeypatch.setattr(pyogrio, "write_dataframe", fails_on_second_layer)
    target = tmp_path / "half.gpkg"
    with pytest.raises(ExportError, match="No space left"):
        write_data(target, layers, tables, profile="internal")
    assert calls[:1] == ["cases"]
    assert list(tmp_path.iterdir()) == []  # no file, no temporary, no -wal/-shm


def test_writing_a_geopackage_changes_no_process_wide_gdal_setting(
    tmp_path, layers, tables, monkeypatch
):
    """GDAL settings are process-wide: one set around the write changes every other thread's
    GDAL while it is set (OGR_SQLITE_SYNCHRONOUS=OFF was, before)."""
    real = pyogrio.write_dataframe
    seen = []

    def spy(df, path, **kw):
        seen.append(
            {
                key: pyogrio.get_gdal_config_option(key)
                for key in ("OGR_SQLITE_SYNCHRONOUS", "OGR_SQLITE_JOURNAL", "OGR_SQLITE_PRAGMA")
            }
        )
        return real(df, path, **kw)

    monkeypatch.setattr(pyogrio, "write_dataframe", spy)
    target = write_data(tmp_path / "all.gpkg", layers, tables, profile="internal")
    assert len(seen) == len(pyogrio.list_layers(target)) > 2
    assert all(set(options.values()) == {None} for options in seen), seen


def fields(info: str, layer: str) -> list[str]:
    """Field names ogrinfo lists for one layer."""
    block = info.split(f"Layer name: {layer}\n", 1)[1].split("Layer name:", 1)[0]
    return [
        line.split(":", 1)[0]
        for line in block.splitlines()
        if line
        and not line.startswith(
            (
                " ",
                "INFO",
                "Geometry",
                "Feature Count",
                "Extent",
                "Layer SRS",
                "Data axis",
                "Coordinate epoch",
                "FID Column",
                "Geometry Column",
                "Metadata",
            )
        )
        and ": " in line
        and "(" in line.split(":", 1)[1]
    ]


@pytest.mark.parametrize(
    ("ext", "expected"),
    [
        (".gpkg", ["concession_id", "name", "kind", "hectares_stated", "investor_country"]),
        (".geojson", ["concession_id", "name", "kind", "hectares_stated", "investor_country"]),
        (".kml", ["concession_id", "name_", "kind", "hectares_stated", "investor_country"]),
        (".shp.zip", ["concession", "name", "kind", "hectares_s", "investor_c"]),
    ],
)
def test_gdal_and_geopandas_see_the_same_fields_and_values(tmp_path, layers, ext, expected):
    out = write_data(
        tmp_path / f"concessions{ext}", {"concessions": layers["concessions"]}, profile="internal"
    )
    info = ogrinfo(out)
    layer = next(iter(counts(info)))
    assert counts(info)[layer] == 2
    assert set(expected) <= set(fields(info, layer))
    back = gpd.read_file(
        f"zip://{out}!concessions.shp" if ext == ".shp.zip" else out,
        layer="concessions" if ext == ".gpkg" else None,
    )
    assert len(back) == 2
    assert [str(v) for v in back[expected[-1]]] == ["Cambodia", "កម្ពុជា"]
    assert [float(v) for v in back[expected[3]]] == [100.0, 2.5]
    assert list(back[expected[1]]) == ["Rubber & Co <Ltd>", "ក្រុមហ៊ុន ខ្មែរ"]


def _wiggly(n_parcels: int = 40) -> gpd.GeoDataFrame:
    """Parcels with a vertex every ~1 m along wavy edges (as digitised by hand)."""
    import numpy as np

    polys = []
    for i in range(n_parcels):
        x0, y0 = 104.0 + (i % 8) * 0.01, 12.0 + (i // 8) * 0.01
        t = np.linspace(0, 1, 800)
        wave = 0.00002 * np.sin(t * 60)  # about 2 m
        ring = np.r_[
            np.c_[x0 + 0.008 * t, y0 + wave],
            np.c_[x0 + 0.008 + wave, y0 + 0.008 * t],
            np.c_[x0 + 0.008 * (1 - t), y0 + 0.008 + wave],
            np.c_[x0 + wave, y0 + 0.008 * (1 - t)],
        ]
        polys.append(shapely.Polygon(ring))
    return gpd.GeoDataFrame(
        {
            "area_id": [f"A{i}" for i in range(n_parcels)],
            "name": ["ព្រៃ " + str(i) for i in range(n_parcels)],
            "kind": ["community forest"] * n_parcels,
            "note": [None] * n_parcels,
        },
        geometry=polys,
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("ext", [".geojson", ".kml"])
def test_version_for_sharing_is_smaller_keeps_every_feature_and_says_so(tmp_path, layers, ext):
    areas = _wiggly()
    full = write_data(tmp_path / f"full{ext}", {"areas": areas}, profile="public")
    shared = write_data(tmp_path / f"shared{ext}", {"areas": areas}, profile="public", share_m=10)
    assert shared.stat().st_size < full.stat().st_size / 3
    back, whole = gpd.read_file(shared), gpd.read_file(full)
    assert list(back["area_id"]) == list(whole["area_id"]) == list(areas["area_id"])
    name = "name_" if ext == ".kml" else "name"  # KML keeps a placemark's own name apart
    assert list(back[name]) == list(areas["name"])  # Khmer attributes intact
    assert back.geometry.is_valid.all()
    metric = back.to_crs(32648).geometry.values, areas.to_crs(32648).geometry.values
    moved = shapely.hausdorff_distance(*metric)
    assert moved.max() <= 10.5  # the stated tolerance (metres), plus rounding
    assert (
        shapely.get_num_coordinates(metric[0]).sum()
        < shapely.get_num_coordinates(metric[1]).sum() / 10
    )
    text = shared.read_text("utf-8")
    assert "for sharing: outlines simplified at 10 m" in text
    provenance = json.loads(Path(f"{shared}.provenance.json").read_text("utf-8"))
    assert provenance["parameters"]["simplified_m"] == 10
    assert (
        json.loads(Path(f"{full}.provenance.json").read_text("utf-8"))["parameters"]["simplified_m"]
        is None
    )


def test_points_are_not_moved_for_sharing(tmp_path, layers):
    cases = publish(layers["cases"], "internal", kind="cases")
    out = write_data(tmp_path / "c.geojson", {"cases": cases}, profile="internal", share_m=10)
    doc = json.loads(out.read_text("utf-8"))
    assert "null" not in json.dumps([f["properties"] for f in doc["features"]])  # nulls left out
    back = gpd.read_file(out)
    assert (shapely.distance(back.geometry.values, layers["cases"].geometry.values) <= 1e-6).all()
    assert doc["landmap"] == {
        "resolution": "for sharing",
        "tolerance_m": 10,
        "coordinate_decimals": 6,
    }


@pytest.mark.parametrize("bad", [0, -5, float("nan"), "10"])
def test_a_sharing_tolerance_must_be_a_positive_number(tmp_path, layers, bad):
    with pytest.raises(DataValueError, match="positive number of metres"):
        write_data(
            tmp_path / "c.kml",
            {"concessions": layers["concessions"]},
            profile="internal",
            share_m=bad,
        )
