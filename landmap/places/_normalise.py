"""Name keys: one spelling per place name, whatever script, prefix, spacing or romanisation.

A *key* is what two spellings of the same name have in common once the usual differences are
taken out: a unit-type prefix (ខេត្ត, ស្រុក, ខណ្ឌ, ឃុំ, សង្កាត់, ភូមិ; Khet, Srok, Khan, Khum,
Sangkat, Phum, Krong, "district"...), abbreviations (Kg., Pr.), romanisation variants (Kompong /
Kampong, Phnom / Phnum, Stung / Stueng), ordinals (Ti Muoy / 1 / ១), case, spacing,
punctuation, zero-width spaces and the two ways of writing a subscript ta (្ត / ្ដ). The same
function makes the keys of the gazetteer's names and of the names typed in a register, so a
difference it takes out can never make two different names equal by accident on one side only.

The word lists are data: ``landmap/resources/places/romanisation.json``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Literal, NamedTuple

from landmap.bundled import resource_json

Script = Literal["km", "latin"]

_KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
#: Characters that carry no letter: zero-width spaces and joiners, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
#: Khmer signs typed or left out at will (toandakhiat ៍, bantoc ់).
_KHMER_OPTIONAL = dict.fromkeys(map(ord, "\u17cd\u17cb"), None)
#: Subscript DA and subscript TA look alike and are used interchangeably.
_COENG_DA, _COENG_TA = "\u17d2\u178a", "\u17d2\u178f"
_KHMER_ORDINAL = re.compile(r"ទី(?=\d)")
_WORD = re.compile(r"[a-z0-9]+")
_LATIN_VOWELS = re.compile(r"[aeiouyh]")
#: Khmer dependent vowels, signs and the subscript mark (U+17B6-U+17D3).
_KHMER_SIGNS = re.compile(r"[\u17b6-\u17d3]")


class NameKey(NamedTuple):
    """The key of one written name, its consonant skeleton and the script it was written in.

    The skeleton keeps the consonants and digits only (Latin: the first letter and every
    consonant; Khmer: the consonants and independent vowels): romanisations differ mostly in
    their vowels (Ponley / Punley, Memot / Memut), Khmer spellings in their vowel signs.
    """

    key: str
    script: Script
    skeleton: str = ""


@cache
def _tables() -> dict[str, object]:
    data = resource_json("places/romanisation.json")
    variants = {}
    for canonical, spellings in data["variants"].items():
        for spelling in spellings:
            variants[spelling] = canonical
    numbers = {word: digit for digit, words in data["numbers"].items() for word in words}
    numbers.update({str(i): str(i) for i in range(100)})
    km_prefixes = sorted(data["prefixes"]["km"], key=len, reverse=True)
    return {
        "km_prefixes": tuple(
            unicodedata.normalize("NFC", p).translate(_KHMER_OPTIONAL).replace(_COENG_DA, _COENG_TA)
            for p in km_prefixes
        ),
        "latin_prefixes": frozenset(data["prefixes"]["latin"]),
        "abbreviations": dict(data["abbreviations"]),
        "variants": variants,
        "numbers": numbers,
        "ordinal_markers": frozenset(data["ordinal_markers"]),
    }


def script_of(text: str) -> Script:
    """Return ``"km"`` when the text holds Khmer letters, else ``"latin"``.

    Examples
    --------
    >>> script_of("ស្រុកបាធាយ"), script_of("Srok Batheay")
    ('km', 'latin')

    """
    return "km" if _KHMER.search(text) else "latin"


def _khmer_key(text: str) -> str:
    tables = _tables()
    text = text.translate(_KHMER_OPTIONAL).replace(_COENG_DA, _COENG_TA)
    text = "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] == "P"))
    stripped = True
    while stripped:  # a type word at the start, possibly several: រាជធានីភ្នំពេញ, ខេត្តក្រុង...
        stripped = False
        for prefix in tables["km_prefixes"]:  # type: ignore[union-attr]
            if text.startswith(prefix) and len(text) > len(prefix):
                text, stripped = text[len(prefix) :], True
                break
    text = _KHMER_ORDINAL.sub("", text)
    return text


def _latin_words(text: str) -> list[str]:
    tables = _tables()
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = folded.replace("'", "").replace("\u2019", "")
    words = _WORD.findall(folded)
    abbreviations: dict[str, str] = tables["abbreviations"]  # type: ignore[assignment]
    out: list[str] = []
    for word in words:
        out.extend(abbreviations.get(word, word).split())
    prefixes: frozenset[str] = tables["latin_prefixes"]  # type: ignore[assignment]
    while len(out) > 1 and out[0] in prefixes:
        out.pop(0)
    while len(out) > 1 and out[-1] in prefixes:
        out.pop()
    variants: dict[str, str] = tables["variants"]  # type: ignore[assignment]
    numbers: dict[str, str] = tables["numbers"]  # type: ignore[assignment]
    words = [variants.get(w, w) for w in out]
    markers: frozenset[str] = tables["ordinal_markers"]  # type: ignore[assignment]
    result: list[str] = []
    for i, word in enumerate(words):
        if word in markers and i + 1 < len(words) and words[i + 1] in numbers:
            continue  # "Ti Muoy", "Lekh Bei": the word before a number
        result.append(numbers.get(word, word))
    return result


@lru_cache(maxsize=200_000)
def name_key(text: str) -> NameKey:
    """Return the matching key of a written place name.

    Parameters
    ----------
    text
        A name as typed: Khmer or Latin script, with or without a unit-type prefix.

    Returns
    -------
    NameKey
        ``(key, script)``; the key is empty when nothing of a name is left.

    Examples
    --------
    >>> name_key("Kg. Cham").key == name_key("KOMPONG  CHAM").key == name_key("Kampong Cham").key
    True
    >>> name_key("ស្រុក បាធាយ").key == name_key("បាធាយ").key
    True
    >>> name_key("Kakab Ti Muoy").key == name_key("Sangkat Kakab 1").key
    True

    """
    text = unicodedata.normalize("NFC", str(text)).translate(_INVISIBLE)
    text = text.translate(_KHMER_DIGITS).strip()
    if script_of(text) == "km":
        key = _khmer_key(text)
        return NameKey(key, "km", _KHMER_SIGNS.sub("", key))
    key = "".join(_latin_words(text))
    return NameKey(key, "latin", key[:1] + _LATIN_VOWELS.sub("", key[1:]))


__all__ = ["NameKey", "Script", "name_key", "script_of"]
