"""The raster side of every raster operation: opening, grid geometry, pixel areas, nodata.

Pixel areas are always in square metres. For a projected raster they come from the transform and
the CRS's linear unit; for a geographic one (degrees) each row gets its own area on the CRS's
ellipsoid, from the closed-form area of an ellipsoidal band between two latitudes.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import shapely
from affine import Affine
from rasterio.errors import RasterioIOError
from rasterio.windows import Window

from landmap.errors import AnalysisError, CRSError, DataFileError, DataValueError
from landmap.geometry import valid_polygons

RasterSource = str | os.PathLike[str]

#: GDAL block cache while a raster is scanned (MB): bounds memory whatever GDAL's default is.
CACHE_MB = 32
#: Largest block of pixels read at once; bigger windows are read in bands of rows.
MAX_CHUNK_PIXELS = 1_000_000


@dataclass(frozen=True)
class Grid:
    """The grid of a raster: shape, transform, CRS and how to measure its pixels."""

    path: str
    width: int
    height: int
    transform: Affine
    crs: rasterio.crs.CRS
    dtype: str
    nodata: float | None
    use_mask: bool

    @property
    def geographic(self) -> bool:
        return bool(self.crs.is_geographic)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    def same_grid(self, other: Grid) -> bool:
        """Tell whether both rasters have the same CRS, transform and shape."""
        return (
            self.crs == other.crs
            and self.transform.almost_equals(other.transform)
            and (self.width, self.height) == (other.width, other.height)
        )

    def row_areas_m2(self, row_off: int, height: int) -> np.ndarray:
        """Area in m² of one pixel in each of ``height`` rows from ``row_off``."""
        t = self.transform
        if not self.geographic:
            unit = self._axes[0]
            return np.full(height, abs(t.a * t.e) * unit * unit)
        _, a, b = self._axes
        top = t.f + t.e * np.arange(row_off, row_off + height + 1)
        band = _band_area_per_radian(np.radians(np.clip(top, -90.0, 90.0)), a, b)
        return np.abs(np.diff(band)) * np.radians(abs(t.a))

    @functools.cached_property
    def _axes(self) -> tuple[float, float, float]:
        """Linear unit in metres (projected CRS), and the ellipsoid's semi-axes in metres."""
        if not self.geographic:
            return (self.crs.linear_units_factor[1], 0.0, 0.0)
        ellps = pyproj.CRS.from_user_input(self.crs.to_wkt()).ellipsoid
        return (1.0, ellps.semi_major_metre, ellps.semi_minor_metre)

    def window_transform(self, window: Window) -> Affine:
        return rasterio.windows.transform(window, self.transform)

    def pixel_window(self, geom: shapely.Geometry) -> Window | None:
        """Return the window of pixels a geometry's bounding box touches, clipped to the raster."""
        xmin, ymin, xmax, ymax = shapely.bounds(geom)
        t = self.transform
        cols = ((xmin - t.c) / t.a, (xmax - t.c) / t.a)
        rows = ((ymax - t.f) / t.e, (ymin - t.f) / t.e)
        eps = 1e-6  # reprojection round trips leave bounds a hair beyond a pixel edge
        c0 = max(int(np.floor(min(cols) + eps)), 0)
        c1 = min(int(np.ceil(max(cols) - eps)), self.width)
        r0 = max(int(np.floor(min(rows) + eps)), 0)
        r1 = min(int(np.ceil(max(rows) - eps)), self.height)
        if c1 <= c0 or r1 <= r0:
            return None
        return Window(c0, r0, c1 - c0, r1 - r0)


def _band_area_per_radian(lat: np.ndarray, a: float, b: float) -> np.ndarray:
    """Area (m²) per radian of longitude between the equator and each latitude, on an ellipsoid."""
    e2 = 1.0 - (b * b) / (a * a)
    s = np.sin(lat)
    if e2 < 1e-15:
        return a * a * s
    e = np.sqrt(e2)
    q = s / (1.0 - e2 * s * s) + np.log((1.0 + e * s) / (1.0 - e * s)) / (2.0 * e)
    return 0.5 * b * b * q


