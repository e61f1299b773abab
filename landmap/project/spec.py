"""What a project file may contain: each table's keys, their types and allowed values."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from landmap.project.layers import LayerSpec  # noqa: F401 - used in annotations
from landmap.schema import BOUNDARY_LEVELS, LANGS


# -- what a project file may contain ---------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Key:
    """One allowed key: its TOML types, whether it is required, allowed values, item type."""

    types: tuple[type, ...]
    required: bool = False
    choices: tuple[Any, ...] | None = None
    item: tuple[type, ...] | None = None  # element type of an array / value type of a table


_STR, _NUM, _BOOL, _INT = (str,), (int, float), (bool,), (int,)
_LIST, _TABLE = (list,), (dict,)
_SCALAR = (str, int, float, bool)

#: Keys a cases layer's ``columns`` may map besides its canonical columns: the coordinate
#: columns the table loader understands (``latitude``/``longitude`` are accepted for lat/lon).
COORDINATE_KEYS: tuple[str, ...] = ("lat", "lon", "easting", "northing", "utm_zone", "geopoint")
_COORDINATE_SYNONYMS = {"latitude": "lat", "longitude": "lon"}
#: Per layer kind: the project key holding the kind's own option, and the loader argument.
KIND_OPTION: dict[str, tuple[str | None, str | None]] = {
    "cases": (None, None),
    "areas": ("area_kind", "kind"),
    "concessions": ("concession_kind", "kind"),
    "boundaries": ("level", "level"),
}

#: Every table of a project file and its keys.
SPEC: dict[str, dict[str, _Key]] = {
    "top": {
        "project": _Key(_TABLE, required=True),
        "layers": _Key(_LIST, required=True, item=_TABLE),
        "privacy": _Key(_TABLE),
        "profiles": _Key(_TABLE, item=_TABLE),
        "analysis": _Key(_TABLE),
        "raster": _Key(_TABLE),
        "map": _Key(_TABLE),
        "export": _Key(_TABLE),
    },
    "project": {
        "name": _Key(_STR, required=True),
        "title": _Key(_STR),
        "title_km": _Key(_STR),
        "description": _Key(_STR),
        "study_area": _Key((str, list), item=_NUM),
        "metric_crs": _Key(_STR),
        "output": _Key(_STR),
    },
    "layers": {
        "name": _Key(_STR, required=True),
        "kind": _Key(_STR),
        "path": _Key(_STR),
        "register": _Key(_STR),
        "priority": _Key(_LIST, item=_STR),
        "member": _Key(_STR),
        "layer": _Key(_STR),
        "crs": _Key(_STR),
        "encoding": _Key(_STR),
        "utm_zone": _Key(_INT),
        "fix_swapped": _Key(_BOOL),
        "columns": _Key(_TABLE, item=_STR),
        "defaults": _Key(_TABLE, item=_SCALAR),
        "level": _Key(_STR, choices=BOUNDARY_LEVELS),
        "area_kind": _Key(_STR),
        "concession_kind": _Key(_STR),
        "title": _Key(_STR),
        "title_km": _Key(_STR),
    },
    "privacy": {
        "profile": _Key(_STR),
        "communes": _Key(_STR),
        "villages": _Key(_STR),
        "key_file": _Key(_STR),
    },
    "analysis": {
        "within_m": _Key(_NUM),
        "areas": _Key(_LIST, item=_STR),
        "concessions": _Key(_LIST, item=_STR),
        "cases": _Key(_LIST, item=_STR),
        "summary_boundaries": _Key(_LIST, item=_STR),
        "by_year": _Key(_BOOL),
    },
    "map": {
        "lang": _Key(_STR, choices=LANGS),
        "title": _Key(_STR),
        "popup": _Key(_LIST, item=_STR),
        "tooltip": _Key(_LIST, item=_STR),
        "basemap": _Key(_STR),
        "heatmap": _Key(_BOOL),
        "cluster": _Key(_BOOL),
        "time_slider": _Key(_BOOL),
        "rasters": _Key(_LIST, item=_STR),
    },
    "export": {
        "lang": _Key(_STR, choices=LANGS),
        "paper": _Key(_STR, choices=("A4", "A3")),
        "orientation": _Key(_STR, choices=("landscape", "portrait")),
        "formats": _Key(_LIST, item=_STR),
        "title": _Key(_STR),
        "subtitle": _Key(_STR),
        "full_resolution": _Key(_BOOL),
    },
    "raster": {
        "path": _Key(_STR, required=True),
        "kind": _Key(_STR, choices=("classified", "continuous")),
        "classes": _Key(_TABLE, item=_STR),
        "title": _Key(_STR),
        "title_km": _Key(_STR),
    },
}


#: [privacy] settings that are not settings of the profile itself.
_NOT_PROFILE = ("profile", "communes", "villages", "key_file")


def _privacy_keys() -> dict[str, _Key]:
    """Return the settings a privacy profile has (from the profile class when installed)."""
    from landmap.privacy.profiles import PrivacyProfile

    keys: dict[str, _Key] = {}
    for field in dataclasses.fields(PrivacyProfile):
        if field.name == "name":
            continue
        default = field.default
        if isinstance(default, bool):
            keys[field.name] = _Key(_BOOL)
        elif isinstance(default, int | float):
            keys[field.name] = _Key(
                _INT if isinstance(default, int) and field.name == "k" else _NUM
            )
        elif isinstance(default, tuple):
            keys[field.name] = _Key(_LIST, item=_STR)
        else:
            keys[field.name] = _Key(_STR)
    return keys


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def _type_name(types: tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        list: "an array [...]",
        dict: "a table",
    }
    if set(types) == {int, float}:
        return "a number"
    return " or ".join(names[t] for t in types)


def _check_table(table: Any, spec: Mapping[str, _Key]) -> tuple[str | None, str, str] | None:
    """Return ``(key, problem, fix)`` for the first problem in a table, or ``None``."""
    if not isinstance(table, dict):
        return (
            None,
            f"expected a table, got {type(table).__name__}",
            "write it as [name] with keys below",
        )
    for key in table:
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            return key, "unknown key", f"{hint}known keys here: {', '.join(sorted(spec))}"
    for key, rule in spec.items():
        if key not in table:
            if rule.required:
                fix = (
                    f"add a [[{key}]] table"
                    if rule.item == _TABLE and list in rule.types
                    else f"add a [{key}] table"
                    if dict in rule.types
                    else f"add {key} = ..."
                )
                return key, "required key missing", fix
            continue
        value = table[key]
        if not _type_ok(value, rule.types):
            return (
                key,
                f"expected {_type_name(rule.types)}, got {value!r}",
                f"write {key} as {_type_name(rule.types)}",
            )
        if rule.choices is not None and value not in rule.choices:
            return (
                key,
                f"{value!r} is not allowed",
                f"use one of {', '.join(map(repr, rule.choices))}",
            )
        if rule.item is not None and isinstance(value, list | dict):
            items = value.values() if isinstance(value, dict) else value
            for item in items:
                if not _type_ok(item, rule.item):
                    return (
                        key,
                        f"expected every entry to be {_type_name(rule.item)}, got {item!r}",
                        f"write each entry as {_type_name(rule.item)}",
                    )
    return None
