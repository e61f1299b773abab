"""The leak check fails closed: each test here is a way the previous check said "no leak".

Every register and export is built in code from SYNTHETIC values (no real person). Each test's
docstring says what the previous check (``landmap/audit.py``) did with the same input.
"""

from __future__ import annotations

import base64
import bz2
import io
import json
import lzma
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
import shapely
from _projects import HOSTILE_HEADERS

from landmap.leakcheck import audit_export

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAME = "SYNTHETIC Chanthou Veasna"
PHONE = "+855 12 987 654"
POINTS = [(104.9160, 11.5564), (103.8602, 13.3633), (105.9732, 12.4883)]  # lon, lat


def _register(
    tmp_path: Path,
    extra: dict[str, list[str]] | None = None,
    *,
    sep: str = ",",
    encoding: str = "utf-8",
    name: str = "register.csv",
) -> Path:
    """A three-case register with a name and a phone number in unusual columns."""
    frame = pd.DataFrame(
        {
            "case_id": ["R-1", "R-2", "R-3"],
            "latitude": [lat for _, lat in POINTS],
            "longitude": [lon for lon, _ in POINTS],
            "type": ["eviction", "land grab", "eviction"],
            "province": ["Phnom Penh", "Siem Reap", "Kratie"],
            "household_head": [NAME, "SYNTHETIC Sokha Dara", "SYNTHETIC Pich Sreymom"],
            "contact": [PHONE, "+855 17 555 101", "+855 92 555 202"],
            **(extra or {}),
        }
    )
    path = tmp_path / name
    frame.to_csv(path, sep=sep, index=False, encoding=encoding)
    return path


