"""Turn a canonical layer into the payload of a map layer: columns, labels, styles, geometry.

Only the columns named for popups, tooltips, search, styling, sizing and the time slider are
encoded; nothing else of the frame reaches the HTML.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.errors import CRSError, DataValueError, SchemaError
from landmap.geometry import polygonal_parts
from landmap.render.maps import encode
from landmap.render.maps.styles import legend_entries, style
from landmap.schema import STORAGE_CRS, Lang, LocationPrecision, label, vocabulary

#: Popup columns shown by default, per layer kind (those present in the layer).
DEFAULT_POPUP: dict[str, tuple[str, ...]] = {
    "cases": (
        "case_id",
        "type",
        "status",
        "date",
        "households",
        "location_precision",
        "village",
        "commune",
        "district",
        "province",
        "description",
    ),
    "areas": ("name", "area_id", "kind", "community", "status", "hectares_stated", "province"),
    "concessions": (
        "name",
        "concession_id",
        "company",
        "kind",
        "granted",
        "hectares_stated",
        "purpose",
        "investor_country",
        "province",
    ),
    "overlaps": (
        "area_name",
        "concession_name",
        "area_id",
        "concession_id",
        "overlap_ha",
        "pct_of_area",
        "pct_of_concession",
    ),
    "boundaries": ("name", "name_km", "level"),
}
DEFAULT_TOOLTIP: dict[str, tuple[str, ...]] = {
    "cases": ("case_id", "type"),
    "areas": ("name", "kind"),
    "concessions": ("name", "kind"),
    "overlaps": ("overlap_ha",),
    "boundaries": ("name",),
}
DEFAULT_SEARCH: dict[str, tuple[str, ...]] = {
    "cases": ("case_id", "village"),
    "areas": ("name", "area_id"),
    "concessions": ("name", "concession_id", "company"),
    "overlaps": (),
    "boundaries": (),
}
#: Column whose value titles a popup.
TITLE_COLUMN = {"cases": "case_id", "areas": "name", "concessions": "name", "boundaries": "name"}
#: Style group and the column it is keyed on, per layer kind.
STYLE_BY: dict[str, tuple[str, str | None]] = {
    "cases": ("case_type", "type"),
    "areas": ("area_kind", "kind"),
    "concessions": ("concession_kind", "kind"),
    "overlaps": ("overlap", None),
    "boundaries": ("boundaries", None),
}
#: Columns whose values are vocabulary terms, per layer kind.
TERM_FIELDS = {
    "cases": {
        "type": "case_type",
        "status": "case_status",
        "location_precision": "location_precision",
    },
    "areas": {"kind": "area_kind"},
    "concessions": {"kind": "concession_kind"},
}
#: Column -> heading vocabulary key, where the names differ.
HEADING_FOR = {"type": "case_type", "hectares_stated": "hectares", "overlap_ha": "overlap"}
#: Layer-name heading per kind.
LAYER_HEADING = {
    "cases": "cases",
    "areas": "areas",
    "concessions": "concessions",
    "overlaps": "overlap",
    "boundaries": "province",
}


def column_label(column: str, lang: Lang = Lang.EN) -> str:
    """Return the display label of a column (bilingual where the vocabulary has it).

    Examples
    --------
    >>> column_label("households")
    'Households'
    >>> column_label("investor_country")
    'Investor country'

    """
    key = HEADING_FOR.get(column, column)
    if key in vocabulary().get("heading", {}):
        return label("heading", key, lang)
    text = re.sub(r"[_\s]+", " ", str(column)).strip()
    return text[:1].upper() + text[1:]


def layer_label(kind: str, lang: Lang = Lang.EN) -> str:
    """Return the display name of a layer kind."""
    key = LAYER_HEADING.get(kind)
    return label("heading", key, lang) if key else kind.title()


def choose_columns(
    gdf: pd.DataFrame,
    wanted: Sequence[str] | None,
    default: Sequence[str],
    *,
    what: str,
    strict: bool,
) -> list[str]:
    """Resolve the columns of a popup, tooltip or search.

    The default ones present, or the named ones (an unknown name is a :class:`SchemaError`
    when ``strict``).
    """
    if wanted is None:
        return [c for c in default if c in gdf.columns]
    missing = [c for c in wanted if c not in gdf.columns]
    if missing and strict:
        raise SchemaError(
            f"{what} column {missing[0]!r} is not in the layer",
            column=missing[0],
            fix=f"choose from: {', '.join(map(str, (c for c in gdf.columns if c != 'geometry')))}",
        )
    return [c for c in wanted if c in gdf.columns and c != "geometry"]


def to_storage_crs(gdf: gpd.GeoDataFrame, *, name: str) -> gpd.GeoDataFrame:
    """Return the layer in EPSG:4326 (reprojected if needed)."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataValueError(
            f"the {name} layer is a {type(gdf).__name__}, not a GeoDataFrame",
            fix="load it with landmap.io.load or geopandas.read_file",
        )
    if gdf.crs is None:
        raise CRSError(
            f"the {name} layer has no coordinate reference system",
            fix="set it with gdf.set_crs(...) or load the file with landmap's loaders",
        )
    return (
        gdf
        if gdf.crs.to_string() == STORAGE_CRS or gdf.crs.equals(STORAGE_CRS)
        else gdf.to_crs(STORAGE_CRS)
    )


