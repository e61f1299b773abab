"""The values of a register that must not leave the office, indexed for one-pass search.

Every value is brought to the normal form of :mod:`landmap.leakcheck.text` and put into one
Aho–Corasick automaton (``ahocorasick-rs``, on UTF-8 bytes), so a text is searched for all of
them at once in one pass, whatever their number. Latin-script values are padded with a space at
each end and so match whole words only (``Sok Chan`` is not found inside ``Sok Chanthy``); a
value with Khmer letters is matched anywhere, also with its spaces removed, because Khmer text
runs words together.

Numbers are searched in a second automaton over the text with the separators people type in
phone numbers deleted (:func:`~landmap.leakcheck.text.digit_view`). A phone number is found in
any spelling: ``+855 12 345 678``, ``012-345-678``, ``85512345678``, ``+855 (0)12 345 678``;
another long number (an ID) as the same digits. A number must stand alone: a run of digits that
is longer than the value (other than by the ``0``/``855`` prefix of a phone number) is another
number, and so is one that touches an ASCII letter (``ff00000009`` in a colour code, ``A123...``
in an identifier). Two numbers separated only by spaces, dashes or dots are read as one.

What is not searched (each rule is there because the value cannot identify anyone, or because it
would be found in every honest public product):

- values shorter than :data:`MIN_CHARS` letters and digits (``Sok``, ``N/A``, ``12``), Khmer
  values shorter than :data:`MIN_KHMER_CHARS` characters, and numbers (a value of digits and
  number punctuation only) shorter than :data:`MIN_DIGITS` digits (counts, years, hectares);
- date-only values (``2024-03-01``, ``01/03/2024``): a day is not a person, and it collides with
  the public ``date`` column of other cases (a timestamp with a time of day is searched);
- values that also appear in a public column of the same register (a village name kept in a
  second column);
- controlled-vocabulary terms (the case types, statuses and other terms of
  ``resources/vocabulary.json`` with their labels and spellings) and the placeholders of
  ``resources/leakcheck.json`` (``unknown``, ``none``, ``yes``...).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import PurePosixPath, PureWindowsPath
from typing import NamedTuple

import ahocorasick_rs
import numpy as np

from landmap.bundled import resource_json
from landmap.leakcheck.text import clean_unicode, normal_form
from landmap.schema import PHONE_PATTERN, vocabulary

#: A Latin-script value needs at least this many letters and digits to be searched.
MIN_CHARS = 4
#: A value with Khmer letters (matched inside longer words) needs this many characters.
MIN_KHMER_CHARS = 6
#: A number (digits and number punctuation only) needs at least this many digits.
MIN_DIGITS = 8

_KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")
_WORD = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]|[^\W_]")
_NUMBER_LIKE = re.compile(r"^[\s+\-.()\d]+$")
_DATE_ONLY = re.compile(
    r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"(?:[T ]00:00(?::00(?:\.0+)?)?)?\s*$"
)
_PHONE_PREFIXES = (b"0", b"855", b"8550")


class Hit(NamedTuple):
    """One value found: ``kind`` ("value" or "phone"), whose, and how long the match was."""

    kind: str
    column: str
    case_ids: tuple[str, ...]
    length: int


@cache
def ignored_terms() -> frozenset[bytes]:
    """Vocabulary terms, their labels and spellings, and placeholders, in normal form."""
    words: set[str] = set()
    for terms in vocabulary().values():
        for term, entry in terms.items():
            words.add(term)
            words.update(str(entry.get(k, "")) for k in ("en", "km"))
            words.update(map(str, entry.get("aliases", [])))
    words.update(resource_json("leakcheck.json")["placeholders"])
    return frozenset(normal_form(w.encode()) for w in words if w.strip())


def _variants(value: str) -> set[str]:
    if value.isascii():  # the normal form lower-cases ASCII letters itself
        return {value}
    forms = {value, value.lower(), value.upper(), value.title()}
    forms |= {unicodedata.normalize(f, v) for v in list(forms) for f in ("NFC", "NFD")}
    return forms


def _digits(text: str) -> str:
    return re.sub(r"\D", "", clean_unicode(text.encode()).decode("utf-8", "replace"))


def _phone_core(digits: str) -> str:
    """Return the national number: without +855 (and a trunk 0 after it) or the trunk 0."""
    if digits.startswith("855"):
        digits = digits[3:]
    return digits[1:] if digits.startswith("0") else digits


_SEPARATORS = np.zeros(256, dtype=bool)
_SEPARATORS[list(b" -.()")] = True


def _positions(cleaned: bytes) -> np.ndarray:
    """Where each byte of the digit view is in the text it was made from."""
    return np.flatnonzero(~_SEPARATORS[np.frombuffer(cleaned, dtype=np.uint8)])


class ValueIndex:
    """The searchable values of a register.

    Parameters
    ----------
    values
        ``(column, case_id, value)`` for every value to search.
    public
        Values of the register's public columns (never reported).

    """

    def __init__(
        self, values: Iterable[tuple[str, str, str]], *, public: Iterable[str] = ()
    ) -> None:
        ignored = set(ignored_terms()) | {normal_form(str(v).encode()) for v in public}
        texts: dict[bytes, dict[str, list[str]]] = {}
        numbers: dict[bytes, tuple[bool, dict[str, list[str]]]] = {}
        self.count = 0
        self.skipped: dict[str, int] = {}
        for column, case_id, raw in values:
            value = str(raw).strip()
            why = self._add(value, column, case_id, texts, numbers, ignored)
            if why:
                self.skipped[why] = self.skipped.get(why, 0) + 1
            else:
                self.count += 1
        self._text_keys = list(texts)
        self._text_owner = [texts[k] for k in self._text_keys]
        self._num_keys = list(numbers)
        self._num_owner = [numbers[k] for k in self._num_keys]
        self._text_ac = (
            ahocorasick_rs.BytesAhoCorasick(self._text_keys) if self._text_keys else None
        )
        self._num_ac = ahocorasick_rs.BytesAhoCorasick(self._num_keys) if self._num_keys else None

    @staticmethod
    def _add(
        value: str, column: str, case_id: str, texts: dict, numbers: dict, ignored: set[bytes]
    ) -> str | None:
        """Add one value; return why it was left out, or ``None``."""
        if not value:
            return "empty"
        norm = normal_form(value.encode())
        if norm in ignored:
            return "public value or vocabulary term"
        if _DATE_ONLY.match(value):
            return "date only"
        found_number = False
        for match in PHONE_PATTERN.finditer(clean_unicode(value.encode()).decode()):
            core = _phone_core(_digits(match.group()))
            if len(core) >= MIN_DIGITS - 1:
                numbers.setdefault(core.encode(), (True, {}))[1].setdefault(column, []).append(
                    case_id
                )
                found_number = True
        if _NUMBER_LIKE.match(value):
            digits = _digits(value)
            if found_number:
                return None
            if len(digits) < MIN_DIGITS:
                return f"number shorter than {MIN_DIGITS} digits"
            numbers.setdefault(digits.encode(), (False, {}))[1].setdefault(column, []).append(
                case_id
            )
            return None
        khmer = bool(_KHMER.search(value))
        letters = len(_WORD.findall(value))
        if letters < (MIN_KHMER_CHARS if khmer else MIN_CHARS):
            return (
                None
                if found_number
                else (
                    f"Khmer, shorter than {MIN_KHMER_CHARS} characters"
                    if khmer
                    else f"shorter than {MIN_CHARS} letters and digits"
                )
            )
        keys = {normal_form(v.encode()) for v in _variants(value)}
        if khmer:
            keys = {k.strip() for k in keys} | {k.replace(b" ", b"") for k in keys}
        elif "/" in value or "\\" in value:  # a file path: its file name alone, too
            for path in (PurePosixPath(value), PureWindowsPath(value)):
                name = normal_form(path.name.encode())
                if len(_WORD.findall(path.name)) >= MIN_CHARS and name not in ignored:
                    keys.add(name)
        for key in keys:
            texts.setdefault(key, {}).setdefault(column, []).append(case_id)
        return None

    def __len__(self) -> int:
        return self.count

    def search(self, text: bytes, digits: bytes, raw: bytes = b"") -> Iterator[Hit]:
        """Yield a :class:`Hit` per value found in a text.

        ``text`` is the text in normal form, ``digits`` its digit view and ``raw`` the text
        itself (to tell ``contact 012...`` from ``ff012...`` where the digit view joined them).
        """
        if self._text_ac is not None:
            seen: set[int] = set()
            for i, _start, _end in self._text_ac.find_matches_as_indexes(text, overlapping=True):
                if i not in seen:
                    seen.add(i)
                    for column, ids in self._text_owner[i].items():
                        yield Hit("value", column, tuple(ids), len(self._text_keys[i].strip()))
        if self._num_ac is None:
            return
        found: set[int] = set()
        positions: np.ndarray | None = None
        cleaned = b""
        for i, start, end in self._num_ac.find_matches_as_indexes(digits, overlapping=True):
            if i in found or (end < len(digits) and digits[end : end + 1].isdigit()):
                continue
            phone, owners = self._num_owner[i]
            run = start
            while run and digits[run - 1 : run].isdigit() and start - run <= 4:
                run -= 1
            if run < start and (not phone or digits[run:start] not in _PHONE_PREFIXES):
                continue
            touching = (run and digits[run - 1 : run].isalpha()) or digits[end : end + 1].isalpha()
            if touching:  # a letter in the digit view: was there a space between them?
                if positions is None:
                    cleaned = clean_unicode(raw)
                    positions = _positions(cleaned)
                first, last = positions[run], positions[end - 1]
                if cleaned[first - 1 : first].isalpha() or cleaned[last + 1 : last + 2].isalpha():
                    continue
            found.add(i)
            for column, ids in owners.items():
                yield Hit("phone" if phone else "value", column, tuple(ids), end - start)


__all__ = ["MIN_CHARS", "MIN_DIGITS", "MIN_KHMER_CHARS", "Hit", "ValueIndex", "ignored_terms"]
