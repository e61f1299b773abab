"""The named limits: archives that unpack to gigabytes, huge tables, huge briefing maps.

The zip bombs here are real: a deflate stream that genuinely unpacks to 1.9 GB, built in a
second from one compressed block repeated (a full flush resets the compressor, so every copy
of the block is the same bytes).
"""

from __future__ import annotations

import gzip
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from _cli import ROOT, assert_clean, assert_one_line_error, environment, landmap

from landmap import limits
from landmap.errors import DataValueError, LimitError
from landmap.io.load import load_cases
from landmap.render.briefing.page import check_dpi

FEATURES_OPEN = b'{"type": "FeatureCollection", "features": ['
FEATURES_CLOSE = b"]}"


FEATURE = (
    b'{"type": "Feature", "properties": {"case_id": "C-1", "type": "eviction"}, '
    b'"geometry": {"type": "Point", "coordinates": [104.91, 11.55]}}'
)


def deflate_bomb(size: int) -> tuple[bytes, int, int]:
    """Return ``(raw deflate data, crc32, uncompressed size)`` of a GeoJSON of about ``size``.

    The GeoJSON is a FeatureCollection of one case repeated millions of times: valid, and
    as costly to read as any file of that size.
    """
    chunk = (FEATURE + b",") * ((1 << 20) // (len(FEATURE) + 1))
    n = (size - len(FEATURES_OPEN) - len(FEATURE) - len(FEATURES_CLOSE)) // len(chunk)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = deflate.compress(FEATURES_OPEN) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = FEATURE + FEATURES_CLOSE
    tail = deflate.compress(end) + deflate.flush(zlib.Z_FINISH)
    crc = zlib.crc32(FEATURES_OPEN)
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(end, crc)
    total = len(FEATURES_OPEN) + n * len(chunk) + len(end)
    return head + block * n + tail, crc, total


def write_zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> Path:
    """Write a zip of already-deflated members ``{name: (data, crc32, size)}`` (no zip64)."""
    local, central = bytearray(), bytearray()
    for name, (data, crc, size) in members.items():
        raw = name.encode("utf-8")
        offset = len(local)
        local += (
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, len(data), size, len(raw), 0
            )
            + raw
            + data
        )
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0x800,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(raw),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))
    return path


def deflated(data: bytes) -> tuple[bytes, int, int]:
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush(), zlib.crc32(data), len(data)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> tuple[bytes, int, int]:
    return deflate_bomb(1_900_000_000)


def test_the_bomb_is_real(tmp_path, bomb):
    path = write_zip(tmp_path / "bomb.zip", {"sites.geojson": bomb})
    assert path.stat().st_size < 8_000_000
    with zipfile.ZipFile(path) as zf, zf.open("sites.geojson") as fh:
        assert fh.read(len(FEATURES_OPEN)) == FEATURES_OPEN
        assert zf.getinfo("sites.geojson").file_size > 1_898_000_000
        assert fh.read(len(FEATURE)) == FEATURE
        fh.seek(1_800_000_000)  # decompresses the first 1.8 GB: the data are what they claim
        assert FEATURE in fh.read(2 * len(FEATURE))


@pytest.mark.parametrize("name", ["sites.zip", "sites.kmz"])
def test_zip_bomb_is_refused_before_reading(tmp_path, bomb, name):
    """2 MB holding 1.9 GB (was: read until the machine ran out of memory)."""
    member = "doc.kml" if name.endswith(".kmz") else "sites.geojson"
    path = write_zip(tmp_path / name, {member: bomb})
    line = assert_one_line_error(landmap("check", path, "--as", "cases", timeout=120), "check")
    assert f"the archive member {member!r} unpacks to 1,900 MB; the limit is 1,000 MB" in line
    assert "LANDMAP_MAX_ARCHIVE_MEMBER_MB=" in line


def test_smaller_bomb_is_refused_for_its_ratio(tmp_path):
    """Under the size limit, a member that unpacks to a thousand times its size is refused."""
    path = write_zip(tmp_path / "sites.zip", {"sites.geojson": deflate_bomb(300_000_000)})
    line = assert_one_line_error(landmap("check", path, "--as", "cases", timeout=120), "check")
    assert re.search(
        r"'sites.geojson' unpacks to [\d,]+ times its compressed size; the limit "
        r"is 100 times",
        line,
    )
    assert "LANDMAP_MAX_ARCHIVE_RATIO=" in line


def test_zip_bomb_through_a_gdal_path_and_in_a_workbook(tmp_path, bomb):
    path = write_zip(tmp_path / "sites.zip", {"sites.geojson": bomb})
    line = assert_one_line_error(
        landmap("check", f"/vsizip/{path}/sites.geojson", timeout=120), "check"
    )
    assert "'sites.geojson' unpacks to 1,900 MB" in line
    book = tmp_path / "register.xlsx"
    with zipfile.ZipFile(ROOT / "data" / "synthetic_cases.xlsx") as real:
        parts = {n: deflated(real.read(n)) for n in real.namelist()}
    parts["xl/worksheets/sheet1.xml"] = bomb
    write_zip(book, parts)
    line = assert_one_line_error(landmap("check", book, timeout=120), "check")
    assert "'xl/worksheets/sheet1.xml' unpacks to" in line


