"""The furniture of an interactive map: web basemap, banner, buttons and finishing controls.

:func:`add_basemap` and :func:`add_controls` are added once, while the map is built;
:func:`finishing_elements` are the controls that must follow every layer (legend, search, time
slider, minimap, layer control and the ready signal), added again each time the map is rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import folium

from landmap.render.maps.assets import url
from landmap.render.maps.elements import Control, PluginControl
from landmap.render.maps.options import Basemap, MapControls, MapView
from landmap.render.maps.styles import load_styles
from landmap.schema import Lang, label, vocabulary

if TYPE_CHECKING:
    from landmap.render.maps.builder import LandmapMap

#: Web basemaps a map may ask for (they need internet; none is used by default).
BASEMAPS: dict[Basemap, dict[str, str]] = {
    Basemap.OSM: {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "&copy; OpenStreetMap contributors",
        "name": "OpenStreetMap",
    },
    Basemap.SATELLITE: {
        "url": "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/"
        "tile/{z}/{y}/{x}",
        "attribution": "Imagery &copy; Esri, Maxar, Earthstar Geographics, and the GIS User "
        "Community",
        "name": "Satellite (Esri World Imagery)",
    },
}


def _ui(key: str, english: str, lang: Lang) -> str:
    """Return an interface word from the heading vocabulary, or English if it has none yet."""
    return label("heading", key, lang) if key in vocabulary().get("heading", {}) else english


def finishing_elements(m: LandmapMap) -> list[Any]:
    """Return the controls that must follow every layer, in the order they are added.

    Legend, search, time slider, minimap, layer control and the ready signal.
    """
    o, lang, out = m.options_landmap, m.lang, []
    if o.get("legend", True) and m.legend_sections:
        out.append(
            Control(
                "legend",
                m.legend_sections,
                {"title": label("heading", "legend", lang), "collapsed": "auto"},
            )
        )
    if o.get("search", True) and any(lyr.spec["search"] for lyr in m.landmap_layers):
        out.append(
            Control(
                "search",
                {
                    "placeholder": _ui("search", "Search: case, village, concession…", lang),
                    "none": _ui("no_match", "No match", lang),
                },
            )
        )
    if o.get("time"):
        layer, column = o["time"]
        out.append(
            Control(
                "timeSlider",
                {
                    "column": column,
                    "label": label("heading", "date", lang),
                    "all": _ui("all", "All", lang),
                },
                refs=(layer,),
            )
        )
    if o.get("minimap") is not False:
        background = next(
            (lyr for lyr in m.landmap_layers if lyr.spec["pane"] == "lmBackground"), None
        )
        tiles = o.get("basemap")
        if tiles or background:
            out.append(
                Control(
                    "miniMap",
                    {
                        "tiles": {"url": tiles["url"], "attribution": tiles["attribution"]}
                        if tiles
                        else None,
                        "background": {"geom": background.spec["geom"]}
                        if background and not tiles
                        else None,
                        "style": {
                            "color": "#8C8C8C",
                            "weight": 0.6,
                            "fillColor": "#F4F3EE",
                            "fillOpacity": 1,
                        },
                        "auto": o.get("minimap") is None,
                    },
                    js=(("minimap_js", url("leaflet-minimap/Control.MiniMap.min.js")),),
                    css=(("minimap_css", url("leaflet-minimap/Control.MiniMap.min.css")),),
                )
            )
    if o.get("layer_control", True) and m.landmap_layers:
        out.append(folium.LayerControl(position="topright", collapsed=True))
    out.append(Control("ready", {"fit": o.get("fit", True), "maxZoom": 15}))
    return out


def add_basemap(m: LandmapMap, view: MapView) -> None:
    """Add the web basemap ``view`` asks for (none by default), remembered for the minimap."""
    if view.basemap is None:
        return
    tiles = BASEMAPS[view.basemap]
    folium.TileLayer(
        tiles=tiles["url"],
        attr=tiles["attribution"],
        name=tiles["name"],
        max_zoom=view.max_zoom,
        overlay=False,
        control=True,
    ).add_to(m)
    m.options_landmap["basemap"] = tiles


def add_controls(
    m: LandmapMap,
    *,
    title: str | None,
    subtitle: str | None,
    notice: str | None,
    controls: MapControls,
) -> None:
    """Add the banner, the full-screen and measure buttons, and the map's background colour."""
    if title or subtitle or notice:
        m.add_child(Control("banner", {"title": title, "subtitle": subtitle, "notice": notice}))
    if controls.fullscreen:
        m.add_child(
            PluginControl(
                "L.control.fullscreen",
                {"position": "topleft", "title": "Full screen", "titleCancel": "Exit full screen"},
                js=[("fullscreen_js", url("leaflet.fullscreen/Control.FullScreen.js"))],
                css=[("fullscreen_css", url("leaflet.fullscreen/Control.FullScreen.css"))],
            )
        )
    if controls.measure:
        m.add_child(
            PluginControl(
                "L.control.polylineMeasure",
                {
                    "position": "topleft",
                    "unit": "kilometres",
                    "showBearings": False,
                    "clearMeasurementsOnStop": False,
                    "showClearControl": True,
                },
                js=[("measure_js", url("leaflet.polylinemeasure/Leaflet.PolylineMeasure.js"))],
                css=[("measure_css", url("leaflet.polylinemeasure/Leaflet.PolylineMeasure.css"))],
            )
        )
    m.get_root().header.add_child(
        folium.Element(
            f"<style>.leaflet-container{{background:{load_styles()['background']}}}</style>"
        ),
        name="landmap_background",
    )


__all__ = ["BASEMAPS", "add_basemap", "add_controls", "finishing_elements"]
