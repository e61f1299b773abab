"""The legend panel of briefing maps: categorical swatches and graduated household circles.

Matplotlib's own legend has no section headings and sizes its markers independently of the map;
this panel is drawn entry by entry on an axes of its own, so headings can be Khmer, English or
both, each case type shows its own marker shape, and the household circles are drawn like the
map's markers, at exactly their areas, for counts among those drawn on the map.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

#: Marker area (points²) of a case with no household count, and of the largest count.
MARKER_MIN = 14.0
MARKER_MAX = 260.0


class Swatch(StrEnum):
    """The shape of a legend entry: before a ``:``, then its hatch or marker (``"poly:///"``)."""

    POLY = "poly"  # a filled box, hatched when a hatch follows
    POINT = "point"  # a marker of the shape that follows
    HOLLOW = "hollow"  # a dashed outline: a case known only to its commune or district

    def entry(self, style: str | None = None) -> str:
        """Return the entry kind, e.g. ``Swatch.POINT.entry("^") == "point:^"``."""
        return f"{self.value}:{style}" if style else self.value


def marker_area(households: float | None, largest: float) -> float:
    """Return a case marker's area in points² (proportional to households).

    Examples
    --------
    >>> marker_area(None, 100), marker_area(100, 100)
    (14.0, 260.0)

    """
    if households is None or not math.isfinite(households) or largest <= 0:
        return MARKER_MIN
    return MARKER_MIN + (MARKER_MAX - MARKER_MIN) * max(households, 0.0) / largest


def _nice(value: float) -> float:
    if value <= 0:
        return 0.0
    exp = 10 ** math.floor(math.log10(value))
    return max(step * exp for step in (1, 2, 5) if step * exp <= value)


def household_steps(largest: float) -> list[int]:
    """Return up to three round household counts for the graduated legend.

    Examples
    --------
    >>> household_steps(230)
    [20, 50, 200]

    """
    steps = sorted({int(_nice(largest * f)) for f in (0.1, 0.3, 1.0)} - {0})
    return steps or [1]


@dataclass
class LegendSection:
    """A heading and its entries.

    ``entries`` are ``(kind, colour, edge, alpha, label)``: ``kind`` is ``"poly"`` (a
    swatch; ``"poly:<hatch>"`` hatched), ``"point:<marker>"`` or ``"hollow"``
    (:class:`Swatch`). ``circles`` are household sizes ``(area in points², label)``, drawn in
    ``circle_style`` ``(fill, edge)``.
    """

    heading: str
    entries: list[tuple[str, str, str, float, str]] = field(default_factory=list)
    circles: list[tuple[float, str]] = field(default_factory=list)
    circle_style: tuple[str, str] = ("#BDBDBD", "#1A1A1A")


def _wrapped(text: str, chars: int) -> str:
    if len(text) <= chars:
        return text
    if " / " in text:  # "English / Khmer": break at the slash first
        en, km = text.split(" / ", 1)
        return "\n".join([_wrapped(en, chars), _wrapped(km, chars)])
    return "\n".join(textwrap.wrap(text, max(chars, 8))) or text


def _prepared(sections: Sequence[LegendSection], chars: int) -> list[LegendSection]:
    out = []
    for section in sections:
        if not section.entries and not section.circles:
            continue
        out.append(
            LegendSection(
                _wrapped(section.heading, int(chars * 0.8)),  # bold and 8 % larger
                [(k, c, e, a, _wrapped(t, chars - 3)) for k, c, e, a, t in section.entries],
                list(section.circles),
                section.circle_style,
            )
        )
    return out


def _lines(text: str) -> int:
    return text.count("\n") + 1


def needed_height(
    sections: Sequence[LegendSection],
    *,
    fontsize: float,
    width_in: float,
    line_factor: float = 1.6,
    columns: int = 1,
) -> float:
    """Return the height in inches the sections need in ``columns`` columns ``width_in`` wide.

    The same measure and the same flow into columns as :func:`draw_legend`, so a page can be
    laid out before it is drawn: the smallest height at which the sections, kept whole, fill
    no more than ``columns`` columns.
    """
    chars = int(width_in * 72 / (fontsize * 0.56))
    step_pt = fontsize * line_factor
    heights = [_section_height(s, 1.0, 1.0, step_pt=step_pt) for s in _prepared(sections, chars)]
    if not heights:
        return 0.0
    low, high = max(heights), sum(heights)
    for _ in range(30):  # the smallest column height that takes every section
        mid = (low + high) / 2
        used, room = 1, mid
        for h in heights:
            if h > room:
                used, room = used + 1, mid
            room -= h
        low, high = (mid, high) if used > columns else (low, mid)
    return (high + step_pt * 0.6) / 72


def natural_width(
    fig, sections: Sequence[LegendSection], *, fontsize: float, family: list[str]
) -> float:
    """Return the width in inches of the legend's longest line as drawn, swatch included.

    Measured with the figure's renderer (Khmer is shaped: its marks take no width of their own).
    """
    renderer = fig.canvas.get_renderer()
    widest = 0.0
    for section in sections:
        lines = [
            (section.heading, fontsize * 1.08),
            *((t, fontsize) for *_, t in section.entries),
            *((t, fontsize) for _, t in section.circles),
        ]
        for text, size in lines:
            for line in text.split("\n"):
                probe = fig.text(0, 0, line, fontsize=size, family=family)
                widest = max(widest, probe.get_window_extent(renderer).width / fig.dpi)
                probe.remove()
    return widest + fontsize * 2.6 / 72


def draw_legend(
    ax: Axes,
    sections: Sequence[LegendSection],
    *,
    fontsize: float,
    family: list[str],
    line_factor: float = 1.6,
) -> int:
    """Draw the legend sections top-down on ``ax`` (axis off); return the number of entries.

    Long labels are wrapped to the panel width (an English / Khmer label breaks at the
    slash). When the sections do not fit, the font shrinks (down to 70 %) before the legend
    flows into a second column.
    """
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    height_pt = ax.get_position().height * ax.figure.get_figheight() * 72
    width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
    for shrink in (1.0, 0.9, 0.8, 0.7):
        size = fontsize * shrink
        step = size * line_factor / height_pt
        top = 1.0 - step * 0.6
        chars = int(width_pt / (size * 0.56))
        prepared = _prepared(sections, chars)
        columns = _columns(prepared, step, height_pt, top)
        if len(columns) == 1 or shrink == 0.7:
            break
    if len(columns) > 1:  # narrower columns: wrap again for their width
        prepared = _prepared(sections, int(width_pt / len(columns) / (size * 0.56)))
        columns = _columns(prepared, step, height_pt, top)
    box_w = size * 1.6 / width_pt
    col_w = 1.0 / max(len(columns), 1)
    pen = _Pen(ax, step, box_w, height_pt, width_pt, size, family)
    count = 0
    for col, members in enumerate(columns):
        y, x0 = top, col * col_w
        for section in members:
            y = _draw_section(pen, section, x0, y)
            count += len(section.entries) + len(section.circles)
    return count


def _section_height(
    section: LegendSection, step: float, height_pt: float, *, step_pt: float | None = None
) -> float:
    """Height of a section in axes fractions (or in points when ``step_pt`` is given)."""
    if step_pt is not None:
        step, height_pt = step_pt, 1.0
    height = step * (1.1 + 0.75 * (_lines(section.heading) - 1)) + step * 0.4
    height += sum(step * (1 + 0.75 * (_lines(text) - 1)) for *_, text in section.entries)
    for area, _ in section.circles:
        radius = math.sqrt(area / math.pi) / height_pt
        height += max(radius - step * 0.4, 0) + max(radius + step * 0.5, step)
    return height


def _columns(
    sections: Sequence[LegendSection], step: float, height_pt: float, top: float
) -> list[list[LegendSection]]:
    """Split sections into columns so that none runs off the bottom of the panel."""
    columns: list[list[LegendSection]] = [[]]
    room = top
    for section in sections:
        need = _section_height(section, step, height_pt)
        if need > room and columns[-1]:
            columns.append([])
            room = top
        columns[-1].append(section)
        room -= need
    return columns


@dataclass(frozen=True)
class _Pen:
    """What every legend entry is drawn with: the panel, its line step and the swatch width.

    ``step`` and ``box_w`` are axes fractions; ``height_pt`` and ``width_pt`` the panel's size.
    """

    ax: Axes
    step: float
    box_w: float
    height_pt: float
    width_pt: float
    fontsize: float
    family: list[str]


def _draw_section(pen: _Pen, section: LegendSection, x0: float, y: float) -> float:
    """Draw one section with its top at ``y``; return the ``y`` below it."""
    y = _draw_heading(pen, section.heading, x0, y)
    for kind, colour, edge, alpha, text in section.entries:
        extra = 0.75 * (_lines(text) - 1) * pen.step
        _draw_swatch(pen, kind, colour, edge, alpha, x0, y)
        _draw_label(pen, text, x0 + pen.box_w * 1.5, y, wrapped=bool(extra))
        y -= pen.step + extra
    y = _draw_circles(pen, section, x0, y)
    return y - pen.step * 0.4


def _draw_heading(pen: _Pen, heading: str, x0: float, y: float) -> float:
    """Draw a section's heading (bold, 8 % larger); return the ``y`` of its first entry."""
    extra = 0.75 * (_lines(heading) - 1) * pen.step
    pen.ax.text(
        x0,
        y - extra / 2,
        heading,
        fontsize=pen.fontsize * 1.08,
        fontweight="bold",
        family=pen.family,
        va="center",
        ha="left",
    )
    return y - (pen.step * 1.1 + extra)


