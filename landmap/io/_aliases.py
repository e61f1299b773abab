"""Column-name recognition from the alias tables in ``resources/column_aliases.json``.

Names are compared in several forms, from the strictest to the loosest: the whole name
normalised (:func:`normalise`), the same without separators (``"Case ID"`` and ``"caseid"``,
``"ចំនួន គ្រួសារ"`` and ``"ចំនួនគ្រួសារ"``), the last part of a Kobo/ODK group path
(``case/date_of_incident``), each side of a bilingual header (``"ខេត្ត (Province)"``,
``"Province / ខេត្ត"``), and the name without a question number or a common prefix
(``"3. ខេត្ត"``, ``"ឈ្មោះភូមិ"``: "name of the village"). Earlier spellings in a list win over
later ones in every form, so a human case-number column found after a group prefix still wins
over a generic ``_uuid``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import pandas as pd

from landmap.bundled import resource_json

#: Khmer digits ០-៩ as ASCII digits.
KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
#: Characters with no width that Khmer typing inserts between words, and the byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
#: Khmer letters, signs and digits (not its punctuation ។ ៕ ៖, which separate like "." and ":").
_WORD = r"0-9a-z\u1780-\u17d3\u17d7\u17dc\u17dd"
_SEPARATORS = re.compile(rf"[^{_WORD}]+")
#: A question number in front of a label: "3.", "Q3", "3a)", "៣."
_NUMBERING = re.compile(r"^(?:q\d+[a-z]?|\d+[a-z]?)_")
_PARTS = re.compile(r"[/()\[\]|:\u17d6]+|\s[-–]\s")


def fold_khmer(text: str) -> str:
    r"""Fold spellings of Khmer text that look the same on screen onto one form.

    Zero-width spaces are removed, Khmer digits become ASCII digits, and the subscript DA
    (``្ដ``) becomes the subscript TA (``្ត``), which most fonts draw identically
    (``បណ្ដោយ`` and ``បណ្តោយ`` are one word to a reader).

    Examples
    --------
    >>> fold_khmer("រយៈបណ្ដោយ\u200b") == "រយៈបណ្តោយ"
    True
    >>> fold_khmer("១៥/០៣/២០២៣")
    '15/03/2023'

    """
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(KHMER_DIGITS)
    return text.replace("\u17d2\u178a", "\u17d2\u178f")


@cache
def aliases() -> dict[str, object]:
    """Return the alias tables (see the file's ``_comment``)."""
    return resource_json("column_aliases.json")


def normalise(name: object) -> str:
    """Lower-case, Khmer folded, separators to ``_``, leading/trailing ``_`` removed.

    Examples
    --------
    >>> normalise("  Case ID ")
    'case_id'
    >>> normalise("ល.រ")
    'ល_រ'

    """
    return _normalised(str(name))


@lru_cache(maxsize=1 << 16)
def _normalised(name: str) -> str:
    # cached: every canonical column looks through every column name of the file, so a wide
    # Kobo export would normalise each name dozens of times
    return _SEPARATORS.sub("_", fold_khmer(name).lower()).strip("_")


def _compact(form: str) -> str:
    return form.replace("_", "")


def _tail(name: object) -> str:
    return normalise(str(name).rsplit("/", 1)[-1])


@cache
def _prefixes() -> tuple[str, ...]:
    words = [normalise(p) for p in aliases().get("prefixes", [])]  # type: ignore[union-attr]
    return tuple(sorted({w for w in words if w}, key=len, reverse=True))


def _without_prefix(form: str) -> list[str]:
    """Return the name without its question number, and also without a common prefix."""
    stripped = _NUMBERING.sub("", form)
    out = [stripped] if stripped != form else []
    for prefix in _prefixes():
        if stripped.startswith(prefix) and len(stripped) > len(prefix):
            rest = stripped[len(prefix) :].lstrip("_")
            if rest:
                out.append(rest)
                break
    return out


@lru_cache(maxsize=65536)
def _forms(name: str) -> tuple[str, ...]:
    return tuple(name_forms(name))


def name_forms(name: object) -> list[str]:
    """Return the forms of a column name compared with the aliases, strictest first.

    Examples
    --------
    >>> name_forms("ខេត្ត (Province)")
    ['ខេត្ត_province', 'ខេត្តprovince', 'ខេត្ត', 'province']
    >>> name_forms("case/Case Number")[:4]
    ['case_case_number', 'casecasenumber', 'case_number', 'casenumber']

    """
    whole = normalise(name)
    forms = [whole, _compact(whole)]
    tail = _tail(name)
    forms += [tail, _compact(tail)]
    parts = [normalise(p) for p in _PARTS.split(fold_khmer(str(name)))]
    forms += [p for p in parts if len(p) > 1]  # "Lat (N)": not "n" for northing
    for form in list(forms):
        for rest in _without_prefix(form):
            if len(rest) > 1:
                forms += [rest, _compact(rest)]
    return list(dict.fromkeys(f for f in forms if f))


def find_column(
    columns: list[str],
    spellings: list[str],
    suffixes: list[str] = (),
    *,
    taken: set[str] | None = None,
) -> str | None:
    """Return the column matching the earliest spelling in any form; then try the suffixes.

    Parameters
    ----------
    columns
        The file's column names.
    spellings
        Known spellings, best first (compared after :func:`normalise`, with and without
        separators).
    suffixes
        Name endings (``_<suffix>``) tried last, as Kobo writes ``_<question>_latitude``.
    taken
        Columns already used for something else.

    Returns
    -------
    str or None

    Examples
    --------
    >>> find_column(["_uuid", "case/Case Number"], ["case_number", "_uuid"])
    'case/Case Number'
    >>> find_column(["លេខ ករណី", "ឈ្មោះ"], ["លេខករណី"])
    'លេខ ករណី'

    """
    taken = taken or set()
    free = [c for c in columns if c not in taken]
    # form -> (rank of the form, position of the column): the strictest form, then the first
    # column, wins
    index: dict[str, tuple[int, int]] = {}
    for pos, col in enumerate(free):
        for rank, form in enumerate(_forms(str(col))):
            if form not in index or (rank, pos) < index[form]:
                index[form] = (rank, pos)
    for spelling in spellings:
        want = normalise(spelling)
        hits = [index[f] for f in (want, _compact(want)) if f and f in index]
        if hits:
            return free[min(hits)[1]]
    for suffix in suffixes:
        for c in free:
            if _tail(c).endswith("_" + suffix):
                return c
    return None


def match_profile(columns: list[str], kind: str | None = None) -> dict[str, object] | None:
    """Return the known-dataset profile whose signature columns are all present, if any."""
    present = set(columns)
    for profile in aliases()["profiles"]:  # type: ignore[union-attr]
        if kind is not None and profile["kind"] != kind:
            continue
        if set(profile["signature"]) <= present:
            return profile
    return None


def level_term(value: object) -> str | None:
    """Map a level spelling (``ADM1``, ``Province``, ``khan``) to a canonical boundary level."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = normalise(value).replace("_", "")
    for level, spellings in aliases()["levels"].items():  # type: ignore[union-attr]
        if text in [s.replace("_", "") for s in spellings]:
            return level
    return None


__all__ = [
    "KHMER_DIGITS",
    "aliases",
    "find_column",
    "fold_khmer",
    "level_term",
    "match_profile",
    "name_forms",
    "normalise",
]
