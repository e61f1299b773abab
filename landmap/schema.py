"""The canonical layers: their columns, vocabularies and sensitive fields.

This module is the contract between loading and everything after it. Every loader returns a
GeoDataFrame in EPSG:4326 whose columns start with the canonical columns of its kind (in this
order), followed by any other columns the input had, under their original names.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from typing import Literal

from landmap.bundled import resource_json

LayerKind = Literal["cases", "areas", "concessions", "boundaries"]
LAYER_KINDS: tuple[LayerKind, ...] = ("cases", "areas", "concessions", "boundaries")


class Lang(StrEnum):
    """The language of every text landmap writes: English, Khmer, or both (English first).

    A ``StrEnum``: each member is its plain string (``Lang.KM == "km"``), so anything that
    takes a language also takes ``"en"``, ``"km"`` or ``"both"``, and files record those.
    """

    EN = "en"
    KM = "km"
    BOTH = "both"


#: The language codes, in the order they are offered.
LANGS: tuple[str, ...] = tuple(m.value for m in Lang)


class LocationPrecision(StrEnum):
    """How finely a case's place is known (the ``location_precision`` column), finest first."""

    EXACT = "exact"
    VILLAGE = "village"
    COMMUNE = "commune"
    DISTRICT = "district"
    PROVINCE = "province"


#: Storage CRS of every canonical layer.
STORAGE_CRS = "EPSG:4326"
#: Metric CRS used for lengths and areas in Cambodia (WGS 84 / UTM zone 48N).
CAMBODIA_METRIC_CRS = "EPSG:32648"

#: Canonical columns per layer kind, with their pandas dtypes ("geometry" last, implied).
COLUMNS: dict[LayerKind, dict[str, str]] = {
    "cases": {
        "case_id": "string",
        "date": "datetime64[ns]",
        "type": "string",
        "status": "string",
        "households": "Int64",
        "province": "string",
        "district": "string",
        "commune": "string",
        "village": "string",
        "description": "string",
        "source": "string",
        "location_precision": "string",
        "admin_code": "string",
        "geocoded_from": "string",
    },
    "areas": {
        "area_id": "string",
        "name": "string",
        "kind": "string",
        "community": "string",
        "status": "string",
        "hectares_stated": "float64",
        "province": "string",
    },
    "concessions": {
        "concession_id": "string",
        "name": "string",
        "company": "string",
        "kind": "string",
        "granted": "datetime64[ns]",
        "hectares_stated": "float64",
        "purpose": "string",
        "investor_country": "string",
        "province": "string",
    },
    "boundaries": {
        "boundary_id": "string",
        "level": "string",
        "name": "string",
        "name_km": "string",
        "parent": "string",
    },
}

#: The id column of each layer kind.
ID_COLUMN: dict[LayerKind, str] = {
    "cases": "case_id",
    "areas": "area_id",
    "concessions": "concession_id",
    "boundaries": "boundary_id",
}

#: Geometry types each kind accepts.
GEOMETRY_TYPES: dict[LayerKind, tuple[str, ...]] = {
    "cases": ("Point",),
    "areas": ("Polygon", "MultiPolygon"),
    "concessions": ("Polygon", "MultiPolygon", "Point"),
    "boundaries": ("Polygon", "MultiPolygon"),
}

#: Boundary levels, coarsest first.
BOUNDARY_LEVELS: tuple[str, ...] = ("country", "province", "district", "commune", "village")

#: Column-name patterns of sensitive fields (matched against lower-cased names with separators
#: normalised to "_"). A column matching any of these never reaches a public export.
SENSITIVE_NAME_PATTERNS: dict[str, str] = {
    "phone number": (
        r"(^|_)(phone|tel|telephone|mobile|cell|whatsapp|telegram|contact_number)(_|$)"
    ),
    "ID number": r"(^|_)(id_?card|national_id|nid|passport|id_number|khmer_id|id_no)(_|$)",
    "person name": (
        r"(^|_)(name|names|full_?name|victim|complainant|informant|reporter|interviewee"
        r"|respondent|contact_person|head_of_household|owner_name)(_|$)"
    ),
    "free-text narrative": (
        r"(^|_)(narrative|testimony|statement|notes?|comments?|remarks?|story)(_|$)"
    ),
    "photo or attachment": r"(^|_)(photo|picture|image|attachment|audio|video|media)(_|$)",
    "exact GPS": (
        r"(^|_)(gps|latitude|longitude|lat|lon|lng|easting|northing|altitude|accuracy"
        r"|precision_m)(_|$)"
    ),
    "address": r"(^|_)(address|house_no|street)(_|$)",
}
#: Canonical columns that hold free text: dropped from public exports unless allowed.
FREE_TEXT_COLUMNS: tuple[str, ...] = ("description",)
#: Canonical columns that name places or things, never a person (exempt from the name pattern).
NOT_SENSITIVE: frozenset[str] = frozenset(
    {"name", "name_km", "province", "district", "commune", "village", "source", "company"}
)
#: Phone numbers as typed in Cambodia: +855 / 0 prefix, 8-10 digits with optional separators.
PHONE_PATTERN = re.compile(r"(?<!\d)(?:\+?855[\s.-]?|0)\d{2}[\s.-]?\d{3}[\s.-]?\d{3,4}(?!\d)")


