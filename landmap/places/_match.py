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

The candidates of one level are scored in :mod:`landmap.places._scoring`; the results are
:class:`~landmap.places._steps.Step` and :class:`~landmap.places._steps.PlaceMatch`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from landmap.bundled import resource_json
from landmap.places._gazetteer import LEVEL_OF_LENGTH, LEVELS, Level
from landmap.places._normalise import name_key
from landmap.places._scoring import CUTOFF, MARGIN, MIN_FUZZY_LENGTH, LevelMatcher
from landmap.places._steps import _TEMPLATES as _TEMPLATES  # cleared for a cold benchmark run
from landmap.places._steps import MatchStatus, PlaceMatch, Step

_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


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


class Matcher(LevelMatcher):
    """Top-down matching of whole rows, with a cache of every (level, scope, name) seen."""

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
