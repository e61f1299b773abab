"""Row-level validation of a layer in EPSG:4326, vectorised over all geometries at once.

Each row ends up ``loaded``, ``repaired`` or ``rejected`` with a reason:

- null or empty geometry: rejected (with the coordinate parser's reason when there is one);
- wrong geometry type for the layer kind (mixed-geometry files): rejected; geometry collections
  in polygon layers keep their polygonal parts (repaired);
- invalid polygons: repaired with :func:`shapely.make_valid`, keeping the polygonal parts;
- points outside the study area (Cambodia by default) or out of range: rejected, unless the
  point with latitude and longitude exchanged falls inside: then it is a probable swap,
  repaired when ``fix_swapped=True`` and otherwise rejected with that explanation.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from importlib import resources
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from landmap.errors import DataValueError
from landmap.geometry import polygonal_parts, valid_polygons
from landmap.schema import GEOMETRY_TYPES

StudyArea = (
    str
    | os.PathLike[str]
    | tuple[float, float, float, float]
    | gpd.GeoDataFrame
    | gpd.GeoSeries
    | BaseGeometry
    | None
)

_TYPE_IDS = {
    "Point": 0,
    "LineString": 1,
    "LinearRing": 2,
    "Polygon": 3,
    "MultiPoint": 4,
    "MultiLineString": 5,
    "MultiPolygon": 6,
    "GeometryCollection": 7,
}
_TYPE_NAMES = {v: k for k, v in _TYPE_IDS.items()}
_BUNDLED = {"cambodia": "cambodia", "khm": "cambodia", "kh": "cambodia", "កម្ពុជា": "cambodia"}
#: Below this many points one :func:`shapely.contains_xy` call is cheaper than the grid.
_GRID_MIN_POINTS = 50_000
_GRID_CELLS = 128
#: Grids kept (the study areas a session validates against; each holds its geometry, so the
#: ``id`` it is keyed on cannot be reused while it is kept).
_GRID_CACHE_SIZE = 8
_GRIDS: dict[int, tuple[BaseGeometry, _Grid]] = {}
_GRIDS_LOCK = threading.Lock()


def clear_grid_cache() -> None:
    """Forget the study-area grids :func:`contains_xy` kept (to free their memory)."""
    with _GRIDS_LOCK:
        _GRIDS.clear()


class Validation(NamedTuple):
    """Outcome of :func:`validate_geometries` (aligned with the input rows)."""

    data: gpd.GeoDataFrame
    rejected: np.ndarray
    repaired: np.ndarray
    reasons: list[pd.Series]


class StudyAreaShape(NamedTuple):
    """A study area ready for point-in-polygon tests."""

    name: str
    geometry: BaseGeometry


@cache
def _bundled(name: str) -> BaseGeometry:
    text = (
        resources.files("landmap")
        .joinpath(f"resources/study_areas/{name}.geojson")
        .read_text("utf-8")
    )
    geom = shapely.union_all(gpd.read_file(text).geometry.values)
    shapely.prepare(geom)
    return geom


def study_area_shape(study_area: StudyArea = None) -> StudyAreaShape:
    """Resolve a study area: ``None``/"Cambodia", a bbox, a GeoDataFrame/geometry or a file.

    Parameters
    ----------
    study_area
        ``None`` or ``"Cambodia"`` (the bundled outline, buffered by 10 km); a
        ``(minx, miny, maxx, maxy)`` tuple in degrees; a GeoDataFrame, GeoSeries or shapely
        geometry; or the path of a polygon file (any format GDAL reads).

    Returns
    -------
    StudyAreaShape
        Its name (for messages) and a prepared geometry in EPSG:4326.

    Raises
    ------
    DataValueError
        The name is not a bundled study area, the tuple is not a bbox, or the file has no
        polygons.

    Examples
    --------
    >>> study_area_shape((102, 10, 108, 15)).name
    'bbox (102, 10, 108, 15)'

    """
    if study_area is None:
        return StudyAreaShape("Cambodia", _bundled("cambodia"))
    if isinstance(study_area, BaseGeometry):
        geom = study_area
        name = "the study area"
    elif isinstance(study_area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        series = study_area.geometry if isinstance(study_area, gpd.GeoDataFrame) else study_area
        if series.crs is not None:
            series = series.to_crs("EPSG:4326")
        geom = shapely.union_all(series.values)
        name = "the study area"
    elif isinstance(study_area, tuple | list) and len(study_area) == 4:
        try:
            minx, miny, maxx, maxy = (float(v) for v in study_area)
        except (TypeError, ValueError) as err:
            raise DataValueError(
                f"study_area {study_area!r} is not four numbers",
                fix="give (min_lon, min_lat, max_lon, max_lat)",
            ) from err
        if not (minx < maxx and miny < maxy):
            raise DataValueError(
                f"study_area {study_area!r} is not (min_lon, min_lat, max_lon, max_lat)",
                fix="put the smaller longitude and latitude first",
            )
        geom = shapely.box(minx, miny, maxx, maxy)
        name = f"bbox ({', '.join(f'{v:g}' for v in (minx, miny, maxx, maxy))})"
    elif isinstance(study_area, str | os.PathLike):
        key = str(study_area).strip().lower()
        if key in _BUNDLED:
            return StudyAreaShape("Cambodia", _bundled(_BUNDLED[key]))
        if not os.path.exists(study_area):
            raise DataValueError(
                f"study_area {str(study_area)!r} is neither a bundled country (Cambodia) nor a "
                "file",
                fix="give a bbox (min_lon, min_lat, max_lon, max_lat), a GeoDataFrame or a "
                "polygon file",
            )
        frame = gpd.read_file(study_area)
        if frame.crs is not None:
            frame = frame.to_crs("EPSG:4326")
        geom = shapely.union_all(frame.geometry.values)
        name = os.path.basename(str(study_area))
    else:
        raise DataValueError(
            f"study_area {study_area!r} of type {type(study_area).__name__} is not understood",
            fix="give a bbox tuple, a GeoDataFrame, a country name or a file path",
        )
    if geom is None or geom.is_empty or shapely.get_dimensions(geom) < 2:
        raise DataValueError(f"study area {name!r} has no polygon", fix="give polygons or a bbox")
    geom = shapely.make_valid(geom)
    shapely.prepare(geom)
    return StudyAreaShape(name, geom)


class _Grid(NamedTuple):
    """Cells over a study area's bounds: 1 wholly inside, 0 wholly outside, -1 on the border.

    ``state`` has one extra last entry (0) for points off the grid.
    """

    x0: float
    y0: float
    dx: float
    dy: float
    n: int
    state: np.ndarray


def _grid(area: BaseGeometry) -> _Grid:
    """Classify the cells of a grid over ``area`` once (cached per geometry)."""
    hit = _GRIDS.get(id(area))
    if hit is not None and hit[0] is area:
        return hit[1]
    n = _GRID_CELLS
    x0, y0, x1, y1 = area.bounds
    # cells slightly wider than bounds/n so that the far edge falls inside the last cell
    dx = max(x1 - x0, 1e-9) / n * (1 + 1e-6)
    dy = max(y1 - y0, 1e-9) / n * (1 + 1e-6)
    j, i = np.divmod(np.arange(n * n), n)
    # each cell is tested slightly enlarged: a point that rounding puts in a neighbouring cell
    # still lies in the enlarged box, so the classification is exact for every point
    ex, ey = dx * 1e-6, dy * 1e-6
    boxes = shapely.box(
        x0 + i * dx - ex, y0 + j * dy - ey, x0 + (i + 1) * dx + ex, y0 + (j + 1) * dy + ey
    )
    state = np.full(n * n + 1, -1, dtype=np.int8)
    state[:-1][shapely.contains_properly(area, boxes)] = 1
    state[:-1][~shapely.intersects(area, boxes)] = 0
    state[-1] = 0
    grid = _Grid(x0, y0, dx, dy, n, state)
    with _GRIDS_LOCK:
        if len(_GRIDS) >= _GRID_CACHE_SIZE:
            _GRIDS.pop(next(iter(_GRIDS)))
        _GRIDS[id(area)] = (area, grid)
    return grid


def contains_xy(area: BaseGeometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`shapely.contains_xy` for many points, testing exactly only those near the border.

    Points outside the area's bounds, or in a grid cell that lies wholly inside or wholly
    outside the area, are decided from the cell; the rest (a few percent for a country
    outline) go through :func:`shapely.contains_xy`. The result is identical to it.

    Parameters
    ----------
    area
        A polygonal geometry (prepared or not); its grid is cached while it lives.
    x, y
        Float arrays of coordinates (``NaN`` and infinities are never contained).

    Returns
    -------
    numpy.ndarray
        Boolean array: the point lies in the interior of ``area``.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> contains_xy(shapely.box(0, 0, 2, 2), np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    array([ True, False])

    """
    if len(x) < _GRID_MIN_POINTS:
        return shapely.contains_xy(area, x, y)
    g = _grid(area)
    with np.errstate(invalid="ignore"):
        fx = np.subtract(x, g.x0)
        fx /= g.dx
        np.floor(fx, out=fx)
        fy = np.subtract(y, g.y0)
        fy /= g.dy
        np.floor(fy, out=fy)
        # NaN and infinite coordinates fail these tests too: never contained, as in shapely
        ok = (fx >= 0) & (fx < g.n) & (fy >= 0) & (fy < g.n)
        fy *= g.n
        fy += fx
    # cells off the grid read the extra last entry: outside
    cell = np.where(ok, fy, g.n * g.n).astype(np.intp)
    state = g.state[cell]
    inside = state == 1
    border = np.flatnonzero(state == -1)
    if len(border):
        inside[border] = shapely.contains_xy(area, x[border], y[border])
    return inside


