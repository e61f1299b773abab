"""Match written admin names to gazetteer codes, top-down: province, district, commune, village.

Each level is matched among the units below the one matched above it (the whole country when
nothing above was given): first by equal keys (:func:`~landmap.places._normalise.name_key`),
then by similarity of keys with ``rapidfuzz`` (:data:`CUTOFF`). Two units that fit equally well
make the level *ambiguous*; both are reported, neither is chosen, unless the name given for the
level below fits under only one of them. A name that fits nothing below its parent is looked for
in the whole province, then the whole country (districts moved to a new province, communes
moved to a new district); found there once, exactly, it is taken with a note saying where.
A code (``030201``) wins over names at its level; names below it are matched inside it.

Matching works on the distinct combinations of names, so a register of a million rows costs
what its few thousand distinct places cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from landmap.bundled import resource_json
from landmap.places._gazetteer import (
    LEVEL_OF_LENGTH,
    LEVELS,
    Gazetteer,
    Level,
    gazetteer,
)
from landmap.places._normalise import name_key

#: Least similarity (0-100, :func:`rapidfuzz.fuzz.ratio` of the keys) of a fuzzy match.
CUTOFF = 85.0
#: Two units whose similarity differs by less than this are equally good: ambiguous.
MARGIN = 3.0
#: Keys shorter than this match exactly or not at all ("Ta" must not become "Tao").
MIN_FUZZY_LENGTH = 4

StepStatus = Literal["matched", "ambiguous", "unmatched", "code", "overruled"]
MatchStatus = Literal["matched", "partial", "ambiguous", "unmatched", "empty"]
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


@dataclass(frozen=True)
class Step:
    """How the name given for one level was matched."""

    level: Level
    given: str
    status: StepStatus
    code: str | None = None
    score: float = 0.0
    candidates: tuple[tuple[str, float], ...] = ()
    note: str = ""

    def describe(self, g: Gazetteer | None = None) -> str:
        """One clause for the load report, e.g. ``district 'Srok Batheay' -> Batheay (0301)``."""
        g = gazetteer() if g is None else g
        if self.status == "code":
            text = f"{self.level} code {self.given!r} -> {g.label(self.code or '')}"
        elif self.status == "matched":
            how = "" if self.score >= 100 else f" (similarity {self.score:.0f})"
            unit = g.label(self.code) if self.code else "an entry of the official list with no code"
            text = f"{self.level} {self.given!r} -> {unit}{how}"
        elif self.status == "overruled":
            text = f"{self.level} {self.given!r} -> {g.label(self.code or '')}, overruled"
        elif self.status == "ambiguous":
            text = f"{self.level} {self.given!r} is ambiguous: could be " + " or ".join(
                g.path(c) for c, _ in self.candidates
            )
        else:
            text = f"{self.level} {self.given!r} not found"
            if self.candidates:
                text += (
                    " (closest: "
                    + ", ".join(f"{g.label(c)} {s:.0f}" for c, s in self.candidates)
                    + ")"
                )
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class PlaceMatch:
    """The result of matching one row's names.

    Attributes
    ----------
    admin_code
        Code of the finest unit matched, or ``None``.
    level
        Level of ``admin_code``.
    status
        ``matched`` (every name given was matched), ``partial`` (a coarser level matched, a
        finer name did not or was ambiguous), ``ambiguous`` (nothing matched and a name fits
        several units), ``unmatched`` (nothing matched) or ``empty`` (no name given).
    steps
        One :class:`Step` per name given, coarsest first.
    """

    admin_code: str | None
    level: Level | None
    status: MatchStatus
    steps: tuple[Step, ...]

    @property
    def matched_levels(self) -> tuple[Level, ...]:
        """The levels whose name (or code) was matched."""
        return tuple(s.level for s in self.steps if s.status in ("matched", "code"))

    def candidates(self) -> list[str]:
        """Candidate codes of the first ambiguous or unmatched name."""
        for step in self.steps:
            if step.status in ("ambiguous", "unmatched"):
                return [c for c, _ in step.candidates]
        return []

    def describe(
        self, g: Gazetteer | None = None, *, given: Mapping[str, str] | None = None
    ) -> str:
        """Every step in one line (what the load report shows).

        ``given`` replaces the names quoted (``{level: name}``): a match made for one spelling
        is described with another row's spelling of the same place.
        """
        if not given:
            return "; ".join(s.describe(g) for s in self.steps) or "no place name given"
        parts = []
        for step in self.steps:
            text = given.get(step.level)
            if step.status == "code" or not text:
                parts.append(step.describe(g))
            else:
                parts.append(_template(step, g).replace(_HOLE, repr(text), 1))
        return "; ".join(parts) or "no place name given"


_HOLE = repr("\ue000")
_TEMPLATES: dict[Step, str] = {}


def _template(step: Step, g: Gazetteer | None) -> str:
    """Return a step's description with a hole where its name is quoted (cached per step)."""
    found = _TEMPLATES.get(step)
    if found is None:
        if len(_TEMPLATES) > 500_000:
            _TEMPLATES.clear()
        found = _TEMPLATES[step] = replace(step, given="\ue000").describe(g)
    return found


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return " ".join(str(value).split())


