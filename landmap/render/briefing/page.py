"""Print-ready briefing maps (PNG at 300 dpi, vector PDF) in English, Khmer or both.

A briefing map is one page, A4 or A3, portrait or landscape: title and subtitle, the map (offline
background of provinces and hillshaded relief; areas, concessions and cases styled like the
interactive map), a legend with household circles, a km scale bar and a north arrow, an inset
locating the map in Cambodia, and the sources, date, landmap version and privacy profile.

Khmer text is shaped by matplotlib's libraqm layout (see :mod:`landmap.render.fonts`) and the
PDF embeds the fonts as TrueType subsets. Public case points come only from the privacy gate.
"""

from __future__ import annotations

import logging
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
from pyogrio.errors import DataLayerError, DataSourceError

from landmap.errors import AssetError, DataValueError, LandmapError
from landmap.privacy import PrivacyProfile, PublishedLayer
from landmap.render import options as check
from landmap.render.briefing import background as bg
from landmap.render.briefing.extent import describe_layers, resolve_focus
from landmap.render.briefing.furniture import (
    draw_furniture,
    draw_texts,
    fit_aspect,
    place,
    quiet_fonts,
)
from landmap.render.briefing.job import Job, PageState, make_job
from landmap.render.briefing.layers import (
    LABEL_GID,
    PRINT_DPI,
    clip_to_country,
    fade_outside,
    feature_labels,
    for_print,
    plot_cases,
    plot_polygons,
)
from landmap.render.briefing.layout import (
    MIN_DPI,
    check_dpi,
    page_rects,
    place_labels,
    point_boxes,
)
from landmap.render.briefing.legend import (
    LegendSection,
    natural_width,
    needed_height,
)
from landmap.render.briefing.options import Drawing, PageText, Paper, Text
from landmap.render.briefing.output import write_page
from landmap.render.briefing.style import background_colour, boundary_style
from landmap.render.briefing.text import (
    heading,
    layer_sources,
    source_line,
    text_for,
)
from landmap.render.fonts import LATIN_FAMILY, font_families
from landmap.schema import CAMBODIA_METRIC_CRS, LANGS, Lang

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = (".png", ".pdf")


