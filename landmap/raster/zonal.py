"""Zonal statistics: what a raster holds inside each polygon, and how it changed between dates.

Every polygon is read through a window over its own bounding box (in bands of rows, so memory
stays bounded however large the raster or the polygon), with GDAL's block cache capped. Polygons
are reprojected to the raster's CRS; the raster is never resampled. Areas are in hectares measured
on the raster's grid (per-row pixel areas on the ellipsoid for a geographic raster), and nothing
is silently lost: the part of a polygon over nodata pixels and the part outside the raster are
reported in their own columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely

from landmap.errors import AnalysisError, DataValueError
from landmap.progress import current
from landmap.provenance import attach, make_provenance
from landmap.raster._coverage import METHODS, Method, center_coverage, edge_pieces, exact_coverage
from landmap.raster._grid import (
    Grid,
    RasterSource,
    id_columns,
    open_raster,
    polygon_areas_m2,
    polygons_in,
    row_chunks,
    valid_mask,
)

Classes = bool | Mapping[float, object] | Sequence[float] | None
_M2_PER_HA = 10_000.0

#: The forest / non-forest mask's classes, labels and map colours.
FOREST_CLASSES: dict[int, tuple[str, str]] = {
    0: ("Non-forest", "#e9dcb5"),
    1: ("Forest", "#1b7a3a"),
}


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise DataValueError(
            f"unknown pixel-coverage method {method!r}",
            fix=f"use one of: {', '.join(METHODS)}.",
        )


def _scan(
    datasets: list[rasterio.io.DatasetReader],
    grid: Grid,
    geoms: np.ndarray,
    *,
    method: Method,
    band: int,
) -> Iterator[tuple[int, list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(polygon, values per raster, coverage fraction, area m², valid)`` per block.

    All arrays are 1-D over the pixels the polygon covers in one block of rows.
    """
    windows = [None if g is None else grid.pixel_window(g) for g in geoms]
    todo = [i for i, w in enumerate(windows) if w is not None]
    todo.sort(key=lambda i: (windows[i].row_off, windows[i].col_off))  # read the file in order
    for i in current().bar(todo, desc="raster statistics", unit="polygon"):
        geom = geoms[i]
        pieces = edge_pieces(geom, grid.transform) if method == "exact" else None
        for chunk in row_chunks(windows[i]):
            h, w = int(chunk.height), int(chunk.width)
            if pieces is not None:
                cover = exact_coverage(pieces, int(chunk.row_off), int(chunk.col_off), h, w)
                sel = cover > 0
            else:
                # Only the part of the polygon over this block (pixel centres are inside it), so
                # GDAL is not handed every vertex of a large polygon for each block.
                t = grid.window_transform(chunk)
                part = shapely.clip_by_rect(geom, t.c, t.f + t.e * h, t.c + t.a * w, t.f)
                if part.is_empty:
                    continue
                sel = center_coverage(part, t, h, w)
            if not sel.any():
                continue
            frac = cover[sel] if pieces is not None else np.ones(int(np.count_nonzero(sel)))
            if grid.geographic:
                area = np.broadcast_to(grid.row_areas_m2(int(chunk.row_off), h)[:, None], sel.shape)
                area = area[sel] * frac
            else:
                area = grid.row_areas_m2(0, 1)[0] * frac
            values, valid = [], None
            for src in datasets:
                data = src.read(band, window=chunk)
                mask = valid_mask(src, grid, data, chunk, band)
                if mask is not None:
                    valid = mask[sel] if valid is None else valid & mask[sel]
                values.append(data[sel])
            if valid is None:
                valid = np.ones(frac.shape[0], dtype=bool)
            yield i, values, frac, area, valid


def _class_values(classes: Classes) -> dict[float, str | None]:
    if classes is None or classes is False:
        return {}
    if classes is True:
        return {}
    if isinstance(classes, Mapping):
        out = {}
        for value, label in classes.items():
            out[value] = (
                label[0]
                if isinstance(label, tuple | list)
                else (None if label is None else str(label))
            )
        return out
    return {value: None for value in classes}


def _key(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _sums_by_value(values: np.ndarray, weights: np.ndarray) -> Iterator[tuple[float, float]]:
    if values.dtype == np.uint8:
        sums = np.bincount(values, weights=weights, minlength=256)
        nz = np.flatnonzero(sums)
        return zip(nz.tolist(), sums[nz].tolist(), strict=True)
    uniq, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=weights)
    return zip(uniq.tolist(), sums.tolist(), strict=True)


