"""The leak check: public exports in every format are clean; leaky ones are caught.

Every format is written twice from the synthetic register: through the public profile (must
pass) and straight from the internal data (must fail, proving the check can fail). The writers
here are deliberately minimal; the exporters run their real outputs through ``audit_export``.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import zipfile
import zlib
from pathlib import Path

import folium
import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
import shapely
from test_privacy_data import SENSITIVE, communes, register, register_source

from landmap.cli import main
from landmap.errors import DataFileError, PrivacyError
from landmap.leakcheck import audit_export, require_clean
from landmap.leakcheck.streams import walk
from landmap.privacy import publish, write_audit
from landmap.render.maps import MapFields

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image, PngImagePlugin  # noqa: E402

# The test PDF/PNG writers label points with Khmer names in a Latin font on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
SEED = 771122334455667788
N = 150  # cases per export: enough for every format, small enough to keep the suite fast


@pytest.fixture(scope="module")
def source():
    return register_source()


@pytest.fixture(scope="module")
def cases():
    data = register()
    return data[data.geometry.notna()].iloc[:N].reset_index(drop=True)


@pytest.fixture(scope="module")
def public(cases):
    """The public layer as the privacy gate publishes it: the allowed columns only."""
    return publish(cases, "public", kind="cases", communes=communes(), seed=SEED)


@pytest.fixture(scope="module")
def internal(cases):
    return publish(cases, "internal", kind="cases").data


def _ids(findings):
    """Every case a list of findings names."""
    return {cid for f in findings for cid in (f.case_ids or (f.case_id,))}


# ------------------------------------------------------------------ minimal writers


def _table(gdf):
    """A flat table: latitude first, longitude last (not adjacent), no geometry column."""
    flat = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    flat.insert(0, "latitude", gdf.geometry.y.round(6))
    flat["longitude"] = gdf.geometry.x.round(6)
    return flat


def write_geojson(gdf, path):
    gdf.to_file(path, driver="GeoJSON")


def write_gpkg(gdf, path):
    gdf.to_file(path, driver="GPKG", layer="cases")


def write_kmz(gdf, path):
    gdf[[c for c in gdf.columns if c != "date"]].to_file(path, driver="LIBKML")


def write_csv(gdf, path):
    _table(gdf).to_csv(path, index=False)


def write_xlsx(gdf, path):
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        _table(gdf).to_excel(xl, sheet_name="cases", index=False)


def write_html(gdf, path):
    m = folium.Map(location=[12.5, 105], zoom_start=7, tiles=None)
    folium.GeoJson(gdf.to_json(default=str), name="cases").add_to(m)
    m.save(str(path))


def _figure(gdf, label_column):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.scatter(gdf.geometry.x, gdf.geometry.y, s=4)
    head = gdf.iloc[:20]
    for x, y, text in zip(head.geometry.x, head.geometry.y, head[label_column], strict=True):
        ax.annotate(str(text), (x, y), fontsize=4)
    return fig


def write_png(gdf, path):
    leaky = "complainant_name" in gdf.columns
    fig = _figure(gdf, "case_id")
    meta = {"Title": "Cases", "Description": "public map"}
    if leaky:
        meta["Author"] = str(gdf["complainant_name"].iloc[0])
    fig.savefig(path, dpi=50, metadata=meta)
    plt.close(fig)


def write_pdf(gdf, path):
    leaky = "complainant_name" in gdf.columns
    fig = _figure(gdf, "complainant_name" if leaky else "case_id")
    fig.savefig(path, metadata={"Title": "Cases"})
    plt.close(fig)


WRITERS = {
    "geojson": write_geojson,
    "gpkg": write_gpkg,
    "kmz": write_kmz,
    "csv": write_csv,
    "xlsx": write_xlsx,
    "html": write_html,
    "png": write_png,
    "pdf": write_pdf,
}
HAS_POINTS = {"geojson", "gpkg", "kmz", "csv", "xlsx", "html"}


def _secrets(cases):
    values = []
    for col in ("complainant_name", "complainant_phone"):
        if col in cases.columns:
            values += [str(v) for v in cases[col].dropna() if str(v).strip()]
    return values


def _independent_streams(path: Path):
    """Byte streams read without the audit module: raw, ZIP members, PNG text, PDF text."""
    data = path.read_bytes()
    yield data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                yield zf.read(name)
    if path.suffix == ".png":
        with Image.open(path) as img:
            yield json.dumps(img.info, default=str, ensure_ascii=False).encode()
    if path.suffix == ".pdf":
        yield subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
        for match in __import__("re").finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, 16):
            try:
                yield zlib.decompress(match.group(1))
            except zlib.error:
                continue


# ------------------------------------------------------------------ clean and leaky, every format


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_public_export_is_clean(fmt, tmp_path, cases, public, source):
    path = tmp_path / f"cases.{fmt}"
    WRITERS[fmt](public.data, path)
    # 1. independently of the audit module: no name or phone number in any byte stream
    needles = [s.encode() for s in _secrets(cases)]
    needles += [json.dumps(s)[1:-1].encode() for s in _secrets(cases)]
    for stream in _independent_streams(path):
        assert not [n for n in needles if n in stream]
    # 2. the leak check agrees, including the location test
    result = audit_export(path, source)
    assert result.ok, result.lines()
    assert len(result.scanned) >= 1
    if fmt in HAS_POINTS:
        assert result.points_found >= len(public.data)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_leaky_export_is_caught(fmt, tmp_path, internal, source):
    path = tmp_path / f"leaky.{fmt}"
    WRITERS[fmt](internal, path)
    result = audit_export(path, source)
    assert not result.ok
    kinds = {f.kind for f in result.findings}
    assert "value" in kinds
    if fmt in HAS_POINTS:
        assert "point" in kinds and "phone" in kinds
        leaked = {f.case_id for f in result.findings if f.kind == "point"}
        assert leaked >= set(internal["case_id"].iloc[:N])
    for finding in result.findings:  # the report never repeats a full value
        for secret in _secrets(internal):
            assert secret not in finding.line()


# ------------------------------------------------------------------ values that hide


def _first(cases, column):
    return str(cases[column].dropna().iloc[0]), str(
        cases.loc[cases[column].notna(), "case_id"].iloc[0]
    )


@pytest.mark.parametrize(
    "hide",
    [
        "json_ascii",
        "html_entities",
        "percent",
        "phone_dashes",
        "phone_compact",
        "phone_khmer",
        "base64_uri",
        "utf16",
        "khmer_run_together",
    ],
)
def test_hidden_values_found(hide, tmp_path, cases, source):
    name, cid = _first(cases, "complainant_name")
    phone, pid = _first(cases, "complainant_phone")
    digits = "".join(ch for ch in phone if ch.isdigit())
    khmer = cases.loc[
        cases["complainant_name"].str.contains("ឈ្មោះ", na=False), ["complainant_name", "case_id"]
    ]
    body = {
        "json_ascii": json.dumps({"p": str(khmer.iloc[0, 0]) if len(khmer) else name}),
        "html_entities": "".join(f"&#{ord(ch)};" for ch in name),
        "percent": "https://example.invalid/?q=" + __import__("urllib.parse").parse.quote(name),
        "phone_dashes": "tel:" + phone.replace(" ", "-"),
        "phone_compact": f"contact {digits}",
        "phone_khmer": phone.translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")),
        "base64_uri": "data:application/json;base64,"
        + base64.b64encode(json.dumps({"n": name}).encode()).decode(),
        "utf16": None,
        "khmer_run_together": ("គាត់" + str(khmer.iloc[0, 0]) + "បានប្តឹង") if len(khmer) else name,
    }[hide]
    path = tmp_path / "page.html"
    if hide == "utf16":
        path = tmp_path / "notes.txt"
        path.write_bytes(name.encode("utf-16"))
    else:
        path.write_text(f"<html><body><p>{body}</p></body></html>", "utf-8")
    result = audit_export(path, source, min_radius_m=0)
    expect = (
        pid
        if hide.startswith("phone")
        else (
            str(khmer.iloc[0, 1])
            if hide in ("json_ascii", "khmer_run_together") and len(khmer)
            else cid
        )
    )
    assert expect in _ids(result.findings), result.lines()


def test_png_compressed_text_chunk(tmp_path, cases, source):
    name, cid = _first(cases, "complainant_name")
    info = PngImagePlugin.PngInfo()
    info.add_itxt("Comment", f"interviewed {name}", zip=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "x.png", pnginfo=info)
    assert name.encode() not in (tmp_path / "x.png").read_bytes()  # only compressed
    result = audit_export(tmp_path / "x.png", source, min_radius_m=0)
    assert [f.case_ids for f in result.findings] == [(cid,)]


def test_gpkg_side_table_and_xlsx_second_sheet(tmp_path, public, internal, source):
    gpkg = tmp_path / "pub.gpkg"
    write_gpkg(public.data, gpkg)
    notes = pd.DataFrame(
        {"case_id": internal["case_id"].iloc[:3], "who": internal["complainant_name"].iloc[:3]}
    )
    gpd.GeoDataFrame(notes).to_file(gpkg, layer="notes", driver="GPKG")
    xlsx = tmp_path / "pub.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as xl:
        _table(public.data).to_excel(xl, sheet_name="cases", index=False)
        notes.to_excel(xl, sheet_name="notes", index=False)
    for path in (gpkg, xlsx):
        result = audit_export(path, source)
        assert _ids(result.findings) == set(notes["case_id"]), result.lines()


def test_points_near_but_outside_the_radius(tmp_path, cases, source):
    """A point 100 m from a case leaks; one 600 m away does not (radius 500 m)."""
    metric = cases.iloc[:5].to_crs(32648)
    out = {}
    for shift in (100, 600):
        moved = metric.copy()
        moved["geometry"] = shapely.transform(
            np.asarray(metric.geometry.array), lambda xy, s=shift: xy + [s, 0]
        )
        path = tmp_path / f"shift{shift}.geojson"
        moved[["case_id", "geometry"]].to_crs(4326).to_file(path, driver="GeoJSON")
        out[shift] = audit_export(path, source, min_radius_m=500)
    near = {f.case_id for f in out[100].findings if f.distance_m and f.distance_m < 150}
    assert set(cases["case_id"].iloc[:5]) <= near
    assert all(f.distance_m >= 100 for f in out[100].findings)
    # 600 m from its own case; other cases may be nearer by chance: only those are reported
    own = {f.case_id for f in out[600].findings} & set(cases["case_id"].iloc[:5])
    assert own == set()


def test_polygon_vertices_are_not_case_points(tmp_path, source):
    path = tmp_path / "communes.geojson"
    communes().to_file(path, driver="GeoJSON")
    result = audit_export(path, source)
    assert result.ok, result.lines()[:5]
    assert result.points_found == 0


def test_coordinates_in_text_and_utm(tmp_path, cases, source):
    pt = cases.geometry.iloc[0]
    utm = cases.iloc[:1].to_crs(32648).geometry.iloc[0]
    (tmp_path / "a.txt").write_text(f"seen at {pt.y:.6f}, {pt.x:.6f}", "utf-8")
    (tmp_path / "b.txt").write_text(f"POINT ({utm.x:.2f} {utm.y:.2f})", "utf-8")
    for name in ("a.txt", "b.txt"):
        result = audit_export(tmp_path / name, source)
        assert [f.kind for f in result.findings] == ["point"], name


# ------------------------------------------------------------------ the seed, the audit file


def test_seed_written_nowhere(tmp_path, public):
    for fmt, writer in WRITERS.items():
        writer(public.data, tmp_path / f"cases.{fmt}")
        write_audit(public, tmp_path / f"cases.{fmt}")
    forms = [
        str(SEED).encode(),
        hex(SEED).encode(),
        hex(SEED)[2:].encode(),
        SEED.to_bytes(8, "little"),
        SEED.to_bytes(8, "big"),
    ]
    for path in tmp_path.iterdir():
        for stream in walk([(path, path.name)]):
            assert not [f for f in forms if f in stream.data], path


def test_audit_file_beside_export_is_itself_clean(tmp_path, public, source):
    out = tmp_path / "cases.geojson"
    write_geojson(public.data, out)
    write_audit(public, out)
    assert audit_export(tmp_path, source).ok


# ------------------------------------------------------------------ API edges and the command


def test_require_clean_raises_with_every_finding(tmp_path, internal, source):
    path = tmp_path / "leaky.csv"
    write_csv(internal, path)
    with pytest.raises(PrivacyError, match=r"finding\(s\) in the export"):
        require_clean(path, source)


def test_missing_export_and_source(tmp_path, source):
    with pytest.raises(DataFileError, match="the export to check does not exist"):
        audit_export(tmp_path / "nope.geojson", source)
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(DataFileError, match="the source register does not exist"):
        audit_export(tmp_path / "x.csv", tmp_path / "none.csv")


def test_command_exit_codes(tmp_path, public, internal, source, capsys):
    if not isinstance(source, Path):
        pytest.skip("the command needs the register file")
    clean, leaky = tmp_path / "clean.geojson", tmp_path / "leaky.geojson"
    write_geojson(public.data, clean)
    write_geojson(internal, leaky)
    assert main(["audit", str(clean), "--against", str(source)]) == 0
    assert "no leak found" in capsys.readouterr().out
    report = tmp_path / "r.json"
    assert main(["audit", str(leaky), "--against", str(source), "--json", str(report)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("LEAK ") and lines[-1].split()[0].isdigit()
    assert json.loads(report.read_text("utf-8"))["ok"] is False
    assert main(["audit", str(tmp_path / "nope"), "--against", str(source)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "does not exist" in err


def test_findings_do_not_print_values(tmp_path, internal, source):
    path = tmp_path / "leaky.html"
    write_html(internal, path)
    text = "\n".join(audit_export(path, source).lines())
    assert "SYNTHETIC Person" not in text and "+855" not in text
    assert io.StringIO(text).readline().startswith("LEAK")


def test_every_column_the_profile_does_not_publish_is_searched(source):
    from landmap.leakcheck.register import read_register

    register = read_register(source)
    assert set(SENSITIVE) <= set(register.searched)
    assert {"description", "_uuid", "_submission_time"} <= set(register.searched)
    assert not set(register.searched) & {"case_id", "province", "village", "case_type"}
    assert set(register.coordinates) == {"latitude", "longitude"}
    assert len(register.index) >= register.rows * 4


def test_labelled_points_judged_against_their_own_case(tmp_path):
    """A masked point of case A may land near household B: that is not B's location."""
    metric = gpd.GeoSeries(
        [shapely.Point(500_000, 1_300_000), shapely.Point(500_700, 1_300_000)], crs=32648
    )
    source = gpd.GeoDataFrame(
        {"case_id": ["A-1", "B-2"], "complainant_name": ["x", "y"]},
        geometry=metric.to_crs(4326).to_numpy(),
        crs=4326,
    )
    masked = gpd.GeoSeries([shapely.Point(500_600, 1_300_000)], crs=32648).to_crs(4326)
    lon, lat = masked.x.iloc[0], masked.y.iloc[0]
    labelled = {
        "bom.csv": f"\ufeffref,longitude,latitude\nA-1,{lon:.7f},{lat:.7f}\n".encode(),
        "named.kml": (
            f'<?xml version="1.0"?><kml><Document><Placemark><name>A-1</name>'
            f"<Point><coordinates>{lon:.7f},{lat:.7f}</coordinates></Point>"
            "</Placemark></Document></kml>"
        ).encode(),
        "feature.geojson": json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"ref": "A-1"},
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    }
                ],
            }
        ).encode(),
    }
    for name, body in labelled.items():
        (tmp_path / name).write_bytes(body)
        assert audit_export(tmp_path / name, source).ok, name
    (tmp_path / "bare.txt").write_text(f"{lat:.6f}, {lon:.6f}")
    result = audit_export(tmp_path / "bare.txt", source)
    assert [(f.case_id, round(f.distance_m or 0)) for f in result.findings] == [("B-2", 100)]
    (tmp_path / "own.csv").write_text(f"ref,longitude,latitude\nB-2,{lon:.7f},{lat:.7f}\n")
    assert [f.case_id for f in audit_export(tmp_path / "own.csv", source).findings] == ["B-2"]


