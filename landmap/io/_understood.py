"""What a loader understood of a file's columns, and what it probably missed.

Every input column gets a fate: the canonical column it became (and how it was recognised), a
coordinate, or "kept as is". A canonical column left empty although a column looks like it (by
name, or by what its cells hold) is a *likely miss*: the load report warns about it in its
summary line, because an empty ``date`` or ``households`` column silently changes every count
made afterwards.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from landmap.io._aliases import _forms, aliases, normalise
from landmap.schema import sensitive_reason, vocabulary

#: How many unused columns the likely-miss checks look at, by name and by content (a register
#: has tens; a broken file may have thousands, and the checks must stay cheap).
MAX_CHECKED = 120
MAX_CONTENT_CHECKED = 60
#: Rows sampled from a column to judge what its cells hold.
SAMPLE = 200
_VOCAB = {
    "type": "case_type",
    "status": "case_status",
    "location_precision": "location_precision",
    "kind": None,
}
_KHMER_SPACE = str.maketrans("", "", " \u200b")


@dataclass(frozen=True)
class Miss:
    """A canonical column that stayed empty although ``column`` looks like it."""

    canonical: str
    column: str
    why: str

    def message(self) -> str:
        """One sentence for the summary line, with the mapping that would fix it."""
        return (
            f"column {self.column!r} looks like {self.canonical} ({self.why}) but was not "
            f"used: map it with columns={{{self.canonical!r}: {self.column!r}}}"
        )


def fates(
    columns: list[str],
    mapping: dict[str, list[str]],
    *,
    explicit: dict[str, str],
    profile: str | None,
    coordinates: set[str],
    kind: str,
) -> list[dict[str, str]]:
    """Return one ``{"column", "became", "how"}`` record per input column, in file order.

    ``became`` is a canonical column name, ``"coordinates"``, or ``""`` (kept as is); ``how``
    says how it was recognised, or why it was kept.
    """
    used = {}
    for key, sources in mapping.items():
        for src in sources:
            used.setdefault(src, key)
    rows = row_number_columns(columns)
    out = []
    for col in columns:
        if col == "geometry":
            continue
        if col in used:
            key = used[col]
            if explicit.get(key) == col:
                how = "your mapping"
            elif profile and _from_profile(key, col, profile):
                how = f"known dataset: {profile}"
            else:
                how = "recognised name"
            out.append({"column": col, "became": key, "how": how})
        elif col in coordinates:
            how = "your mapping" if col in explicit.values() else "recognised name"
            out.append({"column": col, "became": "coordinates", "how": how})
        else:
            reason = sensitive_reason(col, kind)  # type: ignore[arg-type]
            how = (
                "row number"
                if col in rows
                else f"kept as is (personal: {reason})"
                if reason
                else "kept as is"
            )
            out.append({"column": col, "became": "", "how": how})
    return out


def _from_profile(key: str, col: str, profile_name: str) -> bool:
    for profile in aliases()["profiles"]:  # type: ignore[union-attr]
        if profile["name"] == profile_name:
            src = profile["columns"].get(key)
            return col == src or (isinstance(src, list) and col in src)
    return False


def row_number_columns(columns: list[str]) -> set[str]:
    """Columns whose name says they hold a running row number (``ល.រ``, ``No.``)."""
    spellings = {normalise(s) for s in aliases().get("row_numbers", [])}  # type: ignore[union-attr]
    spellings |= {s.replace("_", "") for s in spellings}
    return {
        c
        for c in columns
        if normalise(c) in spellings or normalise(c).replace("_", "") in spellings
    }


@cache
def _spellings(kind: str) -> dict[str, tuple[str, ...]]:
    table = aliases()[kind]  # type: ignore[index]
    return {key: tuple(normalise(s) for s in spellings) for key, spellings in table.items()}  # type: ignore[union-attr]


def _metadata(col: str) -> bool:
    """Kobo/ODK bookkeeping columns (``_uuid``, ``_validation_status``, ``meta/instanceID``)."""
    text = str(col)
    return text.startswith("_") or text.lower().startswith("meta/")


def _looks_by_name(col: str, spellings: tuple[str, ...]) -> str | None:
    forms = [f for f in _forms(str(col)) if len(f) > 2]
    for form in forms:
        match = difflib.SequenceMatcher(None, "", form)  # what it learns of ``form`` is kept
        for spelling in spellings:
            if len(spelling) < 4:
                continue
            if len(spelling) >= 5 and spelling in form and len(spelling) >= 0.5 * len(form):
                return f"its name contains {spelling!r}"
            if 2 * min(len(form), len(spelling)) < 0.84 * (len(form) + len(spelling)):
                continue  # lengths alone rule a close match out
            match.set_seq1(spelling)
            if match.quick_ratio() >= 0.84 and match.ratio() >= 0.84:
                return f"its name is close to {spelling!r}"
    return None


def _compact(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_KHMER_SPACE).lower()


@cache
def _vocab_spellings(field: str) -> frozenset[str]:
    words = set()
    for term, entry in vocabulary()[field].items():
        words |= {_compact(term), _compact(str(entry["en"])), _compact(str(entry["km"]))}
        words |= {_compact(str(a)) for a in entry.get("aliases", [])}
    return frozenset(w for w in words if w)


@dataclass
class _Content:
    """What a column's first non-empty cells hold, worked out once for every canonical key."""

    size: int
    numeric: float = 0.0
    dates: float | None = None
    terms: dict[str, float] = field(default_factory=dict)


