"""Compact transfer of geometry and attributes to the browser.

Coordinates are snapped to a grid whose step is about one screen pixel at the map's most
detailed zoom, delta-encoded along the whole layer (neighbouring features share nearly all of
their digits) and written as variable-length integers in a URL-safe base-64 alphabet: a parcel
vertex usually costs 2-4 bytes instead of ~40 in GeoJSON. Polygons are first simplified with
GEOS' coverage simplifier at the same tolerance, which keeps the edges shared by neighbouring
parcels identical (no slivers, no gaps); snapping both sides of a shared edge to one grid keeps
them shared. ``landmap.js`` decodes the strings in one pass.

Attribute columns travel as columns: repetitive ones as a dictionary plus codes, the rest as
plain lists. Only the columns a map asks for are encoded.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALPHA = np.frombuffer(ALPHABET, dtype=np.uint8)
EARTH_CIRCUMFERENCE_M = 40_075_016.686
METRES_PER_DEGREE = 111_320.0


def pixel_size_m(zoom: float, lat: float = 12.5) -> float:
    """Return the ground size in metres of one Web-Mercator screen pixel at ``zoom``.

    Examples
    --------
    >>> round(pixel_size_m(18, 12.5), 2)
    0.58

    """
    return EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (256 * 2**zoom)


def grid_step(max_zoom: float, lat: float = 12.5) -> float:
    """Return the coordinate grid step in degrees for a layer viewed up to ``max_zoom``.

    One pixel at ``max_zoom`` (about 0.6 m at zoom 18, 9 m at zoom 14): finer detail cannot
    be seen, so it is not sent.
    """
    return pixel_size_m(max_zoom, lat) / METRES_PER_DEGREE


def varint(values: np.ndarray) -> str:
    """Encode non-negative integers as base-64 variable-length digits.

    Five bits per character, the sixth bit meaning "more follows", least significant first.

    Examples
    --------
    >>> varint(np.array([0, 1, 31, 32, 1000]))
    'ABfgBof'

    """
    v = np.asarray(values, dtype=np.uint64)
    if v.size == 0:
        return ""
    nchars = np.ones(v.shape, dtype=np.int64)
    for k in range(1, 13):  # 13 digits of 5 bits hold any 64-bit value
        more = v >= np.uint64(32**k)
        if not more.any():
            break
        nchars += more
    starts = np.cumsum(nchars) - nchars
    out = np.empty(int(nchars.sum()), dtype=np.uint8)
    for k in range(int(nchars.max())):
        m = nchars > k
        chunk = (v[m] >> np.uint64(5 * k)) & np.uint64(31)
        chunk = chunk | np.where(nchars[m] > k + 1, np.uint64(32), np.uint64(0))
        out[starts[m] + k] = _ALPHA[chunk.astype(np.int64)]
    return out.tobytes().decode("ascii")


def zigzag(values: np.ndarray) -> np.ndarray:
    """Map signed integers onto non-negative ones (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...)."""
    v = np.asarray(values, dtype=np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def simplify(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify polygons so shared edges stay shared (GEOS coverage simplification).

    Falls back to per-polygon topology-preserving simplification when GEOS cannot treat the
    layer as a coverage.
    """
    if tolerance <= 0 or len(geoms) == 0:
        return geoms
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out = np.array(geoms, dtype=object)
    try:
        out[present] = shapely.coverage_simplify(geoms[present], tolerance)
    except shapely.errors.GEOSException:
        out[present] = shapely.simplify(geoms[present], tolerance, preserve_topology=True)
    return out


def _quantise(coords: np.ndarray, step: float, origin: tuple[float, float]) -> np.ndarray:
    return np.rint((coords - np.asarray(origin)) / step).astype(np.int64)