def zonal_stats(
    raster: RasterSource,
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    classes: Classes = None,
    method: Method = "exact",
    band: int = 1,
    nodata: float | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
) -> pd.DataFrame:
    """Summarise a raster inside each polygon.

    Parameters
    ----------
    raster
        Path of a raster GDAL can read (north-up; any CRS).
    polygons
        Polygon layer with a CRS; reprojected to the raster's CRS (the raster is never
        resampled). Invalid geometries are repaired; null or empty ones get zero areas.
    classes
        ``None`` for a continuous raster (mean / min / max / sum / count). ``True`` for a
        classified one, with a column pair per value found. A mapping ``{value: label}`` (or
        ``{value: (label, colour)}``) or a list of values always gives those columns, even when a
        class is absent, plus columns for any other value found.
    method
        ``"exact"`` weights each pixel by the fraction of it inside the polygon (exact to
        floating-point rounding); ``"center"`` counts a pixel wholly when its centre is inside
        (GDAL's rule), so each polygon is off by at most its boundary pixels.
    band
        1-based band number.
    nodata
        Value to treat as nodata when the file declares none (the declared one otherwise).
    id_column, name_column
        Columns copied into the result; found automatically when ``None`` (``concession_id`` /
        ``area_id`` / ``id`` ..., and ``name`` / ``Name``). Without an id column the result gets
        ``row`` (1-based position).

    Returns
    -------
    pandas.DataFrame
        One row per polygon, in the input's order and index: the id and name, ``area_ha`` (the
        polygon's area on the raster's grid), then for a classified raster ``class_<v>_ha`` and
        ``class_<v>_pct`` (share of the polygon's area that has data, so the shares sum to 100),
        for a continuous one ``mean``, ``min``, ``max``, ``sum`` and ``count`` (pixels, weighted
        by coverage with the exact method); then ``nodata_ha`` (over nodata pixels) and
        ``outside_ha`` (outside the raster). With the exact method, classes + nodata + outside add
        up to ``area_ha``. ``attrs["provenance"]`` records inputs, CRS and parameters.

    Raises
    ------
    DataFileError
        The raster cannot be read.
    CRSError
        The raster or the polygons have no CRS.
    DataValueError
        A geometry is not a polygon, or an option is not understood.

    Examples
    --------
    >>> import numpy as np, rasterio, geopandas as gpd, shapely, tempfile, os
    >>> from rasterio.transform import from_origin
    >>> path = os.path.join(tempfile.mkdtemp(), "r.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
    ...                    crs="EPSG:32648", transform=from_origin(0, 40, 10, 10)) as dst:
    ...     dst.write(np.array([[1, 1, 0, 0]] * 4, dtype="uint8"), 1)
    >>> square = gpd.GeoSeries([shapely.box(0, 0, 20, 40)], crs="EPSG:32648")
    >>> zonal_stats(path, square, classes=True)[["class_1_ha", "class_1_pct"]].to_dict("records")
    [{'class_1_ha': 0.08, 'class_1_pct': 100.0}]

    """
    _check_method(method)
    declared = _class_values(classes)
    classified = classes is not None and classes is not False
    with open_raster(raster, band=band, nodata=nodata) as (src, grid):
        geoms, total, within, nodata_m2 = _zones(polygons, grid)
        n = len(geoms)
        if classified:
            by_class: list[dict[float, float]] = [defaultdict(float) for _ in range(n)]
            scan = _scan([src], grid, geoms, method=method, band=band)
            for i, (vals,), _frac, area, valid in scan:
                nodata_m2[i] += area[~valid].sum()
                for value, m2 in _sums_by_value(vals[valid], area[valid]):
                    by_class[i][value] += m2
            stats = _class_table(by_class, declared)
        else:
            stats = _continuous_table(
                _scan([src], grid, geoms, method=method, band=band), n, nodata_m2
            )
        crs = grid.crs.to_string()
    out = _table(polygons, id_column, name_column, total, within, nodata_m2, stats)
    if declared and any(v is not None for v in declared.values()):
        out.attrs["classes"] = {k: v for k, v in declared.items() if v is not None}
    return attach(
        out,
        _provenance(
            "zonal_stats",
            [raster],
            polygons,
            crs,
            {
                "method": method,
                "band": band,
                "nodata": nodata,
                "classes": None if not classified else sorted(map(_key, declared)) or True,
            },
        ),
    )


