"""Briefing maps a print designer would sign off, checked from what is drawn on the page.

The demo's real concessions, forests and protected areas and its SYNTHETIC cases (through the
privacy gate), on the page the issue described: Mondulkiri, Khmer only, A3 portrait.
"""

from __future__ import annotations

import colorsys
import logging
import re

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.text import Text

from landmap.privacy import publish
from landmap.project import Project
from landmap.render import briefing_figure
from landmap.render.briefing.layers import CASES_GID, LABEL_GID
from landmap.render.briefing.options import Drawing, Paper
from landmap.render.briefing.style import background_colour, print_style, swatch
from landmap.render.briefing.text import source_line
from landmap.schema import vocabulary

KHMER = re.compile(r"[\u1780-\u17ff]")


@pytest.fixture(scope="module")
def demo(data_dir):
    project = Project.from_toml(data_dir / "demo.toml")
    layers = project.load(
        ["synthetic_cases", "community_forests", "protected_areas", "elc", "communes"]
    )
    areas = pd.concat(
        [layers["community_forests"].data, layers["protected_areas"].data], ignore_index=True
    )
    cases = publish(layers["synthetic_cases"].data, communes=layers["communes"].data, seed=11)
    title = {"en": project.title, "km": project.title_km}
    return {"cases": cases, "areas": areas, "concessions": layers["elc"].data, "title": title}


@pytest.fixture(scope="module")
def mondulkiri(demo):
    fig, meta = briefing_figure(
        **demo, extent="Mondulkiri", lang="km", paper=Paper(size="A3", orientation="portrait")
    )
    fig.canvas.draw()
    return fig, meta


def _labels(fig):
    return [t for t in fig.findobj(Text) if t.get_gid() == LABEL_GID and t.get_visible()]


def _markers(fig):
    """Display boxes of the case markers inside the map frame."""
    renderer = fig.canvas.get_renderer()
    boxes = []
    for coll in fig.findobj(PathCollection):
        if coll.get_gid() != CASES_GID:
            continue
        ax = coll.axes
        frame = ax.get_window_extent(renderer)
        xy = ax.transData.transform(coll.get_offsets())
        sizes = np.broadcast_to(coll.get_sizes(), (len(xy),))
        for (x, y), area in zip(xy, sizes, strict=True):
            half = np.sqrt(area) / 2 * fig.dpi / 72
            if frame.x0 <= x <= frame.x1 and frame.y0 <= y <= frame.y1:
                boxes.append((x - half, y - half, x + half, y + half))
    return boxes


