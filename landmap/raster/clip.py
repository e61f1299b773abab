"""Cut a raster to a polygon layer and write a compressed, tiled GeoTIFF."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio import features

from landmap.errors import AnalysisError, ExportError, LandmapWarning
from landmap.io.atomic import atomic_path, write_provenance
from landmap.provenance import make_provenance
from landmap.raster._grid import RasterSource, open_raster, polygons_in

#: Tile edge of written GeoTIFFs (pixels).
TILE = 256


def _fill_value(dtype: str) -> float:
    kind = np.dtype(dtype).kind
    if kind == "f":
        return float("nan")
    info = np.iinfo(dtype)
    return float(info.max if kind == "u" else info.min)


def clip(
    raster: RasterSource,
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    out: str | os.PathLike[str],
    *,
    nodata: float | None = None,
    all_touched: bool = False,
    compress: str = "deflate",
    provenance: bool = True,
) -> Path:
    """Write the part of a raster inside a polygon layer as a compressed, tiled GeoTIFF.

    The output covers the polygons' bounding box (within the raster), keeps the source's grid,
    CRS, data type, bands, colour table and band descriptions, and sets every pixel outside the
    polygons to nodata. It is written in blocks of rows (never the whole raster in memory) to a
    temporary file that replaces ``out`` only when complete.

    Parameters
    ----------
    raster
        Source raster.
    polygons
        Polygon layer with a CRS (reprojected to the raster's CRS).
    out
        Target ``.tif`` path.
    nodata
        Value marking pixels outside the polygons. Defaults to the source's nodata; when the
        source declares none, the largest value of an unsigned type (255 for ``uint8``), the
        smallest of a signed one, or NaN for floats (a warning is issued if that value also
        occurs inside the polygons: pass ``nodata=`` to choose another).
    all_touched
        Keep every pixel the polygons touch (``True``) rather than those whose centre is inside.
    compress
        GeoTIFF compression (``deflate``, ``lzw``, ``zstd``...).
    provenance
        Also write ``<out>.provenance.json`` (inputs, CRS, parameters).

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    AnalysisError
        No polygon overlaps the raster.
    ExportError
        The file cannot be written.

    """
    out = Path(out)
    with open_raster(raster) as (src, grid):
        geoms = polygons_in(polygons, grid)
        present = geoms[~shapely.is_missing(geoms)]
        window = (
            grid.pixel_window(shapely.box(*shapely.total_bounds(present))) if present.size else None
        )
        if window is None:
            raise AnalysisError(
                "no polygon overlaps the raster, so there is nothing to clip",
                path=raster,
                fix="check that the polygons and the raster cover the same place.",
            )
        declared = src.nodata
        fill = nodata if nodata is not None else declared
        chosen = fill is None
        if chosen:
            fill = _fill_value(src.dtypes[0])
        profile = {
            "driver": "GTiff",
            "width": int(window.width),
            "height": int(window.height),
            "count": src.count,
            "dtype": src.dtypes[0],
            "crs": src.crs,
            "transform": grid.window_transform(window),
            "nodata": fill,
            "tiled": True,
            "blockxsize": TILE,
            "blockysize": TILE,
            "compress": compress,
            "predictor": 3 if np.dtype(src.dtypes[0]).kind == "f" else 2,
            "BIGTIFF": "IF_SAFER",
        }
        clash = False
        try:
            with atomic_path(out, suffix=".tif") as tmp, rasterio.open(tmp, "w", **profile) as dst:
                for j in range(src.count):
                    if src.descriptions[j]:
                        dst.set_band_description(j + 1, src.descriptions[j])
                try:
                    dst.write_colormap(1, src.colormap(1))
                except ValueError:
                    pass  # no colour table
                dst.update_tags(**src.tags())
                clash = _copy_inside(src, dst, list(present), window, fill, all_touched, chosen)
        except rasterio.errors.RasterioIOError as err:
            raise ExportError(
                f"cannot write the GeoTIFF ({err})",
                path=out,
                fix="check the folder exists and is writable.",
            ) from err
        crs = grid.crs.to_string()
    if clash:
        warnings.warn(
            f"{out}: the value {fill:g} chosen as nodata also occurs inside the polygons; those "
            "pixels now read as nodata. Pass nodata= with a value the raster never holds.",
            LandmapWarning,
            stacklevel=2,
        )
    if provenance:
        inputs = [str(raster)]
        source = getattr(polygons, "attrs", {}).get("landmap", {}).get("source")
        if source:
            inputs.append(source)
        write_provenance(
            make_provenance(
                inputs=inputs,
                crs=crs,
                operation="clip",
                parameters={
                    "nodata": fill if not np.isnan(fill) else "nan",
                    "all_touched": all_touched,
                    "compress": compress,
                },
            ),
            out,
            public=False,
        )  # a raster of public layers: the full record with hashes
    return out


def _copy_inside(
    src: rasterio.io.DatasetReader,
    dst: rasterio.io.DatasetWriter,
    shapes: list[shapely.Geometry],
    window: rasterio.windows.Window,
    fill: float,
    all_touched: bool,
    check: bool,
) -> bool:
    """Copy the pixels inside ``shapes`` band by band, in blocks of tile rows; report clashes."""
    clash = False
    bounds = shapely.bounds(np.asarray(shapes, dtype=object)).reshape(-1, 4)
    step = TILE * max(1, 4_000_000 // (TILE * max(int(window.width), 1)))
    for r in range(0, int(window.height), step):
        h = min(step, int(window.height) - r)
        part = rasterio.windows.Window(window.col_off, window.row_off + r, window.width, h)
        transform = rasterio.windows.transform(part, src.transform)
        top, bottom = transform.f, transform.f + transform.e * h
        near = [shapes[k] for k in np.flatnonzero((bounds[:, 1] <= top) & (bounds[:, 3] >= bottom))]
        inside = np.zeros((h, int(window.width)), dtype=bool)
        if near:
            inside = features.geometry_mask(
                near,
                out_shape=inside.shape,
                transform=transform,
                invert=True,
                all_touched=all_touched,
            )
        data = src.read(window=part)
        if check and not np.isnan(fill):
            clash = clash or bool((data[:, inside] == fill).any())
        data[:, ~inside] = fill
        dst.write(data, window=rasterio.windows.Window(0, r, window.width, h))
    return clash


__all__ = ["clip"]