def normalise_code(value: object) -> str:
    """Return an NCDD code as digits (Khmer digits and lost leading zeros repaired), or ``""``.

    Examples
    --------
    >>> normalise_code("៣០២០១"), normalise_code(30201.0), normalise_code("Batheay")
    ('030201', '030201', '')

    """
    if isinstance(value, float) and np.isfinite(value) and value == int(value):
        value = int(value)
    text = _clean(value).translate(_KHMER_DIGITS).replace(" ", "").replace("-", "")
    if not text.isdigit():
        return ""
    if len(text) % 2 == 1:
        text = "0" + text  # a spreadsheet dropped the leading zero of 03 (Kampong Cham)
    return text if len(text) in LEVEL_OF_LENGTH else ""


def _coded(codes: Any, scored: Sequence[tuple[int, float]]) -> tuple[tuple[str, float], ...]:
    """``(code, score)`` of the units that have a code.

    A few villages of the official list carry a placeholder instead of a code (``0506140-``):
    a name may match one (the row is then placed at the commune above), but a candidate is
    offered by its code, so they are never offered.
    """
    return tuple((codes[u], s) for u, s in scored if codes[u] is not None)


def _ambiguous(level: Level, given: str, candidates: tuple[tuple[str, float], ...]) -> Step:
    """Return an ambiguous step; unmatched when every unit of the name is a placeholder entry."""
    if len(candidates) > 1:
        return Step(level, given, "ambiguous", candidates=candidates)
    if candidates:  # one coded unit and placeholder entries of the same name
        return Step(
            level,
            given,
            "ambiguous",
            candidates=candidates,
            note="placeholder entries of the official list have that name too",
        )
    return Step(
        level,
        given,
        "unmatched",
        note="only placeholder entries of the official list (no code) have that name",
    )


