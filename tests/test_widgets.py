"""The explorer: pure filtering functions, and the widgets driven through their Python API.

Layers are built in code: two square provinces (Kratie, Mondulkiri), one ELC and one mining
concession, and twelve synthetic cases placed inside, near (about 1 km) and far from them.
Every control gets a test that sets a value which must reduce what the map, the table and the
chart show, so a control that stopped filtering fails its test.
"""

from __future__ import annotations

import html
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from landmap.errors import SchemaError
from landmap.widgets import (
    Explorer,
    ViewFilter,
    cases_per_year,
    explore,
    filter_view,
    prepare,
    summary_table,
)

# one degree of longitude at 12.5 N is about 108.7 km: 0.01 deg ~ 1.09 km
CASES = [
    # id, lon, lat, year, type, status, households, province
    ("C01", 105.50, 12.50, 2015, "eviction", "ongoing", 10, "Kratie"),  # inside ELC
    ("C02", 105.55, 12.45, 2016, "eviction", "resolved", 5, "Kratie"),  # inside ELC
    ("C03", 105.61, 12.50, 2017, "land grab", "ongoing", 7, "Kratie"),  # ~1.1 km from ELC
    ("C04", 105.90, 12.90, 2018, "violence", "reported", 2, "Kratie"),  # far
    ("C05", 105.10, 12.10, 2019, "threat of eviction", "closed", 30, "Kratié"),  # far; accent
    ("C06", 106.50, 12.50, 2020, "eviction", "ongoing", 12, "Mondulkiri"),  # inside mining
    ("C07", 106.62, 12.50, 2021, "land grab", "reported", 3, "Mondulkiri"),  # ~2.2 km from mining
    ("C08", 106.90, 12.90, 2022, "eviction", "ongoing", 8, "Mondulkiri"),  # far
    ("C09", 106.10, 12.10, 2022, "other", "unknown", 1, None),  # far; no province
    ("C10", 105.45, 12.55, 2021, "land grab", "ongoing", 4, "Kratie"),  # inside ELC
    ("C11", 106.45, 12.45, 2015, "violence", "resolved", 6, "Mondulkiri"),  # inside mining
    ("C12", 105.20, 12.80, 2018, "eviction", "ongoing", 9, "Kratie"),  # far
]


@pytest.fixture(scope="module")
def layers():
    cases = gpd.GeoDataFrame(
        {
            "case_id": pd.array([c[0] for c in CASES], dtype="string"),
            "date": pd.to_datetime([f"{c[3]}-06-01" for c in CASES]),
            "type": pd.array([c[4] for c in CASES], dtype="string"),
            "status": pd.array([c[5] for c in CASES], dtype="string"),
            "households": pd.array([c[6] for c in CASES], dtype="Int64"),
            "province": pd.array([c[7] for c in CASES], dtype="string"),
            "description": pd.array(["<b>synthetic</b> & test"] * len(CASES), dtype="string"),
        },
        geometry=[Point(c[1], c[2]) for c in CASES],
        crs="EPSG:4326",
    )
    concessions = gpd.GeoDataFrame(
        {
            "concession_id": pd.array(["E1", "M1"], dtype="string"),
            "name": pd.array(["Synthetic ELC", "Synthetic mine"], dtype="string"),
            "kind": pd.array(["ELC", "mining"], dtype="string"),
        },
        geometry=[box(105.4, 12.4, 105.6, 12.6), box(106.4, 12.4, 106.6, 12.6)],
        crs="EPSG:4326",
    )
    boundaries = gpd.GeoDataFrame(
        {
            "boundary_id": pd.array(["10", "11"], dtype="string"),
            "level": pd.array(["province", "province"], dtype="string"),
            "name": pd.array(["Kratie", "Mondulkiri"], dtype="string"),
            "name_km": pd.array(["ក្រចេះ", "មណ្ឌលគិរី"], dtype="string"),
        },
        geometry=[box(105, 12, 106, 13), box(106, 12, 107, 13)],
        crs="EPSG:4326",
    )
    return cases, concessions, boundaries


@pytest.fixture(scope="module")
def data(layers):
    cases, concessions, boundaries = layers
    return prepare(cases, concessions=concessions, boundaries=boundaries)


def ids(view) -> set[str]:
    return set(view.cases["case_id"])


# ---------------------------------------------------------------- pure functions


