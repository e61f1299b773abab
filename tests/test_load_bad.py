"""The bad-input corpus: broken files and every row-level fault, each built in tmp_path.

File-level faults must raise a LandmapError of the right type whose message names the file (and
the column where there is one) and says what to do. Row-level faults must leave every row in
the report with the right status and a reason that echoes the offending value.
"""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landmap.errors import CRSError, DataFileError, DataValueError, SchemaError
from landmap.io.load import load_areas, load_cases, load_concessions

SQUARE = shapely.box(104.0, 12.0, 104.1, 12.1)
BOWTIE = shapely.Polygon(
    [(104.0, 12.0), (104.1, 12.1), (104.1, 12.0), (104.0, 12.1), (104.0, 12.0)]
)


def row(report, n):
    """The report line of the ``n``-th input record (a spreadsheet shows it as row n + 1)."""
    assert len(report.rows) >= n
    return report.rows.iloc[n - 1]


def complete(report, n):
    assert report.input_rows == n
    assert report.loaded + report.repaired + report.rejected == n


def csv(tmp_path, text, name="cases.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def areas_file(tmp_path, geoms, name="areas.gpkg"):
    gdf = gpd.GeoDataFrame(
        {"name": [f"A{i}" for i in range(len(geoms))]}, geometry=geoms, crs="EPSG:4326"
    )
    path = tmp_path / name
    gdf.to_file(path)
    return path


# ---------------------------------------------------------------- file-level faults


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match=r"nothere\.csv: file not found Fix: check the path"):
        load_cases(tmp_path / "nothere.csv")


def test_missing_file_is_an_oserror(tmp_path):
    with pytest.raises(OSError):
        load_areas(tmp_path / "nothere.gpkg")


def test_empty_file(tmp_path):
    path = csv(tmp_path, "")
    with pytest.raises(DataFileError, match=r"cases\.csv: the file is empty \(0 bytes\)"):
        load_cases(path)


def test_header_only_csv_has_zero_rows(tmp_path):
    data, report = load_cases(csv(tmp_path, "lat,lon,case_id\n"))
    assert len(data) == 0 and report.input_rows == 0 and report.is_complete()


def test_blank_lines_only_csv(tmp_path):
    with pytest.raises(DataFileError, match="has no header and no rows"):
        load_cases(csv(tmp_path, "\n\n\n"))


