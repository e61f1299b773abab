"""Points in the structure of exported files, with the case id a file gives them.

Point features of GeoJSON (also inside HTML), KML placemarks, every point layer GDAL reads
(GeoPackage, zipped shapefiles, FlatGeobuf, GML), coordinate and WKT columns of CSV, XLSX and
GeoPackage tables, landmap's own compact map payload (``landmap.render.maps.encode``), and the
rest of an HTML page read as text (:mod:`landmap.leakcheck.notation`). Polygon and line vertices
are not taken for case locations, nor are GeoPackage extents and spatial-index boxes.

A point labelled with a case id (a ``case_id`` property or column, a placemark name, or a column
whose values are mostly known case ids) is judged against that case only: a masked point may
land near another household by chance.

Text streams are read here; files GDAL or SQLite reads in :mod:`landmap.leakcheck.layers`,
coordinate columns of tables in :mod:`landmap.leakcheck.tables`, landmap's map payload in
:mod:`landmap.leakcheck.payload`. Their public names are importable from here too.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import numpy as np

from landmap.leakcheck.layers import cached_reads, file_points
from landmap.leakcheck.notation import bare_pairs
from landmap.leakcheck.payload import (
    JSON_BLOCK,
    decode_varints,
    map_payload_points,
    numbered_texts,
    numbered_values,
)
from landmap.leakcheck.tables import CASE_ID, LAT, LON, UTM_X, UTM_Y, Point
from landmap.schema import CAMBODIA_METRIC_CRS

_KML_POINT = re.compile(
    r"<(?:\w+:)?Point\b[^>]*>.*?<(?:\w+:)?coordinates>(.*?)</(?:\w+:)?coordinates>", re.S
)


def _feature_id(props: dict[str, Any], known: frozenset[str]) -> str | None:
    if props.get(CASE_ID) is not None:
        return str(props[CASE_ID])
    return next((str(v) for v in props.values() if isinstance(v, str) and v in known), None)


def _geojson_points(
    obj: Any, out: list[Point], case_id: str | None = None, known: frozenset[str] = frozenset()
) -> None:
    if isinstance(obj, dict):
        kind = obj.get("type")
        if kind == "Feature" and isinstance(obj.get("properties"), dict):
            case_id = _feature_id(obj["properties"], known)
        coords = obj.get("coordinates")
        if kind == "Point" and isinstance(coords, list) and len(coords) >= 2:
            out.append((coords[0], coords[1], case_id))
        elif kind == "MultiPoint" and isinstance(coords, list):
            out.extend((c[0], c[1], case_id) for c in coords if isinstance(c, list) and len(c) >= 2)
        if kind == "GeometryCollection" and not all(
            isinstance(g, dict) and g.get("type") in ("Point", "MultiPoint")
            for g in obj.get("geometries") or []
        ):
            return  # points beside polygons or lines: left over from an overlay, not cases
        for key, value in obj.items():
            if key not in ("coordinates", "properties"):
                _geojson_points(value, out, case_id, known)
    elif isinstance(obj, list):
        for value in obj:
            _geojson_points(value, out, case_id, known)


def _embedded_geojson(text: str, known: frozenset[str]) -> tuple[list[Point], str]:
    """GeoJSON objects inside HTML/JS: their points, and the text with them cut out."""
    points: list[Point] = []
    decoder = json.JSONDecoder()
    kept, pos = [], 0
    for match in re.finditer(r'\{\s*"(?:type|features|bbox|geometry)"\s*:', text):
        if match.start() < pos:
            continue
        try:
            obj, end = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and (
            "features" in obj or "coordinates" in obj or "geometry" in obj
        ):
            _geojson_points(obj, points, known=known)
            kept.append(text[pos : match.start()])
            pos = end
    kept.append(text[pos:])
    return points, " ".join(kept)


def _json_blocks(text: str, known: frozenset[str]) -> tuple[list[Point], str]:
    """Points in ``<script type="application/json">`` blocks, and the text without them."""
    points: list[Point] = []
    rest, pos = [], 0
    for match in JSON_BLOCK.finditer(text):
        try:
            obj = json.loads(match.group(1))
        except json.JSONDecodeError:
            continue
        map_payload_points(obj, points, known)
        _geojson_points(obj, points, known=known)
        rest.append(text[pos : match.start()])
        pos = match.end()
    rest.append(text[pos:])
    return points, " ".join(rest)


def _kml_points(text: str, known: frozenset[str]) -> list[Point]:
    points: list[Point] = []
    for placemark in re.findall(r"<(?:\w+:)?Placemark\b.*?</(?:\w+:)?Placemark>", text, re.S):
        if re.search(r"<(?:\w+:)?(?:Polygon|LineString|LinearRing)\b", placemark):
            continue  # points beside polygons or lines: left over from an overlay, not cases
        found = re.search(
            rf'<(?:\w+:)?(?:SimpleData|Data) name="{CASE_ID}"[^>]*>\s*(?:<(?:\w+:)?value>)?([^<]*)',
            placemark,
        )
        name = re.search(r"<(?:\w+:)?name>\s*([^<]*?)\s*</", placemark)
        case_id = (
            html.unescape(found.group(1)).strip()
            if found
            else html.unescape(name.group(1))
            if name and html.unescape(name.group(1)) in known
            else None
        )
        for coords in _KML_POINT.findall(placemark):
            for item in coords.split():
                parts = item.split(",")
                if len(parts) >= 2:
                    points.append((float(parts[0]), float(parts[1]), case_id))
    return points


def stream_points(
    data: bytes, known: frozenset[str], parsed: Any = None
) -> tuple[list[Point], bool]:
    """Points in the structure of a text stream, and whether it had one.

    KML placemarks, GeoJSON (``parsed``: the stream already read as JSON), and the GeoJSON,
    map payload and number pairs of an HTML page. ``False`` means plain text: the caller reads
    every notation in it, unlabelled number pairs included.
    """
    head = data[:2000].lstrip().lower()
    if parsed is not None:
        points: list[Point] = []
        _geojson_points(parsed, points, known=known)
        return points, True
    if b"<kml" in head:
        return _kml_points(data.decode("utf-8", errors="replace"), known), True
    if head.startswith((b"{", b"[")):
        return [], False
    if head.startswith((b"<?xml", b"<worksheet", b"<sst")) or b"spreadsheetml" in head:
        return [], True  # XLSX parts: read as tables by file_points
    if b"<" not in head:
        return [], False
    text = data.decode("utf-8", errors="replace")
    points, rest = _json_blocks(text, known)
    more, rest = _embedded_geojson(rest, known)
    return points + more + bare_pairs(rest.encode("utf-8")), True


def points_to_metric(points: list[Point]) -> tuple[np.ndarray, np.ndarray]:
    """Points inside Cambodia (degrees or UTM 48N) in metres, and their case ids."""
    if not points:
        return np.empty((0, 2)), np.empty(0, dtype=object)
    xs = np.asarray([p[0] for p in points], dtype="float64")
    ys = np.asarray([p[1] for p in points], dtype="float64")
    ids = np.asarray([p[2] for p in points], dtype=object)
    deg = (xs >= LON[0]) & (xs <= LON[1]) & (ys >= LAT[0]) & (ys <= LAT[1])
    utm = (xs >= UTM_X[0]) & (xs <= UTM_X[1]) & (ys >= UTM_Y[0]) & (ys <= UTM_Y[1])
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, CAMBODIA_METRIC_CRS, always_xy=True)
    x, y = tr.transform(xs[deg], ys[deg])
    xy = np.vstack([np.column_stack([x, y]), np.column_stack([xs[utm], ys[utm]])])
    return xy, np.concatenate([ids[deg], ids[utm]])


__all__ = [
    "Point",
    "cached_reads",
    "decode_varints",
    "file_points",
    "numbered_texts",
    "numbered_values",
    "points_to_metric",
    "stream_points",
]
