"""landmap: a workbench for land-rights mapping in Cambodia.

Load messy case spreadsheets and boundary files into canonical layers (every row accounted
for), measure how community land, forests and cases overlap concessions, and publish offline
interactive maps, print-ready briefing maps and tables that never leak a victim's identity.

The public API is listed in ``__all__``. The errors are imported at once;
everything else is imported on first use, so that ``import landmap`` and the command line start
quickly and a notebook pays only for what it uses.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from landmap import errors  # noqa: E402
from landmap.errors import (  # noqa: E402
    AnalysisError,
    AssetError,
    CRSError,
    DataFileError,
    DataValueError,
    ExportError,
    LandmapError,
    LandmapWarning,
    LimitError,
    OptionError,
    PrivacyError,
    ProjectError,
    RegisterError,
    SchemaError,
)
from landmap.lazy import lazy_names  # noqa: E402
from landmap.versions import show_versions  # noqa: E402

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Public name -> "module:attribute", imported on first access.
_LAZY: dict[str, str] = {
    # loading
    "LoadReport": "landmap.io.report:LoadReport",
    "Loaded": "landmap.io.load:Loaded",
    "infer_kind": "landmap.io.load:infer_kind",
    "load": "landmap.io.load:load",
    "load_areas": "landmap.io.load:load_areas",
    "load_boundaries": "landmap.io.load:load_boundaries",
    "load_cases": "landmap.io.load:load_cases",
    "load_concessions": "landmap.io.load:load_concessions",
    "Project": "landmap.project:Project",
    "Lang": "landmap.schema:Lang",
    "LocationPrecision": "landmap.schema:LocationPrecision",
    # places without coordinates
    "match_place": "landmap.places:match_place",
    "match_places": "landmap.places:match_places",
    "ColumnMapping": "landmap.io.suggest:ColumnMapping",
    "suggest_columns": "landmap.io.suggest:suggest_columns",
    # analysis
    "cases_by_concession": "landmap.analysis:cases_by_concession",
    "cases_in_areas": "landmap.analysis:cases_in_areas",
    "concession_conflicts": "landmap.analysis:concession_conflicts",
    "coverage_by_area": "landmap.analysis:coverage_by_area",
    "coverage_by_concession": "landmap.analysis:coverage_by_concession",
    "hectares_check": "landmap.analysis:hectares_check",
    "metric_crs": "landmap.analysis:metric_crs",
    "overlap": "landmap.analysis:overlap",
    "pretty": "landmap.analysis:pretty",
    "summarise_by_admin": "landmap.analysis:summarise_by_admin",
    "summarise_by_year": "landmap.analysis:summarise_by_year",
    "write_table": "landmap.analysis:write_table",
    # rasters
    "clip_raster": "landmap.raster:clip",
    "forest_cover": "landmap.raster:forest_cover",
    "raster_layer": "landmap.render.maps.raster_layer:raster_layer",
    "zonal_change": "landmap.raster:zonal_change",
    "zonal_stats": "landmap.raster:zonal_stats",
    # maps
    "build_map": "landmap.render.maps:build_map",
    "Basemap": "landmap.render.maps:Basemap",
    "MapControls": "landmap.render.maps:MapControls",
    "MapFields": "landmap.render.maps:MapFields",
    "MapText": "landmap.render.maps:MapText",
    "MapView": "landmap.render.maps:MapView",
    "map_html": "landmap.render.maps:map_html",
    "save_map": "landmap.render.maps:save_map",
    # exports and privacy
    "INTERNAL": "landmap.privacy:INTERNAL",
    "PUBLIC": "landmap.privacy:PUBLIC",
    "PrivacyProfile": "landmap.privacy:PrivacyProfile",
    "PublishedLayer": "landmap.privacy:PublishedLayer",
    "publish": "landmap.privacy:publish",
    "audit_export": "landmap.leakcheck:audit_export",
    "briefing_figure": "landmap.render.briefing.page:briefing_figure",
    "briefing_map": "landmap.render.briefing.page:briefing_map",
    "briefing_maps": "landmap.render.briefing.page:briefing_maps",
    "Drawing": "landmap.render.briefing.options:Drawing",
    "Orientation": "landmap.render.briefing.options:Orientation",
    "PageText": "landmap.render.briefing.options:PageText",
    "Paper": "landmap.render.briefing.options:Paper",
    "PaperSize": "landmap.render.briefing.options:PaperSize",
    "export_layers": "landmap.render.bundle:export_layers",
    "public_summary": "landmap.privacy:public_summary",
    "require_clean": "landmap.leakcheck:require_clean",
    "sensitive_columns": "landmap.privacy:sensitive_columns",
    "write_data": "landmap.render.formats.write:write_data",
    # the shared case register
    "Register": "landmap.register:Register",
    "open_register": "landmap.register:open_register",
    # the main job and the notebook explorer
    "build": "landmap.pipeline:build",
    "Explorer": "landmap.widgets:Explorer",
    "column_form": "landmap.widgets:column_form",
    "explore": "landmap.widgets:explore",
    "map_widget": "landmap.widgets:map_widget",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

__all__ = sorted([*errors.__all__, "__version__", "show_versions", *_LAZY], key=str)
