"""The commune layer that keeps every displaced case point inside its own commune.

It ships with the package (``landmap/resources/boundaries/communes.geojson``: geoBoundaries'
simplified communes, CC BY 4.0), so an installed copy masks exactly as a source checkout does. A
project may give its own commune layer; with none at all, publishing case points is refused
rather than done without the constraint.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import geopandas as gpd

from landmap.errors import PrivacyError

#: Package resource holding the bundled commune polygons.
COMMUNES_RESOURCE = "resources/boundaries/communes.geojson"
#: Credit line of the bundled commune layer.
COMMUNES_ATTRIBUTION = "Communes: geoBoundaries; Open Development Cambodia (CC BY 4.0)"

_LOCK = threading.Lock()
_CACHE: dict[str, gpd.GeoDataFrame] = {}


def bundled_communes_path() -> Path:
    """Return the path of the commune layer installed with landmap.

    Raises
    ------
    PrivacyError
        When the file is missing from the installation (a public profile then cannot keep
        displaced points inside their commune, so it refuses to publish).

    """
    path = Path(str(resources.files("landmap").joinpath(COMMUNES_RESOURCE)))
    if not path.is_file():
        raise PrivacyError(
            "the commune layer installed with landmap is missing, so displaced case points "
            "could not be kept inside their commune",
            path=path,
            fix="reinstall landmap, or give a commune layer ([privacy] communes = ... in the "
            "project, communes=... in Python)",
        )
    return path


def bundled_communes() -> gpd.GeoDataFrame:
    """Return the bundled commune polygons (EPSG:4326), read once per process.

    The returned frame is a copy: callers may change it freely.

    Examples
    --------
    >>> communes = bundled_communes()
    >>> len(communes) > 1000, str(communes.crs)
    (True, 'EPSG:4326')

    """
    path = bundled_communes_path()
    with _LOCK:
        cached = _CACHE.get(str(path))
        if cached is None:
            cached = gpd.read_file(path)
            cached.attrs["landmap"] = {
                "kind": "boundaries",
                "source": path.name,
                "attribution": COMMUNES_ATTRIBUTION,
            }
            _CACHE[str(path)] = cached
    return cached.copy()


def clear_cache() -> None:
    """Forget the commune layer read so far (tests that replace the resource use it)."""
    with _LOCK:
        _CACHE.clear()


__all__ = ["COMMUNES_ATTRIBUTION", "bundled_communes", "bundled_communes_path", "clear_cache"]