def _draw_swatch(
    pen: _Pen, kind: str, colour: str, edge: str, alpha: float, x0: float, y: float
) -> None:
    """Draw an entry's marker, dashed outline or (hatched) box, centred on ``y``."""
    ax, step, box_w = pen.ax, pen.step, pen.box_w
    shape, _, style = kind.partition(":")
    if shape == Swatch.POINT:
        ax.scatter(
            [x0 + box_w / 2],
            [y],
            s=(pen.fontsize * 1.05) ** 2,
            color=colour,
            marker=style or "o",
            edgecolors=edge,
            linewidths=0.5,
            clip_on=False,
        )
    elif shape == Swatch.HOLLOW:  # a case known only to its commune: an outline, no fill
        ax.scatter(
            [x0 + box_w / 2],
            [y],
            s=(pen.fontsize * 1.05) ** 2,
            facecolors="none",
            edgecolors=edge,
            linewidths=1.2,
            linestyle="--",
            clip_on=False,
        )
    else:
        ax.add_patch(
            Rectangle(
                (x0, y - step * 0.3),
                box_w,
                step * 0.6,
                facecolor=colour,
                alpha=alpha,
                edgecolor=edge,
                linewidth=0.8,
                clip_on=False,
            )
        )
        if style:  # the hatch, at full strength as on the map
            ax.add_patch(
                Rectangle(
                    (x0, y - step * 0.3),
                    box_w,
                    step * 0.6,
                    facecolor="none",
                    edgecolor=edge,
                    hatch=style,
                    linewidth=0.8,
                    clip_on=False,
                )
            )