def encode_polygons(
    geoms: np.ndarray, *, step: float, origin: tuple[float, float]
) -> dict[str, Any]:
    """Encode (multi)polygons: ring headers and coordinate deltas as two strings.

    Each ring has one header ``npts << 2 | flags`` (flag 2: first ring of a feature, flag 1:
    first ring of a further polygon of a multipolygon; holes have no flag); a feature without
    geometry is one header with no points. Coordinates are ``x, y`` deltas on the grid
    ``origin + k * step``; each ring's closing vertex is implied.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    parts, part_feature = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    q = _quantise(coords, step, origin)
    # Drop each ring's closing vertex and consecutive duplicates created by snapping.
    keep = np.ones(len(q), dtype=bool)
    if len(q):
        last = np.r_[coord_ring[1:] != coord_ring[:-1], True]
        keep &= ~last
        same = np.r_[False, (q[1:] == q[:-1]).all(axis=1) & (coord_ring[1:] == coord_ring[:-1])]
        keep &= ~same
    q, coord_ring = q[keep], coord_ring[keep]
    npts = np.bincount(coord_ring, minlength=len(rings)).astype(np.int64)
    ring_feature = part_feature[ring_part]
    first_of_feature = (
        np.r_[True, ring_feature[1:] != ring_feature[:-1]] if len(rings) else np.zeros(0, bool)
    )
    first_of_part = (
        np.r_[True, ring_part[1:] != ring_part[:-1]] if len(rings) else np.zeros(0, bool)
    )
    flags = np.where(first_of_feature, 2, np.where(first_of_part, 1, 0))
    headers = (npts << 2) | flags
    # Features with no ring at all (missing or empty geometry) get an empty header.
    has = np.zeros(n, dtype=bool)
    has[ring_feature] = True
    if not has.all():
        order = np.r_[ring_feature.astype(np.float64), np.flatnonzero(~has) - 0.5]
        headers = np.r_[headers, np.full(int((~has).sum()), 2, dtype=np.int64)]
        headers = headers[np.argsort(order, kind="stable")]
    deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    return {
        "n": n,
        "h": varint(headers),
        "c": varint(zigzag(deltas)),
        "o": [float(origin[0]), float(origin[1])],
        "q": step,
    }


def encode_points(geoms: np.ndarray, *, step: float, origin: tuple[float, float]) -> dict[str, Any]:
    """Encode points as coordinate deltas on the grid ``origin + k * step``.

    A feature without a location (missing or empty geometry) has no coordinates; ``"m"`` then
    lists those features as the gaps between their indices (``i0, i1 - i0 - 1, ...``), and
    the decoder gives them no point. Multipoints are not points: use one row per point.

    Examples
    --------
    >>> import shapely
    >>> pts = np.array([shapely.Point(0, 0), None, shapely.Point(1, 2)])
    >>> encode_points(pts, step=1.0, origin=(0.0, 0.0))
    {'n': 3, 'c': 'AACE', 'o': [0.0, 0.0], 'q': 1.0, 'm': 'B'}

    """
    geoms = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    present = geoms[~missing]
    if (shapely.get_type_id(present) != 0).any():
        raise ValueError("encode_points takes points only (a multipoint is several points)")
    xy = shapely.get_coordinates(present)
    q = _quantise(xy, step, origin)
    deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    out: dict[str, Any] = {
        "n": len(geoms),
        "c": varint(zigzag(deltas)),
        "o": [float(origin[0]), float(origin[1])],
        "q": step,
    }
    if missing.any():
        out["m"] = varint(np.diff(np.flatnonzero(missing), prepend=-1) - 1)
    return out


def _text(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: float) -> str | None:
    """Two decimals at most, thousands separated by a thin space: ``12 345.68``."""
    if pd.isna(value):
        return None
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f")


def encode_column(values: pd.Series) -> dict[str, Any]:
    """Encode one attribute column as display strings (``None`` for missing values).

    Columns with few distinct values become ``{"d": [distinct...], "i": codes}`` (codes as a
    :func:`varint` string, 0 meaning missing); numbered identifiers (``P000123``) a few prefixes
    and the deltas of their numbers (see :func:`_numbered`); others ``{"v": [values...]}``.
    Numbers are written as text here: popups show them, they are not computed on.
    """
    s = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        text = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)
    elif pd.api.types.is_float_dtype(s):
        text = s.map(_number)
    else:
        text = s.map(_text)
    text = text.astype(object).where(text.notna(), None)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    if len(uniques) * 2 < len(s):
        return {"d": [str(u) for u in uniques], "i": varint(codes + 1)}
    numbered = _numbered(text)
    if numbered is not None:
        return numbered
    return {"v": list(text)}


#: Shortest column whose numbered identifiers are sent as prefixes and deltas.
MIN_NUMBERED = 64
_NUMBERED = r"^(?P<prefix>(?:.*[^0-9])?)(?P<digits>[0-9]{1,15})$"


def _numbered(text: pd.Series) -> dict[str, Any] | None:
    """Encode identifiers such as ``P000123`` as a few prefixes plus number deltas.

    ``{"d": prefixes, "i": codes (0: missing; left out when every value has the one prefix),
    "n": zigzag deltas of the numbers, "w": zero-padded width (0: no padding)}``. ``None`` when
    the column is not like that (or would not be smaller): the values are written as they are.
    """
    present = text.notna().to_numpy()
    if len(text) < MIN_NUMBERED or not present.any():
        return None  # a short column stays readable: nothing to gain
    parts = pd.Series(text[present], dtype="string").str.extract(_NUMBERED)
    if parts["digits"].isna().any():
        return None
    digits = parts["digits"].astype(str)
    lengths = digits.str.len()
    if lengths.nunique() == 1 and int(lengths.iloc[0]) > 1:
        width = int(lengths.iloc[0])
    elif (digits.str.startswith("0") & (lengths > 1)).any():
        return None  # padded to different widths: cannot be rebuilt exactly
    else:
        width = 0
    prefix_codes, prefixes = pd.factorize(parts["prefix"].astype(str))
    if len(prefixes) * 2 > len(text):
        return None
    numbers = digits.astype(np.int64).to_numpy()
    out: dict[str, Any] = {
        "d": [str(p) for p in prefixes],
        "w": width,
        "n": varint(zigzag(np.diff(numbers, prepend=0))),
    }
    if len(prefixes) > 1 or not present.all():
        codes = np.zeros(len(text), dtype=np.int64)
        codes[present] = prefix_codes + 1
        out["i"] = varint(codes)
    else:
        out["len"] = len(text)
    plain = int(text[present].map(len).sum()) + 3 * len(text)  # as a JSON list, about
    return out if len(out["n"]) + len(out.get("i", "")) < plain else None


__all__ = [
    "encode_column",
    "encode_points",
    "encode_polygons",
    "grid_step",
    "pixel_size_m",
    "simplify",
    "varint",
    "zigzag",
]
