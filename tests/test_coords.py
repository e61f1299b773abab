"""Coordinate spellings seen in field spreadsheets, one by one."""

from __future__ import annotations

import pandas as pd
import pytest

from landmap.errors import CRSError, DataValueError
from landmap.io.coords import parse_coordinate, parse_coordinates, split_geopoint, utm_crs

LAT = 11 + 33 / 60 + 12.5 / 3600


@pytest.mark.parametrize(
    "text",
    [
        "11°33'12.5\"N",
        "11º33'12.5''N",
        "11˚33′12.5″N",
        "11° 33' 12.5\" N",
        "N 11°33'12.5\"",
        "11d33m12.5s N",
        "11 33 12.5 N",
        "11:33:12.5",
        "11°33'12,5\"N",
        "11 deg 33 min 12.5 sec N",
        "១១°៣៣'១២.៥\"N",
        "11°33’12.5”N",
        " 11°33'12.5\"N ",
    ],
)
def test_dms_quirks(text):
    assert parse_coordinate(text, axis="lat") == pytest.approx(LAT, abs=1e-9)


@pytest.mark.parametrize(
    "text,value",
    [
        ("11.5535", 11.5535),
        ("11,5535", 11.5535),
        ("-11.5", -11.5),
        ("11.5S", -11.5),
        ("11.5 s", -11.5),
        ("104.92E", 104.92),
        ("W 104.92", -104.92),
        ("11°33.208'N", 11 + 33.208 / 60),
        ("−11.5", -11.5),
    ],
)
def test_decimal_forms(text, value):
    assert parse_coordinate(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text,message",
    [
        ("abc", "latitude 'abc' is not a number or a degrees-minutes-seconds value"),
        ("11°61'00\"N", "minutes must be under 60"),
        ("11°30'75\"N", "seconds must be under 60"),
        ("N11.5N", "has two hemisphere letters"),
        ("-11.5S", "both a minus sign and S/W"),
        ("11.5°30'", "decimal degrees cannot have minutes"),
        ("11.5 104.9", "holds two numbers"),
        ("95", "latitude 95 is out of range (-90 to 90)"),
        ("104.9E", "carries a hemisphere letter of the other axis"),
        ("inf", "'inf' is not a finite number"),
        ("", "latitude is empty"),
    ],
)
def test_clear_errors(text, message):
    with pytest.raises(DataValueError, match=None) as info:
        parse_coordinate(text, axis="lat")
    assert message in str(info.value)
    assert "Fix:" in str(info.value)


def test_column_parse_reasons_align_with_rows():
    parsed = parse_coordinates(pd.Series(["11.5", None, "x", 12.0], dtype=object), axis="lat")
    assert parsed.missing.tolist() == [False, True, False, False]
    assert parsed.errors.isna().tolist() == [True, True, False, True]
    assert parsed.values[3] == 12.0


def test_geopoint_split():
    g = split_geopoint(pd.Series(["11.55 104.92 12 5", "[11.5, 104.9]", "11.5;104.9", None]))
    assert g.lat.tolist()[:3] == ["11.55", "11.5", "11.5"]
    assert g.lon.tolist()[:3] == ["104.92", "104.9", "104.9"]


@pytest.mark.parametrize(
    "zone,epsg",
    [
        (48, 32648),
        ("48N", 32648),
        ("48 P", 32648),
        ("47", 32647),
        ("48S", 32748),
        ("48 south", 32748),
        ("48.0", 32648),
    ],
)
def test_utm_zone(zone, epsg):
    assert utm_crs(zone).to_epsg() == epsg


def test_utm_zone_errors():
    with pytest.raises(CRSError, match="UTM zone '61' is not a zone number 1-60"):
        utm_crs("61")
    with pytest.raises(CRSError, match="unknown band letter 'A'"):
        utm_crs("48A")
