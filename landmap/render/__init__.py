"""Rendering: everything that turns layers into something a person reads or opens.

Three rooms, each taking public case data only as a ``PublishedLayer`` from
``landmap.privacy.publish``:

- ``render.maps``: the interactive offline HTML map (:func:`landmap.render.maps.build_map`).
- ``render.briefing``: the print-ready A4/A3 page, PNG and PDF, in English, Khmer or both
  (:func:`briefing_map`, :func:`briefing_maps`; :func:`briefing_figure` draws without saving).
- ``render.formats``: layers and tables as GeoPackage, GeoJSON, KML/KMZ, zipped Shapefile, CSV
  or XLSX, chosen by the file extension, with provenance beside (:func:`write_data`).

The options of both come in small checked objects: :class:`MapText`, :class:`MapControls`,
:class:`MapView`, :class:`MapFields` for the map; :class:`Paper`, :class:`PageText`,
:class:`Drawing` for the page.

``render.fonts`` finds and checks the Khmer font both the page and the map use;
:func:`export_layers` writes a page and data files for named layers at once (what
``landmap export`` runs). Names are imported on first use, so ``import landmap.privacy`` does not
pull matplotlib.
"""

from __future__ import annotations

from landmap.lazy import lazy_names

_LAZY = {
    "briefing_figure": "landmap.render.briefing.page",
    "briefing_map": "landmap.render.briefing.page",
    "briefing_maps": "landmap.render.briefing.page",
    "Drawing": "landmap.render.briefing.options",
    "Orientation": "landmap.render.briefing.options",
    "PageText": "landmap.render.briefing.options",
    "Paper": "landmap.render.briefing.options",
    "PaperSize": "landmap.render.briefing.options",
    "Basemap": "landmap.render.maps.options",
    "MapControls": "landmap.render.maps.options",
    "MapFields": "landmap.render.maps.options",
    "MapText": "landmap.render.maps.options",
    "MapView": "landmap.render.maps.options",
    "write_data": "landmap.render.formats.write",
    "DATA_FORMATS": "landmap.render.formats.write",
    "export_layers": "landmap.render.bundle",
    "khmer_font_path": "landmap.render.fonts",
    "shaped_glyphs": "landmap.render.fonts",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

__all__ = [  # noqa: F822 - resolved lazily by __getattr__
    "DATA_FORMATS",
    "Basemap",
    "Drawing",
    "MapControls",
    "MapFields",
    "MapText",
    "MapView",
    "Orientation",
    "PageText",
    "Paper",
    "PaperSize",
    "briefing_figure",
    "briefing_map",
    "briefing_maps",
    "export_layers",
    "khmer_font_path",
    "shaped_glyphs",
    "write_data",
]