def _noter(reasons: list[pd.Series]):
    """Return ``note(mask, text)``, which records a reason for the rows where ``mask`` is true.

    ``text`` is one reason for all of them, or one per selected row.
    """

    def note(mask: np.ndarray, text: object) -> None:
        idx = np.flatnonzero(mask)
        if len(idx):
            values = [text] * len(idx) if isinstance(text, str) else list(text)
            reasons.append(pd.Series(values, index=idx, dtype="string"))

    return note


def validate_geometries(
    data: gpd.GeoDataFrame,
    kind: str,
    *,
    study_area: StudyArea = None,
    fix_swapped: bool = False,
    no_geometry_reasons: pd.Series | None = None,
) -> Validation:
    """Check every geometry of a layer (EPSG:4326) for its kind; repair what can be repaired.

    Parameters
    ----------
    data
        The layer, one row per input record, in EPSG:4326.
    kind
        ``cases``, ``areas``, ``concessions`` or ``boundaries``.
    study_area
        Where case points may lie (see :func:`study_area_shape`); default Cambodia.
    fix_swapped
        Swap back points whose latitude and longitude were exchanged.
    no_geometry_reasons
        Reasons for rows whose geometry could not be built (index = row position).

    Returns
    -------
    Validation
        The layer with repaired geometries, boolean ``rejected``/``repaired`` arrays and sparse
        reason Series (index = row position).

    """
    geoms = np.asarray(
        data.geometry.values.to_numpy()
        if hasattr(data.geometry.values, "to_numpy")
        else data.geometry.values,
        dtype=object,
    ).copy()
    n = len(geoms)
    rejected = np.zeros(n, bool)
    repaired = np.zeros(n, bool)
    reasons: list[pd.Series] = []
    note = _noter(reasons)

    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    given = np.zeros(n, bool)
    if no_geometry_reasons is not None and len(no_geometry_reasons):
        pos = no_geometry_reasons.index.to_numpy(dtype=int)
        given[pos] = True
        known = given & (missing | empty)
        reasons.append(no_geometry_reasons[known[pos]].astype("string"))
    note(missing & ~given, "no geometry (null)")
    note(empty & ~given, "empty geometry")
    rejected |= missing | empty

    tid = np.where(rejected, -1, shapely.get_type_id(geoms))
    allowed = [_TYPE_IDS[t] for t in GEOMETRY_TYPES[kind]]  # type: ignore[index]
    polygonal = "Polygon" in GEOMETRY_TYPES[kind]  # type: ignore[index]
    collection = (tid == _TYPE_IDS["GeometryCollection"]) & polygonal
    if collection.any():
        parts = polygonal_parts(geoms[collection])
        ok = np.array([p is not None for p in parts])
        pos = np.flatnonzero(collection)
        geoms[pos[ok]] = parts[ok]
        tid[pos[ok]] = shapely.get_type_id(parts[ok].astype(object)) if ok.any() else tid[pos[ok]]
        fixed = np.zeros(n, bool)
        fixed[pos[ok]] = True
        repaired |= fixed
        note(fixed, "geometry collection: kept its polygon parts")
    wrong = ~rejected & ~np.isin(tid, allowed)
    if wrong.any():
        expected = " or ".join(GEOMETRY_TYPES[kind])  # type: ignore[index]
        note(
            wrong,
            [
                f"wrong geometry type {_TYPE_NAMES.get(t, t)} ({kind} need {expected})"
                for t in tid[wrong]
            ],
        )
        rejected |= wrong

    shapes = ~rejected & (tid != _TYPE_IDS["Point"])
    if shapes.any():  # points have their own range and study-area checks below
        _check_range(geoms, shapes, rejected, note)

    if polygonal:
        poly = ~rejected & np.isin(tid, [_TYPE_IDS["Polygon"], _TYPE_IDS["MultiPolygon"]])
        invalid = poly.copy()
        invalid[poly] = ~shapely.is_valid(geoms[poly])
        if invalid.any():
            why = shapely.is_valid_reason(geoms[invalid])
            fixed = valid_polygons(geoms[invalid])
            ok = np.array([f is not None for f in fixed])
            pos = np.flatnonzero(invalid)
            geoms[pos[ok]] = fixed[ok]
            good = np.zeros(n, bool)
            good[pos[ok]] = True
            bad = np.zeros(n, bool)
            bad[pos[~ok]] = True
            note(good, [f"invalid geometry repaired ({w})" for w in why[ok]])
            note(bad, [f"invalid geometry with no area left after repair ({w})" for w in why[~ok]])
            repaired |= good
            rejected |= bad

    points = ~rejected & (tid == _TYPE_IDS["Point"])
    if points.any():
        _check_points(geoms, points, kind, study_area, fix_swapped, rejected, repaired, note)

    out = data.set_geometry(gpd.GeoSeries(geoms, index=data.index, crs=data.crs))
    repaired &= ~rejected
    return Validation(out, rejected, repaired, reasons)


