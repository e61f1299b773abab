"""Text of briefing maps in English, Khmer or both: titles, headings, sources, numbers.

On a Khmer map every fixed phrase is Khmer (legend headings from the vocabulary, the words of
the source lines from ``resources/attribution_phrases.json``) and numbers are written in Khmer
digits; what others published under their own names (an organisation, a concession's company
name) stays as they published it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import PurePath
from typing import TYPE_CHECKING

from landmap.bundled import resource_json
from landmap.schema import LANGS, Lang, label

if TYPE_CHECKING:
    import pandas as pd

_TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


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
    if lang == Lang.BOTH:
        return sep.join(v for v in (value.get(Lang.EN), value.get(Lang.KM)) if v)
    return str(value.get(lang) or value.get(Lang.EN) or value.get(Lang.KM) or "")


def heading(term: str, lang: Lang, *, sep: str = " / ") -> str:
    """Return a legend heading from the vocabulary in ``lang``."""
    if lang == Lang.BOTH:
        return label("heading", term, Lang.EN) + sep + label("heading", term, Lang.KM)
    return label("heading", term, lang)


def number(value: float | int | str, lang: Lang, *, grouped: bool = True) -> str:
    """Write a number for the page: Khmer digits on a Khmer map.

    Examples
    --------
    >>> number(1500, "km"), number(1500, "en"), number("2024-05-01", "km")
    ('១,៥០០', '1,500', '២០២៤-០៥-០១')

    """
    if isinstance(value, str):
        text = value
    elif grouped and float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:g}"
    return text.translate(_TO_KHMER_DIGITS) if lang == Lang.KM else text


@cache
def _phrases() -> dict[str, dict[str, str]]:
    return resource_json("attribution_phrases.json")


def source_line(line: str, lang: Lang) -> str:
    """Say a source line in ``lang``: its fixed words translated, the publisher as published.

    Examples
    --------
    >>> source_line("Concessions: Open Development Cambodia", "km")
    'សម្បទាន៖ Open Development Cambodia'
    >>> source_line("Concessions: Open Development Cambodia", "en")
    'Concessions: Open Development Cambodia'

    """
    if lang != Lang.KM:
        return line
    phrases = _phrases()
    if line in phrases["lines"]:
        return phrases["lines"][line]
    what, sep, who = line.partition(": ")
    if sep and what in phrases["what"]:
        return f"{phrases['what'][what]}៖ {_years(who)}"
    return line


def _years(text: str) -> str:
    """Khmer digits for the years and dates in a publisher's line ("(2014)")."""
    return re.sub(r"\d+", lambda m: m.group(0).translate(_TO_KHMER_DIGITS), text)


#: File-name fragment of a bundled dataset -> its attribution line.
_KNOWN_SOURCES = {  # file-name fragment -> attribution line
    "cam-elc": "Concessions: Open Development Cambodia",
    "community_forest": "Community forests: Open Development Cambodia; Forestry Administration",
    "protected_area": "Protected areas: Open Development Cambodia; WCS / SCW Atlas (2014)",
    "eviction": "Eviction sites: Sahmakum Teang Tnaut (STT); Open Development Cambodia",
    "synthetic": "Cases: SYNTHETIC demonstration register (not real cases)",
    "geoboundaries": "Boundaries: geoBoundaries, © OpenStreetMap contributors (ODbL)",
    "cambodia-adm": "Boundaries: geoBoundaries; Open Development Cambodia (CC BY 4.0)",
    "khm_bnd_admin1": "Province boundaries: Royal Government of Cambodia / WFP (2022)",
}


def layer_sources(layers: Sequence[pd.DataFrame | None], extra: Sequence[str] = ()) -> list[str]:
    """Return the attribution lines of layers, from their provenance (no duplicates).

    A layer's ``attrs["landmap"]["attribution"]`` is used as given; otherwise the source file
    names (``attrs["landmap"]["source"]`` and provenance inputs) are matched against the
    bundled datasets (ODC, geoBoundaries, the government's boundaries, STT, the synthetic
    register). ``extra`` lines are appended.
    """
    lines: list[str] = []
    for layer in layers:
        if layer is None:
            continue
        meta = layer.attrs.get("landmap") or {}
        prov = layer.attrs.get("provenance") or {}
        if meta.get("attribution"):
            lines.append(str(meta["attribution"]))
            continue
        paths = [str(meta.get("source", ""))]
        paths += [str(item.get("path", "")) for item in prov.get("inputs", [])]
        for path in paths:
            low = PurePath(path).name.lower()
            lines += [text for key, text in _KNOWN_SOURCES.items() if key in low]
    lines += list(extra)
    return list(dict.fromkeys(line for line in lines if line))


__all__ = ["LANGS", "Lang", "heading", "layer_sources", "number", "source_line", "text_for"]
