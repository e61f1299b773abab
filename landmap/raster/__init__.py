"""Raster evidence: zonal statistics, change between dates, clipping, and map overlays.

Built on rasterio (GDAL). Polygons are always reprojected to the raster's CRS and the raster is
never resampled for statistics; every read is windowed, so a national 30 m mask never has to sit
whole in memory. The map overlay lives in :mod:`landmap.maps.raster_layer`.
"""

from landmap.raster._coverage import METHODS
from landmap.raster.clip import clip
from landmap.raster.zonal import FOREST_CLASSES, forest_cover, zonal_change, zonal_stats

__all__ = ["FOREST_CLASSES", "METHODS", "clip", "forest_cover", "zonal_change", "zonal_stats"]
