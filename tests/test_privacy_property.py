"""Property: whatever the register and the profile, no public writer lets a protected value out.

For random registers (extra columns named in English and Khmer, values that are synthetic names
and phone numbers written several ways) and random profiles (extra columns kept, free text
allowed or not), every public writer is given what the privacy gate made, and then

- no value of a column the profile does not publish is found in any written file, byte for byte;
- no published point lies within the profile's minimum radius of its own true location;
- the leak check, run independently on the same files, agrees that nothing leaked.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landmap.io.load import load_cases
from landmap.places import at_unit_point
from landmap.privacy import PUBLIC, publish, verify_outputs
from landmap.render import briefing_map, export_layers, write_data
from landmap.render.briefing.options import Drawing, Paper
from landmap.render.maps import MapFields, build_map, save_map

ROOT = Path(__file__).resolve().parent.parent
METRIC = "EPSG:32648"
HEADERS = [
    "owner",
    "spouse_name",
    "witness",
    "contact",
    "notes_2",
    "head",
    "ward",
    "informant",
    "ម្ចាស់ដី",
    "សាក្សី",
    "លេខទូរស័ព្ទ២",
    "កំណត់ត្រា",
    "photo",
    "extra",
]
WORDS = ["Dara", "Vanna", "Sophea", "Bopha", "Rith", "Dalin", "Sovann", "Chanthy"]
KHMER = ["សុខា", "ដារ៉ា", "វណ្ណា", "សុភា", "បុប្ផា", "រិទ្ធ"]


@pytest.fixture(scope="module")
def true_cases() -> gpd.GeoDataFrame:
    """Real-looking true locations: the synthetic register's cases that have GPS.

    Rows placed from a place name sit on their unit's public point already, so
    their published point is meant to equal the "true" one; only GPS rows have
    a location to protect. The register's deliberate duplicate case ids are left
    out too, so each published point is compared with its own true point.
    """
    data = load_cases(ROOT / "data" / "synthetic_cases.csv").data
    unique = ~data["case_id"].duplicated(keep=False) & data["case_id"].notna()
    return data[~at_unit_point(data) & unique].reset_index(drop=True)


def _phone(draw) -> str:
    digits = draw(st.text("0123456789", min_size=8, max_size=8))
    style = draw(st.sampled_from(["0{} {} {}", "+855 {} {} {}", "0{}-{}-{}", "855{}{}{}"]))
    return style.format(digits[:2], digits[2:5], digits[5:])


@st.composite
def registers(draw):
    """A random register: rows of the synthetic cases plus random extra columns."""
    rows = draw(st.lists(st.integers(0, 1900), min_size=3, max_size=12, unique=True))
    headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5, unique=True))
    extra = {}
    for column, header in enumerate(headers):
        kind = draw(st.sampled_from(["latin", "khmer", "phone"]))
        values = []
        for i in range(len(rows)):
            tag = f"{column}{draw(st.integers(100, 999))}{i:02d}"  # one value, one column
            if kind == "latin":
                values.append(f"SYNTHETIC {draw(st.sampled_from(WORDS))} {tag}")
            elif kind == "khmer":
                values.append(f"{draw(st.sampled_from(KHMER))}សាកល្បង{tag}")
            else:
                values.append(_phone(draw))
        extra[header] = values
    keep = draw(st.lists(st.sampled_from(headers), max_size=2, unique=True))
    free_text = draw(st.booleans())
    return rows, extra, PUBLIC.replace(keep=tuple(keep), allow_free_text=free_text)


def _register(true_cases: gpd.GeoDataFrame, rows, extra) -> gpd.GeoDataFrame:
    layer = true_cases.iloc[rows].reset_index(drop=True).copy()
    for header, values in extra.items():
        layer[header] = pd.array(values, dtype="string")
    layer.attrs = {"landmap": {"kind": "cases", "source": "register.csv"}}
    return layer


def _protected(layer: pd.DataFrame, profile) -> list[str]:
    allowed = profile.public_columns("cases")
    out = []
    for column in layer.columns:
        if column == "geometry" or column in allowed:
            continue
        values = layer[column].dropna().astype(str)
        out += [v for v in values if len(v) >= 6 and column != "description"]
    return out


def _check(folder: Path, layer: pd.DataFrame, published, profile) -> None:
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    blob = b"\n".join(p.read_bytes() for p in files)
    for value in _protected(layer, profile):
        assert value.encode("utf-8") not in blob, value
    points = gpd.read_file(folder / "cases.geojson").set_index("case_id").to_crs(METRIC)
    truth = layer.set_index("case_id").to_crs(METRIC).geometry
    distance = shapely.distance(points.geometry.array, truth.loc[points.index].array)
    assert (distance >= profile.min_radius_m).all()
    assert verify_outputs(files, {"cases": published}, profile=profile) == []


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=registers())
def test_no_public_writer_lets_a_protected_value_or_point_out(true_cases, case):
    rows, extra, profile = case
    layer = _register(true_cases, rows, extra)
    published = publish(layer, profile, kind="cases", name="cases")
    folder = Path(tempfile.mkdtemp(prefix="landmap-property-"))
    try:
        for suffix in (".geojson", ".gpkg", ".csv", ".xlsx", ".kml"):
            write_data(folder / f"cases{suffix}", {"cases": published}, profile=profile)
        every_column = MapFields(popup=list(published.data.columns.drop("geometry")))
        save_map(
            build_map(cases=published, profile=profile, fields=every_column), folder / "map.html"
        )
        export_layers(
            folder / "set", {"cases": ("cases", published)}, formats=["csv", "kmz"], profile=profile
        )
        _check(folder, layer, published, profile)
    finally:
        shutil.rmtree(folder)


@pytest.mark.slow
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=registers())
def test_briefing_maps_let_no_protected_value_out(true_cases, case):
    rows, extra, profile = case
    layer = _register(true_cases, rows, extra)
    published = publish(layer, profile, kind="cases", name="cases")
    folder = Path(tempfile.mkdtemp(prefix="landmap-property-"))
    try:
        write_data(folder / "cases.geojson", {"cases": published}, profile=profile)
        briefing_map(
            folder / "brief.pdf",
            cases=published,
            profile=profile,
            paper=Paper(dpi=30),
            drawing=Drawing(labels=False, relief=False),
        )
        _check(folder, layer, published, profile)
    finally:
        shutil.rmtree(folder)
