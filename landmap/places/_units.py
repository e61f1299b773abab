"""Where a unit of the gazetteer is: the bundled commune polygons, by NCDD code.

``landmap/resources/boundaries/communes.geojson`` (geoBoundaries, from ODC 2014; CC BY 4.0)
holds the communes; ``landmap/resources/places/commune_codes.csv`` gives each polygon its
gazetteer code (``scripts/match_commune_codes.py``). A district or a province is the union of
its communes' polygons. The gazetteer has no village locations, so a village is placed no finer
than its commune; a commune without a polygon (created or split since 2014) no finer than its
district.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

_COMMUNES = "resources/boundaries/communes.geojson"
_CODES = "resources/places/commune_codes.csv"


@cache
def commune_polygons() -> gpd.GeoDataFrame:
    """Return the bundled commune polygons with their gazetteer code (EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        ``shapeID``, ``shapeName`` (as in the 2014 layer), ``admin_code`` (6-digit NCDD code;
        missing for the polygons that could not be matched) and the geometry, made valid.

    Examples
    --------
    >>> communes = commune_polygons()
    >>> len(communes), int(communes["admin_code"].notna().sum()) > 1600
    (1633, True)

    """
    root = resources.files("landmap")
    with resources.as_file(root.joinpath(_COMMUNES)) as path:
        frame = gpd.read_file(path, columns=["shapeID", "shapeName"])
    with resources.as_file(root.joinpath(_CODES)) as path:
        codes = pd.read_csv(path, dtype=str, keep_default_na=False)
    code = dict(zip(codes["shapeID"], codes["ncdd_code"], strict=True))
    frame["admin_code"] = pd.array([code.get(s) or None for s in frame["shapeID"]], dtype="string")
    frame["geometry"] = shapely.make_valid(frame.geometry.values)
    return frame.to_crs("EPSG:4326") if frame.crs and not frame.crs.equals(4326) else frame


class _Index:
    """Code -> polygon positions, and a spatial index over the polygons."""

    def __init__(self) -> None:
        frame = commune_polygons()
        self.geoms = np.asarray(frame.geometry.values, dtype=object)
        self.codes = frame["admin_code"].to_numpy(dtype=object, na_value=None)
        self.tree = shapely.STRtree(self.geoms)
        self.by_prefix: dict[str, list[int]] = {}
        for i, code in enumerate(self.codes):
            if code:
                for n in (2, 4, 6):
                    self.by_prefix.setdefault(code[:n], []).append(i)
        self.shapes: dict[str, object] = {}
        self.points: dict[str, object] = {}

    def shape(self, code: str) -> object | None:
        if code not in self.shapes:
            pos = self.by_prefix.get(code)
            self.shapes[code] = (
                None
                if not pos
                else self.geoms[pos[0]]
                if len(pos) == 1
                else shapely.union_all(self.geoms[pos])
            )
        return self.shapes[code]

    def point(self, code: str) -> object | None:
        if code not in self.points:
            shape = self.shape(code)
            self.points[code] = None if shape is None else shapely.point_on_surface(shape)
        return self.points[code]


@cache
def _index() -> _Index:
    return _Index()


def _finest_known(code: str) -> str | None:
    """Return the code itself, or its nearest parent, that the bundled polygons can place."""
    index = _index()
    while code:
        if len(code) <= 6 and code in index.by_prefix:
            return code
        code = code[:-2]
    return None


def unit_points(codes: object) -> tuple[np.ndarray, np.ndarray]:
    """Return the representative point of each code's unit, and the code actually placed.

    Parameters
    ----------
    codes
        NCDD codes (2, 4, 6 or 8 digits; ``None`` allowed).

    Returns
    -------
    (points, placed)
        ``points``: shapely points in EPSG:4326 (``None`` where nothing could be placed);
        ``placed``: the code whose unit the point represents: the code itself, or its nearest
        parent when the bundled polygons do not have it (every village; communes created
        since 2014). A unit's representative point always lies inside the unit.

    Examples
    --------
    >>> points, placed = unit_points(["030101", "03010101", None])
    >>> list(placed)
    ['030101', '030101', None]

    """
    values = [
        None if c is None or c is pd.NA or c != c else str(c)
        for c in np.asarray(codes, dtype=object)
    ]
    index = _index()
    placed = np.array([_finest_known(c) if c else None for c in values], dtype=object)
    points = np.array([index.point(c) if c else None for c in placed], dtype=object)
    return points, placed


def unit_geometries(codes: object) -> np.ndarray:
    """Return the polygon (union of communes) of each code's unit; ``None`` where unknown.

    A village code gets its commune's polygon; a code the bundled layer lacks, its nearest
    parent's.
    """
    _, placed = unit_points(codes)
    index = _index()
    return np.array([index.shape(c) if c else None for c in placed], dtype=object)


def units_at(x: np.ndarray, y: np.ndarray, *, uncoded: str | None = None) -> np.ndarray:
    """Return the 6-digit code of the bundled commune polygon each point lies in (or ``None``).

    Parameters
    ----------
    x, y
        Longitudes and latitudes (EPSG:4326); ``NaN`` gives ``None``.
    uncoded
        What to return for a point inside one of the few polygons without a gazetteer code
        (``None`` by default, as for a point in no polygon).

    Examples
    --------
    >>> import numpy as np
    >>> p, _ = unit_points(["030101"])
    >>> units_at(np.array([p[0].x]), np.array([p[0].y]))[0]
    '030101'

    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    out = np.full(len(x), None, dtype=object)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if not len(ok):
        return out
    index = _index()
    pts, polys = index.tree.query(shapely.points(x[ok], y[ok]), predicate="intersects")
    order = np.lexsort((polys, pts))  # first polygon (file order) of a point on a shared edge
    pts, polys = pts[order], polys[order]
    first = np.ones(len(pts), dtype=bool)
    first[1:] = pts[1:] != pts[:-1]
    codes = index.codes[polys[first]]
    if uncoded is not None:
        codes = np.array([c if c else uncoded for c in codes], dtype=object)
    out[ok[pts[first]]] = codes
    return out


#: How close (metres) a point must be to a unit's representative point to count as it.
UNIT_POINT_TOLERANCE_M = 1.0
_COARSE = ("commune", "district", "province")


def at_unit_point(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Tell, per case, whether its point is the official point of the unit its record names.

    True where ``location_precision`` is ``commune``, ``district`` or ``province`` and the
    point lies within a metre of :func:`unit_points` of ``admin_code`` cut to that level: the
    point the loader gives a case placed from its place names. Such a point is not anyone's
    home; a recorded point is never taken for one (the check is on the geometry, not on a
    column saying so).
    """
    from landmap.places._precision import CODE_LENGTH_OF
    from landmap.schema import CAMBODIA_METRIC_CRS

    out = np.zeros(len(frame), dtype=bool)
    if not {"location_precision", "admin_code"} <= set(frame.columns) or not len(frame):
        return out
    precision = frame["location_precision"].astype("string").str.strip().str.lower()
    rows = np.flatnonzero(precision.isin(_COARSE).fillna(False).to_numpy(dtype=bool))
    if not len(rows):
        return out
    codes = [
        c[: CODE_LENGTH_OF[p]] if isinstance(c, str) and c else None
        for c, p in zip(
            frame["admin_code"].astype("string").fillna("").to_numpy()[rows],
            precision.to_numpy()[rows],
            strict=True,
        )
    ]
    expected, _ = unit_points(codes)
    known = np.array([pt is not None for pt in expected], dtype=bool)
    if not known.any():
        return out
    rows = rows[known]
    points = gpd.GeoSeries(np.asarray(frame.geometry.array)[rows], crs=frame.crs)
    target = gpd.GeoSeries(list(expected[known]), crs="EPSG:4326")
    gap = shapely.distance(
        np.asarray(points.to_crs(CAMBODIA_METRIC_CRS).array),
        np.asarray(target.to_crs(CAMBODIA_METRIC_CRS).array),
    )
    out[rows] = np.nan_to_num(gap, nan=np.inf) <= UNIT_POINT_TOLERANCE_M
    return out


__all__ = ["at_unit_point", "commune_polygons", "unit_geometries", "unit_points", "units_at"]
