"""Map furniture of briefing maps: paper sizes, scale bar, north arrow, inset, label placement.

Everything here draws on matplotlib axes whose data coordinates are metres in EPSG:32648 (UTM
48N). Distances on the scale bar are corrected by the projection's scale factor at the centre of
the map, and the north arrow is turned by the grid convergence there, so both are right at the
map's latitude and longitude rather than only on the central meridian.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from landmap.errors import DataValueError
from landmap.render.briefing.options import MIN_DPI, PAPER_MM, Paper
from landmap.schema import CAMBODIA_METRIC_CRS


def paper_inches(paper: str, orientation: str) -> tuple[float, float]:
    """Return ``(width, height)`` in inches of a paper size and orientation.

    Raises
    ------
    OptionError
        For a size other than A4 or A3, or an orientation other than portrait or landscape.

    Examples
    --------
    >>> [round(v, 2) for v in paper_inches("A4", "landscape")]
    [11.69, 8.27]

    """
    return Paper(size=paper, orientation=orientation).inches


def check_dpi(
    dpi: object, *, paper: str = "A4", orientation: str = "landscape", png: bool = True
) -> int:
    """Return ``dpi`` as a whole number, after checking it and the size of the PNG it makes.

    Parameters
    ----------
    dpi
        Dots per inch of the PNG (and of the raster parts of a PDF).
    paper, orientation
        The page, for the size of the image.
    png
        Whether a PNG will be made: its size in pixels is estimated before anything is drawn
        and checked against the ``raster_megapixels`` limit (:mod:`landmap.limits`).

    Raises
    ------
    DataValueError
        If ``dpi`` is not a whole number of at least :data:`MIN_DPI`.
    LimitError
        If the PNG would be larger than the limit (A4 at 5000 dpi is 2,417 megapixels, about
        10 GB of memory).

    Examples
    --------
    >>> check_dpi(300, paper="A3")
    300
    >>> check_dpi(0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landmap.errors.DataValueError: dpi 0 is too low...

    """
    from landmap import limits

    if (
        isinstance(dpi, bool)
        or not isinstance(dpi, int | float)
        or not math.isfinite(dpi)
        or dpi != int(dpi)
    ):
        raise DataValueError(
            f"dpi {dpi!r} of type {type(dpi).__name__} is not a whole number.",
            fix="give the resolution in dots per inch, e.g. 300",
        )
    dpi = int(dpi)
    if dpi < MIN_DPI:
        raise DataValueError(
            f"dpi {dpi} is too low: a briefing map needs at least {MIN_DPI}.",
            fix="use 300 for print, 150 for a screen",
        )
    if png:
        width, height = paper_inches(paper, orientation)
        pixels = (round(width * dpi), round(height * dpi))
        limits.check(
            "raster_megapixels",
            pixels[0] * pixels[1] / 1e6,
            what=f"the {str(paper).upper()} PNG at {dpi} dpi "
            f"({pixels[0]:,} x {pixels[1]:,} pixels)",
            fix="lower the dpi (300 is print quality; 600 for a large-format print)",
        )
    return dpi


def local_factors(x: float, y: float) -> tuple[float, float]:
    """Return ``(scale_factor, convergence_deg)`` of EPSG:32648 at a metric point."""
    from pyproj import CRS, Proj, Transformer

    to_lonlat = Transformer.from_crs(CAMBODIA_METRIC_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    factors = Proj(CRS(CAMBODIA_METRIC_CRS)).get_factors(lon, lat)
    return float(factors.meridional_scale), float(factors.meridian_convergence)


def nice_length_km(span_km: float) -> float:
    """Return a round scale-bar length (1, 2 or 5 × 10^n km) near a fifth of ``span_km``.

    Examples
    --------
    >>> nice_length_km(100.0), nice_length_km(37.0), nice_length_km(3.0)
    (20.0, 5.0, 0.5)

    """
    target = max(span_km / 5.0, 1e-3)
    exp = math.floor(math.log10(target))
    best = 1.0
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * 10**exp <= target:
            best = step
    return best * 10**exp


def draw_scale_bar(
    ax: Axes,
    *,
    unit_label: str,
    fontsize: float,
    family: list[str],
    write: Callable[[float], str] = lambda v: f"{v:g}",
) -> float:
    """Draw a two-segment km scale bar in the lower left of ``ax``; return its length in km.

    ``write`` writes a number for the page (Khmer digits on a Khmer map).
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    k, _ = local_factors((x0 + x1) / 2, (y0 + y1) / 2)
    ground_span_km = (x1 - x0) / k / 1000.0
    length_km = nice_length_km(ground_span_km)
    map_len = length_km * 1000.0 * k  # grid metres of that ground distance
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.045 * (y1 - y0)
    bar_h = 0.012 * (y1 - y0)
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle(
                (bx + i * map_len / 2, by),
                map_len / 2,
                bar_h,
                facecolor=colour,
                edgecolor="black",
                linewidth=0.6,
                zorder=20,
            )
        )
    ticks = (
        (0.0, write(0)),
        (0.5, write(length_km / 2)),
        (1.0, f"{write(length_km)} {unit_label}"),
    )
    for frac, text in ticks:
        ax.text(
            bx + frac * map_len,
            by + bar_h * 1.6,
            text,
            ha="center" if frac < 1 else "left",
            va="bottom",
            fontsize=fontsize,
            family=family,
            zorder=20,
            bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.5},
        )
    return length_km