def _check_range(geoms, shapes, rejected, note) -> None:
    """Reject lines and polygons with a coordinate that is no longitude or latitude.

    A layer is held in EPSG:4326: a vertex at x = 500000 is a projected coordinate in a file
    that declares degrees, and one at 1e308 is garbage; either would make every extent,
    area and map of the layer meaningless.
    """
    bounds = shapely.bounds(geoms[shapes])
    with np.errstate(invalid="ignore"):
        bad = (
            ~np.isfinite(bounds).all(axis=1)
            | (bounds[:, 0] < -180)
            | (bounds[:, 2] > 180)
            | (bounds[:, 1] < -90)
            | (bounds[:, 3] > 90)
        )
    if not bad.any():
        return
    out = np.zeros(len(geoms), bool)
    out[np.flatnonzero(shapes)[bad]] = True
    note(
        out,
        [
            f"coordinates out of range for longitude/latitude (x {a:g} to {c:g}, y {b:g} to "
            f"{d:g}): projected coordinates in a file that declares degrees?"
            for a, b, c, d in bounds[bad]
        ],
    )
    rejected |= out


def _check_points(geoms, points, kind, study_area, fix_swapped, rejected, repaired, note) -> None:
    if points.all():
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
    else:
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        x[points] = shapely.get_x(geoms[points])
        y[points] = shapely.get_y(geoms[points])
    swapped = _check_xy(x, y, points, kind, study_area, fix_swapped, rejected, repaired, note)
    if fix_swapped and swapped.any():
        geoms[swapped] = shapely.points(x[swapped], y[swapped])