class Matcher:
    """Top-down matching with a cache of every (level, scope, name) seen."""

    def __init__(self, g: Gazetteer | None = None) -> None:
        self.g = g or gazetteer()
        self._steps: dict[tuple[str, str, str], Step] = {}

    # -- one level ------------------------------------------------------------------------------
    def level(self, level: Level, given: str, scope: str = "") -> Step:
        """Match one name among the units of ``level`` below ``scope`` (cached)."""
        cache_key = (level, scope, given)
        hit = self._steps.get(cache_key)
        if hit is None:
            hit = self._steps[cache_key] = self._level(level, given, scope)
        return hit

    def _level(self, level: Level, given: str, scope: str) -> Step:
        truncated = given.endswith("*")  # names cut at 20 characters by a shapefile
        key = name_key(given.rstrip("*"))
        if not key.key:
            return Step(level, given, "unmatched", note="nothing is left of the name")
        pool = self.g.pool(level, scope, key.script)
        codes = self.g.units[level].codes
        found = self._equal(key, pool, truncated=truncated)
        if found is not None:
            return self._step(level, given, found, codes)
        scored = self._similar(key.key, pool, CUTOFF)
        if scored:
            best = scored[0][1]
            close = [(u, s) for u, s in scored if s >= best - MARGIN]
            if len(close) == 1:
                return Step(level, given, "matched", codes[close[0][0]], best)
            return _ambiguous(level, given, _coded(codes, close))
        closest = self._similar(key.key, pool, 0.0, limit=3) if pool.keys else []
        return Step(level, given, "unmatched", candidates=_coded(codes, closest))

    @staticmethod
    def _equal(
        key: Any, pool: Any, *, truncated: bool = False, strict: bool = False
    ) -> tuple[list[int], float] | None:
        """Units whose key (else whose consonant skeleton) equals the name's; ``None``: none."""
        if truncated:
            units = sorted(
                {
                    int(i)
                    for k, i in zip(pool.keys, pool.units, strict=True)
                    if k.startswith(key.key)
                }
            )
            if not units and len(key.skeleton) >= 3:
                units = sorted(
                    {
                        int(i)
                        for k, i in zip(pool.skeletons, pool.units, strict=True)
                        if k.startswith(key.skeleton)
                    }
                )
            return (units, 100.0) if units else None
        units = pool.exact.get(key.key, [])
        if units:
            return units, 100.0
        units = pool.by_skeleton.get(key.skeleton, []) if len(key.skeleton) >= 3 else []
        if units:
            pos = [j for j, i in enumerate(pool.units) if int(i) in units]
            score = max(fuzz.ratio(key.key, pool.keys[j]) for j in pos)
            # far from the stated parent, the same consonants must also read alike
            if not strict or score >= 80:
                return units, float(score)
        return None

    @staticmethod
    def _step(level: Level, given: str, found: tuple[list[int], float], codes: Any) -> Step:
        units, score = found
        if len(units) == 1:
            return Step(level, given, "matched", codes[units[0]], score)
        return _ambiguous(level, given, _coded(codes, [(u, score) for u in units]))

    def _similar(
        self, key: str, pool: Any, cutoff: float, *, limit: int = 8
    ) -> list[tuple[int, float]]:
        """Units of the pool by similarity (best first), one entry per unit."""
        if not pool.keys or (cutoff > 0 and len(key) < MIN_FUZZY_LENGTH):
            return []
        found = process.extract(
            key, pool.keys, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=cutoff or None
        )
        best: dict[int, float] = {}
        for _, score, pos in found:
            unit = int(pool.units[pos])
            best[unit] = max(best.get(unit, 0.0), float(score))
        return sorted(best.items(), key=lambda t: -t[1])[:limit]

    def elsewhere(self, level: Level, given: str, scope: str) -> Step | None:
        """Where a name not found under its stated parent is, if unique nearby (cached)."""
        cache_key = ("elsewhere:" + level, scope, given)
        if cache_key not in self._steps:
            key = name_key(given.rstrip("*"))
            self._steps[cache_key] = self._elsewhere(level, given, key, scope)  # type: ignore[assignment]
        return self._steps[cache_key]

    def _elsewhere(self, level: Level, given: str, key: Any, scope: str) -> Step | None:
        """Find a unique equal name outside the stated parent (units move between parents).

        A district is looked for in the whole country (districts moved to a new province), a
        commune in its province (communes moved to a new district); village names repeat too
        often for this.
        """
        if not scope or level in ("province", "village"):
            return None
        codes = self.g.units[level].codes
        wider_scopes = [scope[:2], ""] if level == "district" else [scope[:2]]
        for wider in dict.fromkeys(wider_scopes):
            if wider == scope:
                continue
            found = self._equal(key, self.g.pool(level, wider, key.script), strict=True)
            if found is None:
                continue
            if len(found[0]) > 1:
                return None
            code = codes[found[0][0]]
            if code is None:  # a placeholder entry of the official list: no code to give
                return None
            return Step(
                level,
                given,
                "matched",
                code,
                found[1],
                note=f"it lies in {self.g.path(code[:-2])}, not in the stated "
                f"{self.g.label(scope)}",
            )
        return None

    # -- a whole row -----------------------------------------------------------------------------
    def match(
        self, names: Mapping[str, object], code: object = None, *, clean: bool = True
    ) -> PlaceMatch:
        """Match one row's names (``{level: name}``) and optional code, top-down."""
        given = (
            {lv: _clean(names.get(lv)) for lv in LEVELS}
            if clean
            else {lv: names.get(lv) or "" for lv in LEVELS}
        )
        steps: list[Step] = []
        scope, start = "", 0
        clean_code = normalise_code(code)
        if clean_code and self.g.find(clean_code) is not None:
            level = LEVEL_OF_LENGTH[len(clean_code)]
            steps.append(Step(level, clean_code, "code", clean_code, 100.0))
            scope, start = clean_code, LEVELS.index(level) + 1
        elif _clean(code):
            steps.append(
                Step(
                    LEVEL_OF_LENGTH.get(len(clean_code), "commune"),
                    _clean(code),
                    "unmatched",
                    note="not a code of the gazetteer; names used",
                )
            )
        todo = [lv for lv in LEVELS[start:] if given[lv]]
        pending: Step | None = None
        for k, level in enumerate(todo):
            text = given[level]
            if pending is not None:  # an ambiguous level: does this name fit under one only?
                resolved = self._resolve(pending, level, text)
                if resolved is None:
                    steps.append(
                        Step(
                            level,
                            text,
                            "unmatched",
                            note=f"not looked for: the {pending.level} above is ambiguous",
                        )
                    )
                    break
                steps[-1], scope, pending = resolved, resolved.code or scope, None
            step = self.level(level, text, scope)
            if step.status == "unmatched" and scope:
                finer = todo[k + 1] if k + 1 < len(todo) else None
                step = self._moved(step, scope, finer, given.get(finer or "", ""))
                if step.status == "matched" and step.code:
                    steps = self._overruled(steps, step.code)
            steps.append(step)
            if step.status == "matched" and step.code:
                scope = step.code
            elif step.status == "ambiguous":
                pending = step
            elif level != "district":
                break  # below an unknown commune, a village name would be a guess
        return self._result(tuple(steps), scope)

    def _moved(self, step: Step, scope: str, finer: str | None, finer_text: str) -> Step:
        """Return the unit found under another parent, if the next finer name agrees with it."""
        moved = self.elsewhere(step.level, step.given, scope)
        if moved is None or moved.code is None:
            return step
        check = finer if step.level == "district" else None  # village names are too loose
        fit = self.level(check, finer_text, moved.code).status if check else "matched"  # type: ignore[arg-type]
        if fit not in ("matched", "ambiguous"):
            return Step(
                step.level,
                step.given,
                "unmatched",
                candidates=step.candidates,
                note=f"{self.g.path(moved.code)} has that name, but the {finer} "
                f"{finer_text!r} is not in it",
            )
        return moved

    def _overruled(self, steps: list[Step], code: str) -> list[Step]:
        """Mark the coarser matches that a unit found under another parent contradicts."""
        out = []
        for s in steps:
            if s.status in ("matched", "code") and s.code and not code.startswith(s.code):
                out.append(
                    Step(
                        s.level,
                        s.given,
                        "overruled",
                        s.code,
                        s.score,
                        note=f"the finer name lies in {self.g.label(code[: len(s.code)])}",
                    )
                )
            else:
                out.append(s)
        return out

    def _resolve(self, pending: Step, level: Level, text: str) -> Step | None:
        """Return the one candidate of an ambiguous level under which ``text`` matches, if one."""
        fits = [
            code
            for code, _ in pending.candidates
            if self.level(level, text, code).status == "matched"
        ]
        if len(fits) != 1:
            return None
        return Step(
            pending.level,
            pending.given,
            "matched",
            fits[0],
            100.0,
            note=f"the only one with a {level} {text!r}",
        )

    def _result(self, steps: tuple[Step, ...], scope: str) -> PlaceMatch:
        if not steps:
            return PlaceMatch(None, None, "empty", steps)
        matched = [s for s in steps if s.status in ("matched", "code") and s.code]
        if not matched:
            status: MatchStatus = (
                "ambiguous" if any(s.status == "ambiguous" for s in steps) else "unmatched"
            )
            return PlaceMatch(None, None, status, steps)
        code = max((s.code for s in matched), key=len)  # type: ignore[arg-type]
        whole = all(s.status in ("matched", "code") for s in steps)
        return PlaceMatch(
            code, LEVEL_OF_LENGTH[len(code)], "matched" if whole else "partial", steps
        )