def _meets(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.slow
def test_labels_never_cover_a_case_or_another_label(mondulkiri):
    fig, meta = mondulkiri
    renderer = fig.canvas.get_renderer()
    labels = _labels(fig)
    assert len(labels) >= 5, [t.get_text() for t in labels]
    boxes = [t.get_window_extent(renderer).extents for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _meets(a, b)
    markers = _markers(fig)
    assert len(markers) > 50
    covered = [
        (labels[i].get_text(), m) for i, a in enumerate(boxes) for m in markers if _meets(a, m)
    ]
    assert covered == []


def test_labels_come_from_inside_the_focus(mondulkiri, demo):
    fig, _ = mondulkiri
    texts = {t.get_text() for t in _labels(fig)}
    from landmap.render.briefing.background import default_provinces

    concessions = demo["concessions"].to_crs(32648)
    focus = default_provinces().to_crs(32648)
    focus = focus[focus["name"] == "Mondul Kiri"].geometry.iloc[0]
    named = concessions[concessions["name"].isin(texts)]
    assert len(named) >= 1
    inside = named.geometry.intersection(focus).area / named.geometry.area
    assert (inside >= 0.5).all(), named["name"][inside < 0.5].tolist()
    # the neighbours are named faintly in Khmer for orientation; the focus is the subtitle
    assert {"ក្រចេះ", "រតនគិរី"} & texts and "មណ្ឌលគិរី" not in texts


def test_dropped_labels_are_said(demo, caplog):
    with caplog.at_level(logging.INFO, logger="landmap.render.briefing.page"):
        _, meta = briefing_figure(**demo, extent="Kratie", lang="en", paper=Paper(size="A4"))
    said = [m for m in meta["omitted"] if "labels (no room" in m]
    assert said and any("labels left out" in r.message for r in caplog.records)


def test_a_khmer_map_has_no_latin_text_but_published_names_and_numbers(mondulkiri, demo):
    fig, meta = mondulkiri
    allowed = {t.get_text() for t in _labels(fig)}  # names as their publishers wrote them
    publishers = [source_line(line, "km").split("៖ ", 1)[-1] for line in meta["sources"]]
    texts = [
        t.get_text()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_gid() != LABEL_GID
    ]
    assert any(KHMER.search(text) for text in texts)
    leftover = []
    for text in texts:
        for name in sorted(publishers, key=len, reverse=True):
            text = text.replace(name, "")
        text = re.sub(r"landmap [\d.]+", "", text)
        if re.search(r"[A-Za-z]", text):
            leftover.append(text)
    assert leftover == []
    assert "km" not in " ".join(texts).split()  # the scale bar's unit is Khmer too
    assert allowed  # names of concessions stay in the script they were published in


def test_the_focus_is_emphasised_and_its_neighbours_faded(mondulkiri):
    fig, meta = mondulkiri
    ax = next(c.axes for c in fig.findobj(PathCollection) if c.get_gid() == CASES_GID)
    veil = [c for c in ax.collections if c.get_zorder() == 13]
    assert len(veil) == 1
    face = veil[0].get_facecolor()[0]
    assert tuple(face[:3]) == (1.0, 1.0, 1.0) and face[3] > 0.5
    outline = [c for c in ax.collections if c.get_zorder() == 14]
    assert outline and outline[0].get_linewidth()[0] >= 1.5


def _axes(fig, part):
    return next(a for a in fig.axes if a.get_gid() == f"landmap-{part}")


def test_the_map_fills_the_page_and_the_inset_only_locates(mondulkiri):
    fig, meta = mondulkiri
    box = _axes(fig, "map").get_position()
    # the old layout gave this page 55 % of its height for the map; the map now gets more than that
    # whether the legend sits beside it (taller map) or in a band below it (full width)
    assert box.height > 0.58 and box.width * box.height > 0.55
    inset = _axes(fig, "inset").get_position()
    assert inset.width * inset.height < 0.05  # under 5 % of the page


def test_households_key_shows_counts_of_the_dots_drawn(mondulkiri, demo):
    fig, _ = mondulkiri
    ax = next(c.axes for c in fig.findobj(PathCollection) if c.get_gid() == CASES_GID)
    drawn = np.concatenate([c.get_sizes() for c in ax.collections if c.get_gid() == CASES_GID])
    legend_ax = _axes(fig, "legend")
    circles = [
        c
        for c in legend_ax.collections
        if len(c.get_facecolor())  # not the hollow key
        and tuple(mcolors.to_hex(c.get_facecolor()[0])) == tuple("#bdbdbd")
    ]
    sizes = sorted(float(c.get_sizes()[0]) for c in circles)
    assert len(sizes) >= 2
    assert sizes[-1] <= drawn.max() + 1e-6 and sizes[0] >= drawn.min() - 1e-6
    digits = "".join(t.get_text() for t in legend_ax.texts)
    assert "៥,០០០" not in digits  # the national maximum is not on this map's key


def test_case_types_differ_in_colour_and_shape():
    types = [t for t in vocabulary()["case_type"]]
    swatches = [swatch("case_type", t) for t in types]
    assert len({s.fill for s in swatches}) == len(types)
    assert len({s.marker for s in swatches}) == len(types)


def _is_blue(colour: str) -> bool:
    h, s, v = colorsys.rgb_to_hsv(*mcolors.to_rgb(colour))
    return 0.45 <= h <= 0.72 and s > 0.08


def test_nothing_on_the_page_reads_as_water():
    assert not _is_blue(background_colour())
    for field in ("area_kind", "concession_kind"):
        for term, entry in print_style()[field].items():
            assert not _is_blue(entry["fill"]), (field, term)
    assert _is_blue("#66CCEE")  # the old protected-area fill: the check can fail


def test_a_whole_country_map_has_no_inset(demo):
    fig, meta = briefing_figure(**demo, lang="en", drawing=Drawing(labels=False))
    assert meta["arrangement"] in ("column", "band")
    assert not _axes(fig, "inset").get_visible()  # it would only repeat the map


def test_a_box_has_no_unit_to_emphasise(demo):
    fig, _ = briefing_figure(
        **demo, extent=(106.5, 12.0, 107.6, 13.0), lang="en", drawing=Drawing(labels=False)
    )
    assert not [c for c in _axes(fig, "map").collections if c.get_zorder() == 13]
    assert _axes(fig, "inset").get_visible()
