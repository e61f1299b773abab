"""A single-band GeoTIFF written for a test."""

from __future__ import annotations

import numpy as np
import rasterio


def write_raster(path, array, *, transform, crs="EPSG:32648", nodata=None):
    """Write ``array`` as band 1 of a GeoTIFF at ``path`` and return the path."""
    array = np.asarray(array)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=array.shape[1],
        height=array.shape[0],
        count=1,
        dtype=array.dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(array, 1)
    return path