@cache
def _matcher() -> Matcher:
    return Matcher()


def match_place(
    province: object = None,
    district: object = None,
    commune: object = None,
    village: object = None,
    *,
    code: object = None,
) -> PlaceMatch:
    """Match one place, given by its names (any level may be left out) or an NCDD code.

    Parameters
    ----------
    province, district, commune, village
        Names as written: Khmer or Latin, with or without prefixes (ខេត្ត, Srok, Khum...).
    code
        An NCDD code (``"03"``, ``"0301"``, ``"030101"``, ``"03010101"``); it wins over the
        names of its level and above.

    Returns
    -------
    PlaceMatch
        The finest code matched, its level, and how each name was matched.

    Examples
    --------
    >>> m = match_place("Kg. Cham", "Srok Batheay")
    >>> m.admin_code, m.level, m.status
    ('0301', 'district', 'matched')
    >>> match_place("Kampong Cham", commune="ឃុំបាធាយ").admin_code
    '030101'

    """
    names = {"province": province, "district": district, "commune": commune, "village": village}
    return _matcher().match(names, code)


def match_places(
    names: pd.DataFrame, *, code: pd.Series | None = None, detail: bool = True
) -> pd.DataFrame:
    """Match every row of a table of names; each distinct place is matched once.

    Names are reduced to their keys (:func:`~landmap.places.name_key`) first, so "Khet Kampong
    Cham", "KAMPONG CHAM" and "Kg. Cham" are one place to match.

    Parameters
    ----------
    names
        Columns named after levels (``province``, ``district``, ``commune``, ``village``;
        any may be missing), one row per place.
    code
        NCDD codes per row (aligned with ``names``); blank where none.
    detail
        Also return the ``detail`` column (one line per row, quoting the row's own names);
        leaving it out saves most of the time on a register of mostly distinct spellings.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``names``: ``admin_code``, ``level``, ``status`` (see
        :class:`PlaceMatch`), ``matched_levels`` (comma-separated), ``candidates`` (codes,
        ``;``-separated, of the first ambiguous or unmatched name) and ``detail``.

    Examples
    --------
    >>> table = pd.DataFrame({"province": ["Kg. Cham", "Kampong Cham"],
    ...                       "district": ["Srok Batheay", "Batheay"]})
    >>> match_places(table)["admin_code"].tolist()
    ['0301', '0301']

    """
    n = len(names)
    raw = pd.DataFrame(
        {lv: _clean_column(names[lv]) if lv in names.columns else [""] * n for lv in LEVELS}
    )
    raw["code"] = [""] * n if code is None else _clean_column(pd.Series(code)).to_numpy()
    keys = pd.DataFrame({lv: _map_distinct(raw[lv], _key_of) for lv in LEVELS})
    keys["code"] = _map_distinct(raw["code"], lambda c: normalise_code(c) or (f"?{c}" if c else ""))
    place, first = _factorize_rows(keys)
    matcher = _matcher()
    rows = raw.to_numpy(dtype=object)
    found = [
        matcher.match(dict(zip(LEVELS, rows[r, :4], strict=True)), rows[r, 4], clean=False)
        for r in first
    ]
    out = pd.DataFrame(
        {
            "admin_code": [m.admin_code for m in found],
            "level": [m.level for m in found],
            "status": [m.status for m in found],
            "matched_levels": [", ".join(m.matched_levels) for m in found],
            "candidates": ["; ".join(m.candidates()) for m in found],
        }
    )
    result = out.take(place).reset_index(drop=True)
    if detail:
        spelled, spelled_first = _factorize_rows(raw)
        g = matcher.g
        lines = [
            found[place[r]].describe(g, given=dict(zip(LEVELS, rows[r, :4], strict=True)))
            for r in spelled_first
        ]
        result["detail"] = np.asarray(lines, dtype=object)[spelled]
    for col in result.columns:
        result[col] = result[col].astype("string")
    result.index = names.index
    return result


