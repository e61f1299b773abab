"""The furniture of a briefing page: texts, scale bar, north arrow, legend and inset.

:func:`place` and :func:`fit_aspect` put the axes on the page and frame the map;
:func:`draw_furniture` draws what surrounds the map, :func:`draw_texts` the title, subtitle,
privacy mark and footer, all within :func:`quiet_fonts`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import textwrap
from collections.abc import Iterator, Mapping

from landmap.render.briefing.job import Job, PageState
from landmap.render.briefing.layout import draw_inset, draw_north_arrow, draw_scale_bar
from landmap.render.briefing.legend import draw_legend
from landmap.render.briefing.text import heading, number, source_line
from landmap.schema import Lang


def place(ax, rect, fig) -> None:
    """Put an axes at ``(x, y, w, h)`` inches on the page."""
    w, h = fig.get_figwidth(), fig.get_figheight()
    x, y, rw, rh = rect
    ax.set_position((x / w, y / h, rw / w, rh / h))


def fit_aspect(bounds, ax) -> tuple[float, float, float, float]:
    """Widen ``bounds`` in one direction to the axes' shape, about the same centre."""
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


def draw_texts(
    page: PageState, job: Job, title: str, subtitle: str, sizes: Mapping[str, float], wrap: int
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


def draw_furniture(
    axes, page: PageState, sections, bounds, outline, legend: tuple[float, float]
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
def quiet_fonts() -> Iterator[None]:
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


__all__ = ["draw_furniture", "draw_texts", "fit_aspect", "place", "quiet_fonts"]
