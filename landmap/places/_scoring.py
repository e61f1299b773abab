"""Candidate scoring for one admin level: which units of the gazetteer a written name may be.

Equal keys (:func:`~landmap.places._normalise.name_key`) or equal consonant skeletons first,
then similarity of keys with ``rapidfuzz`` (:data:`CUTOFF`, :data:`MARGIN`); a name not found
under its stated parent is looked for in the province or the country around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process

from landmap.places._gazetteer import Gazetteer, Level, gazetteer
from landmap.places._normalise import name_key
from landmap.places._steps import Step

#: Least similarity (0-100, :func:`rapidfuzz.fuzz.ratio` of the keys) of a fuzzy match.
CUTOFF = 85.0
#: Two units whose similarity differs by less than this are equally good: ambiguous.
MARGIN = 3.0
#: Keys shorter than this match exactly or not at all ("Ta" must not become "Tao").
MIN_FUZZY_LENGTH = 4


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


class LevelMatcher:
    """One level at a time: a name among the units below a scope, with a cache of each seen."""

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


__all__ = ["CUTOFF", "MARGIN", "MIN_FUZZY_LENGTH", "LevelMatcher"]
