"""Interactive advocacy maps: offline, escaped, fast on large layers.

Typical use::

    from landmap.render.maps import MapControls, MapText, build_map, save_map

    m = build_map(cases=cases, concessions=elcs, areas=forests, boundaries=provinces,
                  title="Cases and concessions", profile="internal",
                  text=MapText(notice="CONFIDENTIAL - internal use only"),
                  controls=MapControls(heatmap=True))
    save_map(m, "maps/cases.html")  # one file; opens with no network

Options beyond the layers, ``title``, ``lang`` and ``profile`` come in four small checked
objects (:mod:`~landmap.render.maps.options`): :class:`MapText` (subtitle, notice),
:class:`MapControls` (cluster, heatmap, time slider, legend, minimap, measure, fullscreen),
:class:`MapView` (basemap, zooms) and :class:`MapFields` (popup, tooltip, search columns).

How it works: layers travel as compact payloads (``encode``: ~1 m grid, delta-encoded varints,
GEOS coverage simplification that keeps shared edges shared) and are drawn by a small runtime
(``resources/web/landmap/landmap.js``) on canvases from typed arrays; every value from data
reaches the page through ``textContent``. Leaflet and its plugins come from files bundled with
landmap (``assets``), inlined when the map is saved.

What it does not do: no vector or raster tiles (a map is one file, comfortable up to ~200,000
parcels or ~100,000 cases; beyond that, split by province or use a tile server); no editing of
features; web basemaps need internet when the map is opened (the offline background is the
boundaries layer). A map is public by default: it takes case data only as a
``PublishedLayer`` from ``landmap.privacy.publish`` and refuses raw cases (``profile="internal"``
makes an office-only map with exact locations, marked confidential).
"""

from landmap.render.maps.builder import BASEMAPS, LandmapMap, add_layer, build_map
from landmap.render.maps.elements import json_for_html
from landmap.render.maps.layers import LayerLook
from landmap.render.maps.options import Basemap, MapControls, MapFields, MapText, MapView
from landmap.render.maps.save import map_html, save_map
from landmap.render.maps.styles import legend_entries, load_styles, palette, style

__all__ = [
    "BASEMAPS",
    "Basemap",
    "LandmapMap",
    "LayerLook",
    "MapControls",
    "MapFields",
    "MapText",
    "MapView",
    "add_layer",
    "build_map",
    "json_for_html",
    "legend_entries",
    "load_styles",
    "map_html",
    "palette",
    "save_map",
    "style",
]