def test_prepare_labels_provinces_in_english_and_khmer(data):
    assert data.provinces == {"kratie": "Kratie / ក្រចេះ", "mondulkiri": "Mondulkiri / មណ្ឌលគិរី"}
    keys = dict(zip(data.cases["case_id"], data.cases["_province_key"], strict=True))
    assert keys["C05"] == "kratie"  # "Kratié" matched without its accent
    assert keys["C09"] == "mondulkiri"  # no stated province: the polygon it lies in
    assert data.year_range == (2015, 2022)
    assert data.concession_kinds == ["ELC", "mining"]


def test_distances_are_metric_and_per_kind(data):
    d = data.distances.set_index(data.cases["case_id"])
    assert d.loc["C01", "ELC"] == 0
    assert 1000 < d.loc["C03", "ELC"] < 1200
    assert 2000 < d.loc["C07", "mining"] < 2400
    assert d.loc["C07", "ELC"] > 50_000


def test_no_filter_keeps_everything(data):
    view = filter_view(data)
    assert ids(view) == {c[0] for c in CASES}
    assert "_province_key" not in view.cases.columns and "_year" not in view.cases.columns
    assert len(view.concessions) == 2


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (ViewFilter(provinces=("kratie",)), {"C01", "C02", "C03", "C04", "C05", "C10", "C12"}),
        (ViewFilter(years=(2020, 2021)), {"C06", "C07", "C10"}),
        (ViewFilter(types=("land grab",)), {"C03", "C07", "C10"}),
        (ViewFilter(statuses=("resolved", "closed")), {"C02", "C05", "C11"}),
        (ViewFilter(within_km=0), {"C01", "C02", "C10", "C06", "C11"}),
        (ViewFilter(within_km=1.5), {"C01", "C02", "C03", "C10", "C06", "C11"}),
        (ViewFilter(within_km=3), {"C01", "C02", "C03", "C10", "C06", "C07", "C11"}),
        (ViewFilter(within_km=3, concession_kinds=("mining",)), {"C06", "C07", "C11"}),
        (ViewFilter(provinces=("mondulkiri",), types=("eviction",), years=(2021, 2022)), {"C08"}),
    ],
)
def test_filter_view(data, flt, expected):
    assert ids(filter_view(data, flt)) == expected


def test_concession_kind_and_province_filter_the_concessions(data):
    assert list(filter_view(data, ViewFilter(concession_kinds=("ELC",))).concessions["kind"]) == [
        "ELC"
    ]
    view = filter_view(data, ViewFilter(provinces=("mondulkiri",)))
    assert list(view.concessions["concession_id"]) == ["M1"]
    assert list(view.boundaries["name"]) == ["Mondulkiri"]


def test_summary_table_counts_cases_and_households(data):
    table = summary_table(filter_view(data, ViewFilter(types=("eviction",))).cases, lang="en")
    assert table.loc["Eviction", "cases"] == 5
    assert table.loc["Eviction", "households"] == 10 + 5 + 12 + 8 + 9
    assert table.loc["Total", "cases"] == 5
    both = summary_table(data.cases, lang="both")
    assert "Eviction / ការបណ្តេញចេញ" in both.index
    assert both.iloc[-1]["cases"] == len(CASES)


def test_cases_per_year_fills_missing_years(data):
    counts = cases_per_year(
        filter_view(data, ViewFilter(types=("violence",))).cases, years=(2015, 2018)
    )
    assert counts.to_dict() == {2015: 1, 2016: 0, 2017: 0, 2018: 1}


def test_khmer_labels(layers):
    cases, concessions, boundaries = layers
    data = prepare(cases, concessions=concessions, boundaries=boundaries, lang="km")
    assert list(data.provinces.values()) == ["ក្រចេះ", "មណ្ឌលគិរី"]
    assert summary_table(data.cases, lang="km").index[0] == "ការបណ្តេញចេញ"


def test_province_filter_applies_to_areas(layers):
    cases, concessions, boundaries = layers
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["F1", "F2"],
            "name": ["Forest A", "Forest B"],
            "kind": ["community forest"] * 2,
        },
        geometry=[box(105.1, 12.1, 105.2, 12.2), box(106.1, 12.1, 106.2, 12.2)],
        crs="EPSG:4326",
    )
    data = prepare(cases, concessions=concessions, areas=areas, boundaries=boundaries)
    assert list(filter_view(data).areas["area_id"]) == ["F1", "F2"]
    view = filter_view(data, ViewFilter(provinces=("kratie",)))
    assert list(view.areas["area_id"]) == ["F1"]
    assert "_province_key" not in view.areas.columns


def test_prepare_rejects_a_layer_without_case_columns(layers):
    cases = layers[0].drop(columns=["type"])
    with pytest.raises(SchemaError, match="lacks type"):
        prepare(cases)