def _draw_label(pen: _Pen, text: str, x: float, y: float, *, wrapped: bool) -> None:
    """Draw an entry's label beside its swatch."""
    if wrapped:  # wrapped: the first line beside the swatch, the rest below
        pen.ax.text(
            x,
            y + pen.step * 0.3,
            text,
            fontsize=pen.fontsize,
            family=pen.family,
            va="top",
            ha="left",
        )
    else:  # one line: the same baseline whatever Khmer vowels stand above or below
        pen.ax.text(
            x,
            y,
            text,
            fontsize=pen.fontsize,
            family=pen.family,
            va="center_baseline",
            ha="left",
        )


def _draw_circles(pen: _Pen, section: LegendSection, x0: float, y: float) -> float:
    """Draw the graduated household circles below ``y``; return the ``y`` below them."""
    step, box_w = pen.step, pen.box_w
    for area, text in section.circles:
        radius = math.sqrt(area / math.pi) / pen.height_pt  # axes-fraction, vertical
        y -= max(radius - step * 0.4, 0)
        fill, edge = section.circle_style  # drawn as the map draws its case markers
        pen.ax.scatter(
            [x0 + box_w / 2],
            [y],
            s=area,
            facecolor=fill,
            edgecolors=edge,
            linewidths=0.5,
            clip_on=False,
        )
        pen.ax.text(
            x0 + box_w * 1.5 + radius * pen.height_pt / pen.width_pt,
            y,
            text,
            fontsize=pen.fontsize,
            family=pen.family,
            va="center",
            ha="left",
        )
        y -= max(radius + step * 0.5, step)
    return y


__all__ = [
    "MARKER_MAX",
    "MARKER_MIN",
    "LegendSection",
    "Swatch",
    "draw_legend",
    "household_steps",
    "marker_area",
    "natural_width",
    "needed_height",
]