def _map_distinct(values: pd.Series, func: Any) -> np.ndarray:
    """``values.map(func)``, calling ``func`` once per distinct value."""
    codes, uniques = pd.factorize(values)
    mapped = np.array([func(u) for u in uniques] + [""], dtype=object)
    return mapped[np.where(codes < 0, len(uniques), codes)]


def _clean_column(values: pd.Series) -> pd.Series:
    """Text with runs of whitespace made one space, trimmed; missing values as ``""``."""
    text = values.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    return text.fillna("").astype(object).reset_index(drop=True)


def _key_of(text: str) -> str:
    """Return what matching depends on: the key, its script and whether the name was cut short."""
    if not text:
        return ""
    key = name_key(text.rstrip("*"))
    return f"{key.script}:{key.key}:{'*' if text.endswith('*') else ''}"


def _factorize_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Group positions of each row and the first row of each group."""
    codes, _ = pd.factorize(pd.MultiIndex.from_frame(frame))
    codes = np.asarray(codes)
    _, first = np.unique(codes, return_index=True)
    return codes, first


@cache
def _level_words() -> dict[str, str]:
    data = resource_json("places/romanisation.json")["level_words"]
    return {w.casefold(): level for level, words in data.items() for w in words}


def level_hint(text: str) -> Level | None:
    """Return the level a name's prefix word names (``"Srok Batheay"``: district), or ``None``.

    Examples
    --------
    >>> level_hint("Srok Batheay"), level_hint("ឃុំបាធាយ"), level_hint("Batheay")
    ('district', 'commune', None)

    """
    words = _level_words()
    stripped = _clean(text)
    first = stripped.split(" ")[0].rstrip(".").casefold() if stripped else ""
    if first in words:
        return words[first]  # type: ignore[return-value]
    for word, level in sorted(words.items(), key=lambda t: -len(t[0])):
        if not word.isascii() and stripped.startswith(word):
            return level  # type: ignore[return-value]
    return None


__all__ = [
    "CUTOFF",
    "MARGIN",
    "MIN_FUZZY_LENGTH",
    "Matcher",
    "PlaceMatch",
    "Step",
    "level_hint",
    "match_place",
    "match_places",
    "normalise_code",
]
