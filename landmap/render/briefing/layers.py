"""What briefing maps draw: polygons and cases in the print styles, the focus, labels, clipping."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.render.briefing import background as bg
from landmap.render.briefing.layout import Label
from landmap.render.briefing.legend import (
    MARKER_MAX,
    MARKER_MIN,
    LegendSection,
    Swatch,
    household_steps,
    marker_area,
)
from landmap.render.briefing.style import page_colour, swatch
from landmap.render.briefing.text import Lang, heading, number
from landmap.schema import CAMBODIA_METRIC_CRS, label

#: gid of the drawn case markers and of the placed labels (tests read the drawn boxes by it).
CASES_GID = "landmap-cases"
LABEL_GID = "landmap-label"


#: The resolution the outlines are simplified for (dots per inch).
PRINT_DPI = 300


def for_print(layer: gpd.GeoDataFrame | None, tolerance: float) -> gpd.GeoDataFrame | None:
    """Outlines simplified to ``tolerance`` metres (topology kept); points as they are."""
    if layer is None or tolerance <= 0:
        return layer
    geoms = np.asarray(layer.geometry.array, dtype=object)
    outline = np.isin(shapely.get_type_id(geoms), (1, 2, 3, 5, 6, 7))
    if not outline.any():
        return layer
    geoms = geoms.copy()
    geoms[outline] = shapely.simplify(geoms[outline], tolerance, preserve_topology=True)
    return layer.set_geometry(gpd.GeoSeries(geoms, index=layer.index, crs=layer.crs))


def _terms(layer: pd.DataFrame, column: str) -> np.ndarray:
    if column not in layer:
        return np.full(len(layer), "other", dtype=object)
    return layer[column].astype("string").fillna("other").to_numpy(dtype=object)


def plot_polygons(
    ax,
    layer: gpd.GeoDataFrame,
    field: str,
    column: str,
    zorder: float,
    lang: Lang,
    section: LegendSection,
) -> None:
    """Draw a polygon layer (points, if any, as squares), one style per term of ``column``.

    Each term drawn is added to the legend ``section`` with its label in ``lang``.
    """
    terms = _terms(layer, column)
    polys = layer.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    for term in sorted(set(terms)):
        sw = swatch(field, term)
        this = terms == term
        poly_part, point_part = layer[this & polys], layer[this & ~polys]
        if len(poly_part):
            poly_part.plot(
                ax=ax, facecolor=sw.fill, alpha=sw.alpha, edgecolor="none", zorder=zorder
            )
            if sw.hatch:  # hatch drawn in the outline colour, at full strength
                poly_part.plot(
                    ax=ax,
                    facecolor="none",
                    edgecolor=sw.edge,
                    hatch=sw.hatch,
                    linewidth=0,
                    alpha=0.55,
                    zorder=zorder + 0.2,
                )
            poly_part.boundary.plot(ax=ax, color=sw.edge, linewidth=0.6, zorder=zorder + 0.5)
        if len(point_part):
            point_part.plot(
                ax=ax,
                marker="s",
                markersize=18,
                color=sw.fill,
                edgecolor=sw.edge,
                linewidth=0.5,
                zorder=zorder,
            )
        section.entries.append(
            (Swatch.POLY.entry(sw.hatch), sw.fill, sw.edge, sw.alpha, label(field, term, lang))
        )


def plot_cases(
    ax,
    cases: gpd.GeoDataFrame,
    lang: Lang,
    sections: list[LegendSection],
    scale: float,
    *,
    bounds=None,
) -> np.ndarray:
    """Draw case points: colour and shape by type, area by households; return what was drawn.

    Marker areas grow with households, scaled to the largest count *on this map* (``bounds``),
    so the graduated legend section shows counts among the dots drawn, at exactly their areas
    and in the same style. Returns an ``(n, 3)`` array of the markers: x, y (map
    metres) and area (points²) of every marker drawn, for label placement to keep clear of.
    """
    terms = _terms(cases, "type")
    households = (
        pd.to_numeric(cases["households"], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        if "households" in cases
        else np.full(len(cases), np.nan)
    )
    xs, ys = cases.geometry.x.to_numpy(), cases.geometry.y.to_numpy()
    view = np.ones(len(cases), dtype=bool)
    if bounds is not None:
        view = (xs >= bounds[0]) & (xs <= bounds[2]) & (ys >= bounds[1]) & (ys <= bounds[3])
    known = np.isfinite(households) & view
    largest = float(households[known].max()) if known.any() else 0.0
    sizes = np.full(len(cases), MARKER_MIN)
    if largest > 0:
        ok = np.isfinite(households)
        sizes[ok] = (
            MARKER_MIN + (MARKER_MAX - MARKER_MIN) * np.clip(households[ok], 0, largest) / largest
        )
    sizes *= scale**2  # the same size relative to the page on A3
    order = np.argsort(-sizes, kind="stable")  # big markers underneath small ones
    section = LegendSection(heading("case_type", lang))
    vague = _vague(cases)
    edge = None
    for term in sorted(set(terms[view])) or sorted(set(terms)):
        sw = swatch("case_type", term)
        edge = sw.edge
        idx = order[(terms[order] == term) & ~vague[order]]
        drawn = ax.scatter(
            xs[idx],
            ys[idx],
            s=sizes[idx],
            color=sw.fill,
            marker=sw.marker,
            edgecolors=sw.edge,
            linewidths=0.45 * scale,
            alpha=0.95,
            zorder=12,
        )
        drawn.set_gid(CASES_GID)
        hollow = order[(terms[order] == term) & vague[order]]
        if len(hollow):  # known only to the commune (district): an outline at the unit's point
            outline = ax.scatter(
                xs[hollow],
                ys[hollow],
                s=sizes[hollow],
                facecolors="none",
                marker=sw.marker,
                edgecolors=sw.fill,
                linewidths=1.2,
                linestyle="--",
                zorder=12,
            )
            outline.set_gid(CASES_GID)
        section.entries.append(
            (Swatch.POINT.entry(sw.marker), sw.fill, sw.edge, 1.0, label("case_type", term, lang))
        )
    if vague[view].any():
        section.entries.append(
            (
                Swatch.HOLLOW.entry(),
                "#333333",
                "#333333",
                1.0,
                label("heading", "hollow_marker", lang),
            )
        )
    sections.append(section)
    if largest > 0:
        grad = LegendSection(heading("households", lang))
        grad.circles = [
            (marker_area(v, largest) * scale**2, number(v, lang)) for v in household_steps(largest)
        ]
        grad.circle_style = ("#BDBDBD", edge or "#1A1A1A")
        sections.append(grad)
    # every marker drawn is an obstacle for labels, also those beyond the data's extent that the
    # page's aspect brings into the frame
    return np.column_stack([xs, ys, sizes])


def fade_outside(ax, focus, bounds, scale: float) -> None:
    """Veil everything outside the focus unit and draw its outline (neighbours faded)."""
    frame = shapely.box(*bounds).buffer(max(bounds[2] - bounds[0], bounds[3] - bounds[1]))
    veil = gpd.GeoSeries([frame.difference(focus)], crs=CAMBODIA_METRIC_CRS)
    veil.plot(
        ax=ax,
        facecolor=page_colour("veil"),
        alpha=float(page_colour("veil_alpha")),
        edgecolor="none",
        zorder=13,
    )
    gpd.GeoSeries([focus], crs=CAMBODIA_METRIC_CRS).boundary.plot(
        ax=ax, color=page_colour("focus_edge"), linewidth=1.5 * scale, zorder=14
    )


def _vague(cases: gpd.GeoDataFrame) -> np.ndarray:
    """Cases whose point stands for their commune, district or province."""
    if "location_precision" not in cases:
        return np.zeros(len(cases), dtype=bool)
    return (
        cases["location_precision"]
        .isin(["commune", "district", "province"])
        .to_numpy(dtype=bool, na_value=False)
    )


def feature_labels(
    provinces, concessions, areas, lang: Lang, scale: float, *, limit: int, bounds, focus=None
) -> list[Label]:
    """Province names (low priority) and the ``limit`` largest concessions and areas.

    With a ``focus`` unit, only concessions and areas mostly inside it are named (at a point of
    their part inside it), and provinces other than the focus are named faintly, for
    orientation; without one, whatever is in view.
    """
    view = shapely.box(*bounds)
    out: list[Label] = []
    if provinces is not None and len(provinces):
        shown = provinces.geometry.intersection(view)
        keep = ~shown.is_empty.to_numpy()
        if focus is not None:  # the focus is named in the subtitle; its neighbours here
            keep &= ~(shown.intersection(focus).area > 0.5 * shown.area).to_numpy()
        pts = shown[keep].representative_point()
        for (_, row), pt in zip(provinces[keep].iterrows(), pts, strict=True):
            en, km = row.get("name"), row.get("name_km")
            text = {Lang.EN: en, Lang.KM: km or en, Lang.BOTH: f"{en}\n{km}" if km else en}[lang]
            if text and not pd.isna(text):
                out.append(
                    Label(
                        pt.x,
                        pt.y,
                        str(text),
                        priority=-1.0,
                        fontsize=7.5 * scale,
                        colour="#555555",
                        style="italic",
                    )
                )
    region = view if focus is None else view.intersection(focus)
    features: list[Label] = []
    for layer, weight in ((concessions, 2.0), (areas, 1.0)):
        if layer is None or "name" not in layer:
            continue
        named = layer[layer["name"].notna() & layer.geometry.intersects(region)]
        inside = named.geometry.intersection(region)
        mostly = (inside.area >= 0.5 * named.geometry.area).to_numpy()
        pts = inside[mostly].representative_point()
        area = inside[mostly].area.to_numpy()
        for name, pt, a in zip(named["name"][mostly], pts, area, strict=True):
            features.append(
                Label(
                    pt.x,
                    pt.y,
                    str(name),
                    priority=weight + float(a) / 1e10,
                    fontsize=6.3 * scale,
                    colour="#1A1A1A",
                )
            )
    features.sort(key=lambda item: -item.priority)
    return out + features[:limit]


def clip_to_country(artist, ax) -> None:
    """Clip an image to Cambodia's outline (the relief raster stops short of the page edges)."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    rings = []
    for poly in shapely.get_parts(bg.country_outline().iloc[0]):
        rings += [poly.exterior, *poly.interiors]
    paths = [MplPath(np.asarray(ring.coords)[:, :2], closed=True) for ring in rings]
    patch = PathPatch(MplPath.make_compound_path(*paths), transform=ax.transData)
    artist.set_clip_path(patch)


__all__ = [
    "CASES_GID",
    "LABEL_GID",
    "PRINT_DPI",
    "clip_to_country",
    "fade_outside",
    "feature_labels",
    "for_print",
    "plot_cases",
    "plot_polygons",
]
