"""The explorer's exported view, opened in headless Chromium, draws exactly the filtered cases.

Layers are built in code: two provinces, four communes covering them (so the public profile can
keep every displaced case inside its commune), one ELC and twelve synthetic cases with fake
names and phone numbers. The view is filtered, exported with the public profile, opened offline,
and the circle markers Leaflet actually drew are counted.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from landmap.widgets import Explorer

pytestmark = pytest.mark.browser

CASES = [
    ("C01", 105.50, 12.50, 2015, "eviction"),
    ("C02", 105.55, 12.45, 2016, "eviction"),
    ("C03", 105.61, 12.50, 2017, "land grab"),
    ("C04", 105.90, 12.90, 2018, "violence"),
    ("C05", 105.10, 12.10, 2019, "threat of eviction"),
    ("C06", 106.50, 12.50, 2020, "eviction"),
    ("C07", 106.62, 12.50, 2021, "land grab"),
    ("C08", 106.90, 12.90, 2022, "eviction"),
    ("C09", 106.10, 12.10, 2022, "other"),
    ("C10", 105.45, 12.55, 2021, "land grab"),
    ("C11", 106.45, 12.45, 2015, "violence"),
    ("C12", 105.20, 12.80, 2018, "eviction"),
]

# What the map runtime drew once it was ready: circles painted on the canvas (bulk layers) or
# markers held by the cluster layer, per case layer.
COUNT_DRAWN = """() => ({
  maps: landmap.maps.length,
  drawn: Object.values(landmap.status.layers)
    .filter(l => l.kind === 'cases').reduce((n, l) => n + l.drawn, 0),
  layers: Object.values(landmap.status.layers).filter(l => l.kind === 'cases').length,
})"""


@pytest.fixture
def explorer(tmp_path):
    n = len(CASES)
    cases = gpd.GeoDataFrame(
        {
            "case_id": pd.array([c[0] for c in CASES], dtype="string"),
            "date": pd.to_datetime([f"{c[3]}-06-01" for c in CASES]),
            "type": pd.array([c[4] for c in CASES], dtype="string"),
            "status": pd.array(["ongoing"] * n, dtype="string"),
            "households": pd.array(range(1, n + 1), dtype="Int64"),
            "province": pd.array([None] * n, dtype="string"),
            "complainant_name": [f"SYNTHETIC Person {i:04d}" for i in range(n)],
            "complainant_phone": [f"+855 00 0{i:02d} 0000" for i in range(n)],
        },
        geometry=[Point(c[1], c[2]) for c in CASES],
        crs="EPSG:4326",
    )
    elc = gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Synthetic ELC"], "kind": ["ELC"]},
        geometry=[box(105.4, 12.4, 105.6, 12.6)],
        crs="EPSG:4326",
    )
    provinces = gpd.GeoDataFrame(
        {
            "boundary_id": ["10", "11"],
            "level": ["province"] * 2,
            "name": ["Kratie", "Mondulkiri"],
            "name_km": ["ក្រចេះ", "មណ្ឌលគិរី"],
        },
        geometry=[box(105, 12, 106, 13), box(106, 12, 107, 13)],
        crs="EPSG:4326",
    )
    communes = gpd.GeoDataFrame(
        {
            "boundary_id": [f"c{i}" for i in range(4)],
            "level": ["commune"] * 4,
            "name": [f"Commune {i}" for i in range(4)],
        },
        geometry=[
            box(105, 12, 106, 12.5),
            box(105, 12.5, 106, 13),
            box(106, 12, 107, 12.5),
            box(106, 12.5, 107, 13),
        ],
        crs="EPSG:4326",
    )
    return Explorer(
        cases, concessions=elc, boundaries=provinces, communes=communes, output_dir=tmp_path
    )


def drawn_after_export(explorer, open_page):
    written = explorer.export()
    table = pd.read_csv(written["table"], encoding="utf-8-sig")
    page, log = open_page(written["map"])
    page.wait_for_function("window.landmap && landmap.status.ready === true", timeout=30_000)
    counts = page.evaluate(COUNT_DRAWN)
    assert counts["maps"] == 1 and counts["layers"] == 1
    assert log.network_requests == [] and log.page_errors == []
    text = written["map"].read_text(encoding="utf-8")
    assert "SYNTHETIC Person" not in text and "+855 00" not in text
    assert "complainant_name" not in table.columns
    return counts["drawn"], table, written


@pytest.mark.slow
def test_exported_view_draws_only_the_filtered_cases(explorer, open_page):
    drawn_all, table_all, _ = drawn_after_export(explorer, open_page)
    assert drawn_all == len(table_all) == len(CASES)

    explorer.case_type.value = ("eviction",)
    drawn, table, written = drawn_after_export(explorer, open_page)
    assert drawn == len(table) == 5
    assert set(table["case_id"]) == {"C01", "C02", "C06", "C08", "C12"}
    assert "audit" in written
    assert explorer.last_export_note.startswith("5 of 5 cases exported; 5 moved")
    assert "Exports use the public profile" in explorer.hint.value

    explorer.province.value = "mondulkiri"
    drawn, table, _ = drawn_after_export(explorer, open_page)
    assert drawn == len(table) == 2

    with explorer.hold():
        explorer.reset()
        explorer.near.value = True
        explorer.within_km.value = 0
    drawn, table, _ = drawn_after_export(explorer, open_page)
    assert set(table["case_id"]) == {"C01", "C02", "C10"}
    assert drawn == 3


def test_map_in_a_hidden_notebook_output_fits_its_cases_once_shown(explorer, open_page, tmp_path):
    # JupyterLab hides outputs of cells outside the visible window; a map that starts in a
    # frame with no size must still fit its cases when the cell scrolls into view.
    parent = tmp_path / "notebook_like.html"
    parent.write_text(
        "<html><body><div id='cell' style='display:none;width:900px'>"
        f"{explorer.map_view.value}</div></body></html>",
        encoding="utf-8",
    )
    page, log = open_page(parent, wait_ms=500)
    page.evaluate("document.getElementById('cell').style.display = 'block'")
    page.wait_for_timeout(500)
    frame = page.frames[1]
    zoom = frame.evaluate(
        "() => Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k].getZoom())"
    )
    assert zoom and 5 <= zoom[0] <= 10, zoom  # two provinces in view, not zoomed to the maximum
    assert log.page_errors == [] and log.network_requests == []