def _normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


def sensitive_reason(column: str, kind: LayerKind | None = None) -> str | None:
    """Return why a column name looks sensitive, or ``None``.

    Parameters
    ----------
    column
        A column name as it appears in a layer.
    kind
        The layer kind. In a ``cases`` layer a bare ``name`` column is a person's name; in the
        other kinds it names a place or a company.

    Returns
    -------
    str or None
        The kind of sensitive field ("person name", "phone number", ...) or ``None``.

    Examples
    --------
    >>> sensitive_reason("complainant_phone")
    'phone number'
    >>> sensitive_reason("province") is None
    True
    """
    person_name = kind == "cases" and column == "name"
    if column == "geometry" or (column in NOT_SENSITIVE and not person_name):
        return None
    norm = _normalise(column)
    # Kobo/ODK group prefixes: judge the last path element as well as the whole name.
    tail = _normalise(str(column).rsplit("/", 1)[-1])
    for reason, pattern in SENSITIVE_NAME_PATTERNS.items():
        if re.search(pattern, norm) or re.search(pattern, tail):
            return reason
    return None


@cache
def vocabulary() -> dict[str, dict[str, dict[str, object]]]:
    """Return the controlled vocabularies with English and Khmer labels.

    Returns
    -------
    dict
        ``{field: {term: {"en": ..., "km": ..., "aliases": [...]}}}`` for ``case_type``,
        ``case_status``, ``location_precision``, ``concession_kind``, ``area_kind`` and
        ``heading``.
    """
    return resource_json("vocabulary.json")


def label(field: str, term: str, lang: Lang | str = Lang.EN) -> str:
    """Return the display label of a vocabulary term.

    Parameters
    ----------
    field
        A vocabulary name such as ``"case_type"`` or ``"heading"``.
    term
        The canonical term, e.g. ``"eviction"``.
    lang
        ``"en"``, ``"km"`` or ``"both"`` (English, then Khmer).

    Returns
    -------
    str
        The label; the term itself when the vocabulary does not know it.

    Examples
    --------
    >>> label("case_type", "eviction", "both")
    'Eviction / ការបណ្តេញចេញ'
    """
    entry = vocabulary().get(field, {}).get(term)
    if entry is None:
        return str(term)
    if lang == Lang.BOTH:
        return f"{entry[Lang.EN]} / {entry[Lang.KM]}"
    return str(entry[str(lang)])


def normalise_term(field: str, value: object) -> str | None:
    """Map a raw value onto a canonical vocabulary term, or ``None`` if it is not recognised.

    Examples
    --------
    >>> normalise_term("case_type", " Forced Eviction ")
    'eviction'
    >>> normalise_term("concession_kind", "elc")
    'ELC'
    """
    if value is None:
        return None
    text = " ".join(str(value).strip().lower().replace("_", " ").split())
    for term, entry in vocabulary()[field].items():
        spellings = {term.lower(), str(entry["en"]).lower(), str(entry["km"])}
        spellings.update(str(a).lower() for a in entry.get("aliases", []))
        if text in spellings:
            return term
    return None


__all__ = [
    "BOUNDARY_LEVELS",
    "CAMBODIA_METRIC_CRS",
    "COLUMNS",
    "FREE_TEXT_COLUMNS",
    "GEOMETRY_TYPES",
    "ID_COLUMN",
    "LANGS",
    "LAYER_KINDS",
    "PHONE_PATTERN",
    "SENSITIVE_NAME_PATTERNS",
    "STORAGE_CRS",
    "Lang",
    "LayerKind",
    "LocationPrecision",
    "label",
    "normalise_term",
    "sensitive_reason",
    "vocabulary",
]
