"""Raster evidence: zonal statistics, change between dates, clipping, and map overlays.

Built on rasterio (GDAL). Polygons are always reprojected to the raster's CRS and the raster is
never resampled for statistics; every read is windowed, so a national 30 m mask never has to sit
whole in memory. The map overlay lives in :mod:`landmap.render.maps.raster_layer`.

What it does not do: rotated or sheared rasters (warp them north-up first); comparing two
rasters on different grids (warp one onto the other: the error message gives the ``gdalwarp``
command); applying a band's scale/offset (values are used as stored); several bands at once
(one ``band=`` per call).
"""

from landmap.raster._coverage import METHODS
from landmap.raster.clip import clip
from landmap.raster.zonal import FOREST_CLASSES, forest_cover, zonal_change, zonal_stats

__all__ = ["FOREST_CLASSES", "METHODS", "clip", "forest_cover", "zonal_change", "zonal_stats"]