@contextlib.contextmanager
def open_raster(
    path: RasterSource, *, band: int = 1, nodata: float | None = None
) -> Iterator[tuple[rasterio.io.DatasetReader, Grid]]:
    """Open a raster for reading with a bounded GDAL cache; yield ``(dataset, grid)``.

    Raises
    ------
    DataFileError
        The file is missing or GDAL cannot read it, or it has no such band.
    CRSError
        The raster has no CRS.
    AnalysisError
        The raster is rotated or sheared.

    """
    with rasterio.Env(GDAL_CACHEMAX=CACHE_MB):
        try:
            src = rasterio.open(path)
        except RasterioIOError as err:
            raise DataFileError(
                f"cannot open the raster ({err})",
                path=path,
                fix="check the path, and that the file is a GeoTIFF or another format GDAL reads.",
            ) from err
        with src:
            if not 1 <= band <= src.count:
                raise DataFileError(
                    f"the raster has {src.count} band(s); band {band} was asked for",
                    path=path,
                    fix=f"choose a band between 1 and {src.count}.",
                )
            if src.crs is None:
                raise CRSError(
                    "the raster has no coordinate reference system",
                    path=path,
                    fix="set it with `gdal_edit.py -a_srs EPSG:32648 FILE` (its real CRS).",
                )
            t = src.transform
            if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
                raise AnalysisError(
                    "the raster is rotated or not north-up",
                    path=path,
                    fix="warp it to a north-up grid first: `gdalwarp SRC DST`.",
                )
            flags = src.mask_flag_enums[band - 1]
            declared = src.nodatavals[band - 1]
            use_mask = (
                nodata is None
                and declared is None
                and any(f.name in ("per_dataset", "alpha") for f in flags)
            )
            grid = Grid(
                path=str(path),
                width=src.width,
                height=src.height,
                transform=t,
                crs=src.crs,
                dtype=src.dtypes[band - 1],
                nodata=nodata if nodata is not None else declared,
                use_mask=use_mask,
            )
            yield src, grid


def valid_mask(
    src: rasterio.io.DatasetReader, grid: Grid, data: np.ndarray, window: Window, band: int
) -> np.ndarray | None:
    """Return True where a pixel holds data (not nodata, NaN, masked); ``None`` if all do."""
    if grid.use_mask:
        return src.read_masks(band, window=window) > 0
    valid = None
    if grid.nodata is not None and not np.isnan(grid.nodata):
        valid = data != grid.nodata
    if data.dtype.kind == "f":
        finite = ~np.isnan(data)
        valid = finite if valid is None else valid & finite
    return valid


