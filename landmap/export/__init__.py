"""Publishing: print-ready briefing maps (PNG/PDF), data files, privacy profiles.

- :func:`briefing_map` / :func:`briefing_maps`: an A4/A3 map page in English, Khmer or both;
  :func:`briefing_figure` draws the same page without saving it.
- :func:`write_data`: layers and tables to GeoPackage, GeoJSON, KML/KMZ, zipped Shapefile, CSV
  or XLSX, chosen by the file extension, through the privacy profile, with provenance beside.
- :func:`export_layers`: both at once for named layers (what ``landmap export`` runs).

Names are imported on first use, so ``import landmap.privacy`` does not pull matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "briefing_figure": "landmap.export.briefing",
    "briefing_map": "landmap.export.briefing",
    "briefing_maps": "landmap.export.briefing",
    "write_data": "landmap.export.data",
    "DATA_FORMATS": "landmap.export.data",
    "export_layers": "landmap.export.bundle",
    "khmer_font_path": "landmap.export.fonts",
    "shaped_glyphs": "landmap.export.fonts",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'landmap.export' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [  # noqa: F822 - resolved lazily by __getattr__
    "DATA_FORMATS",
    "briefing_figure",
    "briefing_map",
    "briefing_maps",
    "export_layers",
    "khmer_font_path",
    "shaped_glyphs",
    "write_data",
]
