"""The option objects of the map and the page, and the string enums: checked values, same text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import landmap
from landmap.errors import DataValueError, OptionError
from landmap.render.briefing.legend import Swatch
from landmap.render.briefing.options import (
    Drawing,
    Orientation,
    PageText,
    Paper,
    PaperSize,
)
from landmap.render.maps import (
    BASEMAPS,
    Basemap,
    MapControls,
    MapFields,
    MapText,
    MapView,
    build_map,
    map_html,
)
from landmap.render.maps.elements import LayerGeometry, LegendShape
from landmap.schema import LANGS, Lang, LocationPrecision, label


def _concessions() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Alpha"], "kind": ["ELC"]},
        geometry=[shapely.box(104.0, 12.0, 104.2, 12.2)],
        crs="EPSG:4326",
    )


# --- the enums keep their strings --------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (Lang, ["en", "km", "both"]),
        (LocationPrecision, ["exact", "village", "commune", "district", "province"]),
        (Basemap, ["osm", "satellite"]),
        (PaperSize, ["A4", "A3"]),
        (Orientation, ["landscape", "portrait"]),
        (LayerGeometry, ["points", "polygons"]),
        (LegendShape, ["point", "polygon"]),
        (Swatch, ["poly", "point", "hollow"]),
    ],
)
def test_enums_are_their_strings(enum, values):
    assert [m.value for m in enum] == values
    for member, value in zip(enum, values, strict=True):
        assert member == value and str(member) == value and f"{member}" == value
        assert json.dumps({member: member}) == json.dumps({value: value})
        assert {value: 1}[member] == 1  # a member finds a plain string's key


def test_tuples_of_codes_follow_the_enums():
    from landmap.places import CODE_LENGTH_OF, PRECISIONS, RANK
    from landmap.render.maps.layers import UNIT_PRECISIONS

    assert LANGS == ("en", "km", "both") and all(type(v) is str for v in LANGS)
    assert PRECISIONS == ("exact", "village", "commune", "district", "province")
    assert all(type(v) is str for v in (*PRECISIONS, *UNIT_PRECISIONS, *CODE_LENGTH_OF))
    assert RANK == {
        "exact": 5,
        "village": 4,
        "commune": 3,
        "district": 2,
        "province": 1,
        "country": 0,
    }
    assert CODE_LENGTH_OF == {"village": 8, "commune": 6, "district": 4, "province": 2}
    assert UNIT_PRECISIONS == ("commune", "district", "province")
    assert set(BASEMAPS) == set(Basemap)


def test_legend_entry_kinds_keep_their_text():
    assert Swatch.POLY.entry() == "poly" and Swatch.POLY.entry("///") == "poly:///"
    assert Swatch.POINT.entry("^") == "point:^" and Swatch.HOLLOW.entry() == "hollow"


def test_vocabulary_labels_take_members_or_strings():
    assert label("case_type", "eviction", Lang.BOTH) == label("case_type", "eviction", "both")
    assert label("case_type", "eviction", Lang.KM) == label("case_type", "eviction", "km")


# --- the interactive map's options -------------------------------------------------------------


def test_map_options_have_the_old_defaults():
    assert MapControls() == MapControls(
        cluster=None,
        heatmap=False,
        time_slider=None,
        legend=True,
        minimap=None,
        measure=True,
        fullscreen=True,
    )
    assert MapView().max_zoom == 18 and MapView().coordinate_zoom == 17
    assert MapView(precision_zoom=14).coordinate_zoom == 14
    assert MapText() == MapText(subtitle=None, notice=None)
    assert MapFields().items() == (("popup", None), ("tooltip", None), ("search", None))


def test_options_are_frozen():
    controls = MapControls()
    with pytest.raises(dataclasses.FrozenInstanceError):
        controls.heatmap = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: MapControls(heatmap="yes"),
            r"heatmap must be True or False, not 'yes' of type str",
        ),
        (
            lambda: MapControls(cluster=1),
            r"cluster must be True, False or None .*not 1 of type int",
        ),
        (lambda: MapControls(minimap="auto"), r"minimap must be True, False or None"),
        (
            lambda: MapView(basemap="google"),
            r"unknown basemap 'google' of type str.*use one of 'osm', 'satellite'",
        ),
        (lambda: MapView(max_zoom=30), r"max_zoom must be a whole number from 4 to 22, not 30"),
        (lambda: MapView(max_zoom=16.5), r"max_zoom must be a whole number"),
        (lambda: MapView(max_zoom=True), r"max_zoom must be a whole number.*of type bool"),
        (lambda: MapView(precision_zoom=float("nan")), r"precision_zoom must be a number"),
        (lambda: MapText(notice=["CONFIDENTIAL"]), r"notice must be text, not \['CONFIDENTIAL'\]"),
        (lambda: MapFields(popup=[1, 2]), r"popup gives columns as text, not 1 of type int"),
        (
            lambda: MapFields(tooltip=5),
            r"tooltip must be a list of columns or a \{kind: \[columns\]\} mapping, "
            r"not 5 of type int",
        ),
        (
            lambda: MapFields(search={1: ["x"]}),
            r"search maps layer kinds to columns, not 1",
        ),
    ],
)
def test_map_options_refuse_bad_values(make, match):
    with pytest.raises(OptionError, match=match):
        make()


def test_option_error_is_a_value_error_a_caller_already_catches():
    assert issubclass(OptionError, DataValueError) and issubclass(OptionError, ValueError)
    assert landmap.OptionError is OptionError


def test_map_options_normalise():
    assert MapView(basemap="osm").basemap is Basemap.OSM
    assert MapView(max_zoom=16.0).max_zoom == 16 and isinstance(
        MapView(max_zoom=16.0).max_zoom, int
    )
    fields = MapFields(popup="name", tooltip=["name"], search={"cases": ["case_id"], "areas": None})
    assert fields.popup == ("name",) and fields.tooltip == ("name",)
    assert dict(fields.search) == {"cases": ("case_id",), "areas": None}


def test_build_map_uses_the_options():
    m = build_map(
        concessions=_concessions(),
        title="T",
        text=MapText(subtitle="Sub", notice="Note"),
        controls=MapControls(measure=False, fullscreen=False),
        view=MapView(basemap=Basemap.OSM, max_zoom=12),
        fields=MapFields(popup=["name"], tooltip=[]),
    )
    page = map_html(m)
    assert "OpenStreetMap" in page and "Note" in page and "Sub" in page
    assert "polylineMeasure" not in page and "L.control.fullscreen" not in page
    layer = m.landmap_layers[0]
    assert layer.spec["popup"] == ["name"] and layer.spec["tooltip"] == []


def test_build_map_refuses_a_dict_or_an_unknown_language():
    with pytest.raises(OptionError, match=r"controls must be a MapControls, not \{'heatmap'"):
        build_map(controls={"heatmap": True})  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"unknown language 'fr'.*'en', 'km', 'both'"):
        build_map(lang="fr")


def test_the_common_call_is_still_one_line():
    m = landmap.build_map(concessions=_concessions(), title="ELCs", lang="km")
    assert m.lang is Lang.KM and [lyr.spec["kind"] for lyr in m.landmap_layers] == ["concessions"]


# --- the page's options ------------------------------------------------------------------------


def test_page_options_have_the_old_defaults():
    paper = Paper()
    assert (paper.size, paper.orientation, paper.dpi) == ("A4", "landscape", 300)
    assert [round(v, 2) for v in paper.inches] == [11.69, 8.27]
    assert Paper(size="a3", orientation="portrait").size is PaperSize.A3
    assert Paper(size="A3").scale == pytest.approx(2**0.5) and paper.scale == 1.0
    assert PageText() == PageText(subtitle=None, sources=(), date=None)
    assert Drawing() == Drawing(labels=True, relief=True, basemap=None)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Paper(size="Letter"), r"unknown paper size 'Letter' of type str.*'A4', 'A3'"),
        (
            lambda: Paper(orientation="sideways"),
            r"unknown orientation 'sideways'.*'landscape', 'portrait'",
        ),
        (lambda: Paper(dpi=10), r"dpi must be a whole number of at least 20, not 10"),
        (lambda: Paper(dpi="300"), r"dpi must be a whole number.*'300' of type str"),
        (lambda: PageText(date="2024-05-01"), r"date must be a datetime.date, not '2024-05-01'"),
        (lambda: PageText(sources=[1]), r"sources gives lines as text, not 1 of type int"),
        (lambda: PageText(subtitle={"fr": "Carte"}), r"subtitle must be text or \{'en'"),
        (lambda: Drawing(labels="no"), r"labels must be True or False, not 'no'"),
        (lambda: Drawing(relief=3), r"relief must be True, False or a raster's path, not 3"),
        (lambda: Drawing(basemap=1), r"basemap must be text, not 1 of type int"),
    ],
)
def test_page_options_refuse_bad_values(make, match):
    with pytest.raises(OptionError, match=match):
        make()


def test_page_text_normalises():
    text = PageText(
        subtitle={"en": "Map", "km": "ផែនទី"}, sources="One line", date=dt.date(2024, 5, 31)
    )
    assert text.sources == ("One line",) and text.subtitle == {"en": "Map", "km": "ផែនទី"}
    assert Drawing(relief=Path("relief.tif")).relief == Path("relief.tif")


def test_briefing_map_refuses_options_of_the_wrong_type(tmp_path):
    from landmap.render.briefing.page import briefing_map

    with pytest.raises(OptionError, match=r"paper must be a Paper, not 'A3' of type str"):
        briefing_map(tmp_path / "x.png", concessions=_concessions(), profile="internal", paper="A3")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"title must be text or"):
        briefing_map(tmp_path / "x.png", concessions=_concessions(), profile="internal", title=42)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_page_records_the_plain_strings(tmp_path):
    from landmap.render.briefing.page import briefing_map

    out = briefing_map(
        tmp_path / "p.pdf",
        concessions=_concessions(),
        profile="internal",
        lang=Lang.BOTH,
        paper=Paper(size="a3", orientation=Orientation.PORTRAIT, dpi=40),
        text=PageText(date=dt.date(2024, 5, 31)),
        drawing=Drawing(labels=False, relief=False),
    )
    record = json.loads(Path(f"{out}.provenance.json").read_text("utf-8"))
    params = record["parameters"]
    assert (params["lang"], params["paper"], params["orientation"], params["dpi"]) == (
        "both",
        "A3",
        "portrait",
        40,
    )
