"""Colours of the static briefing maps, shared with the interactive map.

The interactive map's style presets live in ``landmap/resources/styles.json``. This module reads
the colour of each case type, concession kind and area kind from it, so a printed map and the
HTML map use the same legend.
The defaults below are used only when the shared preset is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from landmap.errors import LandmapError

#: Built-in colours (colour-blind-safe Okabe-Ito / Tableau picks).
DEFAULT_COLOURS: dict[str, dict[str, str]] = {
    "case_type": {
        "eviction": "#d62728",
        "threat of eviction": "#ff7f0e",
        "land grab": "#8c564b",
        "violence": "#7b1fa2",
        "arrest or harassment of defenders": "#e377c2",
        "other": "#7f7f7f",
    },
    "concession_kind": {
        "ELC": "#e6a33e",
        "SLC": "#bcbd22",
        "mining": "#6d4c41",
        "other": "#bdbdbd",
    },
    "area_kind": {
        "community land": "#2ca02c",
        "community forest": "#1b7837",
        "protected area": "#4575b4",
        "protected forest": "#74add1",
        "parcel": "#9467bd",
        "other": "#80cdc1",
    },
}


@dataclass(frozen=True)
class Swatch:
    """How one vocabulary term is drawn: fill colour, outline colour, fill opacity."""

    fill: str
    edge: str
    alpha: float = 0.55


def _shared_style(group: str, term: str) -> dict[str, Any] | None:
    try:
        from landmap.maps.styles import style
    except ImportError:  # the interactive-map package is not in this build
        return None
    try:
        return style(group, term)
    except (LandmapError, KeyError):
        return None


def swatch(field: str, term: str) -> Swatch:
    """Return the swatch of a vocabulary term (``field`` is ``case_type`` and so on).

    Colours come from the shared preset ``landmap/resources/styles.json`` (through
    :func:`landmap.maps.styles.style`); the built-in defaults are used only when that preset is
    not installed. Polygon fills are drawn at least half opaque on paper, where the
    interactive map's light fills would wash out.

    Examples
    --------
    >>> swatch("case_type", "eviction").fill
    '#D55E00'

    """
    found = _shared_style(field, term)
    if found is None:
        default = DEFAULT_COLOURS.get(field, {})
        fill = default.get(term, default.get("other", "#7f7f7f"))
        return Swatch(fill=fill, edge=fill)
    fill = str(found.get("fill", "#999999"))
    edge = str(found.get("stroke", fill))
    alpha = float(found.get("fill_opacity", 0.55))
    return Swatch(fill=fill, edge=edge, alpha=max(alpha, 0.5))


def background_colour() -> str:
    """Return the colour of water and land outside Cambodia (the preset's ``background``)."""
    try:
        from landmap.maps.styles import load_styles

        return str(load_styles().get("background", "#DDE6EC"))
    except (ImportError, LandmapError):
        return "#DDE6EC"


def boundary_style(level: str) -> tuple[str, str, float]:
    """Return ``(fill, stroke, line_width)`` of a boundary level from the shared preset."""
    found = _shared_style("boundaries", level) or {}
    return (str(found.get("fill", "#F4F3EE")), str(found.get("stroke", "#8C8C8C")),
            float(found.get("weight", 1.0)) * 0.6)


__all__ = ["DEFAULT_COLOURS", "Swatch", "background_colour", "boundary_style", "swatch"]