def draw_north_arrow(ax: Axes, *, letter: str, fontsize: float, family: list[str]) -> float:
    """Draw a north arrow (turned by grid convergence) in the upper right; return the angle."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    _, convergence = local_factors((x0 + x1) / 2, (y0 + y1) / 2)
    # Convergence is the angle from grid north to true north, clockwise positive at east.
    angle = math.radians(-convergence)
    cx, cy, size = 0.94, 0.86, 0.07
    fig_ratio = ax.bbox.width / ax.bbox.height
    dx = math.sin(angle) * size / fig_ratio
    dy = math.cos(angle) * size
    ax.add_patch(
        FancyArrow(
            cx - dx / 2,
            cy - dy / 2,
            dx,
            dy,
            width=0.012,
            head_width=0.035,
            head_length=0.03,
            length_includes_head=True,
            transform=ax.transAxes,
            color="black",
            zorder=21,
        )
    )
    ax.text(
        cx + dx / 2 * 1.25,
        cy + dy / 2 + 0.015,
        letter,
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=fontsize,
        fontweight="bold",
        family=family,
        zorder=21,
    )
    return convergence


def draw_inset(ax: Axes, outline: gpd.GeoSeries, bounds: Sequence[float]) -> None:
    """Draw Cambodia's outline on ``ax`` with the main map's extent marked in red."""
    outline.plot(ax=ax, facecolor="#e8e4d8", edgecolor="#555555", linewidth=0.5)
    xmin, ymin, xmax, ymax = bounds
    ox0, oy0, ox1, oy1 = outline.total_bounds
    span = max(ox1 - ox0, oy1 - oy0)
    if max(xmax - xmin, ymax - ymin) < 0.03 * span:  # too small to see as a box: a dot too
        ax.plot([(xmin + xmax) / 2], [(ymin + ymax) / 2], "o", color="#c62828", markersize=4)
    ax.add_patch(
        Rectangle(
            (xmin, ymin),
            xmax - xmin,
            ymax - ymin,
            fill=False,
            edgecolor="#c62828",
            linewidth=1.4,
            zorder=5,
        )
    )
    pad = 0.05 * span
    ax.set_xlim(min(ox0, xmin) - pad, max(ox1, xmax) + pad)
    ax.set_ylim(min(oy0, ymin) - pad, max(oy1, ymax) + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#555555")
        spine.set_linewidth(0.6)


@dataclass(frozen=True)
class PageRects:
    """Where the map, the legend and the inset go on the page: ``(x, y, w, h)`` in inches."""

    map: tuple[float, float, float, float]
    legend: tuple[float, float, float, float]
    inset: tuple[float, float, float, float]
    arrangement: str


#: Width of one legend column and of the locator inset on A4 (inches; × scale on A3).
LEGEND_COLUMN_IN = 2.3
INSET_IN = 1.45
MARGIN_IN = 0.35
GAP_IN = 0.2


def page_rects(
    width: float,
    height: float,
    *,
    title_in: float,
    footer_in: float,
    aspect: float,
    legend_height: Callable[[float, int], float],
    legend_width: float | None = None,
    scale: float = 1.0,
) -> PageRects:
    """Lay a page out so that the map is as large as the extent allows.

    Two arrangements are tried: the legend and the inset in a column beside the map, or in a
    band below it, each only as large as its content (``legend_height(width_in, columns)`` is
    the height the legend needs in that many columns that wide; ``legend_width`` its longest
    line). The one that gives the extent (``aspect`` = width / height) the larger area on the
    page wins: a tall province on a portrait page gets a side column, a wide one a band.

    Examples
    --------
    >>> need = lambda w, n: 3.0 / n
    >>> page_rects(8.27, 11.69, title_in=1.0, footer_in=0.6, aspect=1.0,
    ...            legend_height=need).arrangement
    'band'
    >>> page_rects(11.69, 8.27, title_in=1.0, footer_in=0.6, aspect=1.5,
    ...            legend_height=need).arrangement
    'column'

    """
    m, gap = MARGIN_IN, GAP_IN
    top, bottom = height - m - title_in, m + footer_in
    content_w, content_h = width - 2 * m, top - bottom
    inset_w = INSET_IN * scale
    inset_h = inset_w * 0.8  # Cambodia is about as wide as 1.25 times its height

    def shown(rect: tuple[float, float, float, float]) -> float:
        w, h = rect[2], rect[3]
        return min(w, h * aspect) * min(h, w / aspect)

    natural = legend_width if legend_width is not None else LEGEND_COLUMN_IN * scale
    # a column beside the map
    col_w = min(max(natural, inset_w, 0.16 * content_w), 0.3 * content_w)
    legend_h = min(legend_height(col_w, 1) + 0.1, content_h - inset_h - gap)
    x_col = m + content_w - col_w
    column = PageRects(
        map=(m, bottom, content_w - col_w - gap, content_h),
        legend=(x_col, top - legend_h, col_w, legend_h),
        inset=(
            x_col + (col_w - min(inset_w, col_w)) / 2,
            bottom,
            min(inset_w, col_w),
            min(inset_w, col_w) * 0.8,
        ),
        arrangement="column",
    )
    # a band below the map
    band_w = content_w - inset_w - gap
    columns = max(1, int(band_w // min(max(natural, 1.4 * scale), band_w)))
    need = legend_height(band_w / columns, columns) + 0.1
    band_h = min(max(need, inset_h), 0.45 * content_h)
    band = PageRects(
        map=(m, bottom + band_h + gap, content_w, content_h - band_h - gap),
        legend=(m, bottom, band_w, band_h),
        inset=(m + content_w - inset_w, bottom + band_h - inset_h, inset_w, inset_h),
        arrangement="band",
    )
    return column if shown(column.map) >= shown(band.map) else band


@dataclass
class Label:
    """A label to place: anchor point (map metres), text, priority (higher first), style."""

    x: float
    y: float
    text: str
    priority: float = 0.0
    fontsize: float = 7.0
    colour: str = "#222222"
    style: str = "normal"
    weight: str = "normal"


_OFFSETS = (  # (dx, dy) in points, ha, va: right, left, above, below, and the diagonals
    ((4, 2), "left", "bottom"),
    ((-4, 2), "right", "bottom"),
    ((4, -2), "left", "top"),
    ((-4, -2), "right", "top"),
    ((0, 5), "center", "bottom"),
    ((0, -5), "center", "top"),
    # a step further out, where the marks right beside the anchor leave no room
    ((0, 12), "center", "bottom"),
    ((0, -12), "center", "top"),
    ((10, 8), "left", "bottom"),
    ((-10, 8), "right", "bottom"),
    ((10, -8), "left", "top"),
    ((-10, -8), "right", "top"),
)


def point_boxes(ax: Axes, points, *, pad: float = 1.5) -> list[Bbox]:
    """Display boxes of markers: ``points`` rows of x, y (data) and area (points²)."""
    if points is None or not len(points):
        return []
    renderer_scale = ax.figure.dpi / 72
    xy = ax.transData.transform([(p[0], p[1]) for p in points])
    out = []
    for (px, py), area in zip(xy, [p[2] for p in points], strict=True):
        half = (math.sqrt(area) / 2 + pad) * renderer_scale
        out.append(Bbox.from_extents(px - half, py - half, px + half, py + half))
    return out


def place_labels(
    fig: Figure,
    ax: Axes,
    labels: Sequence[Label],
    *,
    family: list[str],
    obstacles: Sequence[Bbox] = (),
    gid: str | None = None,
    left_out: list[str] | None = None,
) -> tuple[list[Text], int]:
    """Place labels greedily so that no two overlap; return ``(placed, dropped_count)``.

    Labels are tried in priority order; for each, up to six positions around its anchor are
    tried, and the first whose text box (padded) is inside the axes and touches no label already
    placed nor any obstacle (case markers, scale bar, north arrow) is kept. A label with no free
    position is dropped and counted, so the caller can say how many were left out (their texts
    are appended to ``left_out`` when a list is given). ``gid`` marks the placed texts.
    """
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken: list[Bbox] = list(obstacles)
    placed: list[Text] = []
    dropped: list[str] = []
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for lab in sorted(labels, key=lambda item: -item.priority):
        if not (x0 <= lab.x <= x1 and y0 <= lab.y <= y1):
            continue
        for (dx, dy), ha, va in _OFFSETS:
            text = ax.annotate(
                lab.text,
                (lab.x, lab.y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=lab.fontsize,
                color=lab.colour,
                style=lab.style,
                fontweight=lab.weight,
                family=family,
                zorder=30,
                annotation_clip=True,
            )
            box = text.get_window_extent(renderer).expanded(1.08, 1.15)
            inside = (
                box.x0 >= frame.x0
                and box.x1 <= frame.x1
                and box.y0 >= frame.y0
                and box.y1 <= frame.y1
            )
            if inside and not any(box.overlaps(other) for other in taken):
                text.set_path_effects(_halo())
                if gid:
                    text.set_gid(gid)
                taken.append(box)
                placed.append(text)
                break
            text.remove()
        else:
            dropped.append(lab.text)
    if left_out is not None:
        left_out.extend(dropped)
    return placed, len(dropped)


def _halo() -> list:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.0, foreground="white", alpha=0.85)]


__all__ = [
    "MIN_DPI",
    "PAPER_MM",
    "Label",
    "PageRects",
    "check_dpi",
    "page_rects",
    "draw_inset",
    "draw_north_arrow",
    "draw_scale_bar",
    "local_factors",
    "nice_length_km",
    "paper_inches",
    "place_labels",
    "point_boxes",
]
