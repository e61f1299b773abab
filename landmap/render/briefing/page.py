"""Print-ready briefing maps (PNG at 300 dpi, vector PDF) in English, Khmer or both.

A briefing map is one page, A4 or A3, portrait or landscape: title and subtitle, the map (offline
background of provinces and hillshaded relief; areas, concessions and cases styled like the
interactive map), a legend with household circles, a km scale bar and a north arrow, an inset
locating the map in Cambodia, and the sources, date, landmap version and privacy profile.

Khmer text is shaped by matplotlib's libraqm layout (see :mod:`landmap.render.fonts`) and the
PDF embeds the fonts as TrueType subsets. Public case points come only from the privacy gate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
from pyogrio.errors import DataLayerError, DataSourceError

from landmap.errors import AssetError, DataValueError, ExportError, LandmapError
from landmap.io.atomic import atomic_path, write_provenance
from landmap.io.load import layer_data
from landmap.privacy import PrivacyProfile, PublishedLayer, for_output, get_profile, write_audit
from landmap.provenance import make_provenance
from landmap.render import options as check
from landmap.render.briefing import background as bg
from landmap.render.briefing.extent import describe_layers, resolve_focus
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
    draw_inset,
    draw_north_arrow,
    draw_scale_bar,
    page_rects,
    place_labels,
    point_boxes,
)
from landmap.render.briefing.legend import (
    LegendSection,
    draw_legend,
    natural_width,
    needed_height,
)
from landmap.render.briefing.options import Drawing, PageText, Paper, Text, bilingual
from landmap.render.briefing.style import background_colour, boundary_style
from landmap.render.briefing.text import (
    heading,
    layer_sources,
    number,
    source_line,
    text_for,
)
from landmap.render.fonts import LATIN_FAMILY, font_families, require_shaping
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


def _place(ax, rect, fig) -> None:
    """Put an axes at ``(x, y, w, h)`` inches on the page."""
    w, h = fig.get_figwidth(), fig.get_figheight()
    x, y, rw, rh = rect
    ax.set_position((x / w, y / h, rw / w, rh / h))


def _fit_aspect(bounds, ax) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = bounds
    pos = ax.get_position(original=True)  # the box laid out, not one an earlier plot shrank
    ratio = (pos.width * ax.figure.get_figwidth()) / (pos.height * ax.figure.get_figheight())
    w, h = xmax - xmin, ymax - ymin
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    if w / h < ratio:
        w = h * ratio
    else:
        h = w / ratio
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


@dataclass
class _Page:
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
class _Job:
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


def _prepare_layers(job: _Job, page: _Page):
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


def _draw_background(ax, page: _Page, boundaries, bounds, drawing: Drawing) -> None:
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


def _draw_layers(ax, page: _Page, areas, concessions, cases, bounds) -> list[LegendSection]:
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


def _draw_texts(
    page: _Page, job: _Job, title: str, subtitle: str, sizes: Mapping[str, float], wrap: int
) -> None:
    """Title, subtitle, privacy mark, sources, date and version."""
    from landmap import __version__

    fig, fam, width, height = page.fig, page.family, page.width, page.height
    lang, scale = page.lang, page.scale
    confidential = job.profile.confidential
    mark = heading("confidential" if confidential else "public", lang)
    room = width - 0.7
    if confidential:
        corner = heading("confidential", lang, sep="\n")
        mark_text = fig.text(
            1 - 0.35 / width,
            1 - 0.3 / height,
            corner,
            fontsize=9 * scale,
            family=fam,
            color="#b71c1c",
            fontweight="bold",
            ha="right",
            va="top",
        )
        room -= _fit_width(fig, mark_text, room * 0.3) + 0.2
    title_text = fig.text(
        0.35 / width,
        1 - 0.3 / height,
        title,
        fontsize=sizes["title"],
        fontweight="bold",
        family=fam,
        va="top",
        ha="left",
    )
    _fit_width(fig, title_text, room)
    if subtitle:
        drop = (title.count("\n") + 1) * sizes["title"] * sizes["leading"] / 72 / height
        sub_text = fig.text(
            0.35 / width,
            1 - 0.3 / height - drop,
            subtitle,
            fontsize=sizes["subtitle"],
            family=fam,
            va="top",
            ha="left",
            color="#333333",
        )
        _fit_width(fig, sub_text, room)
    sources = [source_line(line, lang) for line in dict.fromkeys(page.sources) if line]
    head = heading("source", lang)
    colon = "៖ " if lang == Lang.KM else ": "
    footer = textwrap.wrap(head + colon + "; ".join(sources), wrap) if sources else []
    date = job.text.date or dt.date.today()
    stamp = (
        f"{heading('date', lang)}{colon}{number(date.isoformat(), lang)} · "
        f"landmap {__version__} · {mark}"
    )
    fig.text(
        0.35 / width,
        0.3 / height,
        "\n".join([*footer, stamp]),
        fontsize=sizes["small"],
        family=fam,
        va="bottom",
        ha="left",
        color="#333333",
        linespacing=1.35 if lang == Lang.EN else 1.6,
    )


def _draw_labels(ax, page: _Page, boundaries, concessions, areas, bounds) -> None:
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


def _render(job: _Job):
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
    page = _Page(fig, lang, width, height, scale, _families(lang))
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
    sizes = {
        "title": 17 * scale,
        "subtitle": 10.5 * scale,
        "small": 6.3 * scale,
        "leading": 1.45 if lang != Lang.EN else 1.25,
    }
    title_in = (
        (title.count("\n") + 1) * sizes["title"]
        + (subtitle.count("\n") + 1 if subtitle else 0) * sizes["subtitle"]
    ) * sizes["leading"] / 72 + 0.1
    page.sources = (
        layer_sources([cases, job.areas, job.concessions, job.boundaries], job.text.sources)
        + page.sources
    )
    outline = bg.country_outline()
    page.sources.append(outline.attrs.get("attribution", ""))
    wrap = int((width - 0.7) * 72 / (sizes["small"] * 0.6))
    said = [source_line(line, lang) for line in dict.fromkeys(page.sources) if line]
    lines = len(textwrap.wrap("; ".join([*said, bg.ATTRIBUTION["relief.tif"]]), wrap)) + 1
    footer_in = (lines + 0.5) * sizes["small"] * sizes["leading"] / 72 + 0.1  # + the stamp
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
        _place(axes, rect, fig)
    bounds = _fit_aspect(bounds, ax)
    _draw_background(ax, page, boundaries, bounds, job.drawing)
    if page.focus is not None:
        fade_outside(ax, page.focus, bounds, scale)
    _draw_furniture(
        (ax, lax, iax), page, sections, bounds, outline, legend=(legend_size, line_factor)
    )
    _draw_texts(page, job, title, subtitle, sizes, wrap)
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


def _draw_furniture(
    axes, page: _Page, sections, bounds, outline, legend: tuple[float, float]
) -> None:
    """Frame the map; draw the scale bar, north arrow, legend and the inset locator."""
    ax, lax, iax = axes
    lang, scale = page.lang, page.scale
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    draw_scale_bar(
        ax,
        unit_label=heading("km_unit", lang) if lang != Lang.BOTH else "km",
        fontsize=7 * scale,
        family=page.family,
        write=lambda v: number(float(f"{v:g}"), lang, grouped=False),
    )
    draw_north_arrow(
        ax,
        letter=heading("north", lang) if lang != Lang.BOTH else "N",
        fontsize=9 * scale,
        family=page.family,
    )
    draw_legend(lax, sections, fontsize=legend[0], family=page.family, line_factor=legend[1])
    if _covers_country(bounds, outline):  # a locator of the whole country locates nothing
        iax.set_visible(False)
    else:
        draw_inset(iax, outline, bounds)
    for a in (ax, iax):  # geopandas labels the axes "Easting [metre]": not on a printed map
        a.set_xlabel("")
        a.set_ylabel("")


def _covers_country(bounds, outline) -> bool:
    """Whether the map shows most of Cambodia (then an inset would only repeat it)."""
    import shapely

    country = outline.iloc[0]
    return shapely.box(*bounds).intersection(country).area >= 0.8 * country.area


def _fit_width(fig, text, max_inches: float) -> float:
    """Shrink a text's font (to 55 % at most) until it is ``max_inches`` wide; return its width."""
    renderer = fig.canvas.get_renderer()
    width = text.get_window_extent(renderer).width / fig.dpi
    if width > max_inches > 0:
        text.set_fontsize(text.get_fontsize() * max(max_inches / width, 0.55))
        width = text.get_window_extent(renderer).width / fig.dpi
    return width


