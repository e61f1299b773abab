"""Column-name recognition from the alias tables in ``resources/column_aliases.json``."""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources

import pandas as pd


@cache
def aliases() -> dict[str, object]:
    """Return the alias tables (see the file's ``_comment``)."""
    text = resources.files("landmap").joinpath("resources/column_aliases.json").read_text("utf-8")
    data = json.loads(text)
    data.pop("_comment", None)
    return data


def normalise(name: object) -> str:
    """Lower-case, separators to ``_``, leading/trailing ``_`` removed."""
    return _normalised(str(name))


@lru_cache(maxsize=1 << 16)
def _normalised(name: str) -> str:
    # cached: every canonical column looks through every column name of the file, so a wide
    # Kobo export would normalise each name dozens of times
    return re.sub(r"[^0-9a-z\u1780-\u17ff]+", "_", name.lower()).strip("_")


def _tail(name: object) -> str:
    return normalise(str(name).rsplit("/", 1)[-1])


def find_column(
    columns: list[str],
    spellings: list[str],
    suffixes: list[str] = (),
    *,
    taken: set[str] | None = None,
) -> str | None:
    """Return the column matching the best spelling (whole name or Kobo tail), else a suffix.

    Spellings are in order of preference, and the order decides: ``case/case_number`` (the
    human case number, found after its Kobo group prefix) wins over ``_uuid`` (form metadata,
    a later and worse spelling) even though ``_uuid`` matches as a whole name. For one
    spelling, a whole-name match wins over a tail match.
    """
    taken = taken or set()
    free = [c for c in columns if c not in taken]
    whole = {normalise(c): c for c in reversed(free)}
    tails = {_tail(c): c for c in reversed(free)}
    for spelling in spellings:
        if spelling in whole:
            return whole[spelling]
        if spelling in tails:
            return tails[spelling]
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


__all__ = ["aliases", "find_column", "level_term", "match_profile", "normalise"]