def test_empty_feature_collection(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    data, report = load_areas(path)
    assert len(data) == 0 and report.input_rows == 0


def test_truncated_geojson(tmp_path):
    path = tmp_path / "cut.geojson"
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "x"},
                    "geometry": shapely.geometry.mapping(SQUARE),
                }
            ],
        }
    )
    path.write_text(text[: len(text) // 2])
    with pytest.raises(
        DataFileError,
        match=r"cut\.geojson: GDAL could not read it .*Fix: check that the file is complete",
    ):
        load_areas(path)


def test_truncated_geopackage(tmp_path):
    path = areas_file(tmp_path, [SQUARE] * 50)
    data = path.read_bytes()
    path.write_bytes(data[:2000])
    with pytest.raises(DataFileError, match=r"areas\.gpkg: GDAL could not read it"):
        load_areas(path)


def test_truncated_zip(tmp_path):
    shp = tmp_path / "a.shp"
    gpd.GeoDataFrame({"n": [1]}, geometry=[SQUARE], crs=4326).to_file(shp)
    zpath = tmp_path / "a.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in tmp_path.glob("a.*"):
            if p.suffix != ".zip":
                zf.write(p, p.name)
    zpath.write_bytes(zpath.read_bytes()[:100])
    with pytest.raises(DataFileError, match=r"a\.zip: is not a readable zip archive"):
        load_areas(zpath)


def _shapefile(tmp_path):
    shp = tmp_path / "cf.shp"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[SQUARE], crs="EPSG:32648").to_file(shp)
    return shp


def test_shapefile_missing_shx(tmp_path):
    shp = _shapefile(tmp_path)
    shp.with_suffix(".shx").unlink()
    with pytest.raises(
        DataFileError, match=r"cf\.shp: the shapefile's index file cf\.shx is missing beside it"
    ):
        load_areas(shp)


def test_shapefile_missing_dbf(tmp_path):
    shp = _shapefile(tmp_path)
    shp.with_suffix(".dbf").unlink()
    with pytest.raises(DataFileError, match=r"attribute table file cf\.dbf is missing"):
        load_areas(shp)


def test_shapefile_missing_prj(tmp_path):
    shp = _shapefile(tmp_path)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(
        CRSError,
        match=r"cf\.shp: declares no coordinate reference system Fix: copy the shapefile's \.prj",
    ):
        load_areas(shp)


def test_zipped_shapefile_missing_shx(tmp_path):
    _shapefile(tmp_path)
    zpath = tmp_path / "cf.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in tmp_path.glob("cf.*"):
            if p.suffix not in (".zip", ".shx"):
                zf.write(p, p.name)
    with pytest.raises(DataFileError, match=r"the zipped shapefile cf\.shp has no \.shx"):
        load_areas(zpath)


def test_zip_with_two_datasets(tmp_path):
    zpath = tmp_path / "two.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("a.geojson", "{}")
        zf.writestr("b.geojson", "{}")
    with pytest.raises(
        DataFileError, match=r"holds 2 datasets: a\.geojson, b\.geojson Fix: name one with layer="
    ):
        load_areas(zpath)


def test_geopackage_unknown_layer(tmp_path):
    path = areas_file(tmp_path, [SQUARE])
    with pytest.raises(DataFileError, match=r"has no layer 'parcels'; its layers are: areas"):
        load_areas(path, layer="parcels")


def test_old_excel_format(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    with pytest.raises(DataFileError, match=r"old\.xls: old Excel 97-2003.*save as \.xlsx"):
        load_cases(path)


def test_broken_xlsx(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(DataFileError, match=r"broken\.xlsx: is not a readable \.xlsx workbook"):
        load_cases(path)


def test_binary_file_named_csv(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(DataFileError, match=r"photo\.csv: is not text in any encoding"):
        load_cases(path)


def test_wrong_encoding_named(tmp_path):
    path = csv(tmp_path, "lat,lon,note\n11.5,104.9,café\n", encoding="cp1252")
    with pytest.raises(
        DataFileError, match=r"is not valid utf-8 text .*Fix: pass the right encoding="
    ):
        load_cases(path, encoding="utf-8")


def test_unknown_encoding_name(tmp_path):
    path = csv(tmp_path, "lat,lon\n11.5,104.9\n")
    with pytest.raises(DataFileError, match="unknown encoding 'klingon'"):
        load_cases(path, encoding="klingon")


def test_ragged_csv_line(tmp_path):
    path = csv(tmp_path, "lat,lon,id\n11.5,104.9,1\n11.6,104.8,2,extra,fields\n")
    with pytest.raises(
        DataFileError, match=r"could not be split into columns with the delimiter ','.*line 3"
    ):
        load_cases(path)


def test_wrong_delimiter_single_column(tmp_path):
    # header and rows use different separators: nothing splits the header into columns
    path = csv(tmp_path, "latitude longitude case_identifier\n11.5;104.9;A\n11.6;104.8;B\n")
    with pytest.raises(
        DataFileError,
        match=r"cases\.csv: was read as a single column 'latitude longitude case_identifier'",
    ):
        load_cases(path)


def test_no_coordinate_columns(tmp_path):
    path = csv(tmp_path, "case_id,village\nA,Tuol\n")
    with pytest.raises(
        SchemaError,
        match=r"cases\.csv: has no coordinate columns .*the columns are: case_id, village.*"
        r"Fix: map them",
    ):
        load_cases(path)


def test_mapping_names_a_missing_column(tmp_path):
    path = csv(tmp_path, "y,x\n11.5,104.9\n")
    with pytest.raises(
        SchemaError,
        match=r"column 'Latitude'.*columns=\{'lat': 'Latitude'\} names a column that is not "
        r"in the table",
    ):
        load_cases(path, columns={"lat": "Latitude"})


def test_mapping_names_a_missing_canonical_source(tmp_path):
    path = csv(tmp_path, "y,x\n11.5,104.9\n")
    with pytest.raises(SchemaError, match=r"column 'When'"):
        load_cases(path, columns={"date": "When"})


def test_easting_northing_without_zone(tmp_path):
    path = csv(tmp_path, "easting,northing\n491000,1277800\n")
    with pytest.raises(
        CRSError,
        match=r"has easting/northing columns \(easting, northing\) but no UTM zone "
        r"Fix: pass utm_zone='48N'",
    ):
        load_cases(path)


def test_metres_in_xy_columns_without_crs(tmp_path):
    path = csv(tmp_path, "x,y\n491000,1277800\n492000,1277000\n")
    with pytest.raises(CRSError, match=r"projected coordinates \(metres\), not degrees"):
        load_cases(path)


def test_bad_utm_zone_argument(tmp_path):
    path = csv(tmp_path, "easting,northing\n491000,1277800\n")
    with pytest.raises(CRSError, match=r"UTM zone '99' is not a zone number 1-60"):
        load_cases(path, utm_zone="99")


def test_unknown_crs_string(tmp_path):
    path = csv(tmp_path, "lat,lon\n11.5,104.9\n")
    with pytest.raises(CRSError, match=r"crs 'EPSG:999999' is not a coordinate reference system"):
        load_cases(path, crs="EPSG:999999")


def test_gpx_without_waypoints(tmp_path):
    path = tmp_path / "track.gpx"
    path.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
        '<trk><trkseg><trkpt lat="11.5" lon="104.9"/><trkpt lat="11.6" lon="104.95"/>'
        "</trkseg></trk></gpx>"
    )
    with pytest.raises(
        DataFileError, match=r"track\.gpx: the GPX file has no waypoints, only 1 tracks/routes"
    ):
        load_cases(path)


def test_unknown_study_area(tmp_path):
    path = csv(tmp_path, "lat,lon\n11.5,104.9\n")
    with pytest.raises(DataValueError, match="study_area 'Atlantis' is neither a bundled country"):
        load_cases(path, study_area="Atlantis")


def test_parquet_without_geometry(tmp_path):
    path = tmp_path / "plain.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(path)
    with pytest.raises(DataFileError, match=r"plain\.parquet"):
        load_areas(path)


# ---------------------------------------------------------------- row-level faults


def test_mixed_geometry_types(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "poly"},
                "geometry": shapely.geometry.mapping(SQUARE),
            },
            {
                "type": "Feature",
                "properties": {"name": "pt"},
                "geometry": {"type": "Point", "coordinates": [104.5, 12.5]},
            },
            {
                "type": "Feature",
                "properties": {"name": "line"},
                "geometry": {"type": "LineString", "coordinates": [[104, 12], [105, 13]]},
            },
        ],
    }
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps(doc))
    data, report = load_areas(path)
    complete(report, 3)
    assert row(report, 1)["status"] == "loaded"
    assert (
        row(report, 2)["reason"] == "wrong geometry type Point (areas need Polygon or MultiPolygon)"
    )
    assert (
        row(report, 3)["reason"]
        == "wrong geometry type LineString (areas need Polygon or MultiPolygon)"
    )
    assert row(report, 3)["status"] == "rejected"
    assert data["name"].tolist() == ["poly"]