@contextlib.contextmanager
def _quiet_fonts() -> Iterator[None]:
    """Draw text as given, and quietly.

    Text on a briefing map (titles, legends, labels of concessions and provinces) comes from
    users and their files, never markup: matplotlib's mathtext is off, so ``"$500 to $1000"``
    prints as written and a lone ``$`` is a dollar sign, not a parse error. Matplotlib's "no
    bold weight for the Khmer font" notes are silenced (it falls back to regular).
    """
    from matplotlib import rc_context

    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with rc_context({"text.parse_math": False, "text.usetex": False}):
            yield
    finally:
        logger.setLevel(level)


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
    job = _job(
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


def _job(
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
) -> _Job:
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
    return _Job(
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


def _figure(job: _Job) -> tuple[Any, dict[str, Any]]:
    with _quiet_fonts():
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
    job = _job(
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
    return [_save(fig, meta, job, target, dpi) for target in targets]


def _save(fig: Any, meta: Mapping[str, Any], job: _Job, target: Path, dpi: int) -> Path:
    """Write the drawn page to one file, with its provenance and (public) audit beside it."""
    from matplotlib import rc_context

    from landmap import __version__

    inputs = [
        str(m.get("source"))
        for layer in (
            None if job.cases is None else job.cases.data,
            job.areas,
            job.concessions,
            job.boundaries,
        )
        if layer is not None and (m := layer.attrs.get("landmap") or {}).get("source")
    ]
    confidential = job.profile.confidential
    fmt = target.suffix.lower().lstrip(".")
    notice = heading("confidential" if confidential else "public", Lang.EN)
    info = {
        "Title": meta["title"].replace("\n", " / "),
        "Software": f"landmap {__version__}",
        "Description": notice,
    }
    if fmt == "pdf":
        info = {"Title": info["Title"], "Creator": info["Software"], "Subject": notice}
    # a PNG is a whole number of pixels: round the page to it (A4 at 300 dpi: 3508 x 2480)
    fig.set_size_inches(
        *(((round(v * dpi) + 0.01) / dpi) if fmt == "png" else v for v in job.paper.inches)
    )
    with atomic_path(target) as tmp, _quiet_fonts(), rc_context({"pdf.fonttype": 42}):
        try:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=info)
        except (OSError, ValueError, RuntimeError) as err:
            raise ExportError(f"could not write the briefing map: {err}", path=target) from err
    record = make_provenance(
        inputs=inputs,
        crs=CAMBODIA_METRIC_CRS,
        operation="briefing_map",
        parameters={
            "lang": str(job.lang),
            "paper": str(job.paper.size),
            "orientation": str(job.paper.orientation),
            "dpi": dpi,
            "profile": job.profile.name,
            "extent": repr(job.extent),
            "bounds_epsg32648": meta["bounds_epsg32648"],
        },
    )
    record["omitted"] = meta["omitted"]
    record["sources"] = meta["sources"]
    write_provenance(record, target, public=not confidential)
    if meta["published"] is not None:
        write_audit(meta["published"], target)
    log.info("wrote %s", target)
    return target


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