# ------------------------------------------------------------------ landmap's own interactive map


def test_landmap_map_payload_decoded(tmp_path, cases, public, internal, source):
    builder = pytest.importorskip("landmap.render.maps.builder")
    save = pytest.importorskip("landmap.render.maps.save")
    clean = save.save_map(builder.build_map(cases=public), tmp_path / "public.html")
    result = audit_export(clean, source)
    assert result.ok, result.lines()[:3]
    assert result.points_found >= len(public.data)  # the compact payload was decoded
    fields = MapFields(popup=["case_id", "complainant_name"])
    leaky = save.save_map(
        builder.build_map(cases=internal, profile="internal", fields=fields),
        tmp_path / "internal.html",
    )
    found = audit_export(leaky, source).findings
    points = {f.case_id for f in found if f.kind == "point"}
    assert points >= set(internal["case_id"]) and {f.kind for f in found} == {"point", "value"}


def test_varint_decoder_matches_the_map_encoder():
    encode = pytest.importorskip("landmap.render.maps.encode")
    from landmap.leakcheck.points import decode_varints as _varints

    values = np.array([0, 1, 31, 32, 1000, 2**40 + 7], dtype=np.uint64)
    assert _varints(encode.varint(values)).tolist() == values.tolist()


def test_gpkg_extents_are_not_points_but_attribute_coordinates_are(tmp_path, cases, source):
    """A layer's extent corner in gpkg_contents may sit on a home; a lat/lon table may not."""
    pt = cases.geometry.iloc[0]
    square = shapely.box(pt.x, pt.y, pt.x + 0.2, pt.y + 0.2)  # extent starts at the case
    path = tmp_path / "x.gpkg"
    gpd.GeoDataFrame({"name": ["area"]}, geometry=[square], crs=4326).to_file(path, layer="a")
    assert audit_export(path, source).ok
    table = pd.DataFrame({"ref": ["r1"], "lat": [round(pt.y, 6)], "lon": [round(pt.x, 6)]})
    gpd.GeoDataFrame(table).to_file(path, layer="notes", driver="GPKG")
    found = audit_export(path, source).findings
    assert [f.kind for f in found] == ["point"] and found[0].distance_m < 1


