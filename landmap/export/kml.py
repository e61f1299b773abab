"""KML and KMZ for Google Earth: one folder per layer, styles per kind, readable descriptions.

Written with :mod:`xml.etree.ElementTree` rather than GDAL's KML drivers: the classic KML
driver cannot write per-feature styles, and LIBKML's styling needs OGR style strings per feature
and still writes bare attribute tables. Here each placemark gets

- a shared style of its term (case type, concession kind, area kind) in the colours of the
  interactive map (``styles.json``), with a legend-like folder per layer;
- a description that Google Earth shows as a small HTML table of the fields, where every value
  is HTML-escaped first (so data can never inject markup) and the whole is then XML-escaped;
- the same fields as ``ExtendedData`` so GIS software (GDAL/QGIS) reads them back as attributes.
"""

from __future__ import annotations

import html
import io
import math
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.export.briefing_style import swatch
from landmap.schema import label

KML_NS = "http://www.opengis.net/kml/2.2"
_TERM_FIELD = {"cases": ("type", "case_type"), "areas": ("kind", "area_kind"),
               "concessions": ("kind", "concession_kind")}
_NAME_COLUMN = {"cases": "case_id", "areas": "name", "concessions": "name", "boundaries": "name"}


def kml_colour(hex_colour: str, alpha: float) -> str:
    """Return a KML colour (``aabbggrr``) from ``#rrggbb`` and an opacity.

    Examples
    --------
    >>> kml_colour("#D55E00", 1.0)
    'ff005ed5'

    """
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    r, g, b = value[0:2], value[2:4], value[4:6]
    return f"{round(max(0.0, min(alpha, 1.0)) * 255):02x}{b}{g}{r}".lower()


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return str(value)


def description_html(row: Mapping[str, object], *, lang: str = "en") -> str:
    """Return the HTML table Google Earth shows for a feature; every value is escaped.

    Examples
    --------
    >>> description_html({"name": "<b>x</b>"})
    '<table><tr><th align="left">name</th><td>&lt;b&gt;x&lt;/b&gt;</td></tr></table>'

    """
    rows = "".join(
        f'<tr><th align="left">{html.escape(str(k))}</th><td>{html.escape(_text(v))}</td></tr>'
        for k, v in row.items()
    )
    return f"<table>{rows}</table>"


#: Fields GDAL's KML readers take from the placemark itself: a data field of the same name
#: would be hidden behind them, so it gets a trailing underscore.
_PLACEMARK_FIELDS = frozenset({"name", "description", "timestamp", "begin", "end",
                               "altitudemode", "tessellate", "extrude", "visibility",
                               "draworder", "icon"})


def _data_name(key: str) -> str:
    return f"{key}_" if key.lower() in _PLACEMARK_FIELDS else key


def _coords(coords, digits: int = 7) -> str:
    xy = shapely.get_coordinates(coords) if not isinstance(coords, np.ndarray) else coords
    text = np.char.mod(f"%.{digits}f", np.round(xy[:, :2], digits))
    return " ".join(np.char.add(np.char.add(text[:, 0], ","), text[:, 1]).tolist())


def _geometry(parent: ET.Element, geom, digits: int = 7) -> None:
    kind = geom.geom_type
    if kind in ("Point", "LineString"):
        node = ET.SubElement(parent, kind)
        ET.SubElement(node, "coordinates").text = _coords(geom, digits)
    elif kind == "Polygon":
        poly = ET.SubElement(parent, "Polygon")
        outer = ET.SubElement(ET.SubElement(poly, "outerBoundaryIs"), "LinearRing")
        ET.SubElement(outer, "coordinates").text = _coords(geom.exterior, digits)
        for ring in geom.interiors:
            inner = ET.SubElement(ET.SubElement(poly, "innerBoundaryIs"), "LinearRing")
            ET.SubElement(inner, "coordinates").text = _coords(ring, digits)
    else:  # Multi* and collections
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in shapely.get_parts(geom):
            _geometry(multi, part, digits)


def _style(doc: ET.Element, style_id: str, fill: str, edge: str, alpha: float, point: bool) -> None:
    style = ET.SubElement(doc, "Style", id=style_id)
    if point:
        icon = ET.SubElement(style, "IconStyle")
        ET.SubElement(icon, "color").text = kml_colour(fill, 1.0)
        ET.SubElement(icon, "scale").text = "0.9"
        href = ET.SubElement(ET.SubElement(icon, "Icon"), "href")
        href.text = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
    line = ET.SubElement(style, "LineStyle")
    ET.SubElement(line, "color").text = kml_colour(edge, 1.0)
    ET.SubElement(line, "width").text = "1.5"
    poly = ET.SubElement(style, "PolyStyle")
    ET.SubElement(poly, "color").text = kml_colour(fill, alpha)


def build_kml(
    layers: Mapping[str, tuple[str, gpd.GeoDataFrame]], *, title: str, notes: list[str],
    lang: str = "en", digits: int = 7,
) -> bytes:
    """Return a KML document: one folder per layer ``{name: (kind, layer)}`` in EPSG:4326.

    ``digits`` is the number of decimals of the coordinates.
    """
    ET.register_namespace("", KML_NS)
    root = ET.Element("kml", xmlns=KML_NS)
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = title
    ET.SubElement(doc, "description").text = "\n".join(notes)
    styles: set[str] = set()
    for name, (kind, layer) in layers.items():
        layer = layer.to_crs("EPSG:4326") if layer.crs is not None else layer
        folder = ET.SubElement(doc, "Folder")
        ET.SubElement(folder, "name").text = str(name)
        column, field = _TERM_FIELD.get(kind, (None, None))
        attrs = [c for c in layer.columns if c != layer.geometry.name]
        name_col = _NAME_COLUMN.get(kind) if _NAME_COLUMN.get(kind) in layer else \
            (attrs[0] if attrs else None)
        records = layer[attrs].to_dict("records")
        for record, geom in zip(records, layer.geometry, strict=True):
            if geom is None or geom.is_empty:
                continue
            term = _text(record.get(column)) or "other" if column else "other"
            point = geom.geom_type in ("Point", "MultiPoint")
            style_id = f"{kind}-{term}-{'pt' if point else 'poly'}".replace(" ", "_")
            if style_id not in styles:
                sw = swatch(field, term) if field else swatch("area_kind", "other")
                _style(doc, style_id, sw.fill, sw.edge, sw.alpha, point)
                styles.add(style_id)
            mark = ET.SubElement(folder, "Placemark")
            title_text = _text(record.get(name_col)) if name_col else ""
            if field and column in record:
                title_text = title_text or label(field, term, lang)
            ET.SubElement(mark, "name").text = title_text
            ET.SubElement(mark, "description").text = description_html(record, lang=lang)
            ET.SubElement(mark, "styleUrl").text = f"#{style_id}"
            extended = ET.SubElement(mark, "ExtendedData")
            for key, value in record.items():
                data = ET.SubElement(extended, "Data", name=_data_name(str(key)))
                ET.SubElement(data, "value").text = _text(value)
            _geometry(mark, geom, digits)
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue()


def write_kml(path: Path, document: bytes) -> None:
    """Write a KML document to ``path``: plain ``.kml``, or zipped as ``doc.kml`` for ``.kmz``."""
    if path.suffix.lower() == ".kmz":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("doc.kml", document)
    else:
        path.write_bytes(document)


__all__ = ["build_kml", "description_html", "kml_colour", "write_kml"]
