"""The interactive map of a whole project, as the main job (``landmap build``) draws it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from landmap.render.maps.builder import build_map
from landmap.render.maps.options import MapControls, MapFields, MapText, MapView
from landmap.schema import Lang, label


def project_map(
    *,
    cases: Any,
    areas: gpd.GeoDataFrame | None,
    concessions: gpd.GeoDataFrame | None,
    overlaps: gpd.GeoDataFrame | None,
    boundaries: gpd.GeoDataFrame | None,
    settings: Mapping[str, Any],
    title: str | None,
    title_km: str | None,
    notice: str,
    profile: Any,
    forest: Any = None,
) -> Any:
    """Draw a project's layers with its ``[map]`` settings, and its forest raster when it has one.

    Parameters
    ----------
    cases
        The case layer to show: true locations (internal) or as published (public).
    areas, concessions, overlaps, boundaries
        The other layers (``None`` when the project has none).
    settings
        The project's ``[map]`` table (``lang``, ``title``, ``cluster``, ``heatmap``,
        ``time_slider``, ``basemap``, ``popup``, ``tooltip``).
    title, title_km
        The project's titles; the map's ``title`` setting wins over them.
    notice
        Notice on the map (confidential or public).
    profile
        Privacy profile the map is drawn with.
    forest
        The project's ``forest`` raster (a :class:`~landmap.project.RasterSpec`) or ``None``.

    Returns
    -------
    folium.Map

    """
    from landmap.render.maps.raster_layer import raster_layer

    lang = settings.get("lang", Lang.EN)
    title = settings.get("title") or (
        title if lang == Lang.EN else " / ".join(t for t in (title, title_km) if t)
    )
    m = build_map(
        cases=cases,
        areas=areas,
        concessions=concessions,
        overlaps=overlaps,
        boundaries=boundaries,
        title=title,
        lang=lang,
        profile=profile,
        text=MapText(notice=notice),
        controls=MapControls(
            **{k: settings[k] for k in ("cluster", "heatmap", "time_slider") if k in settings}
        ),
        view=MapView(basemap=settings.get("basemap")),
        fields=MapFields(popup=settings.get("popup"), tooltip=settings.get("tooltip")),
    )
    if forest is not None:
        value = [v for v, term in forest.classes.items() if term == "forest"] or [1]
        layer = raster_layer(
            forest.path,
            classes={value[0]: (label("heading", "forest", lang), "#1b7a3a")},
            opacity=0.5,
            name=forest.title or "Forest",
        )
        layer.add_to(m)
    return m