def test_polygon_in_cases_layer(tmp_path):
    path = areas_file(tmp_path, [SQUARE])
    _, report = load_cases(path)
    assert row(report, 1)["reason"] == "wrong geometry type Polygon (cases need Point)"


def test_concession_points_are_allowed(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": ["known only by location"]}, geometry=[shapely.Point(104.5, 12.5)], crs=4326
    )
    path = tmp_path / "c.gpkg"
    gdf.to_file(path)
    data, report = load_concessions(path, kind="mining")
    assert report.loaded == 1 and data["kind"].iloc[0] == "mining"


def test_null_geometry(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "ok"},
                "geometry": shapely.geometry.mapping(SQUARE),
            },
            {"type": "Feature", "properties": {"name": "none"}, "geometry": None},
        ],
    }
    path = tmp_path / "null.geojson"
    path.write_text(json.dumps(doc))
    data, report = load_areas(path)
    complete(report, 2)
    assert (row(report, 2)["status"], row(report, 2)["reason"]) == (
        "rejected",
        "no geometry (null)",
    )


def test_empty_geometry(tmp_path):
    path = areas_file(tmp_path, [SQUARE, shapely.Polygon()])
    _, report = load_areas(path)
    complete(report, 2)
    assert row(report, 2)["status"] == "rejected"
    assert row(report, 2)["reason"] in ("empty geometry", "no geometry (null)")


