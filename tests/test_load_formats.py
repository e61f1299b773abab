"""Every input format the loaders promise, each built in code in tmp_path (synthetic values)."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import Workbook

from landmap.errors import CRSError, DataFileError
from landmap.io.load import Loaded, infer_kind, load, load_areas, load_cases, load_concessions

PP = (104.9160, 11.5564)  # Phnom Penh
SQUARE = shapely.box(104.0, 12.0, 104.1, 12.1)


def complete(report, n):
    assert report.input_rows == n
    assert report.loaded + report.repaired + report.rejected == n
    # a spreadsheet's rows as it shows them (header = row 1); features of other files 1, 2, 3...
    first = 2 if report.path.endswith((".csv", ".xlsx", ".tsv", ".txt")) else 1
    assert report.rows["row"].tolist() == list(range(first, first + n))


def areas_frame(crs="EPSG:4326"):
    gdf = gpd.GeoDataFrame(
        {"name": ["Prey Lang CF", "Boeung Kak"], "kind": ["community forest", "community land"]},
        geometry=[SQUARE, shapely.box(104.2, 12.2, 104.3, 12.3)],
        crs="EPSG:4326",
    )
    return gdf.to_crs(crs)


def test_loaded_is_a_named_tuple_with_canonical_columns_first(tmp_path):
    path = tmp_path / "a.gpkg"
    areas_frame().to_file(path)
    result = load_areas(path)
    assert isinstance(result, Loaded)
    data, report = result
    assert list(data.columns[:7]) == [
        "area_id",
        "name",
        "kind",
        "community",
        "status",
        "hectares_stated",
        "province",
    ]
    assert data.crs.to_epsg() == 4326
    assert str(data["hectares_stated"].dtype) == "float64"
    assert data.attrs["landmap"]["kind"] == "areas"
    assert len(data.attrs["landmap"]["sha256"]) == 64
    complete(report, 2)


def test_shapefile_plain_and_zipped(tmp_path):
    shp = tmp_path / "cf.shp"
    areas_frame("EPSG:32648").to_file(shp)
    data, report = load_areas(shp)
    complete(report, 2)
    assert data.crs.to_epsg() == 4326
    assert data.geometry.iloc[0].bounds == pytest.approx(SQUARE.bounds, abs=1e-6)
    zpath = tmp_path / "cf.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for part in tmp_path.glob("cf.*"):
            if part.suffix != ".zip":
                zf.write(part, f"export/{part.name}")
        zf.writestr("__MACOSX/export/._cf.shp", b"junk")
    data2, report2 = load_areas(zpath)
    complete(report2, 2)
    assert report2.details["zip_member"] == "export/cf.shp"
    assert data2["name"].tolist() == ["Prey Lang CF", "Boeung Kak"]


def test_geopackage_layer_choice(tmp_path):
    path = tmp_path / "two.gpkg"
    areas_frame().to_file(path, layer="forests")
    areas_frame().iloc[:1].to_file(path, layer="claims")
    with pytest.raises(
        DataFileError, match=r"holds 2 layers: .*forests.*claims|holds 2 layers: .*claims.*forests"
    ):
        load_areas(path)
    data, report = load_areas(path, layer="claims")
    complete(report, 1)
    assert report.details["layer"] == "claims"


def test_geojson_old_style_crs_member(tmp_path):
    x0, y0 = 480000.0, 1280000.0
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"Name": "Test Agro Co., Ltd", "Hectares": 100.0},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [x0, y0],
                            [x0 + 1000, y0],
                            [x0 + 1000, y0 + 1000],
                            [x0, y0 + 1000],
                            [x0, y0],
                        ]
                    ],
                },
            }
        ],
    }
    path = tmp_path / "elc.geojson"
    path.write_text(json.dumps(doc))
    data, report = load_concessions(path, kind="ELC")
    complete(report, 1)
    assert "EPSG:32648" in report.details["crs_source"]
    minx, miny, _, _ = data.total_bounds
    assert 104.8 < minx < 104.9 and 11.5 < miny < 11.6
    assert data["kind"].iloc[0] == "ELC"
    assert data["concession_id"].iloc[0] == "ELC-0001"
    assert "generated" in report.details["id"]


def test_geojson_3d_crs_drops_heights(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4979"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "C1"},
                "geometry": {"type": "Point", "coordinates": [11.5564, 104.916, 12.5]},
            }
        ],
    }
    path = tmp_path / "pts3d.geojson"
    path.write_text(json.dumps(doc))
    data, report = load_cases(path)
    complete(report, 1)
    assert not data.geometry.has_z.any()
    assert "3-D" in report.details["crs_3d"]
    assert data.crs.to_epsg() == 4326


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Community land</name>
<Folder><name>Village A</name>
<Placemark><name>ដីសហគមន៍ ក</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
104.0,12.0,0 104.1,12.0,0 104.1,12.1,0 104.0,12.1,0 104.0,12.0,0
</coordinates></LinearRing>
</outerBoundaryIs></Polygon></Placemark>
</Folder>
<Folder><name>Village B</name>
<Placemark><name>Claim B1</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
104.2,12.2,0 104.3,12.2,0 104.3,12.3,0 104.2,12.3,0 104.2,12.2,0
</coordinates></LinearRing>
</outerBoundaryIs></Polygon></Placemark>
<Placemark><name>Spring</name><Point><coordinates>104.25,12.25,0</coordinates></Point></Placemark>
</Folder>
</Document></kml>"""