def _check_xy(x, y, points, kind, study_area, fix_swapped, rejected, repaired, note) -> np.ndarray:
    """Study-area, range and swap checks on coordinate arrays (swapped back in place if asked)."""
    area = study_area_shape(study_area)
    with np.errstate(invalid="ignore"):
        if points.all():
            inside = contains_xy(area.geometry, x, y)
        else:
            inside = points.copy()
            inside[points] = contains_xy(area.geometry, x[points], y[points])
        out = points & ~inside
        swapped = out.copy()
        if not out.any():
            return swapped
        swapped[out] = shapely.contains_xy(area.geometry, y[out], x[out])
    pairs = list(zip(x[swapped], y[swapped], strict=True))
    if swapped.any() and fix_swapped:
        note(
            swapped,
            [f"latitude/longitude were swapped ({a:g}, {b:g}); swapped back" for a, b in pairs],
        )
        x[swapped], y[swapped] = y[swapped], x[swapped].copy()
        repaired |= swapped
    elif swapped.any():
        note(
            swapped,
            [
                f"probably swapped latitude/longitude: lon {a:g}, lat {b:g} lies outside "
                f"{area.name} but the swapped point lies inside (load with fix_swapped=True "
                "to swap it back)"
                for a, b in pairs
            ],
        )
        rejected |= swapped
    rest = out & ~swapped
    zero = rest & (x == 0) & (y == 0)
    note(zero, "coordinates 0, 0 (an empty GPS fix?)")
    bad_range = rest & ~zero & ((np.abs(y) > 90) | (np.abs(x) > 180))
    note(
        bad_range,
        [
            f"coordinates out of range: lon {a:g}, lat {b:g}"
            for a, b in zip(x[bad_range], y[bad_range], strict=True)
        ],
    )
    far = rest & ~zero & ~bad_range
    what = "case point" if kind == "cases" else "point"
    note(
        far,
        [
            f"{what} outside {area.name}: lon {a:.6g}, lat {b:.6g}"
            for a, b in zip(x[far], y[far], strict=True)
        ],
    )
    rejected |= rest
    return swapped