def test_bowtie_repaired(tmp_path):
    path = areas_file(tmp_path, [SQUARE, BOWTIE])
    data, report = load_areas(path)
    rec = row(report, 2)
    assert rec["status"] == "repaired"
    assert rec["reason"].startswith("invalid geometry repaired (Self-intersection")
    assert data.is_valid.all()
    assert data.geometry.iloc[1].geom_type == "MultiPolygon"
    assert data.geometry.iloc[1].area == pytest.approx(BOWTIE.buffer(0).area + 0.0025, rel=0.5)


def test_geometry_collection_keeps_polygon_parts(tmp_path):
    gc = shapely.GeometryCollection([SQUARE, shapely.LineString([(104, 12), (105, 13)])])
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "gc"},
                "geometry": shapely.geometry.mapping(gc),
            }
        ],
    }
    path = tmp_path / "gc.geojson"
    path.write_text(json.dumps(doc))
    data, report = load_areas(path)
    assert row(report, 1)["status"] == "repaired"
    assert row(report, 1)["reason"] == "geometry collection: kept its polygon parts"
    assert data.geometry.iloc[0].equals(SQUARE)


def test_point_outside_study_area(tmp_path):
    data, report = load_cases(
        csv(tmp_path, "case_id,lat,lon\nP1,48.8566,2.3522\nP2,11.5564,104.916\n")
    )
    rec = row(report, 1)
    assert rec["status"] == "rejected"
    assert rec["reason"] == "case point outside Cambodia: lon 2.3522, lat 48.8566"
    assert rec["id"] == "P1"
    assert data["case_id"].tolist() == ["P2"]


def test_custom_study_area_bbox(tmp_path):
    path = csv(tmp_path, "lat,lon\n48.8566,2.3522\n")
    _, report = load_cases(path, study_area=(2.2, 48.8, 2.5, 48.95))
    assert report.loaded == 1
    _, report2 = load_cases(
        csv(tmp_path, "lat,lon\n11.5564,104.916\n", name="b.csv"),
        study_area=(2.2, 48.8, 2.5, 48.95),
    )
    assert row(report2, 1)["reason"].startswith("case point outside bbox (2.2, 48.8, 2.5, 48.95)")


def test_swapped_lat_lon_flagged_then_fixed(tmp_path):
    path = csv(tmp_path, "case_id,lat,lon\nS1,104.916,11.5564\n")
    data, report = load_cases(path)
    rec = row(report, 1)
    assert rec["status"] == "rejected"
    assert "probably swapped latitude/longitude: lon 11.5564, lat 104.916" in rec["reason"]
    assert "fix_swapped=True" in rec["reason"]
    data, report = load_cases(path, fix_swapped=True)
    assert row(report, 1)["status"] == "repaired"
    assert (
        row(report, 1)["reason"]
        == "latitude/longitude were swapped (11.5564, 104.916); swapped back"
    )
    assert (data.geometry.x.iloc[0], data.geometry.y.iloc[0]) == pytest.approx((104.916, 11.5564))


