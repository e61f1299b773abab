"""Maps made by ``landmap map`` from small files, opened in headless Chromium.

Small case files are the common case: a point layer of 50 cases or fewer is drawn unclustered,
and its search must zoom to a case and open its popup. Data values that read like CSS
(``@import``, ``url(//...)``) are text: the map is saved and fetches nothing.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from _cli import assert_clean, landmap

pytestmark = pytest.mark.browser


def open_map(open_page, path):
    page, log = open_page(path)
    page.wait_for_function("window.landmap && landmap.status.ready === true", timeout=30_000)
    return page, log


def no_trouble(log):
    assert log.network_requests == [], log.network_requests
    assert log.failed == [] and log.page_errors == [] and log.console_errors == []


@pytest.fixture
def small_files(tmp_path):
    cases = tmp_path / "cases.csv"
    rows = [
        f"KH-{i:03d},2023-0{1 + i % 9}-1{i % 9},eviction,Phum {i},{11.5 + i / 100},"
        f"{104.8 + i / 100}"
        for i in range(12)
    ]
    cases.write_text(
        "case_id,date,type,village,latitude,longitude\n" + "\n".join(rows) + "\n", "utf-8"
    )
    elc = tmp_path / "elc.geojson"
    gpd.GeoDataFrame(
        {
            "concession_id": ["E1"],
            "name": ["Agro @import url(//tracker.example/c.css) Co"],
            "company": ["url(https://evil.example/x.png) Ltd"],
            "kind": ["ELC"],
        },
        geometry=[shapely.box(104.7, 11.4, 105.0, 11.7)],
        crs="EPSG:4326",
    ).to_file(elc)
    return cases, elc


def test_search_opens_an_unclustered_case(open_page, small_files, tmp_path):
    """12 cases (unclustered): a search hit zooms in and opens the popup (was: a JS error)."""
    cases, _ = small_files
    out = tmp_path / "map.html"
    proc = landmap("map", cases, "-o", out, "--profile", "internal", "--popup", "case_id,village")
    assert_clean(proc, "map")
    page, log = open_map(open_page, out)
    assert page.evaluate("landmap.maps[0]._lmLayers.every(g => !g._lmClustered)")
    page.locator(".lm-search input").fill("KH-007")
    page.locator(".lm-search-results button").first.click()
    # the popup opens once the zoom has ended; on a busy machine it may be drawn twice
    page.wait_for_function(
        "(document.querySelector('.leaflet-popup-content') || {}).textContent?.includes('KH-007')",
        timeout=10_000,
    )
    text = page.evaluate("document.querySelector('.leaflet-popup-content').textContent")
    assert "KH-007" in text and "Phum 7" in text
    assert page.evaluate("landmap.maps[0].getZoom()") >= 14
    assert page.evaluate("landmap.maps[0].getBounds().contains([11.57, 104.87])")
    no_trouble(log)


def test_css_like_data_values_do_not_stop_an_offline_map(open_page, small_files, tmp_path):
    """A concession named '... @import url(//...)' (was: 'refers to a network address')."""
    cases, elc = small_files
    out = tmp_path / "public.html"
    proc = landmap("map", cases, f"{elc}:concessions", "-o", out, "--popup", "name,company")
    assert_clean(proc, "map")
    assert proc.returncode == 0, proc.stderr
    page, log = open_map(open_page, out)
    page.locator(".lm-search input").fill("tracker")
    page.locator(".lm-search-results button").first.click()
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    text = page.evaluate("document.querySelector('.leaflet-popup-content').textContent")
    assert "Agro @import url(//tracker.example/c.css) Co" in text
    assert "url(https://evil.example/x.png) Ltd" in text
    no_trouble(log)  # the values are shown as text and nothing was fetched


def test_the_offline_check_still_catches_real_network_references():
    from landmap.render.maps.save import network_reference

    data = '<script type="application/json" id="x_data">{"n":"@import url(//a.example)"}</script>'
    assert network_reference(data + "<p>@import url(//b.example) is text here</p>") is None
    for page in (
        '<link rel="stylesheet" href="https://cdn.example/leaflet.css">',
        '<script src="//cdn.example/leaflet.js"></script>',
        "<style>.x { background: url('https://tiles.example/a.png') }</style>",
        '<div style="background:url(//tiles.example/a.png)"></div>',
        "<style>@import 'https://fonts.example/k.css';</style>",
    ):
        assert network_reference(data + page) is not None, page
