"""``show_versions()``: the versions a bug report or a workshop laptop check needs."""

from __future__ import annotations

import importlib.metadata
import platform
import sys

_PACKAGES = (
    "landmap",
    "geopandas",
    "shapely",
    "pyogrio",
    "pyproj",
    "pandas",
    "numpy",
    "pyarrow",
    "folium",
    "ipywidgets",
    "rasterio",
    "matplotlib",
    "openpyxl",
    "jupyterlab",
)


def versions() -> dict[str, str]:
    """Return ``{component: version}`` for Python, GDAL, PROJ, GEOS and landmap's dependencies."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    import pyogrio
    import pyproj
    import shapely

    out["GDAL"] = pyogrio.__gdal_version_string__
    out["PROJ"] = pyproj.proj_version_str
    out["GEOS"] = shapely.geos_version_string
    return out


def show_versions() -> None:
    """Print the versions of landmap and the libraries it stands on (for bug reports)."""
    for key, value in versions().items():
        print(f"{key:>12}: {value}")  # noqa: T201


__all__ = ["show_versions", "versions"]