def test_gzip_bomb_is_refused(tmp_path):
    path = tmp_path / "sites.geojson.gz"
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(FEATURES_OPEN)
        for _ in range(60):
            fh.write(b" " * (1 << 20))
        fh.write(FEATURES_CLOSE)
    line = assert_one_line_error(landmap("check", f"/vsigzip/{path}", timeout=120), "check")
    assert "the compressed file 'sites.geojson.gz' unpacks to" in line


def test_member_size_limit_and_how_to_raise_it(tmp_path, monkeypatch):
    """A member over the size limit is refused; the variable the message names lets it in."""
    lines = b"".join(
        b'{"type": "Feature", "properties": {"case_id": "C-%06d"}, '
        b'"geometry": {"type": "Point", "coordinates": [104.9, 11.5]}},\n' % i
        for i in range(20_000)
    )
    data = FEATURES_OPEN + lines.rstrip(b",\n") + FEATURES_CLOSE
    path = write_zip(tmp_path / "cases.zip", {"cases.geojson": deflated(data)})
    proc = landmap("check", path, env=environment(LANDMAP_MAX_ARCHIVE_MEMBER_MB="1"))
    line = assert_one_line_error(proc, "check")
    assert re.search(r"unpacks to 2\.\d MB; the limit is 1 MB", line)
    raise_to = re.search(r"LANDMAP_MAX_ARCHIVE_MEMBER_MB=(\d+)", line).group(1)
    proc = landmap("check", path, env=environment(LANDMAP_MAX_ARCHIVE_MEMBER_MB=raise_to))
    assert_clean(proc, "check")
    assert "20000 rows -> 20000 loaded" in proc.stdout
    monkeypatch.setenv("LANDMAP_MAX_ARCHIVE_MEMBER_MB", "1")
    with pytest.raises(LimitError, match="LANDMAP_MAX_ARCHIVE_MEMBER_MB") as info:
        load_cases(path)
    assert info.value.name == "archive_member_mb" and info.value.limit == 1
    assert 2 < info.value.actual < 3


def test_real_archives_pass_the_default_limits(data_dir):
    cases, report = load_cases(
        data_dir / "eviction_hotspots_geojson.zip", layer="eviction_sites.geojson"
    )
    assert report.input_rows == len(cases) + report.rejected > 0
    cases, _ = load_cases(data_dir / "synthetic_cases.xlsx")
    assert len(cases) > 1000


def test_line_limit_counts_old_mac_line_ends_as_lines(tmp_path, monkeypatch):
    """A CSV saved with CR line ends (Excel for Mac 2011) is many short lines, not one."""
    rows = "".join(f"C-{i},11.5,104.9\r" for i in range(60_000))
    path = tmp_path / "mac.csv"
    path.write_bytes(("case_id,lat,lon\r" + rows).encode())
    monkeypatch.setenv("LANDMAP_MAX_LINE_BYTES", "1000")
    cases, _ = load_cases(path)
    assert len(cases) == 60_000
    path.write_bytes(("case_id,lat,lon\n" + "C-1,11.5," + "9" * 5000 + "\n").encode())
    with pytest.raises(LimitError, match=r"line 2 is 5,009 bytes long; the limit is 1,000 bytes"):
        load_cases(path)


def test_a_bad_limit_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LANDMAP_MAX_COLUMNS", "lots")
    with pytest.raises(DataValueError, match="LANDMAP_MAX_COLUMNS='lots' is not a positive"):
        limits.current("columns")
    monkeypatch.setenv("LANDMAP_MAX_COLUMNS", "20_000")
    assert limits.current("columns") == 20_000


def test_raster_size_is_estimated_before_drawing(monkeypatch):
    assert check_dpi(600, paper="A3") == 600  # 70 megapixels
    with pytest.raises(
        LimitError,
        match=r"A3 PNG at 1200 dpi \(19,843 x 14,031 pixels\) would "
        r"be 278 megapixels",
    ) as info:
        check_dpi(1200, paper="A3")
    assert info.value.name == "raster_megapixels"
    assert check_dpi(1200, paper="A3", png=False) == 1200  # a PDF is vector
    monkeypatch.setenv("LANDMAP_MAX_RASTER_MEGAPIXELS", "300")
    assert check_dpi(1200, paper="A3") == 1200
    for bad in (0, 19, -1, 2.5, float("nan"), "300", True):
        with pytest.raises(DataValueError, match="dpi"):
            check_dpi(bad)


def test_every_limit_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    rows = {
        line.split("|")[1].strip(): line
        for line in readme.splitlines()
        if line.startswith("| `LANDMAP_")
    }
    for limit in limits.LIMITS.values():
        assert f"`{limit.env}`" in rows, f"the README's table of limits has no {limit.env}"
        assert f"| {limit.default:,} |" in rows[f"`{limit.env}`"], limit.env