def _leaflet_style(entry: dict[str, Any], points: bool) -> dict[str, Any]:
    if points:
        return {
            "color": entry["stroke"],
            "fillColor": entry["fill"],
            "weight": 1,
            "fillOpacity": 0.9,
            "opacity": 1,
        }
    return {
        "color": entry["stroke"],
        "fillColor": entry["fill"],
        "weight": entry["weight"],
        "fillOpacity": entry["fill_opacity"],
        "opacity": 1,
    }


#: Precisions whose point stands for a whole unit: drawn hollow, with a note in the popup.
UNIT_PRECISIONS: tuple[str, ...] = tuple(
    p.value
    for p in (LocationPrecision.COMMUNE, LocationPrecision.DISTRICT, LocationPrecision.PROVINCE)
)


def precision_spec(gdf: pd.DataFrame, lang: Lang = Lang.EN) -> dict[str, Any] | None:
    """How cases known only to their commune (district, province) are drawn, if any are.

    Returns ``{"by": "location_precision", "hollow": {term: popup note}, "legend": row}`` or
    ``None`` when every case has an exact or village location.

    Examples
    --------
    >>> import pandas as pd
    >>> precision_spec(pd.DataFrame({"location_precision": ["exact", "commune"]}))["hollow"]
    {'commune': 'Location known to the commune only'}

    """
    if "location_precision" not in gdf.columns:
        return None
    present = set(gdf["location_precision"].dropna().astype(str))
    terms = [t for t in UNIT_PRECISIONS if t in present]
    if not terms:
        return None

    def note(term: str) -> str:
        def one(code: str) -> str:
            unit = label("location_precision", term, code)  # type: ignore[arg-type]
            text = label("heading", "location_known_to", code)  # type: ignore[arg-type]
            return text.format(unit=unit.lower() if code == Lang.EN else unit)

        return one(lang) if lang != Lang.BOTH else f"{one(Lang.EN)} / {one(Lang.KM)}"

    legend = {
        "term": "",
        "label": label("heading", "hollow_marker", lang),
        "fill": "#ffffff",
        "stroke": "#333333",
        "weight": 2,
        "fill_opacity": 0.0,
        "hollow": True,
    }
    return {"by": "location_precision", "hollow": {t: note(t) for t in terms}, "legend": legend}


