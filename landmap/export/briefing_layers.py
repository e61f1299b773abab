"""What briefing maps draw: polygons and cases in the shared styles, labels, clipping."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.export import briefing_background as bg
from landmap.export.briefing_layout import Label
from landmap.export.briefing_legend import (
    MARKER_MAX,
    MARKER_MIN,
    LegendSection,
    household_steps,
    marker_area,
)
from landmap.export.briefing_style import swatch
from landmap.export.briefing_text import Lang, heading
from landmap.schema import label


def _terms(layer: pd.DataFrame, column: str) -> np.ndarray:
    if column not in layer:
        return np.full(len(layer), "other", dtype=object)
    return layer[column].astype("string").fillna("other").to_numpy(dtype=object)


def plot_polygons(ax, layer: gpd.GeoDataFrame, field: str, column: str, zorder: float,
                  lang: Lang, section: LegendSection) -> None:
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
            poly_part.plot(ax=ax, facecolor=sw.fill, alpha=sw.alpha, edgecolor="none",
                           zorder=zorder)
            poly_part.boundary.plot(ax=ax, color=sw.edge, linewidth=0.6, zorder=zorder + 0.5)
        if len(point_part):
            point_part.plot(ax=ax, marker="s", markersize=18, color=sw.fill, edgecolor=sw.edge,
                            linewidth=0.5, zorder=zorder)
        section.entries.append(("poly", sw.fill, sw.edge, sw.alpha, label(field, term, lang)))


def plot_cases(ax, cases: gpd.GeoDataFrame, lang: Lang, sections: list[LegendSection],
               scale: float) -> None:
    """Draw case points coloured by type, sized by households (area proportional).

    Appends a "case type" section and, when households are known, a graduated section whose
    circles have exactly the map's marker areas.
    """
    terms = _terms(cases, "type")
    households = (pd.to_numeric(cases["households"], errors="coerce")
                  .to_numpy(dtype="float64", na_value=np.nan)
                  if "households" in cases else np.full(len(cases), np.nan))
    known = np.isfinite(households)
    largest = float(households[known].max()) if known.any() else 0.0
    sizes = np.full(len(cases), MARKER_MIN)
    if largest > 0:
        sizes[known] = MARKER_MIN + (MARKER_MAX - MARKER_MIN) * np.clip(
            households[known], 0, None) / largest
    sizes *= scale**2  # the same size relative to the page on A3
    xs, ys = cases.geometry.x.to_numpy(), cases.geometry.y.to_numpy()
    order = np.argsort(-sizes, kind="stable")  # big circles underneath small ones
    section = LegendSection(heading("case_type", lang))
    vague = _vague(cases)
    for term in sorted(set(terms)):
        sw = swatch("case_type", term)
        idx = order[(terms[order] == term) & ~vague[order]]
        ax.scatter(xs[idx], ys[idx], s=sizes[idx], color=sw.fill, edgecolors="white",
                   linewidths=0.5, alpha=0.9, zorder=12)
        hollow = order[(terms[order] == term) & vague[order]]
        if len(hollow):  # known only to the commune (district): an outline at the unit's point
            ax.scatter(xs[hollow], ys[hollow], s=sizes[hollow], facecolors="none",
                       edgecolors=sw.fill, linewidths=1.2, linestyle="--", zorder=12)
        section.entries.append(("point", sw.fill, "white", 1.0, label("case_type", term, lang)))
    if vague.any():
        section.entries.append(("hollow", "#333333", "#333333", 1.0,
                                label("heading", "hollow_marker", lang)))
    sections.append(section)
    if largest > 0:
        grad = LegendSection(heading("households", lang))
        grad.circles = [(marker_area(v, largest) * scale**2, f"{v:,}")
                        for v in household_steps(largest)]
        sections.append(grad)


def _vague(cases: gpd.GeoDataFrame) -> np.ndarray:
    """Cases whose point stands for their commune, district or province."""
    if "location_precision" not in cases:
        return np.zeros(len(cases), dtype=bool)
    return cases["location_precision"].isin(["commune", "district", "province"]).to_numpy(
        dtype=bool, na_value=False)


def feature_labels(provinces, concessions, areas, lang: Lang, scale: float, *, limit: int,
            bounds) -> list[Label]:
    """Province names (low priority) and the ``limit`` largest concessions and areas in view."""
    view = shapely.box(*bounds)
    out: list[Label] = []
    if provinces is not None and len(provinces):
        pts = provinces.geometry.representative_point()
        for (_, row), pt in zip(provinces.iterrows(), pts, strict=True):
            en, km = row.get("name"), row.get("name_km")
            text = {"en": en, "km": km or en, "both": f"{en}\n{km}" if km else en}[lang]
            if text and not pd.isna(text):
                out.append(Label(pt.x, pt.y, str(text), priority=-1.0, fontsize=7.5 * scale,
                                 colour="#666666", style="italic"))
    features: list[Label] = []
    for layer, weight in ((concessions, 2.0), (areas, 1.0)):
        if layer is None or "name" not in layer:
            continue
        named = layer[layer["name"].notna() & layer.geometry.intersects(view)]
        pts = named.geometry.representative_point()
        area = named.geometry.area.to_numpy()
        for name, pt, a in zip(named["name"], pts, area, strict=True):
            features.append(Label(pt.x, pt.y, str(name), priority=weight + float(a) / 1e10,
                                  fontsize=6.3 * scale, colour="#222222"))
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


__all__ = ["clip_to_country", "feature_labels", "plot_cases", "plot_polygons"]
