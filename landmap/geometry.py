"""Geometry helpers every layer shares: the polygonal parts of repaired geometries.

Polygons read from real files are often invalid (self-touching rings, bow-ties, slivers), and
:func:`shapely.make_valid` repairs them into polygons, multipolygons or collections that mix
polygons with the lines and points a collapsed ring leaves. Everything that measures area, draws
fills or checks containment wants only the polygonal parts: :func:`polygonal_parts` keeps them,
:func:`valid_polygons` repairs then keeps them. Both are vectorised over arrays of geometries.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import shapely

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7


def polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """Return the polygonal part of each geometry, or ``None`` where it has none.

    Polygons and multipolygons are returned as they are; a geometry collection (nested ones
    too) becomes its polygon when it holds one, the multipolygon of its polygons when it holds
    several; points, lines, empty and missing geometries become ``None``.

    Examples
    --------
    >>> import shapely
    >>> box = shapely.box(0, 0, 1, 1)
    >>> mixed = shapely.GeometryCollection([box, shapely.LineString([(2, 2), (3, 3)])])
    >>> [None if g is None else g.geom_type
    ...  for g in polygonal_parts(np.array([box, mixed, shapely.Point(0, 0), None]))]
    ['Polygon', 'Polygon', None, None]

    """
    geoms = np.asarray(geoms, dtype=object)
    tid = shapely.get_type_id(geoms)
    out = np.where(
        np.isin(tid, (_POLYGON, _MULTIPOLYGON)) & ~shapely.is_empty(geoms), geoms, None
    ).astype(object)
    mixed = np.flatnonzero(tid == _COLLECTION)
    if len(mixed):
        out[mixed] = _collection_polygons(geoms[mixed])
    return out


def _collection_polygons(collections: np.ndarray) -> np.ndarray:
    """Return the polygons of each collection: a polygon, a multipolygon of several, or None."""
    parts, index = shapely.get_parts(collections, return_index=True)
    while True:  # flatten nested collections and multi-parts down to single geometries
        tid = shapely.get_type_id(parts)
        nested = np.isin(tid, (4, 5, _MULTIPOLYGON, _COLLECTION))
        if not nested.any():
            break
        sub, sub_index = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_index]])
    keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
    parts, index = parts[keep], index[keep]
    out = np.full(len(collections), None, dtype=object)
    if not len(parts):
        return out
    order = np.argsort(index, kind="stable")
    parts, index = parts[order], index[order]
    _, dense, counts = np.unique(index, return_inverse=True, return_counts=True)
    several = counts[dense] > 1
    out[index[~several]] = parts[~several]
    if several.any():
        owners_several, dense_several = np.unique(index[several], return_inverse=True)
        merged = shapely.multipolygons(parts[several], indices=dense_several)
        overlapping = ~shapely.is_valid(merged)  # a collection may hold overlapping polygons
        if overlapping.any():  # "structure" unions them
            merged[overlapping] = shapely.make_valid(
                merged[overlapping], method="structure", keep_collapsed=False
            )
        out[owners_several] = merged
    return out


def valid_polygons(
    geoms: np.ndarray, *, method: Literal["linework", "structure"] = "linework"
) -> np.ndarray:
    """Repair invalid geometries with :func:`shapely.make_valid` and keep their polygonal parts.

    Parameters
    ----------
    geoms
        An array of geometries (``None`` for a missing one).
    method
        ``make_valid``'s algorithm: ``"linework"`` (GEOS's default: every ring's area is kept)
        or ``"structure"`` (rings are read as shells and holes; collapsed parts are dropped).

    Returns
    -------
    numpy.ndarray
        Valid polygons or multipolygons, ``None`` where no area is left (see
        :func:`polygonal_parts`).

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed = valid_polygons(np.array([bowtie]))[0]
    >>> fixed.geom_type, fixed.is_valid, fixed.area
    ('MultiPolygon', True, 2.0)

    """
    geoms = np.array(geoms, dtype=object)
    invalid = ~shapely.is_missing(geoms) & ~shapely.is_valid(geoms)
    if invalid.any():
        options = {"keep_collapsed": False} if method == "structure" else {}
        geoms[invalid] = shapely.make_valid(geoms[invalid], method=method, **options)
    return polygonal_parts(geoms)


__all__ = ["polygonal_parts", "valid_polygons"]
