"""Turning a canonical layer (or a file) into ids plus metric geometries for the kernels."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from landmap.errors import AnalysisError, CRSError, SchemaError
from landmap.geometry import valid_polygons
from landmap.schema import ID_COLUMN

if TYPE_CHECKING:
    import geopandas as gpd


def is_path(obj: object) -> bool:
    """Whether ``obj`` names a file rather than holding a layer."""
    return isinstance(obj, (str, os.PathLike))


def as_frame(source: Any, kind: str) -> Any:
    """Return a layer given as a frame, a loader's result or a path (read with the loaders)."""
    import geopandas as gpd

    from landmap.io.load import layer_data  # on first use: the kernels need not import readers

    source = layer_data(source, kind)
    if not isinstance(source, gpd.GeoDataFrame):
        raise AnalysisError(
            f"expected a GeoDataFrame or a file path for the {kind} layer, got "
            f"{type(source).__name__}",
            fix="load the layer with landmap.io.load first",
        )
    return source


def source_of(frame: object) -> str | None:
    """Return the source file recorded by the loaders on a layer, if any."""
    meta = getattr(frame, "attrs", {}).get("landmap") or {}
    src = meta.get("source")
    return None if src is None else str(src)


def polygonal(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return 2-D valid polygonal geometries and a mask of usable ones.

    Z coordinates are dropped, invalid geometries are repaired with ``make_valid`` and any
    non-polygonal pieces that produces (lines, points) are discarded. Points, lines, empty and
    missing geometries are not usable (they have no area).
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    present = ~shapely.is_missing(geoms)
    geoms[present] = shapely.force_2d(geoms[present])
    fixed = valid_polygons(geoms)
    usable = ~shapely.is_missing(fixed)
    return np.where(usable, fixed, geoms), usable


@dataclass
class Layer:
    """A layer ready for the kernels.

    Attributes
    ----------
    frame
        The layer as given (storage CRS), with a fresh 0..n-1 index.
    ids
        The layer's own ids as strings (``"row N"`` where it has none).
    geoms
        Metric-CRS geometries (polygonal where ``usable``).
    usable
        Rows that take part in area computations.
    notes
        Why rows were left out.

    """

    frame: gpd.GeoDataFrame
    ids: np.ndarray
    geoms: np.ndarray
    usable: np.ndarray
    kind: str
    id_name: str
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> np.ndarray:
        """Return a text column as an object array (``None`` where missing or absent)."""
        if name not in self.frame.columns:
            return np.full(len(self.frame), None, dtype=object)
        col = self.frame[name].astype(object)
        return np.asarray(col.where(col.notna(), None), dtype=object)


def layer_ids(frame: gpd.GeoDataFrame, kind: str, id_column: str | None) -> tuple[np.ndarray, str]:
    """Return the ids of a layer's rows and the name of the column they came from."""
    name = id_column or ID_COLUMN.get(kind, "id")  # type: ignore[call-overload]
    n = len(frame)
    rows = np.array([f"row {i + 1}" for i in range(n)], dtype=object)
    if name not in frame.columns:
        if id_column is not None:
            raise SchemaError(
                f"the layer has no column {id_column!r}",
                column=id_column,
                fix=f"choose one of {list(map(str, frame.columns))[:12]}",
            )
        return rows, ID_COLUMN.get(kind, "id")  # type: ignore[call-overload]
    col = frame[name]
    ids = np.asarray(col.astype(object), dtype=object)
    missing = np.asarray(col.isna())
    ids = np.where(missing, rows, ids).astype(object)
    ids = np.array([str(v) for v in ids], dtype=object)
    return ids, ID_COLUMN.get(kind, name)  # type: ignore[call-overload]


def prepare(
    source: Any,
    kind: str,
    crs: str,
    *,
    id_column: str | None = None,
    polygons: bool = True,
) -> Layer:
    """Read (if a path) and prepare a layer: ids, metric geometries, usable mask."""
    frame = as_frame(source, kind)
    if frame.crs is None and len(frame):
        raise CRSError(
            f"the {kind} layer has no CRS",
            path=source_of(frame),
            fix="load it with landmap's loaders or call gdf.set_crs(...)",
        )
    src = source_of(frame) or (str(source) if is_path(source) else None)
    frame = frame.reset_index(drop=True)
    ids, id_name = layer_ids(frame, kind, id_column)
    geo = frame.geometry
    if len(frame) and frame.crs is not None:
        geo = geo.to_crs(crs)
    raw = np.asarray(geo.values, dtype=object) if len(frame) else np.empty(0, dtype=object)
    notes: list[str] = []
    if polygons:
        geoms, usable = polygonal(raw)
        skipped = np.flatnonzero(~usable)
        for i in skipped[:50]:
            gtype = "missing" if raw[i] is None else shapely.get_type_id(raw[i])
            what = {
                0: "a point",
                1: "a line",
                2: "a line",
                4: "points",
                5: "lines",
                "missing": "no geometry",
            }.get(gtype, "an empty or unusable geometry")
            notes.append(f"{ids[i]}: {what}, so it has no area and takes no part in overlaps")
        if len(skipped) > 50:
            notes.append(f"... and {len(skipped) - 50} more rows without a usable polygon")
    else:
        geoms = shapely.force_2d(raw) if len(raw) else raw
        usable = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    return Layer(
        frame=frame,
        ids=ids,
        geoms=geoms,
        usable=usable,
        kind=kind,
        id_name=id_name,
        source=src,
        notes=notes,
    )
