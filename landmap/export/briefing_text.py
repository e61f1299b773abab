"""Text of briefing maps in English, Khmer or both: titles and vocabulary headings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from landmap.schema import label

Lang = Literal["en", "km", "both"]
LANGS: tuple[str, ...] = ("en", "km", "both")


def text_for(value: str | Mapping[str, str] | None, lang: Lang, *, sep: str = "\n") -> str:
    """Return the text of a title-like element in ``lang``.

    ``value`` is either a plain string (used as given) or ``{"en": ..., "km": ...}``; ``"both"``
    joins English and Khmer with ``sep``.

    Examples
    --------
    >>> text_for({"en": "Map", "km": "ផែនទី"}, "both", sep=" / ")
    'Map / ផែនទី'

    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if lang == "both":
        return sep.join(v for v in (value.get("en"), value.get("km")) if v)
    return str(value.get(lang) or value.get("en") or value.get("km") or "")


def heading(term: str, lang: Lang, *, sep: str = " / ") -> str:
    """Return a legend heading from the vocabulary in ``lang``."""
    return label("heading", term, "en") + sep + label("heading", term, "km") if lang == "both" \
        else label("heading", term, lang)


__all__ = ["LANGS", "Lang", "heading", "text_for"]
