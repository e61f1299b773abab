"""Interactive advocacy maps: offline, escaped, fast on large layers.

Typical use::

    from landmap.maps import build_map, save_map

    m = build_map(cases=cases, concessions=elcs, areas=forests, boundaries=provinces,
                  title="Cases and concessions", notice="CONFIDENTIAL - internal use only")
    save_map(m, "maps/cases.html")  # one file; opens with no network
"""

from landmap.maps.builder import BASEMAPS, LandmapMap, add_layer, build_map
from landmap.maps.elements import json_for_html
from landmap.maps.save import map_html, save_map
from landmap.maps.styles import legend_entries, load_styles, palette, style

__all__ = [
    "BASEMAPS",
    "LandmapMap",
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
