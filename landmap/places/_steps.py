"""What matching place names found: a :class:`Step` per name, a :class:`PlaceMatch` per row.

Both describe themselves for the load report, quoting the names as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from landmap.places._gazetteer import Gazetteer, Level, gazetteer

StepStatus = Literal["matched", "ambiguous", "unmatched", "code", "overruled"]
MatchStatus = Literal["matched", "partial", "ambiguous", "unmatched", "empty"]


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


__all__ = ["MatchStatus", "PlaceMatch", "Step", "StepStatus"]
