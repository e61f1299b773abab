"""Interactive maps in headless Chromium with the network cut: what a reader actually sees."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landmap.render.maps import MapControls, MapFields, MapText, MapView, build_map, save_map
from landmap.schema import label

pytestmark = pytest.mark.browser


HOSTILE = [
    "<script>window.__pwned = 1; document.title = 'pwned'</script>",
    '<img src=x onerror="window.__pwned = 2">',
    "javascript:window.__pwned = 3",
    "`${window.__pwned = 4}` backtick",
    '"\'><svg onload="window.__pwned = 5">',
    "</script><script>window.__pwned = 6</script>",
    "\u202eevil\u202c RTL override and ភូមិថ្មី Khmer",
    "{{ 7 * 7 }} {% raw %} <!-- &amp; &lt;b&gt;",
    '</style><a href="javascript:window.__pwned=7">link</a>',
    "line\u2028separator\u2029paragraph",
]


def open_map(open_page, path):
    page, log = open_page(path)
    page.wait_for_function("window.landmap && landmap.status.ready === true", timeout=30_000)
    return page, log


def point_of(page, lat, lng):
    """Centre the map on a place (clear of the controls) and return its page coordinates."""
    return page.evaluate(
        """([lat, lng]) => { const m = landmap.maps[0];
        m.setView([lat, lng], m.getZoom(), {animate: false});
        const r = m.getContainer().getBoundingClientRect();
        const p = m.latLngToContainerPoint([lat, lng]); return [p.x + r.left, p.y + r.top]; }""",
        [lat, lng],
    )


def click_at(page, lat, lng):
    """Close any open popup (it fades out over 200 ms), then click a place on the map."""
    page.evaluate("landmap.maps[0].closePopup()")
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=5_000)
    page.mouse.click(*point_of(page, lat, lng))


def popup_text(page):
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    return page.evaluate("document.querySelector('.leaflet-popup-content').textContent")


def assert_clean(log):
    assert log.network_requests == [], log.network_requests
    assert log.failed == [] and log.page_errors == [] and log.console_errors == []
    assert log.dialogs == []


def row_cases(values, *, lng0=104.0, step=0.08):
    n = len(values)
    return gpd.GeoDataFrame(
        {
            "case_id": [f"C-{i:03d}" for i in range(n)],
            "date": pd.to_datetime([f"2022-{1 + i % 12:02d}-10" for i in range(n)]),
            "type": ["eviction", "land grab", "violence"] * (n // 3) + ["other"] * (n % 3),
            "households": list(range(1, n + 1)),
            "village": [f"Phum {i}" for i in range(n)],
            "description": values,
        },
        geometry=shapely.points([lng0 + i * step for i in range(n)], [12.0] * n),
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory, data_dir):
    """The bundled demo layers through the real loaders, as ``landmap map`` would draw them."""
    from landmap.io.load import load

    layers = {
        "cases": load(data_dir / "synthetic_cases.csv", "cases").data,
        "concessions": load(data_dir / "cam-elc-complete.geojson", "concessions").data,
        "areas": load(data_dir / "community_forests.geojson", "areas").data,
        "boundaries": load(data_dir / "geoBoundaries-KHM-ADM1.geojson", "boundaries").data,
    }
    from landmap.analysis import overlap

    layers["overlaps"] = overlap(layers["areas"], layers["concessions"])
    assert len(layers["overlaps"]) > 0
    m = build_map(
        profile="internal",
        **layers,
        title="Demo",
        lang="both",
        text=MapText(notice="Synthetic cases"),
        controls=MapControls(heatmap=True),
    )
    return layers, save_map(m, tmp_path_factory.mktemp("demo") / "demo.html")


def test_demo_map_opens_offline_and_draws_every_feature(open_page, demo):
    layers, path = demo
    page, log = open_map(open_page, path)
    assert_clean(log)
    status = page.evaluate("landmap.status.layers")
    drawn = {v["kind"]: v["drawn"] for v in status.values()}
    expected = {
        k: int((~(g.geometry.isna() | g.geometry.is_empty)).sum()) for k, g in layers.items()
    }
    assert drawn == expected
    assert page.title() == "Demo"
    for selector in (
        ".leaflet-control-zoom-fullscreen",
        "#polyline-measure-control",
        ".leaflet-control-minimap",
        ".leaflet-control-scale",
        ".lm-search input",
        ".lm-time input[type=range]",
        ".leaflet-control-layers",
        ".lm-notice",
    ):
        assert page.locator(selector).count() == 1, selector


def test_legend_shows_every_category_with_its_label(open_page, demo):
    layers, path = demo
    page, _ = open_map(open_page, path)
    terms = page.evaluate(
        "[...document.querySelectorAll('.lm-legend-row')].map(r => r.dataset.term)"
    )
    for kind, field in (("cases", "type"), ("concessions", "kind"), ("areas", "kind")):
        present = set(layers[kind][field].dropna().astype(str))
        assert present <= set(terms), (kind, present - set(terms))
    assert "overlaps" in terms  # overlaps highlighted, with their own legend entry
    text = page.locator(".lm-legend").inner_text()
    assert label("case_type", "eviction", "both") in text


def test_clicking_a_case_opens_its_popup(open_page, tmp_path):
    cases = row_cases([f"Synthetic description {i}" for i in range(6)])
    elc = gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Alpha Agro"], "kind": ["ELC"]},
        geometry=[shapely.box(103.7, 12.2, 103.9, 12.4)],
        crs="EPSG:4326",
    )
    out = save_map(
        build_map(
            profile="internal", cases=cases, concessions=elc, controls=MapControls(cluster=False)
        ),
        tmp_path / "m.html",
    )
    page, log = open_map(open_page, out)
    # The concession is painted in its preset colour (ELC: #EE6677 at 35 % over the background).
    x, y = point_of(page, 12.3, 103.8)
    pixel = page.evaluate(
        """([x, y]) => { const c = [...document.querySelectorAll('.leaflet-overlay-pane canvas')]
            .map(cv => { const r = cv.getBoundingClientRect(), k = cv.width / r.width;
                         return cv.getContext('2d').getImageData((x - r.left) * k, (y - r.top) * k,
                                                                 1, 1).data; })
            .find(d => d[3] > 0); return c ? [...c] : null; }""",
        [x, y],
    )
    assert pixel is not None and pixel[0] > pixel[1] + 60 and pixel[0] > pixel[2] + 30, pixel
    legend_swatch = page.locator(".lm-legend-row[data-term='ELC'] .lm-swatch")
    assert (
        legend_swatch.evaluate("s => getComputedStyle(s).backgroundColor") == "rgb(238, 102, 119)"
    )
    click_at(page, 12.0, 104.0 + 4 * 0.08)
    text = popup_text(page)
    assert "C-004" in text and "Phum 4" in text and "Synthetic description 4" in text
    assert "Land grab" in text and "C-003" not in text
    click_at(page, 12.3, 103.8)
    text = popup_text(page)
    assert "Alpha Agro" in text and "Economic land concession" in text
    page.evaluate("landmap.maps[0].closePopup(); landmap.maps[0].setView([11, 106], 8)")
    page.locator(".lm-search input").fill("alpha")  # concessions are searched by name too
    page.locator(".lm-search-results button").first.click()
    assert "Alpha Agro" in popup_text(page)
    assert_clean(log)


def test_hostile_content_is_inert_and_shows_as_text(open_page, tmp_path):
    cases = row_cases(HOSTILE)
    cases["village"] = HOSTILE
    elc = gpd.GeoDataFrame(
        {
            "concession_id": ["E1"],
            "name": [HOSTILE[1]],
            "kind": [HOSTILE[4]],
            HOSTILE[0]: ["column named with markup"],
        },
        geometry=[shapely.box(103.7, 12.2, 103.9, 12.4)],
        crs="EPSG:4326",
    )
    m = build_map(
        profile="internal",
        cases=cases,
        concessions=elc,
        title="Hostile test",
        controls=MapControls(cluster=False),
        text=MapText(notice=HOSTILE[5], subtitle=HOSTILE[1]),
        fields=MapFields(
            popup={
                "cases": ["case_id", "village", "description"],
                "concessions": ["name", "kind", HOSTILE[0]],
            }
        ),
    )
    out = save_map(m, tmp_path / "hostile.html")
    page, log = open_map(open_page, out)
    injected = """() => ({pwned: window.__pwned === undefined ? null : window.__pwned,
        title: document.title,
        elements: document.querySelectorAll(
          'img[src="x"], [onerror], [onload], iframe, .leaflet-popup a[href^="javascript"]').length,
        scripts: [...document.scripts].filter(
          s => s.textContent.trim().startsWith('window.__pwned')).length})"""
    assert page.evaluate(injected) == {
        "pwned": None,
        "title": "Hostile test",
        "elements": 0,
        "scripts": 0,
    }
    assert page.locator(".lm-notice").evaluate("n => n.textContent") == HOSTILE[5]
    for i, value in enumerate(HOSTILE):
        click_at(page, 12.0, 104.0 + i * 0.08)
        assert value in popup_text(page), value
    click_at(page, 12.3, 103.8)
    text = popup_text(page)
    assert HOSTILE[1] in text and HOSTILE[4] in text and "column named with markup" in text
    legend = page.locator(".lm-legend").evaluate("n => n.textContent")
    assert HOSTILE[4] in legend
    assert page.evaluate(injected) == {
        "pwned": None,
        "title": "Hostile test",
        "elements": 0,
        "scripts": 0,
    }
    assert_clean(log)


def test_search_time_slider_and_clusters(open_page, tmp_path):
    spot = row_cases([f"at one spot {i}" for i in range(12)], step=0.0)
    spread = row_cases([f"spread {i}" for i in range(30)], lng0=105.0, step=0.05)
    spread["case_id"] = [f"S-{i:03d}" for i in range(30)]
    spread["village"] = [f"Village {i}" for i in range(30)]
    cases = pd.concat([spot, spread], ignore_index=True)
    out = save_map(
        build_map(profile="internal", cases=cases, controls=MapControls(cluster=True)),
        tmp_path / "m.html",
    )
    page, log = open_map(open_page, out)
    counts = page.locator(".lm-cluster span").all_inner_texts()
    assert "12" in counts
    # Search by village opens the right popup.
    page.locator(".lm-search input").fill("Village 17")
    page.locator(".lm-search-results button").first.click()
    assert "S-017" in popup_text(page)
    page.keyboard.press("Escape")
    # Many cases at one spot spread out ("spiderfy") when their cluster is clicked.
    page.evaluate("landmap.maps[0].setView([12.0, 104.0], 18, {animate: false})")
    page.wait_for_timeout(300)
    cluster = page.locator(".lm-cluster").first
    assert cluster.locator("span").inner_text() == "12"
    cluster.click()
    page.wait_for_function(
        "Object.values(landmap.maps[0]._layers).filter(l => l._spiderLeg).length === 12",
        timeout=5_000,
    )
    # The time slider shows only cases up to the chosen month.
    first_month = sorted(cases["date"].dt.strftime("%Y-%m"))[0]
    expected = int((cases["date"].dt.strftime("%Y-%m") <= first_month).sum())
    page.locator(".lm-time input").evaluate(
        "i => { i.value = 0; i.dispatchEvent(new Event('input')); }"
    )
    assert page.locator(".lm-time").get_attribute("data-shown") == str(expected)
    assert page.locator(".lm-time-value").inner_text() == first_month
    assert_clean(log)


def test_heatmap_tooltips_and_measure_tool(open_page, tmp_path):
    cases = row_cases([f"d{i}" for i in range(60)], step=0.01)
    elc = gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Alpha Agro"], "kind": ["ELC"]},
        geometry=[shapely.box(103.7, 12.2, 103.9, 12.4)],
        crs="EPSG:4326",
    )
    out = save_map(
        build_map(
            profile="internal", cases=cases, concessions=elc, controls=MapControls(heatmap=True)
        ),
        tmp_path / "m.html",
    )
    page, log = open_map(open_page, out)
    page.locator(".leaflet-control-layers").hover()
    page.get_by_text("Cases — heatmap").click()
    page.wait_for_selector("canvas.leaflet-heatmap-layer", timeout=5_000)
    page.mouse.move(*point_of(page, 12.3, 103.8))
    page.wait_for_selector(".leaflet-tooltip .lm-tooltip", timeout=5_000)
    assert "Alpha Agro" in page.locator(".leaflet-tooltip").inner_text()
    page.click("#polyline-measure-control")
    page.mouse.click(500, 400)
    page.mouse.click(700, 400)
    page.mouse.dblclick(700, 500)
    labels = page.locator(".polyline-measure-tooltip").all_inner_texts()
    assert any("km" in t for t in labels), labels
    assert_clean(log)


def test_web_basemap_is_the_only_network_use(open_page, tmp_path):
    cases = row_cases(["x"] * 3)
    out = save_map(
        build_map(profile="internal", cases=cases, view=MapView(basemap="osm")), tmp_path / "m.html"
    )
    page, log = open_page(out)
    page.wait_for_function("window.landmap && landmap.status.ready === true", timeout=30_000)
    page.wait_for_timeout(300)
    assert log.network_requests, "tiles were asked for"
    assert all(u.startswith("https://tile.openstreetmap.org/") for u in log.network_requests)
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    assert log.page_errors == [] and log.dialogs == []


def test_plain_folium_map_saves_offline_too(open_page, tmp_path):
    import folium

    m = folium.Map(tiles=None, location=[12, 105], zoom_start=7)
    folium.Marker([12, 105], popup="a folium popup").add_to(m)
    page, log = open_page(save_map(m, tmp_path / "plain.html"), wait_ms=300)
    icon = page.locator("img.leaflet-marker-icon")
    assert icon.get_attribute("src").startswith("data:image/png;base64,")
    icon.click()
    assert "a folium popup" in popup_text(page)
    assert_clean(log)


@pytest.mark.parametrize("cluster", [False, True])
def test_cases_known_only_to_their_commune_are_hollow_with_a_note(open_page, tmp_path, cluster):
    cases = row_cases(["a", "b", "c"])
    cases["location_precision"] = ["exact", "commune", "district"]
    m = build_map(
        cases=cases, lang="both", profile="internal", controls=MapControls(cluster=cluster)
    )
    page, log = open_map(open_page, save_map(m, tmp_path / "m.html"))
    click_at(page, 12.0, 104.0)
    assert "Location known to the" not in popup_text(page)
    click_at(page, 12.0, 104.08)
    text = popup_text(page)
    assert "Location known to the commune only" in text and "ទីតាំងដឹងត្រឹមឃុំ" in text
    click_at(page, 12.0, 104.16)
    assert "Location known to the district only" in popup_text(page)
    legend = page.evaluate("document.querySelector('.lm-legend').textContent")
    assert "Hollow marker" in legend
    if cluster:
        styles = page.evaluate("""landmap.maps[0]._layers && Object.values(landmap.maps[0]._layers)
            .filter(l => l instanceof L.CircleMarker).map(l => l.options.fillOpacity)""")
        assert sorted(styles)[:2] == [0.08, 0.08] and max(styles) > 0.5
    assert_clean(log)


def test_numbered_parcel_ids_decode_in_the_browser(open_page, tmp_path):
    from landmap.render.maps import encode

    n = 150
    cells = [
        shapely.box(
            104 + (i % 15) * 0.01,
            12 + (i // 15) * 0.01,
            104.009 + (i % 15) * 0.01,
            12.009 + (i // 15) * 0.01,
        )
        for i in range(n)
    ]
    parcels = gpd.GeoDataFrame(
        {"area_id": [f"P{i:06d}" for i in range(n)], "kind": ["parcel"] * n},
        geometry=cells,
        crs="EPSG:4326",
    )
    path = save_map(
        build_map(
            areas=parcels,
            fields=MapFields(popup=["area_id"], tooltip=[], search=[]),
            controls=MapControls(minimap=False),
        ),
        tmp_path / "parcels.html",
    )
    assert '"n":"' in path.read_text("utf-8")  # the ids travelled as prefix and deltas
    page, log = open_map(open_page, path)
    click_at(page, 12 + 7 * 0.01 + 0.0045, 104 + 3 * 0.01 + 0.0045)  # parcel 7 * 15 + 3
    assert "P000108" in popup_text(page)
    samples = [
        pd.Series([f"KT-{i}" if i % 4 else f"CF-{i:d}" for i in range(100)] + [None], dtype=object),
        pd.Series([f"{i:012d}" for i in range(0, 10**12, 10**10)], dtype=object),
    ]
    for values in samples:
        col = encode.encode_column(values)
        assert "n" in col
        assert page.evaluate("c => landmap.column(c, 0)", col) == list(values)
    assert_clean(log)


@pytest.mark.parametrize("cluster", [False, True])
def test_points_without_a_location_are_decoded_as_none_and_not_drawn(open_page, tmp_path, cluster):
    import numpy as np

    from landmap.render.maps import encode

    cases = row_cases([f"Synthetic description {i}" for i in range(4)])
    out = save_map(
        build_map(profile="internal", cases=cases, controls=MapControls(cluster=cluster)),
        tmp_path / "m.html",
    )
    page, log = open_map(open_page, out)
    geoms = np.array(
        [shapely.Point(104.0, 12.0), None, shapely.Point(), shapely.Point(104.24, 12.0)],
        dtype=object,
    )
    payload = encode.encode_points(geoms, step=1e-5, origin=(104.0, 12.0))
    decoded = page.evaluate("g => landmap.decodePoints(g).map(p => p && [p.lat, p.lng])", payload)
    assert decoded[1] is None and decoded[2] is None
    assert decoded[0] == pytest.approx([12.0, 104.0], abs=1e-5)
    assert decoded[3] == pytest.approx([12.0, 104.24], abs=1e-5)
    # the same four rows drawn from that payload: two points, and the filter keeps it so
    drawn = page.evaluate(
        """g => { const m = landmap.maps[0], old = m._lmLayers[0]._lmSpec;
        const spec = Object.assign({}, old, {geom: g, id: old.id + '-missing'});
        const layer = landmap.pointLayer(m, spec).addTo(m);
        layer._lmFilter(() => true);
        layer._lmShow(1);  // a search hit on a row without a location does nothing
        return [landmap.status.layers[spec.id].expected, layer._lmShown()]; }""",
        payload,
    )
    assert drawn == [2, 2]
    assert_clean(log)
