"""How printed briefing maps draw each term: colours, hatches, marker shapes, page colours.

Case colours are the interactive map's (``landmap/resources/styles.json``: Okabe & Ito, colour-
blind safe), so a printed map and the HTML map share their case legend. Everything a page needs
beyond that is in ``landmap/resources/briefing_style.json``: a marker shape per case type (a
second channel for greyscale print and colour-blind readers), polygon fills chosen for paper
(protected land green and hatched, never blue, so nothing reads as water), and the page's own
colours (land and sea outside Cambodia, provinces, the focus outline and the veil over what lies
outside the focus).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from landmap.bundled import resource_json
from landmap.render.maps.styles import load_styles, style


@dataclass(frozen=True)
class Swatch:
    """How one vocabulary term is drawn.

    Attributes
    ----------
    fill, edge
        Fill and outline colours.
    alpha
        Fill opacity.
    hatch
        A matplotlib hatch pattern drawn in the outline colour, or ``None``.
    marker
        Marker shape of a point (cases: one per case type).

    """

    fill: str
    edge: str
    alpha: float = 0.55
    hatch: str | None = None
    marker: str = "o"


@cache
def print_style() -> dict[str, Any]:
    """Return the print palette (``resources/briefing_style.json``)."""
    return resource_json("briefing_style.json")


def _shared_style(group: str, term: str) -> dict[str, Any]:
    """Return the interactive map's style of a term, or ``{}`` for a group it does not style."""
    return style(group, term) if group in load_styles() else {}


def swatch(field: str, term: str) -> Swatch:
    """Return how a vocabulary term is drawn on paper (``field`` is ``case_type`` and so on).

    Examples
    --------
    >>> swatch("case_type", "eviction").fill, swatch("case_type", "land grab").marker
    ('#D55E00', 's')
    >>> swatch("area_kind", "protected area").hatch
    '////'

    """
    table = print_style().get(field, {})
    entry = {**table.get("default", {}), **table.get(term, {})}
    if field == "case_type":
        fill = str(_shared_style(field, term)["fill"])
        return Swatch(
            fill=fill,
            edge=print_style().get("case_edge", "#1A1A1A"),
            alpha=1.0,
            marker=str(entry.get("marker", "o")),
        )
    if not entry:
        shared = _shared_style(field, term)
        fill = str(shared.get("fill", "#999999"))
        return Swatch(
            fill=fill,
            edge=str(shared.get("stroke", fill)),
            alpha=max(float(shared.get("fill_opacity", 0.55)), 0.5),
        )
    return Swatch(
        fill=str(entry["fill"]),
        edge=str(entry.get("stroke", entry["fill"])),
        alpha=float(entry.get("alpha", 0.7)),
        hatch=entry.get("hatch"),
    )


def page_colour(key: str) -> Any:
    """Return one of the page's colours (``outside``, ``province``, ``focus_edge``, ``veil``...).

    Examples
    --------
    >>> page_colour("outside")
    '#E6E6E3'

    """
    return print_style()["page"][key]


def background_colour() -> str:
    """Return the colour of everything outside Cambodia (land and sea alike)."""
    return str(page_colour("outside"))


def boundary_style(level: str) -> tuple[str, str, float]:
    """Return ``(fill, stroke, line_width)`` of a boundary level."""
    found = _shared_style("boundaries", level)
    return (
        str(page_colour("province")),
        str(page_colour("province_edge")),
        float(found.get("weight", 1.0)) * 0.6,
    )


__all__ = ["Swatch", "background_colour", "boundary_style", "page_colour", "print_style", "swatch"]
