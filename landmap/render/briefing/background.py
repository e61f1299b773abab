"""The offline background of briefing maps: provinces, Cambodia's outline and hillshaded relief.

The files ship with the package in ``landmap/resources/background/`` (credited in its
README.md, made by ``scripts/make_background.py``): the government's 2022 province boundaries
with Khmer names, geoBoundaries' country outline and a reduced copy of ODC's relief raster, so an
installed landmap draws the same background from any folder. ``LANDMAP_DATA`` names a folder
whose files of the same names are used instead. Hillshade is computed with numpy on the relief
resampled into the map's metric grid.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np

from landmap.errors import AssetError, ExportError
from landmap.schema import CAMBODIA_METRIC_CRS, STORAGE_CRS

#: Environment variable naming a folder with background files that replace the bundled ones.
DATA_ENV = "LANDMAP_DATA"
#: Package resource folder holding the bundled background.
BACKGROUND_RESOURCE = "resources/background"
PROVINCES_FILE = "provinces.geojson"
COUNTRY_FILE = "country.geojson"
RELIEF_FILES = ("relief.tif",)

#: Attribution of the background files, by file name.
ATTRIBUTION: dict[str, str] = {
    PROVINCES_FILE: "Province boundaries: Royal Government of Cambodia / WFP (2022)",
    COUNTRY_FILE: "Country outline: geoBoundaries, © OpenStreetMap contributors (ODbL)",
    "relief.tif": "Relief: USGS; Open Development Cambodia",
}


def data_dirs() -> list[Path]:
    """Folders searched for background files, in order: ``LANDMAP_DATA``, then the package's."""
    dirs = []
    if os.environ.get(DATA_ENV):
        dirs.append(Path(os.environ[DATA_ENV]))
    dirs.append(Path(str(resources.files("landmap").joinpath(BACKGROUND_RESOURCE))))
    return dirs


def find_file(*names: str) -> Path | None:
    """Return the first existing background file among ``names`` in :func:`data_dirs`."""
    for folder in data_dirs():
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None


def _gdal_path(path: Path) -> str:
    if path.suffix == ".zip":
        return f"/vsizip/{path}/CamGeorel.tif"
    return str(path)


@cache
def _read_provinces(path: str) -> gpd.GeoDataFrame:
    raw = gpd.read_file(path)
    out = gpd.GeoDataFrame(
        {
            "boundary_id": raw.get("ADM1_CODE", raw.index.astype(str)).astype("string"),
            "level": "province",
            "name": raw["Adm1_Name"].astype("string"),
            "name_km": raw["Adm1_Name_"].astype("string"),
            "parent": "KHM",
        },
        geometry=raw.geometry.make_valid(),
        crs=raw.crs or STORAGE_CRS,
    ).to_crs(STORAGE_CRS)
    out.attrs["landmap"] = {"kind": "boundaries", "source": path}
    return out


def default_provinces() -> gpd.GeoDataFrame:
    """Return Cambodia's 25 provinces as a canonical ``boundaries`` layer (English and Khmer names).

    Raises
    ------
    AssetError
        When the bundled province file is missing.

    """
    path = find_file(PROVINCES_FILE)
    if path is None:
        raise AssetError(
            f"the province boundaries ({PROVINCES_FILE}) are not in any of "
            f"{[str(d) for d in data_dirs()]}.",
            fix="reinstall landmap (pip install --force-reinstall landmap), or pass boundaries=",
        )
    return _read_provinces(str(path)).copy()


@cache
def country_outline() -> gpd.GeoSeries:
    """Return Cambodia's outline in the metric CRS (from the bundled file, else the provinces)."""
    path = find_file(COUNTRY_FILE)
    if path is not None:
        geom = gpd.read_file(path).to_crs(CAMBODIA_METRIC_CRS).geometry
    else:
        path = find_file(PROVINCES_FILE)
        geom = default_provinces().to_crs(CAMBODIA_METRIC_CRS).geometry
    outline = gpd.GeoSeries([geom.union_all().simplify(500)], crs=CAMBODIA_METRIC_CRS)
    outline.attrs["attribution"] = ATTRIBUTION.get(path.name, "") if path is not None else ""
    return outline