class PointValidation(NamedTuple):
    """Outcome of :func:`validate_points` (aligned with the input rows)."""

    x: np.ndarray
    y: np.ndarray
    rejected: np.ndarray
    repaired: np.ndarray
    reasons: list[pd.Series]


def validate_points(
    x: np.ndarray,
    y: np.ndarray,
    kind: str = "cases",
    *,
    study_area: StudyArea = None,
    fix_swapped: bool = False,
    no_geometry_reasons: pd.Series | None = None,
) -> PointValidation:
    """Check point coordinates (EPSG:4326 arrays) without building geometries first.

    The same checks as :func:`validate_geometries` applies to points, on plain arrays: a table
    of a million cases is validated before any shapely point is made.

    Parameters
    ----------
    x, y
        Longitudes and latitudes; ``NaN`` where a row has no usable coordinate.
    kind
        Layer kind (for messages).
    study_area
        See :func:`study_area_shape`.
    fix_swapped
        Swap back probable swapped latitude/longitude (the arrays are updated).
    no_geometry_reasons
        Why rows have no coordinates (index = row position).

    Returns
    -------
    PointValidation
        Coordinates (swapped back where fixed), ``rejected``/``repaired`` and reasons.

    """
    x = np.array(x, dtype="float64")
    y = np.array(y, dtype="float64")
    n = len(x)
    rejected = np.zeros(n, bool)
    repaired = np.zeros(n, bool)
    reasons: list[pd.Series] = []
    note = _noter(reasons)

    missing = np.isnan(x) | np.isnan(y)
    given = np.zeros(n, bool)
    if no_geometry_reasons is not None and len(no_geometry_reasons):
        pos = no_geometry_reasons.index.to_numpy(dtype=int)
        given[pos] = True
        reasons.append(no_geometry_reasons[missing[pos]].astype("string"))
    note(missing & ~given, "no coordinates")
    rejected |= missing
    _check_xy(x, y, ~missing, kind, study_area, fix_swapped, rejected, repaired, note)
    repaired &= ~rejected
    return PointValidation(x, y, rejected, repaired, reasons)


__all__ = [
    "PointValidation",
    "StudyAreaShape",
    "Validation",
    "clear_grid_cache",
    "contains_xy",
    "study_area_shape",
    "validate_geometries",
    "validate_points",
]