def _class_table(
    by_class: list[dict[float, float]], declared: dict[float, str | None]
) -> pd.DataFrame:
    values = sorted(set(declared) | {v for d in by_class for v in d})
    ha = (
        np.array([[d.get(v, 0.0) for v in values] for d in by_class]).reshape(
            len(by_class), len(values)
        )
        / _M2_PER_HA
    )
    with_data = ha.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(with_data > 0, 100.0 * ha / with_data, np.nan)
    columns: dict[str, np.ndarray] = {}
    for j, v in enumerate(values):
        columns[f"class_{_key(v)}_ha"] = ha[:, j]
    for j, v in enumerate(values):
        columns[f"class_{_key(v)}_pct"] = pct[:, j]
    return pd.DataFrame(columns)


def _continuous_table(scan: Iterator, n: int, nodata_m2: np.ndarray) -> pd.DataFrame:
    wsum, wtot = np.zeros(n), np.zeros(n)
    vsum, count = np.zeros(n), np.zeros(n)
    vmin, vmax = np.full(n, np.inf), np.full(n, -np.inf)
    for i, (vals,), frac, area, valid in scan:
        nodata_m2[i] += area[~valid].sum()
        v = vals[valid].astype(np.float64)
        if v.size == 0:
            continue
        wsum[i] += (v * area[valid]).sum()
        wtot[i] += area[valid].sum()
        vsum[i] += (v * frac[valid]).sum()
        count[i] += frac[valid].sum()
        vmin[i] = min(vmin[i], v.min())
        vmax[i] = max(vmax[i], v.max())
    has = count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(has, wsum / wtot, np.nan)
    return pd.DataFrame(
        {
            "mean": mean,
            "min": np.where(has, vmin, np.nan),
            "max": np.where(has, vmax, np.nan),
            "sum": np.where(has, vsum, np.nan),
            "count": count,
        }
    )


def zonal_change(
    before: RasterSource,
    after: RasterSource,
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    method: Method = "exact",
    band: int = 1,
    nodata: float | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
) -> pd.DataFrame:
    """Class transitions between two classified rasters of the same place, per polygon.

    Parameters
    ----------
    before, after
        Two classified rasters on the same grid (CRS, transform and shape). They are never
        resampled onto each other: if the grids differ, warp one onto the other first.
    polygons, method, band, nodata, id_column, name_column
        As for :func:`zonal_stats` (``nodata`` applies to both rasters).

    Returns
    -------
    pandas.DataFrame
        One row per polygon: id, name, ``area_ha``, ``change_<a>_to_<b>_ha`` for every
        transition found (``a == b`` is no change), ``nodata_ha`` (nodata in either raster) and
        ``outside_ha``.

    Raises
    ------
    AnalysisError
        The two rasters are not on the same grid.

    """
    _check_method(method)
    with (
        open_raster(before, band=band, nodata=nodata) as (src_a, grid),
        open_raster(after, band=band, nodata=nodata) as (src_b, grid_b),
    ):
        if not grid.same_grid(grid_b):
            raise AnalysisError(
                "the two rasters are not on the same grid (CRS, pixel size, origin or size "
                "differ); they would have to be resampled",
                path=after,
                fix=f"warp one onto the other, e.g. `gdalwarp -t_srs {grid.crs.to_string()} "
                f"-tr {grid.transform.a} {-grid.transform.e} -te {' '.join(map(str, grid.bounds))} "
                "-r near AFTER.tif AFTER_aligned.tif`.",
            )
        geoms, total, within, nodata_m2 = _zones(polygons, grid)
        n = len(geoms)
        moves: list[dict[tuple[float, float], float]] = [defaultdict(float) for _ in range(n)]
        scan = _scan([src_a, src_b], grid, geoms, method=method, band=band)
        for i, (a, b), _frac, area, valid in scan:
            nodata_m2[i] += area[~valid].sum()
            a, b, w = a[valid], b[valid], area[valid]
            if a.dtype == np.uint8 and b.dtype == np.uint8:
                codes = a.astype(np.uint16) << 8 | b
                sums = np.bincount(codes, weights=w, minlength=65536)
                for code in np.flatnonzero(sums).tolist():
                    moves[i][(code >> 8, code & 0xFF)] += float(sums[code])
            else:
                pairs, inverse = np.unique(np.column_stack([a, b]), axis=0, return_inverse=True)
                sums = np.bincount(inverse.ravel(), weights=w)
                for (va, vb), m2 in zip(pairs.tolist(), sums.tolist(), strict=True):
                    moves[i][(va, vb)] += m2
        crs = grid.crs.to_string()
    keys = sorted({k for d in moves for k in d})
    changes = pd.DataFrame(
        {
            f"change_{_key(a)}_to_{_key(b)}_ha": [d.get((a, b), 0.0) / _M2_PER_HA for d in moves]
            for a, b in keys
        },
        index=range(len(moves)),
    )
    out = _table(polygons, id_column, name_column, total, within, nodata_m2, changes)
    return attach(
        out,
        _provenance(
            "zonal_change",
            [before, after],
            polygons,
            crs,
            {"method": method, "band": band, "nodata": nodata},
        ),
    )