def _content(values: pd.Series) -> _Content:
    text = values.dropna().astype("string").str.strip()
    sample = text[text.ne("")].head(SAMPLE)
    out = _Content(len(sample))
    if out.size < 3:
        return out
    out.numeric = float(pd.to_numeric(sample, errors="coerce").notna().mean())
    compact = [_compact(str(v)) for v in sample]
    for field_name in (
        "case_type",
        "case_status",
        "location_precision",
        "area_kind",
        "concession_kind",
    ):
        words = _vocab_spellings(field_name)
        out.terms[field_name] = sum(c in words for c in compact) / len(compact)
    if out.numeric <= 0.5:  # plain numbers are counts or codes, not dates
        from landmap.io._dates import parse_dates

        dates, _ = parse_dates(sample)
        out.dates = float(dates.notna().mean())
    return out


def _looks_by_content(content: _Content, key: str, kind: str) -> str | None:
    if content.size < 3:
        return None
    field_name = _VOCAB.get(key)
    if key == "kind":
        field_name = {"areas": "area_kind", "concessions": "concession_kind"}.get(kind)
    if field_name is not None:
        share = content.terms.get(field_name, 0.0)
        return f"{share:.0%} of its cells are {key} terms" if share >= 0.6 else None
    if key in ("date", "granted") and content.dates is not None and content.dates >= 0.8:
        return f"{content.dates:.0%} of its cells are dates"
    return None


def likely_misses(
    frame: pd.DataFrame,
    kind: str,
    mapping: dict[str, list[str]],
    records: list[dict[str, str]],
) -> list[Miss]:
    """Canonical columns left empty that an unused column probably holds.

    Parameters
    ----------
    frame
        The table as read (before canonical columns were built).
    kind
        Layer kind.
    mapping
        ``{canonical: [source columns]}`` that was used.
    records
        The :func:`fates` of the columns.

    Returns
    -------
    list of Miss
        At most one per canonical column, the first likely column in file order.

    """
    unused = [
        r["column"]
        for r in records
        if r["became"] == "" and r["how"] == "kept as is" and not _metadata(r["column"])
    ][:MAX_CHECKED]
    spellings = _spellings(kind)
    contents: dict[str, _Content] = {}
    out: list[Miss] = []
    claimed: set[str] = set()
    for key, names in spellings.items():
        if key in mapping:
            continue
        for pos, col in enumerate(unused):
            if col in claimed:
                continue
            why = _looks_by_name(col, names)
            if why is None and pos < MAX_CONTENT_CHECKED and col in frame.columns:
                if col not in contents:
                    contents[col] = _content(frame[col])
                why = _looks_by_content(contents[col], key, kind)
            if why is not None:
                out.append(Miss(key, col, why))
                claimed.add(col)
                break
    return out


__all__ = [
    "MAX_CHECKED",
    "MAX_CONTENT_CHECKED",
    "Miss",
    "fates",
    "likely_misses",
    "row_number_columns",
]
