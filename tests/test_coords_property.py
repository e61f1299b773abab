"""Property tests for coordinate parsing: every input gives the right value or a clear
DataValueError (never another exception), and no row is ever lost on the way through a loader."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from landmap.errors import CRSError, DataValueError, LandmapError
from landmap.io.coords import parse_coordinate, parse_coordinates, utm_crs
from landmap.io.load import load_cases

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DEG = "°º˚"
MIN = ["'", "′", "’", "m"]
SEC = ['"', "″", "''", "”", "s"]


def dms_parts(value: float) -> tuple[int, int, float]:
    a = abs(value)
    d = int(a)
    m = int((a - d) * 60)
    s = round(((a - d) * 60 - m) * 60, 3)
    if s >= 60:
        s = 59.999
    return d, m, s


@st.composite
def dms_text(draw, axis):
    limit = 90 if axis == "lat" else 180
    value = draw(st.floats(min_value=-limit + 0.001, max_value=limit - 0.001, allow_nan=False))
    d, m, s = dms_parts(value)
    expected = math.copysign(d + m / 60 + s / 3600, value) if (d or m or s) else 0.0
    hemi = ("N", "S") if axis == "lat" else ("E", "W")
    letter = hemi[0] if value >= 0 else hemi[1]
    sec_text = f"{s:.3f}".rstrip("0").rstrip(".")
    if draw(st.booleans()):
        sec_text = sec_text.replace(".", ",")
    style = draw(st.sampled_from(["symbols", "spaces", "colons", "leading", "letters", "signed"]))
    if style == "symbols":
        deg, mnt, sec = (draw(st.sampled_from(x)) for x in (DEG, MIN[:3], SEC[:4]))
        text = f"{d}{deg}{m}{mnt}{sec_text}{sec}{letter}"
    elif style == "spaces":
        text = f"{d} {m} {sec_text} {letter}"
    elif style == "colons":
        text = f"{d}:{m}:{sec_text}{letter}"
    elif style == "leading":
        text = f"{letter} {d}° {m}' {sec_text}\""
    elif style == "letters":
        text = f"{d}d{m}m{sec_text}s {letter}"
    else:
        text = f"{'-' if value < 0 else ''}{d}°{m}'{sec_text}\""
    pad = draw(st.sampled_from(["", " ", "  ", "\u00a0"]))
    return pad + text + pad, expected


@SETTINGS
@given(st.floats(min_value=-90, max_value=90, allow_nan=False), st.integers(0, 8))
def test_decimal_degrees_round_trip(value, places):
    text = f"{value:.{places}f}"
    assert parse_coordinate(text, axis="lat") == pytest.approx(float(text), abs=1e-12)


@SETTINGS
@given(st.data(), st.sampled_from(["lat", "lon"]))
def test_dms_variants_parse_to_the_value(data, axis):
    text, expected = data.draw(dms_text(axis))
    assert parse_coordinate(text, axis=axis) == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(
    st.one_of(st.text(max_size=25), st.floats(), st.integers(), st.none(), st.booleans()),
    st.sampled_from(["lat", "lon", None]),
)
def test_anything_gives_a_value_or_a_clear_error(value, axis):
    try:
        out = parse_coordinate(value, axis=axis)
    except DataValueError as err:
        message = str(err)
        assert message and "Fix:" in message
        if isinstance(value, str) and value.strip() and "empty" not in message:
            assert (
                repr(value.strip())[1:-1][:3] in message
                or "finite" in message
                or "range" in message
                or "hemisphere" in message
            )
        return
    assert isinstance(out, float) and math.isfinite(out)
    if axis == "lat":
        assert -90 <= out <= 90
    if axis == "lon":
        assert -180 <= out <= 180


@SETTINGS
@given(st.lists(st.one_of(st.text(max_size=15), st.floats(allow_nan=True), st.none()), max_size=30))
def test_column_parse_keeps_every_row(values):
    parsed = parse_coordinates(pd.Series(values, dtype=object), axis="lat")
    n = len(values)
    assert len(parsed.values) == len(parsed.errors) == len(parsed.missing) == n
    ok = ~np.isnan(parsed.values)
    err = parsed.errors.notna().to_numpy()
    # each row is exactly one of: a value, a reason, or empty
    assert np.all(ok.astype(int) + err.astype(int) + (parsed.missing & ~err).astype(int) == 1)


coordinate_cell = st.one_of(
    st.floats(min_value=-200, max_value=200, allow_nan=False).map(lambda v: f"{v:.5f}"),
    st.floats(min_value=10.5, max_value=14.5).map(lambda v: f"{v:.6f}"),
    st.text(alphabet="0123456789.,-°'\" NSEWabc១២", max_size=12),
    st.just(""),
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(coordinate_cell, coordinate_cell), min_size=1, max_size=25))
def test_loader_never_loses_a_row(rows):
    frame = pd.DataFrame(rows, columns=["lat", "lon"]).astype(object)
    try:
        data, report = load_cases(frame)
    except LandmapError as err:  # a whole-table problem must still be a clear, named error
        assert isinstance(err, CRSError) and "projected coordinates" in str(err)
        return
    assert report.input_rows == len(rows)
    assert report.loaded + report.repaired + report.rejected == len(rows)
    assert len(data) == report.loaded + report.repaired
    rejected = report.rows[report.rows["status"] == "rejected"]
    assert rejected["reason"].notna().all() and rejected["reason"].str.len().gt(0).all()


@SETTINGS
@given(st.integers(1, 60), st.sampled_from(["", "N", "S", " N", "n", "P", "Q", "C", "M"]))
def test_utm_zone_spellings(number, letter):
    crs = utm_crs(f"{number}{letter}")
    south = letter.strip().upper() in ("S", "C", "M")
    assert crs.to_epsg() == (32700 if south else 32600) + number


@SETTINGS
@given(st.text(max_size=6))
def test_utm_zone_junk_is_a_crs_error(text):
    assume(not text.strip()[:2].isdigit() and not text.strip()[:1].isdigit())
    with pytest.raises(CRSError, match="UTM zone"):
        utm_crs(text)


def _dms(value: float, pos: str, neg: str) -> str:
    d, m, s = dms_parts(value)
    return f"{d}°{m}'{s:.3f}\"{pos if value >= 0 else neg}"


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=10.5, max_value=14.5),
            st.floats(min_value=102.5, max_value=107.5),
            st.sampled_from(["decimal", "dms", "junk"]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_loader_gives_each_row_its_value_or_a_reason(rows):
    lat_text, lon_text, expected = [], [], []
    for lat, lon, style in rows:
        if style == "decimal":
            lat_text.append(f"{lat:.6f}")
            lon_text.append(f"{lon:.6f}")
            expected.append((round(lon, 6), round(lat, 6)))
        elif style == "dms":
            lat_text.append(_dms(lat, "N", "S"))
            lon_text.append(_dms(lon, "E", "W"))
            d, m, s = dms_parts(lat)
            e, n, t = dms_parts(lon)
            expected.append((e + n / 60 + t / 3600, d + m / 60 + s / 3600))
        else:
            lat_text.append(f"{lat:.3f}?")
            lon_text.append(f"{lon:.3f}")
            expected.append(None)
    frame = pd.DataFrame({"lat": lat_text, "lon": lon_text})
    data, report = load_cases(frame, study_area=(102, 10, 108, 15))
    assert report.input_rows == len(rows)
    kept = [e for e in expected if e is not None]
    assert len(data) == len(kept)
    np.testing.assert_allclose(data.geometry.x, [k[0] for k in kept], atol=1e-6)
    np.testing.assert_allclose(data.geometry.y, [k[1] for k in kept], atol=1e-6)
    for i, e in enumerate(expected, start=1):
        rec = report.rows.iloc[i - 1]
        if e is None:
            assert rec["status"] == "rejected"
            assert "is not a number or a degrees-minutes-seconds value" in rec["reason"]
            assert lat_text[i - 1] in rec["reason"]
        else:
            assert rec["status"] == "loaded"