def test_numbered_ids_in_a_map_payload_are_read_decoded(tmp_path, cases, internal, source):
    """A map sends ids such as 012345678 as prefixes and number deltas; they are still found."""
    encode = pytest.importorskip("landmap.render.maps.encode")
    phones = (
        cases["complainant_phone"].dropna().map(lambda p: "".join(ch for ch in p if ch.isdigit()))
    )
    phones = phones[phones.str.len() == phones.str.len().mode()[0]].drop_duplicates()
    width = len(phones.iloc[0])
    filler = [str(10 ** (width - 1) + i) for i in range(80)]  # numbers in no register
    column = encode.encode_column(pd.Series(list(phones) + filler, dtype=object))
    assert "n" in column, "the phone numbers should travel as numbered ids here"
    payload = json.dumps({"id": "layer1", "props": {"reference": column}})
    path = tmp_path / "map.html"
    path.write_text(f'<html><script type="application/json">{payload}</script></html>', "utf-8")
    assert phones.iloc[0] not in path.read_text("utf-8")  # not there as written
    result = audit_export(path, source, min_radius_m=0)
    found = {cid for f in result.findings if f.kind == "phone" for cid in f.case_ids}
    owners = set(cases.loc[phones.index, "case_id"].astype(str))
    assert owners <= found, result.lines()[:3]


def test_numbered_case_ids_still_label_map_points(tmp_path):
    """Points of a map whose case ids travel numbered are judged against their own case."""
    builder = pytest.importorskip("landmap.render.maps.builder")
    save = pytest.importorskip("landmap.render.maps.save")
    n = 80
    true = gpd.GeoDataFrame(
        {"case_id": [f"C{i:04d}" for i in range(n)]},
        geometry=shapely.points(104 + np.arange(n) * 0.01, [12.0] * n),
        crs=4326,
    )
    # each published point 600 m east of its own case but only 300 m from its neighbour's
    moved = true.copy()
    moved["geometry"] = shapely.points(104 + np.arange(n) * 0.01 + 0.0055, [12.0] * n)
    path = save.save_map(
        builder.build_map(cases=moved, profile="internal", fields=MapFields(popup=["case_id"])),
        tmp_path / "map.html",
    )
    assert '"n":"' in path.read_text("utf-8")
    result = audit_export(path, true, min_radius_m=500)
    assert not [f for f in result.findings if f.kind == "point"], result.lines()[:3]
