"""Map controls in headless Chromium: none covers another, at full screen and at notebook size.

A map with every control (title banner and notice, zoom, full screen, measure, search, layer
switcher, legend in two languages, time slider, scale, minimap, attribution) is opened as a page
of 1280 × 800 and inside the notebook widget's frame (480 px high, in an output area 800 px
wide). The drawn boxes of the controls are compared pairwise.
"""

from __future__ import annotations

import itertools

import pytest

from landmap.render.maps import MapControls, MapText, build_map, save_map
from landmap.widgets import map_widget

pytestmark = pytest.mark.browser

#: Every control Leaflet and landmap draw, and the title banner's boxes.
BOXES = """() => {
  const out = [];
  const add = (node, name) => {
    const r = node.getBoundingClientRect();
    const style = getComputedStyle(node);
    if (r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none') {
      out.push({name, left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    }
  };
  const kind = n => n.className.split(' ').find(
    c => c.startsWith('lm-') || c.startsWith('leaflet-control-')) || 'control';
  document.querySelectorAll('.leaflet-control').forEach((n, i) => add(n, kind(n) + '#' + i));
  document.querySelectorAll('.lm-banner > div').forEach((n, i) => add(n, n.className + '#' + i));
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  return {boxes: out, map: {left: map.left, top: map.top, right: map.right, bottom: map.bottom}};
}"""


def _overlaps(boxes):
    found = []
    for a, b in itertools.combinations(boxes, 2):
        if (
            a["left"] < b["right"] - 0.5
            and b["left"] < a["right"] - 0.5
            and a["top"] < b["bottom"] - 0.5
            and b["top"] < a["bottom"] - 0.5
        ):
            found.append((a["name"], b["name"]))
    return found


@pytest.fixture(scope="module")
def full_map(data_dir):
    from landmap.io.load import load

    cases = load(data_dir / "synthetic_cases.csv", "cases", fix_swapped=True).data
    layers = {
        "cases": cases,
        "concessions": load(data_dir / "cam-elc-complete.geojson", "concessions").data,
        "areas": load(data_dir / "community_forests.geojson", "areas").data,
        "boundaries": load(
            data_dir / "khm_bnd_admin1_gov_ed2022.json", "boundaries", level="province"
        ).data,
    }
    return build_map(
        profile="internal",
        **layers,
        title="Land conflicts and concessions",
        lang="both",
        text=MapText(subtitle="Cambodia, 2010-2024", notice="SYNTHETIC cases: not real"),
        controls=MapControls(heatmap=True),
    )


def _check(frame, size):
    frame.wait_for_function("window.landmap && landmap.status.ready === true", timeout=30_000)
    got = frame.evaluate(BOXES)
    names = [b["name"] for b in got["boxes"]]
    assert any("lm-legend" in n for n in names), names
    assert any("lm-time" in n for n in names), names
    assert any("layers" in n for n in names), names
    assert _overlaps(got["boxes"]) == [], (size, got["boxes"])
    area = got["map"]
    for box in got["boxes"]:  # and every control lies on the map
        assert box["left"] >= area["left"] - 0.5 and box["right"] <= area["right"] + 0.5, box
        assert box["top"] >= area["top"] - 0.5 and box["bottom"] <= area["bottom"] + 0.5, box
    return names


def test_no_two_controls_overlap_on_a_large_screen(open_page, full_map, tmp_path):
    path = save_map(full_map, tmp_path / "map.html")
    page, log = open_page(path, viewport=(1280, 800))
    names = _check(page, (1280, 800))
    assert any("minimap" in n for n in names)  # room for the overview map here
    assert page.evaluate("document.querySelector('.lm-legend').open") is True
    assert log.network_requests == [] and log.page_errors == []


@pytest.mark.parametrize("width", [800, 620])
def test_no_two_controls_overlap_at_notebook_size(open_page, full_map, tmp_path, width):
    widget = map_widget(full_map)  # as a notebook shows it: 100 % wide, 480 px high
    page_html = tmp_path / "notebook.html"
    page_html.write_text(
        "<!DOCTYPE html><html><body style='margin:0'>"
        f"<div style='width:{width}px;padding:5px'>{widget.value}</div></body></html>",
        encoding="utf-8",
    )
    page, log = open_page(page_html, viewport=(width + 40, 700))
    frame = next(f for f in page.frames if f != page.main_frame)
    names = _check(frame, (width, 480))
    assert not any("minimap" in n for n in names)  # no overview map in a notebook cell
    legend = frame.locator(".lm-legend")
    assert legend.evaluate("n => n.open") is False  # folded, one click away
    legend.locator("summary").click()
    assert legend.evaluate("n => n.open") is True
    assert log.page_errors == []


def test_the_legend_folds_when_the_window_shrinks(open_page, full_map, tmp_path):
    path = save_map(full_map, tmp_path / "map.html")
    page, _ = open_page(path, viewport=(1280, 800))
    page.wait_for_function("window.landmap && landmap.status.ready === true", timeout=30_000)
    page.set_viewport_size({"width": 560, "height": 420})
    page.wait_for_timeout(300)
    got = page.evaluate(BOXES)
    assert _overlaps(got["boxes"]) == []
