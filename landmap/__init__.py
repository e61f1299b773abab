"""landmap: a workbench for land-rights mapping in Cambodia.

Load messy case spreadsheets and boundary files into canonical layers (every row accounted
for), measure how community land, forests and cases overlap concessions, and publish offline
interactive maps, print-ready briefing maps and tables that never leak a victim's identity.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from landmap.errors import (  # noqa: E402
    AnalysisError,
    AssetError,
    CRSError,
    DataFileError,
    DataValueError,
    ExportError,
    LandmapError,
    LandmapWarning,
    PrivacyError,
    ProjectError,
    SchemaError,
)
from landmap.report import LoadReport  # noqa: E402
from landmap.versions import show_versions  # noqa: E402

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AnalysisError",
    "AssetError",
    "CRSError",
    "DataFileError",
    "DataValueError",
    "ExportError",
    "LandmapError",
    "LandmapWarning",
    "LoadReport",
    "PrivacyError",
    "ProjectError",
    "SchemaError",
    "__version__",
    "show_versions",
]
