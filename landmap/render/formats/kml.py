"""KML and KMZ for Google Earth: one folder per layer, styles per kind, readable descriptions.

Written as text here (every value XML-escaped) rather than with GDAL's KML drivers: the classic KML
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
import math
import zipfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from landmap.render.briefing.style import swatch
from landmap.schema import Lang, label

KML_NS = "http://www.opengis.net/kml/2.2"
_TERM_FIELD = {
    "cases": ("type", "case_type"),
    "areas": ("kind", "area_kind"),
    "concessions": ("kind", "concession_kind"),
}
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


def description_html(row: Mapping[str, object], *, lang: Lang | str = Lang.EN) -> str:
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
_PLACEMARK_FIELDS = frozenset(
    {
        "name",
        "description",
        "timestamp",
        "begin",
        "end",
        "altitudemode",
        "tessellate",
        "extrude",
        "visibility",
        "draworder",
        "icon",
    }
)


def _data_name(key: str) -> str:
    return f"{key}_" if key.lower() in _PLACEMARK_FIELDS else key


def _esc(text: str) -> str:
    """Escape text for an XML element (as ElementTree does)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(text: str) -> str:
    """Escape text for a double-quoted XML attribute (as ElementTree does)."""
    return (
        _esc(text)
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#09;")
    )


def _element(tag: str, text: str) -> str:
    return f"<{tag}>{_esc(text)}</{tag}>" if text else f"<{tag} />"


def _coords(geom, digits: int = 7) -> str:
    """Return ``x,y x,y ...`` with ``digits`` decimals (one C-level format of the whole ring)."""
    xy = shapely.get_coordinates(geom)
    if not len(xy):
        return ""
    return " ".join([f"%.{digits}f,%.{digits}f"] * len(xy)) % tuple(xy.ravel().tolist())


def _ring(tag: str, ring, digits: int) -> str:
    return (
        f"<{tag}><LinearRing><coordinates>{_coords(ring, digits)}</coordinates>"
        f"</LinearRing></{tag}>"
    )


def _geometry(geom, digits: int = 7) -> str:
    kind = geom.geom_type
    if kind in ("Point", "LineString"):
        return f"<{kind}><coordinates>{_coords(geom, digits)}</coordinates></{kind}>"
    if kind == "Polygon":
        return (
            "<Polygon>"
            + _ring("outerBoundaryIs", geom.exterior, digits)
            + "".join(_ring("innerBoundaryIs", r, digits) for r in geom.interiors)
            + "</Polygon>"
        )
    # Multi* and collections
    return (
        "<MultiGeometry>"
        + "".join(_geometry(part, digits) for part in shapely.get_parts(geom))
        + "</MultiGeometry>"
    )


def _style(style_id: str, fill: str, edge: str, alpha: float, point: bool) -> str:
    icon = (
        (
            "<IconStyle>" + _element("color", kml_colour(fill, 1.0)) + "<scale>0.9</scale>"
            "<Icon><href>http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png</href>"
            "</Icon></IconStyle>"
        )
        if point
        else ""
    )
    return (
        f"<Style id={_quote(style_id)}>{icon}<LineStyle>"
        + _element("color", kml_colour(edge, 1.0))
        + "<width>1.5</width></LineStyle>"
        "<PolyStyle>" + _element("color", kml_colour(fill, alpha)) + "</PolyStyle></Style>"
    )


def _quote(text: str) -> str:
    return f'"{_attr(text)}"'


def _placemark(
    record: Mapping[str, object], title: str, style_id: str, geom, *, lang: str, digits: int
) -> str:
    data = "".join(
        f"<Data name={_quote(_data_name(str(key)))}>{_element('value', _text(value))}</Data>"
        for key, value in record.items()
    )
    return (
        "<Placemark>"
        + _element("name", title)
        + _element("description", description_html(record, lang=lang))
        + f"<styleUrl>#{_esc(style_id)}</styleUrl><ExtendedData>{data}</ExtendedData>"
        + _geometry(geom, digits)
        + "</Placemark>"
    )


def build_kml(
    layers: Mapping[str, tuple[str, gpd.GeoDataFrame]],
    *,
    title: str,
    notes: list[str],
    lang: Lang | str = Lang.EN,
    digits: int = 7,
) -> bytes:
    """Return a KML document: one folder per layer ``{name: (kind, layer)}`` in EPSG:4326.

    ``digits`` is the number of decimals of the coordinates. Every text is XML-escaped; the
    styles come first, then a folder per layer.
    """
    styles: dict[str, str] = {}
    folders: list[str] = []
    for name, (kind, layer) in layers.items():
        layer = layer.to_crs("EPSG:4326") if layer.crs is not None else layer
        column, field = _TERM_FIELD.get(kind, (None, None))
        attrs = [c for c in layer.columns if c != layer.geometry.name]
        name_col = (
            _NAME_COLUMN.get(kind)
            if _NAME_COLUMN.get(kind) in layer
            else (attrs[0] if attrs else None)
        )
        records = layer[attrs].to_dict("records")
        marks = []
        for record, geom in zip(records, layer.geometry, strict=True):
            if geom is None or geom.is_empty:
                continue
            term = _text(record.get(column)) or "other" if column else "other"
            point = geom.geom_type in ("Point", "MultiPoint")
            style_id = f"{kind}-{term}-{'pt' if point else 'poly'}".replace(" ", "_")
            if style_id not in styles:
                sw = swatch(field, term) if field else swatch("area_kind", "other")
                styles[style_id] = _style(style_id, sw.fill, sw.edge, sw.alpha, point)
            title_text = _text(record.get(name_col)) if name_col else ""
            if field and column in record:
                title_text = title_text or label(field, term, lang)
            marks.append(_placemark(record, title_text, style_id, geom, lang=lang, digits=digits))
        folders.append("<Folder>" + _element("name", str(name)) + "\n".join(marks) + "</Folder>")
    text = (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        f'<kml xmlns="{KML_NS}"><Document>'
        + _element("name", title)
        + _element("description", "\n".join(notes))
        + "".join(styles.values())
        + "\n".join(folders)
        + "</Document></kml>"
    )
    return text.encode("utf-8")


def write_kml(path: Path, document: bytes) -> None:
    """Write a KML document to ``path``: plain ``.kml``, or zipped as ``doc.kml`` for ``.kmz``."""
    if path.suffix.lower() == ".kmz":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("doc.kml", document)
    else:
        path.write_bytes(document)


__all__ = ["build_kml", "description_html", "kml_colour", "write_kml"]