def _metric(layer: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if layer is None or len(layer) == 0:
        return None
    if layer.crs is None:
        from landmap.errors import CRSError

        raise CRSError(
            "a layer passed to the briefing map has no CRS.",
            fix="load it with landmap's loaders, which set EPSG:4326",
        )
    return layer.to_crs(CAMBODIA_METRIC_CRS)


def _prepare_layers(job: Job, page: PageState):
    """Privacy step for cases, metric CRS for everything, default provinces."""
    published = job.cases  # a PublishedLayer (see briefing_figure) or None
    if published is not None:
        page.omitted += published.omitted
    cases = _metric(published.data if published is not None else None)
    boundaries = job.boundaries
    if boundaries is None:
        try:
            boundaries = bg.default_provinces()
            page.sources.append(bg.ATTRIBUTION[bg.PROVINCES_FILE])
        except (LandmapError, OSError, DataSourceError, DataLayerError) as err:
            # a background is optional: the page says it was left out, and why
            page.omitted.append(f"province background ({err})")
    return (cases, _metric(job.areas), _metric(job.concessions), _metric(boundaries), published)


def _draw_background(ax, page: PageState, boundaries, bounds, drawing: Drawing) -> None:
    """Provinces, hillshade clipped to Cambodia, and web tiles only when asked for."""
    ax.set_facecolor(background_colour())
    if boundaries is not None:
        fill, stroke, lw = boundary_style("province")
        boundaries.plot(ax=ax, facecolor=fill, edgecolor="none", zorder=1)
        boundaries.boundary.plot(ax=ax, color=stroke, linewidth=lw * page.scale, zorder=6)
    if drawing.relief is not False:
        source = None if drawing.relief is True else drawing.relief
        relief = bg.relief_for(bounds, source=source)
        if relief is None:
            page.omitted.append("hillshade (no relief raster found)")
        else:
            image = ax.imshow(
                relief.image,
                extent=relief.extent,
                cmap="gray",
                vmin=0,
                vmax=1,
                alpha=0.3,
                zorder=2,
                interpolation="bilinear",
            )
            clip_to_country(image, ax)
            page.sources.append(
                bg.ATTRIBUTION.get(relief.source.name, f"Relief: {relief.source.name}")
            )
    if drawing.basemap:
        page.sources.append(bg.add_web_basemap(ax, drawing.basemap))


def _draw_layers(ax, page: PageState, areas, concessions, cases, bounds) -> list[LegendSection]:
    """Areas, concessions and cases in the print styles; return the legend sections."""
    sections: list[LegendSection] = []
    for layer, term, field_name, zorder in (
        (areas, "areas", "area_kind", 3),
        (concessions, "concessions", "concession_kind", 4),
    ):
        if layer is not None:
            section = LegendSection(heading(term, page.lang))
            plot_polygons(ax, layer, field_name, "kind", zorder, page.lang, section)
            sections.append(section)
    if cases is not None:
        page.points = plot_cases(ax, cases, page.lang, sections, page.scale, bounds=bounds)
    return sections


def _draw_labels(ax, page: PageState, boundaries, concessions, areas, bounds) -> None:
    """Place names clear of each other and of the case markers; say what had to be left off."""
    labels = feature_labels(
        boundaries,
        concessions,
        areas,
        page.lang,
        page.scale,
        limit=int(18 * page.scale**2),
        bounds=bounds,
        focus=page.focus,
    )
    ax.apply_aspect()  # final axes box, so text extents are where they will be drawn
    obstacles = [artist.get_window_extent() for artist in [*ax.patches, *ax.texts]]
    obstacles += point_boxes(ax, page.points)
    left_out: list[str] = []
    _, dropped = place_labels(
        page.fig,
        ax,
        labels,
        family=page.family,
        obstacles=obstacles,
        gid=LABEL_GID,
        left_out=left_out,
    )
    if dropped:
        page.omitted.append(
            f"{dropped} labels (no room without covering a case or another "
            f"label): {', '.join(left_out)}"
        )
        log.info(
            "briefing map: %d labels left out (no room without covering a case or another "
            "label): %s",
            dropped,
            ", ".join(left_out),
        )
    shown = sum(1 for item in labels if item.priority >= 0)
    total = sum(
        int(layer["name"].notna().sum())
        for layer in (concessions, areas)
        if layer is not None and "name" in layer
    )
    if total > shown:
        where = "outside the focus, smaller or" if page.focus is not None else "smaller or"
        page.omitted.append(f"names of {total - shown} {where} out-of-view areas/concessions")


def _families(lang: Lang) -> list[str]:
    """Return the font list; an English map works without a Khmer font (and says so)."""
    try:
        return font_families()
    except AssetError:
        if lang == Lang.EN:
            return [LATIN_FAMILY]
        raise


def _text_sizes(lang: Lang, scale: float) -> dict[str, float]:
    """Font sizes (points) of the title, subtitle and small print, and their line spacing."""
    return {
        "title": 17 * scale,
        "subtitle": 10.5 * scale,
        "small": 6.3 * scale,
        "leading": 1.45 if lang != Lang.EN else 1.25,
    }


def _footer(
    page: PageState, job: Job, cases, small: float, leading: float
) -> tuple[Any, int, float]:
    """Gather the page's sources and measure the footer that names them.

    Return the country outline (whose attribution is one of the sources), the footer's width
    in characters and its height in inches.
    """
    page.sources = (
        layer_sources([cases, job.areas, job.concessions, job.boundaries], job.text.sources)
        + page.sources
    )
    outline = bg.country_outline()
    page.sources.append(outline.attrs.get("attribution", ""))
    wrap = int((page.width - 0.7) * 72 / (small * 0.6))
    said = [source_line(line, page.lang) for line in dict.fromkeys(page.sources) if line]
    lines = len(textwrap.wrap("; ".join([*said, bg.ATTRIBUTION["relief.tif"]]), wrap)) + 1
    footer_in = (lines + 0.5) * small * leading / 72 + 0.1  # + the stamp
    return outline, wrap, footer_in


def _render(job: Job):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lang = job.lang
    width, height = job.paper.inches
    scale = job.paper.scale
    fig = Figure(figsize=(width, height))
    canvas = FigureCanvasAgg(fig)  # no pyplot: the caller's backend and figures are left alone
    # geopandas' plot() asks for a redraw after every layer; on an Agg canvas that is a full
    # render each time (most of the run time). The page is drawn once, when it is saved.
    canvas.draw_idle = lambda *args, **kwargs: None
    page = PageState(fig, lang, width, height, scale, _families(lang))
    if page.family == [LATIN_FAMILY]:
        page.omitted.append("Khmer script (no Khmer font installed: Khmer text shows as boxes)")
    cases, areas, concessions, boundaries, published = _prepare_layers(job, page)
    bounds, extent_text, page.focus = resolve_focus(
        job.extent, cases=cases, areas=areas, concessions=concessions, boundaries=boundaries
    )
    # half a 300-dpi pixel even if the map filled the page's width: no visible change, and
    # far fewer vertices to draw and to write into the PDF
    tolerance = (bounds[2] - bounds[0]) / (width * PRINT_DPI * 2)
    areas, concessions, boundaries = (
        for_print(layer, tolerance) for layer in (areas, concessions, boundaries)
    )
    title = text_for(job.title, lang) or describe_layers(cases, areas, concessions, lang)
    subtitle = text_for(job.text.subtitle, lang) or text_for(extent_text, lang, sep=" / ")
    sizes = _text_sizes(lang, scale)
    title_in = (
        (title.count("\n") + 1) * sizes["title"]
        + (subtitle.count("\n") + 1 if subtitle else 0) * sizes["subtitle"]
    ) * sizes["leading"] / 72 + 0.1
    outline, wrap, footer_in = _footer(page, job, cases, sizes["small"], sizes["leading"])
    ax, lax, iax = (
        fig.add_axes((0, 0, 1, 1), gid=f"landmap-{part}") for part in ("map", "legend", "inset")
    )
    sections = _draw_layers(ax, page, areas, concessions, cases, bounds)
    legend_size = 7.2 * scale
    line_factor = 2.0 if lang != Lang.EN else 1.6
    rects = page_rects(
        width,
        height,
        title_in=title_in,
        footer_in=footer_in,
        aspect=(bounds[2] - bounds[0]) / (bounds[3] - bounds[1]),
        scale=scale,
        legend_height=lambda w, n: needed_height(
            sections, fontsize=legend_size, width_in=w, line_factor=line_factor, columns=n
        ),
        legend_width=natural_width(fig, sections, fontsize=legend_size, family=page.family),
    )
    for axes, rect in ((ax, rects.map), (lax, rects.legend), (iax, rects.inset)):
        place(axes, rect, fig)
    bounds = fit_aspect(bounds, ax)
    _draw_background(ax, page, boundaries, bounds, job.drawing)
    if page.focus is not None:
        fade_outside(ax, page.focus, bounds, scale)
    draw_furniture(
        (ax, lax, iax), page, sections, bounds, outline, legend=(legend_size, line_factor)
    )
    draw_texts(page, job, title, subtitle, sizes, wrap)
    if job.drawing.labels:
        _draw_labels(ax, page, boundaries, concessions, areas, bounds)
    meta = {
        "title": title,
        "omitted": page.omitted,
        "sources": list(dict.fromkeys(line for line in page.sources if line)),
        "bounds_epsg32648": [float(b) for b in bounds],
        "arrangement": rects.arrangement,
        "published": published,
    }
    return fig, meta


def briefing_figure(
    *,
    cases: gpd.GeoDataFrame | PublishedLayer | None = None,
    areas: gpd.GeoDataFrame | None = None,
    concessions: gpd.GeoDataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    extent: Any = None,
    title: Text = None,
    lang: Lang | str = Lang.EN,
    profile: str | PrivacyProfile = "public",
    paper: Paper | None = None,
    text: PageText | None = None,
    drawing: Drawing | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Draw a briefing map without saving it: the matplotlib figure and what it holds.

    Same parameters as :func:`briefing_map` (but no path; ``paper.dpi`` is not used). For a
    look at the page before it is written, or for checks: placed labels carry the gid
    ``"landmap-label"``, the case markers ``"landmap-cases"``, and the axes ``"landmap-map"``,
    ``"landmap-legend"`` and ``"landmap-inset"``.

    Returns
    -------
    tuple
        ``(figure, meta)``; ``meta`` holds the ``title``, what was ``omitted``, the
        ``sources``, the map's bounds in EPSG:32648, the page ``arrangement`` (``"column"``
        or ``"band"``) and the ``published`` case layer.

    """
    job = make_job(
        cases=cases,
        areas=areas,
        concessions=concessions,
        boundaries=boundaries,
        extent=extent,
        title=title,
        lang=lang,
        profile=profile,
        paper=paper,
        text=text,
        drawing=drawing,
    )
    return _figure(job)


def _figure(job: Job) -> tuple[Any, dict[str, Any]]:
    with quiet_fonts():
        return _render(job)


def briefing_maps(
    paths: Sequence[str | os.PathLike[str]],
    *,
    cases: gpd.GeoDataFrame | PublishedLayer | None = None,
    areas: gpd.GeoDataFrame | None = None,
    concessions: gpd.GeoDataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    extent: Any = None,
    title: Text = None,
    lang: Lang | str = Lang.EN,
    profile: str | PrivacyProfile = "public",
    paper: Paper | None = None,
    text: PageText | None = None,
    drawing: Drawing | None = None,
) -> list[Path]:
    """Render one briefing map and save it to several files (``.png`` and/or ``.pdf``).

    Same parameters as :func:`briefing_map`; the map is drawn once and saved to every path.
    """
    targets = [Path(p) for p in paths]
    paper = check.given("paper", paper, Paper)
    dpi = check_dpi(
        paper.dpi,
        paper=paper.size,
        orientation=paper.orientation,
        png=any(t.suffix.lower() == ".png" for t in targets),
    )
    for target in targets:
        if target.suffix.lower() not in FORMATS:
            raise DataValueError(
                f"cannot write a briefing map as {target.suffix or 'a file with no extension'!r}.",
                path=target,
                fix="name the output .png or .pdf",
            )
    job = make_job(
        cases=cases,
        areas=areas,
        concessions=concessions,
        boundaries=boundaries,
        extent=extent,
        title=title,
        lang=lang,
        profile=profile,
        paper=paper,
        text=text,
        drawing=drawing,
    )
    fig, meta = _figure(job)
    written = []
    for target in targets:
        written.append(write_page(fig, meta, job, target, dpi))
        log.info("wrote %s", target)
    return written


def briefing_map(
    path: str | os.PathLike[str],
    *,
    cases: gpd.GeoDataFrame | PublishedLayer | None = None,
    areas: gpd.GeoDataFrame | None = None,
    concessions: gpd.GeoDataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    extent: Any = None,
    title: Text = None,
    lang: Lang | str = Lang.EN,
    profile: str | PrivacyProfile = "public",
    paper: Paper | None = None,
    text: PageText | None = None,
    drawing: Drawing | None = None,
) -> Path:
    """Write a print-ready briefing map (PNG or PDF, by the file's extension).

    Parameters
    ----------
    path
        Output file, ``.png`` (raster, ``paper.dpi`` dots per inch, dpi recorded in the file)
        or ``.pdf`` (vector, fonts embedded).
    cases, areas, concessions, boundaries
        Canonical layers (any CRS; drawn in EPSG:32648). ``boundaries`` defaults to the bundled
        provinces with their Khmer names.
    extent
        What the map shows: ``None`` (all given layers), a province name in English or Khmer, a
        concession or area id or name, ``"cases"``, a list of case ids, a ``(west, south, east,
        north)`` box in degrees, or a geometry / GeoDataFrame.
    title
        Text, or ``{"en": ..., "km": ...}``. By default it describes the layers.
    lang
        ``"en"``, ``"km"`` or ``"both"`` (:class:`~landmap.schema.Lang`): language of every text
        element.
    profile
        Privacy profile of the map (``"public"`` by default). Public case points must come
        from :func:`landmap.privacy.publish` (a ``PublishedLayer``); their audit is written
        beside the map as ``<path>.audit.json``. ``"internal"`` takes raw cases and marks the
        map confidential.
    paper
        Size, orientation and PNG resolution (:class:`~landmap.render.briefing.options.Paper`;
        A4 landscape at 300 dpi by default).
    text
        Subtitle, extra source lines and the date printed
        (:class:`~landmap.render.briefing.options.PageText`).
    drawing
        Labels, hillshade and web basemap
        (:class:`~landmap.render.briefing.options.Drawing`).

    Returns
    -------
    Path
        The file written. ``<path>.provenance.json`` beside it lists inputs, parameters and what
        was left out.

    Raises
    ------
    PrivacyError
        For raw case data on a public map.
    AssetError
        When no Khmer font or no shaping-capable matplotlib is installed.
    OptionError
        For an unknown language, paper size or orientation, or an option of the wrong type.
    DataValueError
        For an unknown extent or output format.

    """
    return briefing_maps(
        [path],
        cases=cases,
        areas=areas,
        concessions=concessions,
        boundaries=boundaries,
        extent=extent,
        title=title,
        lang=lang,
        profile=profile,
        paper=paper,
        text=text,
        drawing=drawing,
    )[0]


__all__ = [
    "FORMATS",
    "LANGS",
    "MIN_DPI",
    "briefing_figure",
    "briefing_map",
    "briefing_maps",
    "check_dpi",
    "heading",
    "layer_sources",
    "text_for",
]
