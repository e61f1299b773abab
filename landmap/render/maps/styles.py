"""Colour presets per case type, concession kind and area kind (``resources/styles.json``).

The same preset styles the interactive maps and the static briefing maps, so a colour means the
same thing on screen and on paper. Palettes are colour-blind safe (Okabe & Ito for case types,
Paul Tol's schemes for concessions and areas).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from landmap.errors import AssetError
from landmap.schema import Lang, label, vocabulary

#: Style groups and the vocabulary each one's terms come from.
STYLE_FIELDS: dict[str, str | None] = {
    "case_type": "case_type",
    "concession_kind": "concession_kind",
    "area_kind": "area_kind",
    "overlap": None,
    "boundaries": None,
}

_DEFAULTS = {"fill_opacity": 0.35, "weight": 1.0, "radius": 5}


@cache
def load_styles() -> dict[str, Any]:
    """Return the style preset of ``landmap/resources/styles.json``.

    Returns
    -------
    dict
        ``{group: {term: {"fill": "#rrggbb", "stroke": ..., ...}}, "background": ...}``.

    Raises
    ------
    AssetError
        If the preset file is missing from the installation.

    """
    ref = resources.files("landmap").joinpath("resources/styles.json")
    try:
        data = json.loads(ref.read_text("utf-8"))
    except FileNotFoundError as err:
        raise AssetError(
            "the style preset is missing from the installation",
            path=str(ref),
            fix="reinstall landmap (pip install --force-reinstall landmap)",
        ) from err
    data.pop("_comment", None)
    return data


def style(group: str, term: object) -> dict[str, Any]:
    """Return the full style of one term: fill, stroke, fill_opacity, weight, radius.

    Parameters
    ----------
    group
        ``"case_type"``, ``"concession_kind"``, ``"area_kind"``, ``"overlap"`` or
        ``"boundaries"``.
    term
        A canonical term (e.g. ``"eviction"``); unknown or missing terms get the group default.

    Examples
    --------
    >>> style("case_type", "eviction")["fill"]
    '#D55E00'
    >>> style("concession_kind", "no such kind")["fill"]
    '#BBBBBB'

    """
    presets = load_styles()[group]
    default = presets.get("default") or next(iter(presets.values()))
    entry = presets.get(str(term), default) if term is not None else default
    return {**_DEFAULTS, **default, **entry}


def palette(group: str) -> dict[str, str]:
    """Return ``{term: fill colour}`` for every term of a style group (without the default).

    Examples
    --------
    >>> palette("case_type")["land grab"]
    '#CC79A7'

    """
    return {k: v["fill"] for k, v in load_styles()[group].items() if k != "default"}


def legend_entries(
    group: str, terms: list[str] | None = None, *, lang: Lang = Lang.EN
) -> list[dict[str, Any]]:
    """Return legend rows ``{"term", "label", "fill", "stroke", ...}`` for a style group.

    Parameters
    ----------
    group
        A style group.
    terms
        The terms present in the data (in order); all preset terms when ``None``. Terms the
        vocabulary does not know are labelled with the term itself.
    lang
        Label language: ``"en"``, ``"km"`` or ``"both"``.

    """
    field = STYLE_FIELDS.get(group)
    if terms is None:
        terms = [t for t in load_styles()[group] if t != "default"]
    rows = []
    for term in terms:
        text = label(field, term, lang) if field and term in vocabulary().get(field, {}) else term
        rows.append({"term": term, "label": text, **style(group, term)})
    return rows


__all__ = ["STYLE_FIELDS", "legend_entries", "load_styles", "palette", "style"]