def style_spec(
    gdf: pd.DataFrame,
    kind: str,
    *,
    points: bool,
    group: str | None = None,
    by: str | None = None,
    lang: Lang = Lang.EN,
    fixed: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the layer's style payload and its legend rows."""
    default_group, default_by = STYLE_BY.get(kind, ("area_kind", None))
    group = group or default_group
    by = by if by is not None else default_by
    if fixed is not None or by is None or by not in gdf.columns:
        term = {"boundaries": _first_level(gdf), "overlap": "overlap"}.get(group)
        entry = fixed or style(group, term)
        rows = [{"term": kind, "label": layer_label(kind, lang), **entry}]
        return {"by": None, "fixed": _leaflet_style(entry, points)}, rows
    terms = [str(t) for t in pd.unique(gdf[by].dropna().astype(str))]
    known = [t for t in vocabulary().get(group, {}) if t in terms]
    ordered = known + sorted(t for t in terms if t not in known)
    spec = {
        "by": by,
        "terms": {t: _leaflet_style(style(group, t), points) for t in ordered},
        "fallback": _leaflet_style(style(group, None), points),
    }
    rows = legend_entries(group, ordered, lang=lang)
    if gdf[by].isna().any():
        rows.append({"term": "", "label": "—", **style(group, None)})
    return spec, rows


def _first_level(gdf: pd.DataFrame) -> str | None:
    if "level" in gdf.columns and gdf["level"].notna().any():
        return str(gdf["level"].dropna().iloc[0])
    return "province"


_PAYLOADS: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
_PAYLOAD_CACHE_SIZE = 16


def geometry_payload(
    geoms: np.ndarray, *, points: bool, precision_zoom: float, simplify: bool = True
) -> dict[str, Any]:
    """Encode a layer's geometries for the browser (see :mod:`landmap.render.maps.encode`).

    The last few results (:data:`_PAYLOAD_CACHE_SIZE`) are kept, keyed by a digest of the
    geometries' WKB and of where the missing ones are, so a notebook that redraws a map after
    filtering cases does not simplify the same concessions again;
    :func:`clear_payload_cache` empties it.
    """
    missing = shapely.is_missing(geoms)
    digest = hashlib.blake2b(missing.tobytes(), digest_size=16)  # where the gaps are, too
    digest.update(b"".join(shapely.to_wkb(geoms[~missing], flavor="iso").tolist()))
    key = (digest.hexdigest(), len(geoms), points, float(precision_zoom), simplify)
    if key in _PAYLOADS:
        _PAYLOADS.move_to_end(key)
        return _PAYLOADS[key]
    payload = _geometry_payload(
        geoms, points=points, precision_zoom=precision_zoom, simplify=simplify
    )
    _PAYLOADS[key] = payload
    while len(_PAYLOADS) > _PAYLOAD_CACHE_SIZE:
        _PAYLOADS.popitem(last=False)
    return payload


def clear_payload_cache() -> None:
    """Forget the geometry payloads :func:`geometry_payload` kept (to free their memory)."""
    _PAYLOADS.clear()


def _geometry_payload(
    geoms: np.ndarray, *, points: bool, precision_zoom: float, simplify: bool = True
) -> dict[str, Any]:
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.any():
        bounds = shapely.total_bounds(geoms[present])
        lat = float((bounds[1] + bounds[3]) / 2)
        origin = (float(np.floor(bounds[0])), float(np.floor(bounds[1])))
    else:
        lat, origin = 12.5, (0.0, 0.0)
    step = encode.grid_step(precision_zoom, lat)
    if points:
        return encode.encode_points(geoms, step=step, origin=origin)
    if simplify:
        geoms = encode.simplify(geoms, step)
    return encode.encode_polygons(geoms, step=step, origin=origin)


@dataclass(frozen=True)
class LayerLook:
    """Which columns one map layer shows, and how its features are coloured, sized and dated.

    Parameters
    ----------
    popup, tooltip, search
        Columns shown in the popup / tooltip / searched; ``None`` for the kind's defaults,
        ``[]`` for none. Only these columns (and those used for style, size and time) are
        embedded in the HTML.
    style_by, style_group
        Column and ``styles.json`` group colouring the features (defaults per kind).
    fixed_style
        One style for every feature: ``{"fill", "stroke", "fill_opacity", "weight"}``.
    size_by
        Numeric column sizing point markers (households by default).
    time_column
        Date column the time slider filters on (point layers).
    """

    popup: Sequence[str] | None = None
    tooltip: Sequence[str] | None = None
    search: Sequence[str] | None = None
    style_by: str | None = None
    style_group: str | None = None
    fixed_style: Mapping[str, Any] | None = None
    size_by: str | None = "households"
    time_column: str | None = None


def layer_spec(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    layer_id: str,
    look: LayerLook | None = None,
    lang: Lang = Lang.EN,
    precision_zoom: float = 17,
    strict: bool = True,
    name: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Build the payload of one map layer and its legend rows.

    Returns
    -------
    (spec, legend_rows)
        ``spec`` is what :class:`~landmap.render.maps.elements.DataLayer` embeds.

    """
    look = look or LayerLook()
    gdf = to_storage_crs(gdf, name=kind)
    drawable = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if not drawable.all():  # rows without a location cannot be drawn (or searched)
        gdf = gdf[drawable]
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    types = set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist())
    if 7 in types and not types & {0, 1, 2, 4, 5}:
        geoms = polygonal_parts(geoms)  # overlay results: keep the areas, drop slivers of lines
        types = set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist())
    points = bool(types) and types <= {0}
    if types & {0, 1, 2, 4, 5, 7} and not points and not types <= {3, 6}:
        raise DataValueError(
            f"the {kind} layer mixes points or lines with polygons ({sorted(types)})",
            fix="map points and polygons as separate layers (split by gdf.geom_type)",
        )
    popup_cols = choose_columns(
        gdf, look.popup, DEFAULT_POPUP.get(kind, ()), what="popup", strict=strict
    )
    tooltip_cols = choose_columns(
        gdf, look.tooltip, DEFAULT_TOOLTIP.get(kind, ()), what="tooltip", strict=strict
    )
    search_cols = choose_columns(
        gdf, look.search, DEFAULT_SEARCH.get(kind, ()), what="search", strict=strict
    )
    title = TITLE_COLUMN.get(kind)
    fixed = dict(look.fixed_style) if look.fixed_style else None
    style_payload, rows = style_spec(
        gdf, kind, points=points, group=look.style_group, by=look.style_by, lang=lang, fixed=fixed
    )
    hollow = precision_spec(gdf, lang) if points and kind == "cases" else None
    if hollow is not None:
        rows.append(hollow.pop("legend"))
    size_by = look.size_by
    extra = [
        c
        for c in (style_payload["by"], size_by, look.time_column, hollow and hollow["by"])
        if c and c in gdf.columns
    ]
    needed = list(dict.fromkeys([*popup_cols, *tooltip_cols, *search_cols, *extra]))
    term_fields = TERM_FIELDS.get(kind, {})
    terms = {}
    for col in needed:
        field = term_fields.get(col)
        if field:
            present = pd.unique(gdf[col].dropna().astype(str))
            terms[col] = {t: label(field, t, lang) for t in present if t in vocabulary()[field]}
    spec: dict[str, Any] = {
        "id": layer_id,
        "kind": kind,
        "label": name or layer_label(kind, lang),
        "geom": geometry_payload(geoms, points=points, precision_zoom=precision_zoom),
        "props": {c: encode.encode_column(gdf[c]) for c in needed},
        "labels": {c: column_label(c, lang) for c in needed},
        "terms": terms,
        "popup": popup_cols,
        "tooltip": tooltip_cols,
        "search": search_cols,
        "titleColumn": title if title in popup_cols else None,
        "style": style_payload,
        "pane": "overlayPane",
    }
    if hollow is not None:
        spec["precision"] = hollow
    if points and size_by and size_by in gdf.columns:
        top = pd.to_numeric(gdf[size_by], errors="coerce").max()
        top = float(top) if pd.notna(top) and top > 0 else 1.0
        spec["size"] = {"by": size_by, "min": 4.0, "max": 16.0, "k": 12.0 / np.sqrt(top)}
    return spec, rows


__all__ = [
    "DEFAULT_POPUP",
    "DEFAULT_SEARCH",
    "DEFAULT_TOOLTIP",
    "UNIT_PRECISIONS",
    "LayerLook",
    "choose_columns",
    "clear_payload_cache",
    "column_label",
    "geometry_payload",
    "layer_label",
    "layer_spec",
    "precision_spec",
    "style_spec",
    "to_storage_crs",
]