def test_without_boundaries_provinces_come_from_the_cases(layers):
    data = prepare(layers[0])
    assert data.provinces["kratie"] == "Kratie"
    assert "" not in data.provinces
    assert ids(filter_view(data, ViewFilter(provinces=("mondulkiri",)))) == {
        "C06",
        "C07",
        "C08",
        "C11",
    }


# ---------------------------------------------------------------- the widget


def map_case_count(explorer: Explorer) -> int:
    """Case markers on the explorer's current map (from the layers the map builder added)."""
    return sum(
        layer.spec["geom"]["n"]
        for layer in explorer.map.landmap_layers
        if layer.spec["kind"] == "cases"
    )


@pytest.fixture
def explorer(layers, tmp_path):
    cases, concessions, boundaries = layers
    return explore(
        cases,
        concessions=concessions,
        boundaries=boundaries,
        output_dir=tmp_path,
        profile="internal",
    )


def state(ex: Explorer) -> tuple[int, int, int, bytes, str]:
    return (
        map_case_count(ex),
        int(ex.table.iloc[-1]["cases"]),
        int(ex.chart_data.sum()),
        bytes(ex.chart_view.value),
        ex.map_view.value,
    )


def test_explorer_starts_with_everything(explorer):
    n = len(CASES)
    drawn, table_total, chart_total, png, frame = state(explorer)
    assert (drawn, table_total, chart_total) == (n, n, n)
    assert png.startswith(b"\x89PNG")
    assert frame.startswith("<iframe srcdoc=")
    # one province at a time, from a dropdown that starts at "all" (no Ctrl+click to clear)
    assert [label for label, _ in explorer.province.options] == [
        "All provinces / ខេត្តទាំងអស់",
        "Kratie / ក្រចេះ",
        "Mondulkiri / មណ្ឌលគិរី",
    ]
    assert explorer.province.value == ""
    # the chart draws one bar per year of the slider
    bars = explorer.figure.axes[0].patches
    assert [int(b.get_height()) for b in bars] == list(explorer.chart_data)


@pytest.mark.parametrize(
    ("control", "value", "expected"),
    [
        ("province", "mondulkiri", 5),
        ("years", (2016, 2018), 4),
        ("case_type", ("eviction",), 5),
        ("status", ("ongoing",), 6),
    ],
)
def test_each_case_control_filters_map_table_and_chart(explorer, control, value, expected):
    before = state(explorer)
    getattr(explorer, control).value = value
    after = state(explorer)
    assert after[0] == after[1] == after[2] == expected < before[0]
    assert after[3] != before[3], "the chart was not redrawn"
    assert after[4] != before[4], "the map was not redrawn"


def test_distance_slider_filters_only_when_switched_on(explorer):
    explorer.within_km.value = 1.5
    assert map_case_count(explorer) == len(CASES)  # switched off: no effect
    assert explorer.within_km.disabled
    explorer.near.value = True
    assert not explorer.within_km.disabled
    assert map_case_count(explorer) == 6
    explorer.within_km.value = 0
    assert map_case_count(explorer) == 5
    assert explorer.table.iloc[-1]["cases"] == 5


def test_concession_kind_filters_concessions_and_nearby_cases(explorer):
    frame_before = explorer.map_view.value
    explorer.near.value = True
    explorer.within_km.value = 3
    assert map_case_count(explorer) == 7
    explorer.concession_kind.value = ("ELC",)
    assert map_case_count(explorer) == 4
    assert list(explorer.view.concessions["kind"]) == ["ELC"]
    assert "Synthetic mine" not in html.unescape(explorer.map_view.value)
    assert explorer.map_view.value != frame_before


def test_hold_redraws_once_with_all_changes(explorer):
    calls = []
    original = explorer.update
    explorer.update = lambda: (calls.append(1), original())  # type: ignore[method-assign]
    with explorer.hold():
        explorer.case_type.value = ("eviction",)
        explorer.province.value = "kratie"
    assert len(calls) == 1
    assert set(explorer.view.cases["case_id"]) == {"C01", "C02", "C12"}


def test_table_widget_escapes_values(explorer):
    assert "<table" in explorer.table_view.value
    assert re.search(r"Eviction / ការបណ្តេញចេញ", explorer.table_view.value)


def test_export_writes_the_current_view(explorer, tmp_path):
    explorer.case_type.value = ("land grab",)
    written = explorer.export()
    assert written["map"].parent == tmp_path and written["map"].suffix == ".html"
    table = pd.read_csv(written["table"], encoding="utf-8-sig")
    assert set(table["case_id"]) == {"C03", "C07", "C10"}
    assert "sandbox" in explorer.map_view.value
    again = explorer.export()  # within the same second: a new name, nothing overwritten
    assert again["map"] != written["map"] and written["map"].exists()