def test_kml_folders_become_a_column(tmp_path):
    path = tmp_path / "land.kml"
    path.write_text(KML, encoding="utf-8")
    data, report = load_areas(path, kind="community land")
    complete(report, 3)
    assert sorted(data["folder"].unique()) == ["Village A", "Village B"]
    assert "ដីសហគមន៍ ក" in data["name"].tolist()
    assert not data.geometry.has_z.any()
    spring = report.rows[report.rows["status"] == "rejected"]
    assert spring["reason"].str.contains("wrong geometry type Point").all() and len(spring) == 1
    assert set(data["kind"]) == {"community land"}


def test_kmz(tmp_path):
    path = tmp_path / "land.kmz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("doc.kml", KML)
    data, report = load_areas(path)
    complete(report, 3)
    assert report.loaded == 2


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
<wpt lat="11.5564" lon="104.9160"><time>2014-08-20T03:00:00Z</time><name>001</name></wpt>
<wpt lat="12.5" lon="104.5"><name>002</name></wpt>
<trk><name>walk</name><trkseg><trkpt lat="11.5" lon="104.9"/><trkpt lat="11.6" lon="104.95"/>
</trkseg></trk>
</gpx>"""


def test_gpx_waypoints_are_cases(tmp_path):
    path = tmp_path / "field.gpx"
    path.write_text(GPX)
    data, report = load_cases(path)
    complete(report, 2)
    assert data["case_id"].tolist() == ["001", "002"]
    assert data["date"].iloc[0] == pd.Timestamp("2014-08-20")
    assert "tracks/routes" in report.details["ignored"]
    assert infer_kind(path) == "cases"


def test_gpx_is_not_areas(tmp_path):
    path = tmp_path / "field.gpx"
    path.write_text(GPX)
    with pytest.raises(DataFileError, match="never polygons"):
        load_areas(path)


def test_geoparquet(tmp_path):
    path = tmp_path / "a.parquet"
    areas_frame().to_parquet(path)
    data, report = load_areas(path)
    complete(report, 2)
    assert data["name"].iloc[1] == "Boeung Kak"


def test_topojson(tmp_path):
    topo = {
        "type": "Topology",
        "objects": {
            "forests": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0]], "properties": {"name": "Topo CF"}}
                ],
            }
        },
        "arcs": [[[104.0, 12.0], [104.1, 12.0], [104.1, 12.1], [104.0, 12.1], [104.0, 12.0]]],
    }
    path = tmp_path / "f.topojson"
    path.write_text(json.dumps(topo))
    data, report = load_areas(path)
    complete(report, 1)
    assert data["name"].iloc[0] == "Topo CF"
    assert data.geometry.iloc[0].area == pytest.approx(0.01, rel=1e-6)


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8-sig", True), ("utf-16", True)])
def test_csv_unicode_encodings_keep_khmer(tmp_path, encoding, bom):
    text = "id,lat,lon,village\nK1,11.5564,104.916,ភូមិ ស្រះចក\n"
    path = tmp_path / "k.csv"
    path.write_bytes(text.encode(encoding))
    data, report = load_cases(path)
    complete(report, 1)
    assert data["village"].iloc[0].encode("utf-8") == "ភូមិ ស្រះចក".encode()


def test_csv_legacy_encoding_detected_or_named(tmp_path):
    text = "id;lat;lon;description\nE1;11.5564;104.916;Démolition près du marché, café détruit\n"
    path = tmp_path / "fr.csv"
    path.write_bytes(text.encode("cp1252"))
    data, report = load_cases(path)
    assert data["description"].iloc[0] == "Démolition près du marché, café détruit"
    data2, _ = load_cases(path, encoding="cp1252")
    assert data2["description"].iloc[0] == "Démolition près du marché, café détruit"
    assert report.details["delimiter"] == ";"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_csv_delimiters(tmp_path, sep):
    rows = [
        ["case_id", "latitude", "longitude", "type"],
        ["A", "11.5564", "104.916", "eviction"],
        ["B", "12.5", "104.5", "land grab"],
    ]
    path = tmp_path / "c.csv"
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n")
    data, report = load_cases(path)
    complete(report, 2)
    assert data["type"].tolist() == ["eviction", "land grab"]


def test_csv_ids_keep_leading_zeros(tmp_path):
    path = tmp_path / "z.csv"
    path.write_text("case_no,lat,lon,phone\n007,11.5564,104.916,012345678\n")
    data, _ = load_cases(path)
    assert data["case_id"].iloc[0] == "007"
    assert data["phone"].iloc[0] == "012345678"


def test_kobo_export_with_groups_and_geopoint(tmp_path):
    frame = pd.DataFrame(
        {
            "start": ["2014-08-20T09:00:00.000+07:00"] * 3,
            "case/date_of_incident": ["20/08/2014", "2014-08-21", "22-08-14"],
            "case/type": ["Forced eviction", "Land grabbing", "threat"],
            "group_loc/gps": ["11.5564 104.916 10 5", "12.5 104.5 0 0", "13.0 105.0"],
            "_id": [101, 102, 103],
        }
    )
    path = tmp_path / "kobo.csv"
    frame.to_csv(path, index=False)
    data, report = load_cases(path)
    complete(report, 3)
    assert data["type"].tolist() == ["eviction", "land grab", "threat of eviction"]
    assert data["date"].dt.day.tolist() == [20, 21, 22]
    assert data["case_id"].tolist() == ["101", "102", "103"]
    assert data.geometry.x.iloc[0] == pytest.approx(104.916)
    assert report.details["columns"]["date"] == "case/date_of_incident"


def test_kobo_split_latitude_longitude_columns(tmp_path):
    path = tmp_path / "kobo2.csv"
    path.write_text(
        "group_x/_location_latitude,group_x/_location_longitude,group_x/_location_altitude\n"
        "11.5564,104.916,12\n"
    )
    data, report = load_cases(path)
    assert data.geometry.y.iloc[0] == pytest.approx(11.5564)
    assert report.details["coordinate_columns"] == [
        "group_x/_location_latitude",
        "group_x/_location_longitude",
    ]


def test_dms_strings_in_a_spreadsheet(tmp_path):
    path = tmp_path / "dms.csv"
    path.write_text(
        "Latitude,Longitude\n"
        + "\n".join(
            [
                '"11°33\'23.0""N","104°54\'57.6""E"',
                "11º33'23''N,104º54'57.6''E",
                "N 11 33 23,E 104 54 57.6",
                "11°33.3833'N,104°54.96'E",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    data, report = load_cases(path)
    complete(report, 4)
    assert report.loaded == 4
    np.testing.assert_allclose(data.geometry.y, 11.5563889, atol=1e-5)
    np.testing.assert_allclose(data.geometry.x, 104.916, atol=1e-5)


def test_utm_columns_with_zone_argument_column_and_crs(tmp_path):
    path = tmp_path / "utm.csv"
    path.write_text("id,Easting,Northing\nU1,491000,1277800\n")
    for kw in ({"utm_zone": "48N"}, {"crs": "EPSG:32648"}):
        data, report = load_cases(path, **kw)
        complete(report, 1)
        assert data.geometry.x.iloc[0] == pytest.approx(104.917, abs=1e-3)
    from pyproj import Transformer

    e47, n47 = Transformer.from_crs(4326, 32647, always_xy=True).transform(102.5, 13.0)
    path2 = tmp_path / "utm2.csv"
    path2.write_text(f"id,X,Y,zone\nU1,491000,1277800,48P\nU2,{e47:.1f},{n47:.1f},47N\n")
    data, report = load_cases(path2)
    complete(report, 2)
    assert report.loaded == 2
    assert data.geometry.x.iloc[1] == pytest.approx(102.5, abs=1e-6)


def test_xlsx_sheets(tmp_path):
    path = tmp_path / "register.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "cases"
    ws.append(["Case ID", "Date", "Lat", "Long", "Village"])
    ws.append(["X-01", 41871, 11.5564, 104.916, "ភូមិ ១"])
    ws.append(["X-02", "20/08/2014", "11°33'23\"N", "104°54'57.6\"E", "Tuol"])
    other = wb.create_sheet("lookup")
    other.append(["code", "label"])
    wb.save(path)
    data, report = load_cases(path)
    complete(report, 2)
    assert report.details["sheet"] == "cases"
    assert data["date"].tolist() == [pd.Timestamp("2014-08-20")] * 2
    assert data["village"].iloc[0] == "ភូមិ ១"
    with pytest.raises(DataFileError, match="has no sheet 'nope'; its sheets are: cases, lookup"):
        load_cases(path, layer="nope")


def test_explicit_column_mapping(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("ref,when,PosN,PosE,what\nR1,01/02/2015,11.5564,104.916,demolition\n")
    data, report = load_cases(
        path,
        columns={"case_id": "ref", "date": "when", "lat": "PosN", "lon": "PosE", "type": "what"},
    )
    assert data["case_id"].iloc[0] == "R1"
    assert data["date"].iloc[0] == pd.Timestamp("2015-02-01")
    assert data["type"].iloc[0] == "eviction"


def test_no_crs_needs_crs_argument(tmp_path):
    shp = tmp_path / "nocrs.shp"
    areas_frame("EPSG:32648").to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(
        CRSError, match=r"nocrs\.shp: declares no coordinate reference system.*\.prj"
    ):
        load_areas(shp)
    data, report = load_areas(shp, crs="EPSG:32648")
    assert report.details["crs_source"].startswith("given")
    assert data.geometry.iloc[0].bounds == pytest.approx(SQUARE.bounds, abs=1e-6)


def test_dataframe_and_geodataframe_sources():
    frame = pd.DataFrame({"lat": [11.5564], "lon": [104.916]})
    data, report = load_cases(frame)
    assert report.path == "<DataFrame>" and len(data) == 1
    data2, _ = load(areas_frame(), "areas")
    assert len(data2) == 2


def test_infer_kind(tmp_path):
    path = tmp_path / "a.gpkg"
    areas_frame().to_file(path)
    assert infer_kind(path) == "areas"
    csv = tmp_path / "c.csv"
    csv.write_text("lat,lon\n11.5,104.9\n")
    assert infer_kind(csv) == "cases"


def test_csv_with_excel_sep_hint_line(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\ncase_id;lat;lon\nH1;11,5564;104,916\n", encoding="utf-8")
    data, report = load_cases(path)
    assert report.rows["row"].tolist() == [3]  # as Excel shows it: hint row 1, header row 2
    assert report.details["delimiter"] == ";"
    assert data.geometry.x.iloc[0] == pytest.approx(104.916)


def test_xlsx_with_title_rows_above_the_header(tmp_path):
    path = tmp_path / "titled.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Land conflict register 2020 (SYNTHETIC)"])
    ws.append([])
    ws.append(["No", "Village", "Latitude", "Longitude"])
    ws.append(["1", "Tuol", 11.5564, 104.916])
    ws.append([None, None, None, None])
    ws.append(["2", "Chas", 12.5, 104.5])
    wb.save(path)
    data, report = load_cases(path)
    assert report.input_rows == 2
    # the sheet's own row numbers: title rows and the blank row between records included
    assert report.rows["row"].tolist() == [4, 6]
    assert report.details["header_row"].startswith("row 3 of the sheet")
    assert report.details["blank_rows_skipped"] == 1
    assert data["village"].tolist() == ["Tuol", "Chas"]