def _export(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "public"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _found(result, kind=None) -> set[str]:
    return {
        cid
        for f in result.findings
        if kind is None or f.kind == kind
        for cid in (f.case_ids or (f.case_id,))
    }


# ------------------------------------------------------------------ reading the register


def test_semicolon_separated_register(tmp_path):
    """Before: read with pandas' defaults, the whole header was one column: nothing searched."""
    register = _register(tmp_path, sep=";")
    export = _export(tmp_path, "notes.txt", f"interviewed {NAME} yesterday".encode())
    result = audit_export(export, register, min_radius_m=0)
    assert _found(result, "value") == {"R-1"}, result.lines()
    assert "household_head" in result.columns_searched


def test_cp1252_register(tmp_path):
    """Before: a register saved by Excel in Windows-1252 gave a UnicodeDecodeError traceback."""
    register = _register(tmp_path, {"spouse": ["SYNTHETIC Renée Dupré", "", ""]}, encoding="cp1252")
    export = _export(
        tmp_path, "page.html", "<p>Renée Dupré</p> <p>SYNTHETIC Renée Dupré</p>".encode()
    )
    result = audit_export(export, register, min_radius_m=0)
    assert any(f.column == "spouse" for f in result.findings), result.lines()


def test_rows_the_loader_rejected_are_searched(tmp_path):
    """Before: values were searched in loaded rows; a row without coordinates was not."""
    register = _register(tmp_path)
    text = register.read_text("utf-8").replace("11.5564", "")  # R-1 has no latitude
    register.write_text(text, "utf-8")
    export = _export(tmp_path, "notes.txt", NAME.encode())
    result = audit_export(export, register, min_radius_m=0)
    assert _found(result, "value") == {"R-1"}, result.lines()


# ------------------------------------------------------------------ decoded text


def test_name_split_by_html_tags(tmp_path):
    """Before: tags were not stripped: ``<b>First</b> Last`` read as "b first b last"."""
    first, last = NAME.rsplit(" ", 1)
    for i, html in enumerate(
        [
            f"<td><b>{first}</b> {last}</td>",
            f"<p>{first[:5]}<span style='x'>{first[5:]}</span> {last}</p>",
        ]
    ):
        export = _export(tmp_path, f"page{i}.html", html.encode())
        assert _found(audit_export(export, _register(tmp_path), min_radius_m=0)) == {"R-1"}


def test_xlsx_rich_text_runs(tmp_path):
    """Before: the runs of a shared string were read apart: "SYNTHETIC Chan" + "thou Veasna"."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = Workbook()
    book.active["A1"] = "note"
    book.active["A2"] = CellRichText([TextBlock(InlineFont(b=True), NAME[:14]), NAME[14:]])
    path = tmp_path / "public" / "notes.xlsx"
    path.parent.mkdir()
    book.save(path)
    with zipfile.ZipFile(path) as zf:  # the name is really split into two runs
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/"))
    assert NAME.encode() not in xml and NAME[:14].encode() in xml
    assert _found(audit_export(path, _register(tmp_path), min_radius_m=0)) == {"R-1"}


def test_plain_base64(tmp_path):
    """Before: only ``data:`` URIs were decoded; a bare base64 blob passed."""
    blob = base64.b64encode(json.dumps({"who": NAME, "tel": PHONE}).encode()).decode()
    export = _export(tmp_path, "app.js", f"var payload = '{blob}';".encode())
    result = audit_export(export, _register(tmp_path), min_radius_m=0)
    assert {f.kind for f in result.findings} == {"value", "phone"}, result.lines()


def test_file_and_member_names(tmp_path):
    """Before: names were never searched: the register's own photo paths passed."""
    register = _register(tmp_path, {"photo": ["media/photos/R1_front_2024.jpg", "", ""]})
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "R1_front_2024.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    with zipfile.ZipFile(folder / "bundle.zip", "w") as zf:
        zf.writestr("media/photos/R1_front_2024.jpg", b"x")
    result = audit_export(folder, register, min_radius_m=0)
    where = {f.where for f in result.findings if f.column == "photo"}
    assert "R1_front_2024.jpg (file name)" in where
    assert any(w.endswith("(member name)") for w in where), where


# ------------------------------------------------------------------ archives and compression


@pytest.mark.parametrize("fmt", ["xz", "bz2", "gz", "tar"])
def test_phone_in_compressed_streams(tmp_path, fmt):
    """Before: gzip only; a phone number in .xz, .bz2 or a tar archive passed."""
    text = f"call {PHONE} after dark".encode()
    if fmt == "tar":
        import tarfile

        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tf:
            info = tarfile.TarInfo("notes.txt")
            info.size = len(text)
            tf.addfile(info, io.BytesIO(text))
        data = buf.getvalue()
    else:
        data = {"xz": lzma.compress, "bz2": bz2.compress, "gz": __import__("gzip").compress}[fmt](
            text
        )
    export = _export(tmp_path, f"notes.{fmt}", data)
    assert _found(audit_export(export, _register(tmp_path), min_radius_m=0), "phone") == {"R-1"}


def _zipcrypto(data: bytes, password: bytes, seed: bytes) -> bytes:
    """Encrypt with the traditional PKWARE cipher (what ``zip -e`` writes)."""
    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(byte: int) -> None:
        keys[0] = zlib.crc32(bytes([byte]), keys[0] ^ 0xFFFFFFFF) ^ 0xFFFFFFFF
        keys[1] = (keys[1] + (keys[0] & 0xFF)) & 0xFFFFFFFF
        keys[1] = (keys[1] * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = zlib.crc32(bytes([keys[1] >> 24]), keys[2] ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    for byte in password:
        update(byte)
    out = bytearray()
    for byte in seed + data:
        temp = (keys[2] | 2) & 0xFFFF
        out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
        update(byte)
    return bytes(out)


def _encrypted_zip(name: str, data: bytes, password: bytes) -> bytes:
    crc = zlib.crc32(data)
    body = _zipcrypto(data, password, os.urandom(11) + bytes([crc >> 24]))
    fname = name.encode()
    local = (
        struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 1, 0, 0, 0, crc, len(body), len(data), len(fname), 0
        )
        + fname
        + body
    )
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            1,
            0,
            0,
            0,
            crc,
            len(body),
            len(data),
            len(fname),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + fname
    )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


def test_encrypted_zip_is_a_finding(tmp_path):
    """Before: an encrypted member raised inside zipfile, was logged at info level, and passed."""
    data = _encrypted_zip("notes.txt", f"call {PHONE}".encode(), b"secret")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # a real encrypted archive
        assert zf.read("notes.txt", pwd=b"secret") == f"call {PHONE}".encode()
    export = _export(tmp_path, "notes.zip", data)
    result = audit_export(export, _register(tmp_path), min_radius_m=0)
    assert not result.ok
    assert [f.kind for f in result.findings] == ["unchecked"]
    assert "encrypted" in result.findings[0].detail and "notes.zip!notes.txt" in (
        result.findings[0].where
    )
    assert result.lines()[0].startswith("UNCHECKED: ")


def _nested_zip(depth: int, inner: bytes) -> bytes:
    data, name = inner, "notes.txt"
    for level in range(depth):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(name, data)
        data, name = buf.getvalue(), f"level{level}.zip"
    return data


def test_zip_nested_six_deep_is_a_finding(tmp_path):
    """Before: anything deeper than five levels was skipped without a word."""
    register = _register(tmp_path)
    shallow = _export(tmp_path, "three.zip", _nested_zip(3, f"call {PHONE}".encode()))
    assert _found(audit_export(shallow, register, min_radius_m=0), "phone") == {"R-1"}
    deep = _export(tmp_path, "six.zip", _nested_zip(6, f"call {PHONE}".encode()))
    result = audit_export(deep, register, min_radius_m=0)
    assert not result.ok and [f.kind for f in result.findings] == ["unchecked"]
    assert "nested more than 5 levels" in result.findings[0].detail


@pytest.mark.parametrize(
    "magic, what",
    [
        (b"\x28\xb5\x2f\xfd" + b"\0" * 32, "zstd"),
        (b"7z\xbc\xaf\x27\x1c" + b"\0" * 32, "7-Zip"),
        (b"PK\x03\x04" + b"\xff" * 40, "corrupt"),
        (b"\xfd7zXZ\x00" + b"\x01" * 40, "corrupt"),
    ],
)
def test_what_cannot_be_opened_is_a_finding(tmp_path, magic, what):
    """Before: unknown or broken containers were logged at info level (or ignored) and passed."""
    export = _export(tmp_path, "blob.bin", magic)
    result = audit_export(export, _register(tmp_path), min_radius_m=0)
    assert not result.ok and {f.kind for f in result.findings} == {"unchecked"}
    assert what in result.findings[0].detail, result.lines()


# ------------------------------------------------------------------ PDF page text


def _pdf_with_text(path: Path, text: str) -> None:
    plt.rcParams["pdf.fonttype"] = 42  # TrueType with a ToUnicode map: extractable text
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_axis_off()
    ax.text(0.1, 0.5, text)
    fig.savefig(path)
    plt.close(fig)


@pytest.mark.slow
def test_pdf_text_without_poppler(tmp_path):
    """Before: without pdftotext the page text was skipped with an info-level log line.

    The check runs in a subprocess whose PATH holds no poppler tool; pypdf reads the text.
    """
    register = _register(tmp_path)
    export = tmp_path / "public" / "map.pdf"
    export.parent.mkdir()
    _pdf_with_text(export, f"Interviewed {NAME}")
    assert NAME.encode() not in export.read_bytes()  # only as glyphs in compressed streams
    code = (
        "import json, sys; from landmap.leakcheck import audit_export; "
        "r = audit_export(sys.argv[1], sys.argv[2], min_radius_m=0); "
        "print(json.dumps([(f.kind, f.where, list(f.case_ids)) for f in r.findings]))"
    )
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    run = subprocess.run(
        [sys.executable, "-c", code, str(export), str(register)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    findings = json.loads(run.stdout)
    assert any(
        kind == "value" and where.endswith("!pypdf") and ids == ["R-1"]
        for kind, where, ids in findings
    ), findings


def test_unreadable_pdf_is_a_finding(tmp_path):
    """Before: poppler's failure left empty text, and the PDF passed."""
    export = _export(tmp_path, "broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 20)
    result = audit_export(export, _register(tmp_path), min_radius_m=0)
    assert not result.ok and {f.kind for f in result.findings} == {"unchecked"}


# ------------------------------------------------------------------ coordinates in text


def _dms(value: float) -> tuple[int, int, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return degrees, minutes, round((value - degrees - minutes / 60) * 3600, 1)


@pytest.mark.parametrize(
    "style", ["hemisphere", "dms", "dms_letters", "degrees_minutes", "prefix", "utm_labelled"]
)
def test_points_in_common_notations(tmp_path, style):
    """Before: only bare decimal pairs with 3+ decimals (or UTM pairs) were read as points."""
    lon, lat = POINTS[1]
    (ad, am, asec), (od, om, osec) = _dms(lat), _dms(lon)
    utm = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(32648).iloc[0]
    text = {
        "hemisphere": f"seen at {lat:.4f} N, {lon:.4f} E",
        "dms": f"{ad}°{am}'{asec}\"N {od}°{om}'{osec}\"E",
        "dms_letters": f"{ad}d{am}m{asec}s N {od}d{om}m{osec}s E",
        "degrees_minutes": f"N{ad} {am + asec / 60:.3f} E{od} {om + osec / 60:.3f}",
        "prefix": f"N {ad}°{am}'{asec}\" E {od}°{om}'{osec}\"",
        "utm_labelled": f"E {utm.x:.0f} N {utm.y:.0f}",
    }[style]
    export = _export(tmp_path, "notes.txt", text.encode())
    result = audit_export(export, _register(tmp_path))
    assert _found(result, "point") == {"R-2"}, (text, result.lines())


def test_two_decimal_hemisphere_pair(tmp_path):
    """``11.36 N, 104.56 E``: two decimals are about a kilometre; closer than 500 m leaks."""
    lon, lat = 104.5634, 11.3612
    register = _register(tmp_path)
    frame = pd.read_csv(register)
    frame.loc[0, ["latitude", "longitude"]] = [lat, lon]
    frame.to_csv(register, index=False)
    export = _export(tmp_path, "notes.txt", b"position 11.36 N, 104.56 E")
    assert _found(audit_export(export, register), "point") == {"R-1"}


# ------------------------------------------------------------------ any header, real command


@pytest.mark.slow
def test_names_under_any_header_found_by_the_command(tmp_path):
    """Before: only columns recognised as sensitive by name were searched; these passed."""
    values = {h: [f"SYNTHETIC Witness{i} Kosal", "", ""] for i, h in enumerate(HOSTILE_HEADERS)}
    values["ម្ចាស់ដី"] = ["សាកល្បង សុខ ចាន់ថា", "", ""]
    values["អ្នកផ្តល់ព័ត៌មាន"] = ["សាកល្បង ពេជ្រ ស្រីមុំ", "", ""]
    values.pop("household_head")
    register = _register(tmp_path, values)
    frame = pd.read_csv(register, dtype=str, keep_default_na=False)
    export = tmp_path / "public" / "cases.geojson"
    export.parent.mkdir()
    gdf = gpd.GeoDataFrame(
        frame.drop(columns=["latitude", "longitude"]),
        geometry=gpd.points_from_xy(
            frame.longitude.astype(float) + 0.05, frame.latitude.astype(float)
        ),
        crs=4326,
    )
    gdf.to_file(export, driver="GeoJSON")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "landmap.cli",
            "audit",
            str(export.parent),
            "--against",
            str(register),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    for header in HOSTILE_HEADERS:
        assert f": {header}: " in run.stdout, header
    assert "SYNTHETIC" not in run.stdout and "សាកល្បង" not in run.stdout  # never the value
    clean = gdf[["case_id", "type", "province", "geometry"]]
    clean.to_file(export, driver="GeoJSON")
    run = subprocess.run(
        [sys.executable, "-m", "landmap.cli", "audit", str(export), "--against", str(register)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and "no leak found" in run.stdout, run.stdout + run.stderr


# ------------------------------------------------------------------ what is not a leak


def test_values_that_cannot_identify_anyone_are_not_searched(tmp_path):
    """Short values, public values, vocabulary terms and dates are left out, and counted."""
    register = _register(
        tmp_path,
        {
            "notes": ["Sok", "eviction", "Phnom Penh"],  # short, vocabulary, a public value
            "visited": ["2024-03-01", "01/03/2024", "unknown"],  # dates, a placeholder
            "plot": ["1234", "12.5", "7"],  # short numbers
        },
    )
    export = _export(
        tmp_path,
        "summary.txt",
        b"Sok eviction Phnom Penh 2024-03-01 01/03/2024 unknown 1234 12.5 7",
    )
    result = audit_export(export, register, min_radius_m=0)
    assert result.ok, result.lines()
    notes = " ".join(result.notes)
    for why in (
        "shorter than 4 letters",
        "public value or vocabulary term",
        "date only",
        "number shorter than 8 digits",
    ):
        assert why in notes, notes


def test_confidential_profile_checks_nothing_and_says_so(tmp_path):
    register = _register(tmp_path)
    export = _export(tmp_path, "notes.txt", NAME.encode())
    result = audit_export(export, register, profile="internal")
    assert result.ok and result.values_checked == 0
    assert any("confidential" in n for n in result.notes)
    assert any("confidential" in line for line in result.lines())
    assert not audit_export(export, register).ok  # the same file under the public profile


def test_phone_numbers_in_any_spelling_but_not_inside_other_numbers(tmp_path):
    register = _register(tmp_path)
    for i, text in enumerate(
        ["012-987-654", "85512987654", "+855 (0)12 987 654", "tel:012987654", "លេខ ០១២ ៩៨៧ ៦៥៤"]
    ):
        export = _export(tmp_path, f"found{i}.txt", text.encode())
        assert _found(audit_export(export, register, min_radius_m=0), "phone") == {"R-1"}, text
    for i, text in enumerate(["3312987654", "id ab12987654", "0.012987654", "ff12987654"]):
        export = _export(tmp_path, f"not{i}.txt", text.encode())
        assert audit_export(export, register, min_radius_m=0).ok, text


def test_khmer_name_inside_running_text(tmp_path):
    register = _register(tmp_path, {"owner": ["សាកល្បង សុខ ចាន់ថា", "", ""]})
    export = _export(tmp_path, "km.html", "<p>គាត់សាកល្បងសុខ\u200bចាន់ថាបានប្តឹង</p>".encode())
    assert _found(audit_export(export, register, min_radius_m=0)) == {"R-1"}


def test_unrelated_numbers_in_a_pdf_drawing_are_not_points(tmp_path):
    """A briefing map's drawing operators are not coordinates (page space, not degrees)."""
    export = tmp_path / "public" / "map.pdf"
    export.parent.mkdir()
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(103.8, 103.9, 50)
    ax.plot(x, 13.36 + 0 * x)
    fig.savefig(export)
    plt.close(fig)
    assert audit_export(export, _register(tmp_path)).ok


# ------------------------------------------------------------------ reading leaves no trace


def _geopackage_with_metadata(tmp_path: Path) -> Path:
    """A GeoPackage of the exact case points with dataset metadata, as landmap writes them."""
    import pyogrio

    folder = tmp_path / "public"
    folder.mkdir(exist_ok=True)
    path = folder / "cases.gpkg"
    frame = gpd.GeoDataFrame(
        {"case_id": ["R-1", "R-2", "R-3"]},
        geometry=[shapely.Point(lon, lat) for lon, lat in POINTS],
        crs=4326,
    )
    pyogrio.write_dataframe(
        frame, path, layer="cases", driver="GPKG", dataset_metadata={"landmap_profile": "public"}
    )
    return path


def test_reading_a_geopackage_leaves_its_folder_as_it_was(tmp_path):
    """GDAL writes ``cases.gpkg.aux.xml`` beside a GeoPackage whose metadata it read."""
    export = _geopackage_with_metadata(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in export.parent.iterdir()}
    result = audit_export(export.parent, _register(tmp_path))
    assert _found(result, "point") == {"R-1", "R-2", "R-3"}  # it was read
    assert {p.name: p.stat().st_mtime_ns for p in export.parent.iterdir()} == before


def test_two_registers_read_a_geopackage_through_one_private_view(tmp_path, monkeypatch):
    """The second register's pass is served from the first one's reads: no second view (which
    copies the whole file where links are not allowed), and the folder is still untouched."""
    from landmap.leakcheck import audit_exports, layers

    views = []
    real = layers._private_view

    def counted(path):
        views.append(path)
        return real(path)

    monkeypatch.setattr(layers, "_private_view", counted)
    export = _geopackage_with_metadata(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in export.parent.iterdir()}
    registers = {}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        registers[name] = _register(tmp_path / name)
    results = audit_exports([export], registers)
    assert [_found(r, "point") for r in results.values()] == [{"R-1", "R-2", "R-3"}] * 2
    assert len(views) == 1
    assert {p.name: p.stat().st_mtime_ns for p in export.parent.iterdir()} == before


def test_reading_a_geopackage_changes_no_process_wide_gdal_setting(tmp_path, monkeypatch):
    """Before: GDAL_PAM_ENABLED=NO was set for the whole process while the file was read, so
    another thread reading or writing a raster then kept no .aux.xml statistics."""
    import pyogrio

    from landmap.leakcheck import layers as points

    seen = []

    def spy(real):
        def call(*args, **kwargs):
            seen.append(pyogrio.get_gdal_config_option("GDAL_PAM_ENABLED"))
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(points.pyogrio, "list_layers", spy(pyogrio.list_layers))
    monkeypatch.setattr(points.pyogrio, "read_dataframe", spy(pyogrio.read_dataframe))
    export = _geopackage_with_metadata(tmp_path)
    result = audit_export(export, _register(tmp_path))
    assert _found(result, "point") == {"R-1", "R-2", "R-3"}
    assert seen and set(seen) == {None}, seen
