"""Printed maps take their case colours from the one preset the interactive maps use."""

from __future__ import annotations

import json
from importlib import resources

from landmap.render.briefing.style import boundary_style, swatch


def test_every_case_colour_on_paper_is_the_interactive_maps_colour():
    preset = json.loads(
        resources.files("landmap").joinpath("resources/styles.json").read_text("utf-8")
    )
    for term, entry in preset["case_type"].items():
        assert swatch("case_type", term).fill == entry["fill"], term
    assert swatch("case_type", "eviction").fill == "#D55E00"
    assert swatch("case_type", "not a case type").fill == preset["case_type"]["default"]["fill"]


def test_a_field_without_a_preset_gets_the_neutral_grey():
    assert swatch("no such field", "x").fill == "#999999"
    assert len(boundary_style("province")) == 3