def test_coordinates_out_of_range(tmp_path):
    _, report = load_cases(csv(tmp_path, "lat,lon\n95.0,300.0\n"))
    assert row(report, 1)["reason"] == "coordinates out of range: lon 300, lat 95"


def test_zero_zero_coordinates(tmp_path):
    _, report = load_cases(csv(tmp_path, "lat,lon\n0,0\n11.5564,104.916\n"))
    assert row(report, 1)["reason"] == "coordinates 0, 0 (an empty GPS fix?)"


def test_non_numeric_coordinate_echoed(tmp_path):
    data, report = load_cases(
        csv(tmp_path, "case_id,lat,lon\nN1,eleven,104.9\nN2,11.5564,104.916\n")
    )
    complete(report, 2)
    assert (
        row(report, 1)["reason"]
        == "latitude 'eleven' is not a number or a degrees-minutes-seconds value"
    )
    assert row(report, 1)["status"] == "rejected"


def test_dms_minutes_over_sixty(tmp_path):
    _, report = load_cases(csv(tmp_path, 'lat,lon\n"11°75\'10""N",104.9\n'))
    assert row(report, 1)["reason"] == "latitude '11°75\\'10\"N': minutes must be under 60"


def test_one_coordinate_missing(tmp_path):
    _, report = load_cases(csv(tmp_path, "lat,lon\n11.5,\n,\n"))
    assert row(report, 1)["reason"] == "longitude is empty"
    assert row(report, 2)["reason"] == "no coordinates (latitude and longitude are empty)"


def test_bad_zone_value_in_zone_column(tmp_path):
    _, report = load_cases(
        csv(tmp_path, "easting,northing,zone\n491000,1277800,48N\n491000,1277800,99X\n")
    )
    assert row(report, 1)["status"] == "loaded"
    assert row(report, 2)["reason"].startswith("UTM zone '99X' not understood")


def test_duplicate_ids_flagged(tmp_path):
    data, report = load_cases(
        csv(tmp_path, "case_id,lat,lon\nD1,11.5,104.9\nD2,11.6,104.9\nD1,11.7,104.9\n")
    )
    # rows as the spreadsheet shows them (header = row 1)
    assert row(report, 1)["reason"] == "duplicate case_id 'D1' (rows 2, 4)"
    assert row(report, 3)["reason"] == "duplicate case_id 'D1' (rows 2, 4)"
    assert row(report, 3)["status"] == "loaded"
    assert pd.isna(row(report, 2)["reason"])
    assert len(data) == 3


def test_duplicate_area_ids_regenerated(tmp_path):
    gdf = gpd.GeoDataFrame({"id": ["X", "X"]}, geometry=[SQUARE, SQUARE], crs=4326)
    path = tmp_path / "dup.gpkg"
    gdf.to_file(path)
    data, report = load_areas(path)
    assert data["area_id"].tolist() == ["AREA-0001", "AREA-0002"]
    assert "not unique" in report.details["id"]


@pytest.mark.parametrize(
    "value,reason",
    [
        ("31/02/2014", "impossible date '31/02/2014' (no such day)"),
        ("2031-01-01", "impossible date 2031-01-01 (in the future)"),
        ("12/05/1890", "impossible date 1890-05-12 (before 1950)"),
        ("0", "impossible date: year 0"),
        ("soon", "date 'soon' not understood (write dd/mm/yyyy)"),
        ("08/20/2014", "date '08/20/2014' read month-first (mm/dd/yyyy)"),
    ],
)
def test_date_faults_flagged_row_kept(tmp_path, value, reason):
    data, report = load_cases(csv(tmp_path, f"lat,lon,date\n11.5564,104.916,{value}\n"))
    rec = row(report, 1)
    assert rec["status"] == "loaded"
    assert rec["reason"] == reason
    assert len(data) == 1


def test_households_not_whole_number(tmp_path):
    data, report = load_cases(csv(tmp_path, "lat,lon,households\n11.5564,104.916,about 20\n"))
    assert row(report, 1)["reason"] == "households 'about 20' is not a whole number; left empty"
    assert pd.isna(data["households"].iloc[0])


