"""Which columns a published layer keeps: an allow-list, never a guess from a column name.

A public layer keeps the columns its profile allows (:meth:`PrivacyProfile.public_columns`) and
drops every other one, whatever it is called. The name and content patterns of
:func:`~landmap.privacy.fields.sensitive_columns` only explain why a dropped column mattered and
warn when a user keeps, by name, a column that looks personal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from landmap.privacy.fields import FREE_TEXT_REASON, sensitive_columns
from landmap.privacy.profiles import PrivacyProfile
from landmap.schema import PHONE_PATTERN

#: Text that replaces a phone number or a person's name found inside an allowed free text.
REDACTED = "[removed]"
#: Reason recorded for a column dropped only because the profile does not list it.
NOT_ALLOWED = "not among the columns the profile publishes"

_KHMER = re.compile("[\u1780-\u17ff]")
_WORD = re.compile(r"(?:[^\W_]|[\u1780-\u17ff\u19e0-\u19ff])+")


@dataclass
class ColumnChoice:
    """The outcome of the column step: the kept frame and what the audit says about it."""

    data: pd.DataFrame
    removed: dict[str, str]
    free_text: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def redact(values: pd.Series, secrets_in_text: list[str]) -> tuple[pd.Series, int]:
    """Blank out phone numbers and known sensitive values inside free text.

    Returns the redacted text and how many values changed.
    """
    text = values.astype("string")
    before = text.copy()
    text = text.str.replace(PHONE_PATTERN, REDACTED, regex=True)
    by_first: dict[str, set[str]] = {}
    khmer: set[str] = set()  # Khmer is written without spaces between words: match substrings
    for value in secrets_in_text:
        words = _WORD.findall(value.casefold())
        if len(value) >= 3 and words:
            by_first.setdefault(words[0], set()).add(value)
            if _KHMER.search(value):
                khmer.add(value)

    def scrub(item: object) -> object:
        if not isinstance(item, str):
            return item
        found = {
            v for w in set(_WORD.findall(item.casefold())) & by_first.keys() for v in by_first[w]
        }
        if khmer and _KHMER.search(item):
            found |= {v for v in khmer if v in item}
        if not found:
            return item
        pattern = "|".join(re.escape(v) for v in sorted(found, key=len, reverse=True))
        return re.sub(pattern, REDACTED, item, flags=re.IGNORECASE)

    text = pd.Series([scrub(v) for v in text.astype(object)], index=text.index, dtype="string")
    changed = int((text.fillna("") != before.fillna("")).sum())
    return text, changed


def choose_columns(layer: pd.DataFrame, prof: PrivacyProfile, kind: str | None) -> ColumnChoice:
    """Keep the columns ``prof`` publishes for ``kind``; drop and explain every other one."""
    geometry = getattr(layer, "_geometry_column_name", None)
    allowed = prof.public_columns(kind)
    columns = [c for c in layer.columns if c != geometry]
    sensitive = sensitive_columns(layer, kind)
    removed: dict[str, str] = {}
    for col in columns:
        name = str(col)
        reason = sensitive.get(name, "")
        if name in prof.drop:
            removed[name] = "dropped by the profile"
        elif allowed is None:  # a confidential profile keeps every column but what it drops
            if reason.startswith(FREE_TEXT_REASON) and not prof.allow_free_text:
                removed[name] = reason
        elif name not in allowed:
            removed[name] = reason or NOT_ALLOWED
    out = layer.drop(columns=[c for c in columns if str(c) in removed])
    choice = ColumnChoice(out, removed, {"kept": [], "values_redacted": 0})
    for col in prof.keep:
        reason = sensitive.get(col)
        if col in out.columns and reason is not None and not reason.startswith(FREE_TEXT_REASON):
            choice.warnings.append(
                f"column {col!r} is published because the profile keeps it, although it looks "
                f"like a {reason}: check that it holds nothing personal"
            )
    free = [c for c in out.columns if sensitive.get(str(c), "").startswith(FREE_TEXT_REASON)]
    if free and allowed is not None:
        secret_values = [
            str(v)
            for c in removed
            for v in layer[c].dropna().unique()
            if isinstance(v, str) and len(v) >= 3
        ]
        for col in free:
            out[col], changed = redact(out[col], secret_values)
            choice.free_text["values_redacted"] += changed
            choice.free_text["kept"].append(str(col))
    return choice


__all__ = ["NOT_ALLOWED", "REDACTED", "ColumnChoice", "choose_columns", "redact"]