def forest_cover(
    raster: RasterSource,
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    forest: int = 1,
    method: Method = "exact",
    nodata: float | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
) -> pd.DataFrame:
    """Forest area and share inside each polygon, from a forest / non-forest mask.

    Parameters
    ----------
    raster
        A classified mask (by default 1 = forest, anything else = non-forest), such as the
        bundled 30 m forest / non-forest mask.
    polygons
        Concessions, community forests, protected areas or overlap polygons.
    forest
        The pixel value meaning forest.
    method, nodata, id_column, name_column
        As for :func:`zonal_stats`.

    Returns
    -------
    pandas.DataFrame
        id, name, ``area_ha``, ``forest_ha``, ``non_forest_ha``, ``forest_pct`` (share of the
        area the mask covers with data), ``nodata_ha``, ``outside_ha`` and ``mapped_pct`` (share
        of the polygon the mask covers with data).

    """
    stats = zonal_stats(
        raster,
        polygons,
        classes={v: label for v, (label, _) in FOREST_CLASSES.items()},
        method=method,
        nodata=nodata,
        id_column=id_column,
        name_column=name_column,
    )
    ha_cols = [c for c in stats.columns if c.startswith("class_") and c.endswith("_ha")]
    forest_col = f"class_{_key(forest)}_ha"
    out = stats.drop(columns=[c for c in stats.columns if c.startswith("class_")])
    forest_ha = stats[forest_col] if forest_col in stats else pd.Series(0.0, index=stats.index)
    other_ha = stats[[c for c in ha_cols if c != forest_col]].sum(axis=1)
    mapped = forest_ha + other_ha
    at = out.columns.get_loc("area_ha") + 1
    out.insert(at, "forest_ha", forest_ha.to_numpy())
    out.insert(at + 1, "non_forest_ha", other_ha.to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        out.insert(at + 2, "forest_pct", np.where(mapped > 0, 100.0 * forest_ha / mapped, np.nan))
        out["mapped_pct"] = np.where(out["area_ha"] > 0, 100.0 * mapped / out["area_ha"], np.nan)
    record = dict(stats.attrs["provenance"])
    record["operation"] = "forest_cover"
    record["parameters"] = {**record["parameters"], "forest": forest}
    return attach(out, record)


def _zones(
    polygons: gpd.GeoDataFrame | gpd.GeoSeries, grid: Grid
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the polygons on the grid, their areas in m² (all, within the raster), zeros.

    The zeros, one per polygon, are where the area over nodata pixels is added up.
    """
    geoms = polygons_in(polygons, grid)
    total, within = polygon_areas_m2(geoms, grid)
    return geoms, total, within, np.zeros(len(geoms))


def _table(
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    id_column: str | None,
    name_column: str | None,
    total: np.ndarray,
    within: np.ndarray,
    nodata_m2: np.ndarray,
    middle: pd.DataFrame,
) -> pd.DataFrame:
    """Return the id and name, ``area_ha``, ``middle``, ``nodata_ha`` and ``outside_ha``."""
    out = id_columns(polygons, id_column, name_column)
    out["area_ha"] = total / _M2_PER_HA
    middle.index = out.index
    out = pd.concat([out, middle], axis=1)
    out["nodata_ha"] = nodata_m2 / _M2_PER_HA
    out["outside_ha"] = _outside_ha(total, within)
    return out


def _outside_ha(total: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Area outside the raster; rounding residues of polygons wholly inside become exactly 0."""
    outside = total - within
    outside[outside <= 1e-9 * np.maximum(total, 1.0)] = 0.0
    return outside / _M2_PER_HA


def _provenance(
    operation: str, rasters: list[RasterSource], polygons: object, crs: str, params: dict
) -> dict:
    inputs: list[str | Path] = [str(r) for r in rasters]
    source = getattr(polygons, "attrs", {}).get("landmap", {}).get("source")
    if source:
        inputs.append(source)
    return make_provenance(inputs=inputs, crs=crs, parameters=params, operation=operation)


__all__ = ["FOREST_CLASSES", "forest_cover", "zonal_change", "zonal_stats"]