def hillshade(
    elevation: np.ndarray,
    *,
    cellsize: tuple[float, float],
    azimuth: float = 315.0,
    altitude: float = 45.0,
    exaggeration: float = 3.0,
) -> np.ndarray:
    """Return the hillshade (0 dark .. 1 lit) of an elevation grid.

    Parameters
    ----------
    elevation
        2-D array of heights in metres, north up; NaN where unknown.
    cellsize
        ``(dx, dy)`` of a cell in metres.
    azimuth, altitude
        Direction and height of the light source, in degrees.
    exaggeration
        Vertical exaggeration (Cambodia is mostly flat; ×3 shows its uplands).

    Examples
    --------
    >>> import numpy as np
    >>> flat = hillshade(np.zeros((3, 3)), cellsize=(100.0, 100.0))
    >>> bool(np.allclose(flat, np.sin(np.radians(45))))
    True

    """
    z = (
        np.where(
            np.isnan(elevation),
            np.nanmean(elevation) if np.isfinite(elevation).any() else 0,
            elevation,
        )
        * exaggeration
    )
    drow, dcol = np.gradient(z, cellsize[1], cellsize[0])
    dz_east, dz_north = dcol, -drow  # rows run southwards
    az, alt = np.radians(azimuth), np.radians(altitude)  # azimuth clockwise from north
    light = (np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt))
    norm = np.sqrt(dz_east**2 + dz_north**2 + 1.0)
    shade = (-dz_east * light[0] - dz_north * light[1] + light[2]) / norm
    shade = np.clip(shade, 0.0, 1.0)
    shade[np.isnan(elevation)] = np.nan
    return shade


@dataclass(frozen=True)
class Relief:
    """A hillshade resampled to the map grid: ``image`` plus ``extent`` for ``imshow``."""

    image: np.ndarray
    extent: tuple[float, float, float, float]
    source: Path


def relief_for(
    bounds: tuple[float, float, float, float],
    *,
    source: str | os.PathLike[str] | None = None,
    max_pixels: int = 1200,
) -> Relief | None:
    """Resample the relief raster into the metric map extent and hillshade it.

    Parameters
    ----------
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the map in EPSG:32648.
    source
        A relief GeoTIFF; defaults to the bundled one. ``None`` is returned when none is found.
    max_pixels
        Longest side of the resampled grid (the relief has ~0.5-1 km cells: finer is pointless).

    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.transform import Affine
    from rasterio.warp import reproject

    path = Path(source) if source is not None else find_file(*RELIEF_FILES)
    if path is None:
        return None
    xmin, ymin, xmax, ymax = bounds
    width_m, height_m = xmax - xmin, ymax - ymin
    cell = max(width_m, height_m) / max_pixels
    cell = max(cell, 250.0)
    cols, rows = max(int(width_m / cell), 2), max(int(height_m / cell), 2)
    dst = np.full((rows, cols), np.nan, dtype="float32")
    transform = Affine(width_m / cols, 0.0, xmin, 0.0, -height_m / rows, ymax)
    with rasterio.open(_gdal_path(path)) as src:
        reproject(
            source=rasterio.band(src, 1),
            destination=dst,
            src_nodata=src.nodata,
            dst_transform=transform,
            dst_crs=CAMBODIA_METRIC_CRS,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    if not np.isfinite(dst).any():
        return None
    dst[dst <= 0] = np.nan  # sea: leave the map's water colour
    shade = hillshade(dst, cellsize=(width_m / cols, height_m / rows))
    return Relief(image=shade, extent=(xmin, xmax, ymin, ymax), source=path)


def add_web_basemap(ax, basemap: str) -> str:
    """Draw a web-tile basemap (only when one is asked for: it needs contextily and the network)."""
    try:
        import contextily
    except ImportError as err:
        raise ExportError(
            "a web-tile basemap was asked for but contextily is not installed.",
            fix="`pip install contextily` and be online, or leave basemap unset for the offline "
            "background",
        ) from err
    try:
        provider = (
            contextily.providers.flatten()[basemap]
            if basemap not in ("osm", True)
            else contextily.providers.OpenStreetMap.Mapnik
        )
        contextily.add_basemap(
            ax, crs=CAMBODIA_METRIC_CRS, source=provider, zorder=1.5, attribution=False
        )
    except Exception as err:  # noqa: BLE001 - network errors come in many types
        raise ExportError(
            f"could not fetch the web basemap {basemap!r}: {err}",
            fix="check the internet connection, or leave basemap unset for the offline background",
        ) from err
    return f"Basemap: {provider.get('attribution', basemap)}"


__all__ = [
    "ATTRIBUTION",
    "add_web_basemap",
    "DATA_ENV",
    "Relief",
    "country_outline",
    "data_dirs",
    "default_provinces",
    "find_file",
    "hillshade",
    "relief_for",
]
