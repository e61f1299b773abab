"""The legend panel of briefing maps: categorical swatches and graduated household circles.

Matplotlib's own legend has no section headings and sizes its markers independently of the map;
this panel is drawn entry by entry on an axes of its own, so headings can be Khmer, English or
both, and the household circles use exactly the marker areas of the map.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

#: Marker area (points²) of a case with no household count, and of the largest count.
MARKER_MIN = 14.0
MARKER_MAX = 260.0


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
    """A heading and its entries: ``(kind, colour, edge, alpha, label)`` or circle sizes."""

    heading: str
    entries: list[tuple[str, str, str, float, str]] = field(default_factory=list)
    circles: list[tuple[float, str]] = field(default_factory=list)


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
        out.append(LegendSection(
            _wrapped(section.heading, int(chars * 0.8)),  # bold and 8 % larger
            [(k, c, e, a, _wrapped(t, chars - 3)) for k, c, e, a, t in section.entries],
            list(section.circles),
        ))
    return out


def _lines(text: str) -> int:
    return text.count("\n") + 1


def draw_legend(
    ax: Axes, sections: Sequence[LegendSection], *, fontsize: float, family: list[str],
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
    count = 0
    for col, members in enumerate(columns):
        y, x0 = top, col * col_w
        for section in members:
            y = _draw_section(ax, section, x0, y, step, box_w, height_pt, width_pt,
                              size, family)
            count += len(section.entries) + len(section.circles)
    return count


def _section_height(section: LegendSection, step: float, height_pt: float) -> float:
    height = step * (1.1 + 0.75 * (_lines(section.heading) - 1)) + step * 0.4
    height += sum(step * (1 + 0.75 * (_lines(text) - 1)) for *_, text in section.entries)
    for area, _ in section.circles:
        radius = math.sqrt(area / math.pi) / height_pt
        height += max(radius - step * 0.4, 0) + max(radius + step * 0.5, step)
    return height


def _columns(sections: Sequence[LegendSection], step: float, height_pt: float,
             top: float) -> list[list[LegendSection]]:
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


def _draw_section(ax, section, x0, y, step, box_w, height_pt, width_pt, fontsize, family):
    extra = 0.75 * (_lines(section.heading) - 1) * step
    ax.text(x0, y - extra / 2, section.heading, fontsize=fontsize * 1.08, fontweight="bold",
            family=family, va="center", ha="left")
    y -= step * 1.1 + extra
    for kind, colour, edge, alpha, text in section.entries:
        extra = 0.75 * (_lines(text) - 1) * step
        if kind == "point":
            ax.scatter([x0 + box_w / 2], [y], s=MARKER_MIN * 3, color=colour, edgecolors=edge,
                       linewidths=0.6, clip_on=False)
        elif kind == "hollow":  # a case known only to its commune: an outline, no fill
            ax.scatter([x0 + box_w / 2], [y], s=MARKER_MIN * 3, facecolors="none",
                       edgecolors=edge, linewidths=1.2, linestyle="--", clip_on=False)
        else:
            ax.add_patch(Rectangle((x0, y - step * 0.3), box_w, step * 0.6, facecolor=colour,
                                   alpha=alpha, edgecolor=edge, linewidth=0.8, clip_on=False))
        if extra:  # wrapped: the first line beside the swatch, the rest below
            ax.text(x0 + box_w * 1.5, y + step * 0.3, text, fontsize=fontsize, family=family,
                    va="top", ha="left")
        else:  # one line: the same baseline whatever Khmer vowels stand above or below
            ax.text(x0 + box_w * 1.5, y, text, fontsize=fontsize, family=family,
                    va="center_baseline", ha="left")
        y -= step + extra
    for area, text in section.circles:
        radius = math.sqrt(area / math.pi) / height_pt  # axes-fraction, vertical
        y -= max(radius - step * 0.4, 0)
        ax.scatter([x0 + box_w / 2], [y], s=area, facecolor="none", edgecolors="#333333",
                   linewidths=0.8, clip_on=False)
        ax.text(x0 + box_w * 1.5 + radius * height_pt / width_pt, y, text, fontsize=fontsize,
                family=family, va="center", ha="left")
        y -= max(radius + step * 0.5, step)
    return y - step * 0.4


__all__ = ["MARKER_MAX", "MARKER_MIN", "LegendSection", "draw_legend", "household_steps",
           "marker_area"]
