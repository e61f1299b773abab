"""What one briefing page is asked to show, and what its rendering works with.

:func:`make_job` checks every option and passes the cases through the privacy gate, giving a
:class:`Job`; drawing the page fills a :class:`PageState` (the figure, its sizes, and what was
left out or drawn from which sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from landmap.io.load import layer_data
from landmap.privacy import PrivacyProfile, PublishedLayer, for_output, get_profile
from landmap.render import options as check
from landmap.render.briefing.options import Drawing, PageText, Paper, Text, bilingual
from landmap.render.fonts import require_shaping
from landmap.schema import Lang


@dataclass
class PageState:
    """What one rendering works with: the figure, its axes, sizes and what was left out."""

    fig: Any
    lang: Lang
    width: float
    height: float
    scale: float
    family: list[str]
    omitted: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    points: Any = None  # case markers drawn: x, y, area (labels keep clear of them)
    focus: Any = None  # the unit the extent names, emphasised


@dataclass(frozen=True)
class Job:
    """What one page is asked to show, every option checked."""

    cases: PublishedLayer | None
    areas: gpd.GeoDataFrame | None
    concessions: gpd.GeoDataFrame | None
    boundaries: gpd.GeoDataFrame | None
    extent: Any
    title: Text
    lang: Lang
    profile: PrivacyProfile
    paper: Paper
    text: PageText
    drawing: Drawing


def make_job(
    *,
    cases: Any,
    areas: Any,
    concessions: Any,
    boundaries: Any,
    extent: Any,
    title: Text,
    lang: Any,
    profile: Any,
    paper: Any,
    text: Any,
    drawing: Any,
) -> Job:
    """Check every option, then pass the cases through the privacy gate."""
    lang = check.check_lang(lang)
    paper = check.given("paper", paper, Paper)
    text = check.given("text", text, PageText)
    drawing = check.given("drawing", drawing, Drawing)
    title = bilingual("title", title)
    prof = get_profile(profile)
    require_shaping()
    published = (
        None
        if cases is None
        else for_output(cases, prof, kind="cases", what="the briefing map", name="cases")
    )
    return Job(
        cases=published,
        areas=layer_data(areas),
        concessions=layer_data(concessions),
        boundaries=layer_data(boundaries),
        extent=extent,
        title=title,
        lang=lang,
        profile=prof,
        paper=paper,
        text=text,
        drawing=drawing,
    )


__all__ = ["Job", "PageState", "make_job"]