def test_map_widget_shows_an_offline_page_in_an_iframe(layers):
    import ipywidgets

    from landmap.render.maps import build_map
    from landmap.widgets import map_widget

    widget = map_widget(
        build_map(profile="internal", cases=layers[0], title="<b>t</b>"), height=300
    )
    assert isinstance(widget, ipywidgets.HTML)  # not sanitised by JupyterLab, trusted or not
    match = re.fullmatch(
        r'<iframe srcdoc="([^"]*)" style="[^"]*height:300px[^"]*" '
        r'sandbox="allow-scripts allow-popups"></iframe>',
        widget.value,
    )
    assert match, widget.value[:200]
    page = html.unescape(match.group(1))
    assert page.startswith("<!DOCTYPE html>") and "L.map(" in page
    # Leaflet and plugins inlined: no script or stylesheet fetched from the network
    assert not re.search(r"""<(script|img|iframe)\b[^>]*\ssrc\s*=\s*["']?(https?:)?//""", page)
    assert not re.search(r"""<link\b[^>]*\shref\s*=\s*["']?(https?:)?//""", page)
    assert "<script src=" not in page


def test_a_selection_with_no_case_still_draws(explorer):
    with explorer.hold():
        explorer.province.value = "mondulkiri"
        explorer.case_type.value = ("threat of eviction",)
    assert map_case_count(explorer) == 0
    assert explorer.table.loc[explorer.table.index[-1], "cases"] == 0
    assert int(explorer.chart_data.sum()) == 0
    assert explorer.map_view.value.startswith("<iframe srcdoc=")


def test_synthetic_register_is_labelled_on_the_explorer_and_its_map(layers, tmp_path):
    cases, concessions, boundaries = layers
    plain = explore(cases, concessions=concessions, profile="internal", output_dir=tmp_path)
    assert "SYNTHETIC" not in plain.hint.value
    marked = cases.assign(synthetic="SYNTHETIC - not a real case")
    ex = explore(marked, concessions=concessions, profile="internal", output_dir=tmp_path)
    assert "SYNTHETIC cases" in ex.hint.value
    assert "SYNTHETIC cases" in html.unescape(ex.map_view.value)
    assert "SYNTHETIC cases" in ex.export()["map"].read_text(encoding="utf-8")


def test_buttons(explorer, tmp_path):
    explorer.case_type.value = ("violence",)
    explorer.export_button.click()
    assert "Written:" in explorer.status_line.value
    csvs = sorted(tmp_path.glob("explorer-*.csv"))
    assert len(csvs) == 1
    assert set(pd.read_csv(csvs[0], encoding="utf-8-sig")["case_id"]) == {"C04", "C11"}
    assert "do not share" in explorer.status_line.value  # internal profile: says so
    explorer.reset_button.click()
    assert explorer.case_type.value == () and map_case_count(explorer) == len(CASES)


def test_export_failure_is_shown_not_raised(explorer, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    explorer.output_dir = blocker
    explorer.export_button.click()
    assert explorer.status_line.value.startswith("<b>Export failed:</b>")


def test_check_lists_behave_like_a_multiple_selection(explorer):
    # ticking boxes sets the value, and a value set from code ticks the boxes
    boxes = explorer.case_type.boxes
    boxes[0].value = True
    assert explorer.case_type.value == (explorer.case_type.options[0][1],)
    explorer.case_type.value = ()
    assert not any(b.value for b in boxes)
    explorer.status.value = ("ongoing",)
    assert [b.description for b in explorer.status.boxes if b.value] == ["Ongoing / កំពុងបន្ត"]
    with pytest.raises(Exception, match="not one of the options"):
        explorer.case_type.value = ("no such type",)
    explorer.reset()
    assert explorer.status.value == () and explorer.province.value == ""


def test_table_and_chart_speak_the_explorers_language(explorer):
    assert "Cases / ករណី" in explorer.table_view.value
    assert "Households / គ្រួសារ" in explorer.table_view.value
    title = explorer.figure.axes[0].get_title()
    assert "ករណី" in title and "Cases" in title


@pytest.mark.slow
def test_export_reports_absolute_paths_from_a_relative_folder(explorer, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    written = explorer.export("relative/out")
    assert all(p.is_absolute() and p.exists() for p in written.values())
    explorer._on_export()  # the button's line names where the files are, in full
    assert str(tmp_path) in explorer.status_line.value
