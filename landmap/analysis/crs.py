"""Choosing the metric CRS every length and area is measured in.

Layers are held in EPSG:4326; hectares and metres are computed in a projected CRS chosen for the
data: WGS 84 / UTM 48N (EPSG:32648) for Cambodia, the data's own UTM zone for other small
extents, and an equal-area CRS (EPSG:6933, WGS 84 / NSIDC EASE-Grid 2.0 Global) for data spanning
more than one UTM zone's width. Every result records the CRS it used.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from landmap.errors import CRSError
from landmap.schema import CAMBODIA_METRIC_CRS

#: Equal-area CRS used when the data spans more than about one UTM zone.
EQUAL_AREA_CRS = "EPSG:6933"
#: Widest longitude span (degrees) measured in a single UTM zone.
MAX_UTM_SPAN = 8.0


def _lonlat_bounds(frames: Iterable[object]) -> tuple[float, float, float, float] | None:
    from pyproj import CRS, Transformer

    boxes = []
    for frame in frames:
        if frame is None or len(frame) == 0:  # type: ignore[arg-type]
            continue
        crs = getattr(frame, "crs", None)
        x0, y0, x1, y1 = frame.total_bounds  # type: ignore[attr-defined]
        if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
            continue
        if crs is None:
            raise CRSError(
                "the layer has no coordinate reference system, so its areas cannot be measured",
                fix="load it with landmap's loaders or set its CRS (gdf.set_crs(...))",
            )
        src = CRS.from_user_input(crs)
        if not src.is_geographic:
            tr = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
            x0, y0, x1, y1 = tr.transform_bounds(x0, y0, x1, y1)
        boxes.append((x0, y0, x1, y1))
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _shared_utm(frames: Iterable[object]) -> str | None:
    """Return the UTM CRS all non-empty frames are already in, if they share one."""
    from pyproj import CRS

    found = set()
    for frame in frames:
        if frame is None or len(frame) == 0:  # type: ignore[arg-type]
            continue
        crs = getattr(frame, "crs", None)
        if crs is None:
            return None
        found.add(CRS.from_user_input(crs))
    if len(found) != 1:
        return None
    only = found.pop()
    if only.is_projected and only.utm_zone is not None and only.to_epsg():
        return f"EPSG:{only.to_epsg()}"
    return None


def metric_crs(*frames: object, crs: object | None = None) -> str:
    """Return the metric CRS to measure ``frames`` in, as an ``"EPSG:nnnn"`` string.

    Parameters
    ----------
    *frames
        GeoDataFrames (any CRS) that will be measured together.
    crs
        A CRS the user asked for; it must be projected (metres).

    Returns
    -------
    str
        The UTM CRS the layers already share, if any; else ``"EPSG:32648"`` for data
        within UTM zone 48N (all of Cambodia), the UTM zone of the
        data's centre when it spans at most 8 degrees of longitude, otherwise ``"EPSG:6933"``
        (equal-area). Empty inputs give ``"EPSG:32648"``.

    Raises
    ------
    CRSError
        If ``crs`` is geographic or unknown, or a layer has no CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.Point(104.9, 11.6)], crs="EPSG:4326")
    >>> metric_crs(g)
    'EPSG:32648'
    >>> metric_crs(gpd.GeoDataFrame(geometry=[shapely.Point(2.35, 48.86)], crs="EPSG:4326"))
    'EPSG:32631'

    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    if crs is not None:
        try:
            chosen = CRS.from_user_input(crs)
        except (ProjCRSError, TypeError) as err:
            raise CRSError(
                f"unknown CRS {crs!r} of type {type(crs).__name__}",
                fix="give an EPSG code such as 'EPSG:32648'",
            ) from err
        if not chosen.is_projected:
            raise CRSError(
                f"CRS {crs!r} is not projected, so it cannot measure hectares or metres",
                fix="use a projected CRS in metres, such as 'EPSG:32648' (UTM 48N) for Cambodia",
            )
        epsg = chosen.to_epsg()
        return f"EPSG:{epsg}" if epsg else chosen.to_string()
    shared = _shared_utm(frames)
    if shared is not None:
        return shared
    bounds = _lonlat_bounds(frames)
    if bounds is None:
        return CAMBODIA_METRIC_CRS
    x0, y0, x1, y1 = bounds
    if x0 >= 101.5 and x1 <= 108.5 and y0 >= -1 and y1 <= 24:
        return CAMBODIA_METRIC_CRS
    if x1 - x0 <= MAX_UTM_SPAN and y1 - y0 <= 30 and max(abs(y0), abs(y1)) < 80:
        zone = int((((x0 + x1) / 2 + 180) // 6) % 60) + 1
        return f"EPSG:{(32600 if (y0 + y1) / 2 >= 0 else 32700) + zone}"
    return EQUAL_AREA_CRS


__all__ = ["EQUAL_AREA_CRS", "metric_crs"]