def test_unknown_vocabulary_term_kept(tmp_path):
    data, report = load_cases(csv(tmp_path, "lat,lon,type\n11.5564,104.916,flooding\n"))
    assert row(report, 1)["reason"] == "type 'flooding' is not a known term; kept as given"
    assert data["type"].iloc[0] == "flooding"


def test_several_faults_in_one_row_all_reported(tmp_path):
    _, report = load_cases(csv(tmp_path, "case_id,lat,lon,date\nM1,abc,104.9,31/02/2014\n"))
    reason = row(report, 1)["reason"]
    assert "latitude 'abc'" in reason and "impossible date '31/02/2014'" in reason


def test_khmer_text_preserved_byte_for_byte(tmp_path):
    text = "ភូមិត្រពាំងឈូក ឃុំស្ទឹងមានជ័យ (ករណី ១២)"
    path = csv(
        tmp_path,
        f"lat,lon,village,description\n11.5564,104.916,{text},  {text}  \n",
        encoding="utf-8-sig",
    )
    data, _ = load_cases(path)
    assert data["village"].iloc[0].encode("utf-8") == text.encode("utf-8")
    assert data["description"].iloc[0].encode("utf-8") == f"  {text}  ".encode()


def test_report_csv_round_trip(tmp_path):
    _, report = load_cases(csv(tmp_path, "case_id,lat,lon\nR1,11.5564,104.916\nR2,x,y\n"))
    out = report.to_csv(tmp_path / "report.csv")
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert {"row", "status", "reason", "id"} <= set(back.columns)
    assert back["status"].tolist() == ["loaded", "rejected"]


def test_attribute_only_layer(tmp_path):
    path = tmp_path / "attrs.gpkg"
    import pyogrio

    pyogrio.write_dataframe(pd.DataFrame({"a": [1, 2]}), path, layer="lookup")
    with pytest.raises(DataFileError, match=r"layer 'lookup' has no geometry"):
        load_areas(path)


def test_swapped_points_in_a_vector_file_fixed(tmp_path):
    gdf = gpd.GeoDataFrame({"id": ["V1"]}, geometry=[shapely.Point(11.5564, 104.916)], crs=4326)
    path = tmp_path / "pts.geojson"
    gdf.to_file(path)
    _, report = load_cases(path)
    assert "probably swapped" in row(report, 1)["reason"]
    data, report = load_cases(path, fix_swapped=True)
    assert row(report, 1)["status"] == "repaired"
    assert data.geometry.iloc[0].equals(shapely.Point(104.916, 11.5564))


def test_study_area_as_geodataframe_and_file(tmp_path):
    area = gpd.GeoDataFrame(geometry=[shapely.box(104.8, 11.4, 105.0, 11.7)], crs=4326)
    path = csv(tmp_path, "lat,lon\n11.5564,104.916\n13.0,104.0\n")
    _, report = load_cases(path, study_area=area)
    assert [row(report, 1)["status"], row(report, 2)["status"]] == ["loaded", "rejected"]
    area_file = tmp_path / "pp.gpkg"
    area.to_crs(32648).to_file(area_file)
    _, report2 = load_cases(path, study_area=area_file)
    assert row(report2, 2)["reason"].startswith("case point outside pp.gpkg")


def test_geodataframe_without_crs():
    gdf = gpd.GeoDataFrame({"name": ["x"]}, geometry=[SQUARE])
    with pytest.raises(CRSError, match=r"<DataFrame>: declares no coordinate reference system"):
        load_areas(gdf)


def test_table_inside_zip(tmp_path):
    zpath = tmp_path / "export.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("cases.csv", "lat,lon\n11.5,104.9\n")
    with pytest.raises(
        DataFileError, match=r"export\.zip!cases\.csv: tables .* inside a zip .*Fix: unzip"
    ):
        load_cases(zpath)