def row_chunks(window: Window) -> Iterator[Window]:
    """Split a window into bands of rows of at most ``MAX_CHUNK_PIXELS`` pixels."""
    step = max(1, MAX_CHUNK_PIXELS // max(int(window.width), 1))
    for r in range(int(window.row_off), int(window.row_off + window.height), step):
        h = min(step, int(window.row_off + window.height) - r)
        yield Window(int(window.col_off), r, int(window.width), h)


def polygons_in(polygons: gpd.GeoDataFrame | gpd.GeoSeries, grid: Grid) -> np.ndarray:
    """Return the polygons as valid geometries in the raster's CRS (None for null/empty rows).

    Raises
    ------
    CRSError
        The polygons have no CRS.
    DataValueError
        A geometry is not polygonal (the message names its row).

    """
    if not isinstance(polygons, gpd.GeoDataFrame | gpd.GeoSeries):
        raise DataValueError(
            f"polygons must be a GeoDataFrame or GeoSeries, not {type(polygons).__name__}",
            fix="load the layer with landmap.io.load.load() or geopandas.read_file().",
        )
    source = polygons.attrs.get("landmap", {}).get("source")
    if polygons.crs is None and len(polygons):
        raise CRSError(
            "the polygon layer has no CRS",
            path=source,
            fix="set it with gdf.set_crs('EPSG:4326') (or the CRS the file was drawn in).",
        )
    series = polygons.geometry if isinstance(polygons, gpd.GeoDataFrame) else polygons
    if len(series) and not pyproj.CRS(series.crs).equals(pyproj.CRS(grid.crs.to_wkt())):
        series = series.to_crs(grid.crs.to_wkt())
    geoms = np.asarray(series.values, dtype=object)
    kinds = shapely.get_type_id(geoms)
    bad = ~np.isin(kinds, [-1, 3, 6, 7]) & ~shapely.is_empty(geoms)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataValueError(
            f"geometry is a {geoms[row].geom_type}, not a polygon",
            path=source,
            row=row + 1,
            column="geometry",
            fix="zonal statistics need polygons: buffer points or lines first, or drop these rows.",
        )
    return valid_polygons(geoms, method="structure")


def id_columns(
    polygons: gpd.GeoDataFrame | gpd.GeoSeries, id_column: str | None, name_column: str | None
) -> pd.DataFrame:
    """Return the identifying columns copied into a result: the layer's id and name."""
    if not isinstance(polygons, gpd.GeoDataFrame):
        return pd.DataFrame({"row": np.arange(1, len(polygons) + 1)}, index=polygons.index)
    cols = list(polygons.columns)
    for wanted in (id_column, name_column):
        if wanted is not None and wanted not in cols:
            raise DataValueError(
                f"no column {wanted!r} in the polygon layer (columns: {', '.join(map(str, cols))})",
                column=wanted,
                fix="name one of the layer's columns.",
            )
    pair = ("area_id", "concession_id", "area_name", "concession_name")
    if id_column is None and name_column is None and {"area_id", "concession_id"} <= set(cols):
        # An overlap table (one polygon per area/concession pair): keep both sides' ids and names.
        return pd.DataFrame(polygons[[c for c in pair if c in cols]]).copy()
    if id_column is None:
        candidates = ("concession_id", "area_id", "boundary_id", "case_id", "id", "Id", "ID")
        id_column = next(
            (
                c
                for c in candidates
                if c in cols and polygons[c].notna().all() and polygons[c].is_unique
            ),
            None,
        )
    if name_column is None:
        name_column = next((c for c in ("name", "Name", "NAME") if c in cols), None)
    out = pd.DataFrame(index=polygons.index)
    if id_column is None:
        out["row"] = np.arange(1, len(polygons) + 1)
    else:
        out[id_column] = polygons[id_column].to_numpy()
    if name_column is not None and name_column != id_column:
        out[name_column] = polygons[name_column].to_numpy()
    return out


def polygon_areas_m2(geoms: np.ndarray, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Area of each polygon, and of its part inside the raster's extent, in m²."""
    present = ~shapely.is_missing(geoms)
    inside = np.full(geoms.shape, None, dtype=object)
    inside[present] = shapely.intersection(geoms[present], shapely.box(*grid.bounds))
    if not grid.geographic:
        unit = grid.crs.linear_units_factor[1]
        total = np.where(present, shapely.area(geoms), 0.0) * unit * unit
        within = np.where(present, shapely.area(inside), 0.0) * unit * unit
        return np.nan_to_num(total), np.nan_to_num(within)
    geod = pyproj.CRS.from_user_input(grid.crs.to_wkt()).get_geod()
    total = np.array(
        [abs(geod.geometry_area_perimeter(g)[0]) if g is not None else 0.0 for g in geoms]
    )
    within = np.array(
        [abs(geod.geometry_area_perimeter(g)[0]) if g is not None else 0.0 for g in inside]
    )
    return total, within
