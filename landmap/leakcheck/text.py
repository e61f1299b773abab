r"""The text a value can hide behind, and the one normal form the value index searches.

Both the register's values and every text stream of an export are brought to the same
*normal form* before they are compared (all of it on UTF-8 bytes, so a 20 MB GeoJSON is
normalised in a few hundredths of a second):

- invisible characters are removed (zero-width space, joiners, word joiner, byte-order mark,
  soft hyphen); no-break and other Unicode spaces, dashes, curly quotes, the ellipsis and Khmer
  punctuation (។ ៕ ៖) become spaces; Khmer digits ០-៩ become 0-9;
- ASCII letters are lower-cased (other scripts are left alone: the index adds lower-, upper- and
  title-case forms of each value instead);
- every run of ASCII punctuation, white space and control characters becomes one space, and the
  text is padded with a space at each end, so that a value padded the same way matches whole
  words only.

Before that, :func:`decoded` undoes what an exporter may have wrapped a value in: JSON
``\uXXXX`` escapes, HTML/XML entities (named, decimal and hexadecimal), percent-encoding, and
markup: inline tags (``<b>``, ``<span>``, the runs of an XLSX shared string or a DOCX paragraph,
whose formatting is dropped with them) are removed so that ``<b>First</b> Last`` and
``Fi<b>rst</b>`` read as written; every other tag becomes a space. A tag is ``<name ...>`` with
a name made of letters, digits and ``:_.-``, so ``Name <name@example.org>`` keeps its text.

:func:`digit_view` is the text with the separators people type inside phone numbers (space,
``-``, ``.``, brackets) deleted, for the phone-number search.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from typing import Any

import ahocorasick_rs

#: Characters removed from the text before comparison (UTF-8).
_INVISIBLE = {ch.encode(): b"" for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad"}
#: Characters read as a space.
_AS_SPACE = {
    ch.encode(): b" "
    for ch in (
        "\u00a0\u00b7\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        "\u2010\u2011\u2012\u2013\u2014\u2015\u2018\u2019\u201a\u201c\u201d\u201e\u2022"
        "\u2026\u202f\u205f\u3000\u17d4\u17d5\u17d6"
    )
}
_KHMER_DIGITS = {chr(0x17E0 + i).encode(): str(i).encode() for i in range(10)}
_UNICODE_MAP = {**_INVISIBLE, **_AS_SPACE, **_KHMER_DIGITS}


def _by_lead(keys: list[bytes]) -> bytes:
    """One alternative per lead sequence, so that the regex skips other bytes quickly."""
    groups: dict[bytes, list[bytes]] = {}
    for key in keys:
        groups.setdefault(key[:-1], []).append(key[-1:])
    return b"|".join(
        re.escape(lead) + b"[" + b"".join(re.escape(t) for t in tails) + b"]"
        for lead, tails in sorted(groups.items())
    )


_UNICODE_RE = re.compile(_by_lead(list(_UNICODE_MAP)))
_LEADS = (b"\xc2", b"\xe2\x80", b"\xe2\x81", b"\xef\xbb\xbf", b"\xe1\x9f", b"\xe3\x80\x80")

_PUNCT = bytearray(range(256))
for _b in (
    list(range(0, 0x30))
    + list(range(0x3A, 0x41))
    + list(range(0x5B, 0x61))
    + list(range(0x7B, 0x80))
):
    _PUNCT[_b] = 0x20
_PUNCT_TABLE = bytes(_PUNCT)

_JSON_PAIR = re.compile(rb"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.I)
_JSON_ONE = re.compile(rb"\\u([0-9a-f]{4})", re.I)
_COMMON_ENTITIES = (
    (b"&lt;", b"<"),
    (b"&gt;", b">"),
    (b"&quot;", b'"'),
    (b"&apos;", b"'"),
    (b"&#39;", b"'"),
    (b"&nbsp;", b" "),
    (b"&amp;", b"&"),
)
_ENTITY = re.compile(rb"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
_PERCENT = re.compile(rb"(?:%[0-9A-Fa-f]{2})+")
_FORMATTING = re.compile(rb"<(?:\w+:)?rPr\b[^<>]*?(?:/>|>.*?</(?:\w+:)?rPr>)", re.S)
_INLINE_TAGS = (
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "big",
    "cite",
    "code",
    "del",
    "em",
    "font",
    "i",
    "ins",
    "kbd",
    "mark",
    "q",
    "r",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "t",
    "tt",
    "u",
    "var",
    "wbr",
)
_INLINE = re.compile(
    rb"</?(?:\w+:)?(?:" + "|".join(_INLINE_TAGS).encode() + rb")(?:\s[^<>]*)?/?>", re.I
)
_INLINE_OPENERS = ahocorasick_rs.BytesAhoCorasick(
    sorted(
        {
            f"<{p}{c(t)}{e}".encode()
            for t in _INLINE_TAGS
            for p in ("", "/")
            for e in (">", " ")
            for c in (str.lower, str.upper)
        }
        | {f":{t}{e}".encode() for t in ("r", "t", "rPr") for e in (">", " ")}
    )
)
_TAG = re.compile(rb"<[/!?]?[A-Za-z][\w:.\-]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.S)


def clean_unicode(data: bytes) -> bytes:
    """Remove invisible characters; read Unicode spaces as spaces and Khmer digits as 0-9."""
    if data.isascii() or not any(lead in data for lead in _LEADS):
        return data
    return _UNICODE_RE.sub(lambda m: _UNICODE_MAP[m.group()], data)


def normal_form(data: bytes, *, pad: bool = True) -> bytes:
    """Return ``data`` (UTF-8) in the normal form both values and texts are compared in.

    Examples
    --------
    >>> normal_form("Sok\u00a0CHAN, +855-12".encode())
    b' sok chan 855 12 '

    """
    words = clean_unicode(data).lower().translate(_PUNCT_TABLE).split()
    joined = b" ".join(words)
    return b" " + joined + b" " if pad else joined


def digit_view(data: bytes) -> bytes:
    """Return the text with the separators typed inside phone numbers deleted."""
    return clean_unicode(data).translate(None, b" -.()")


def _json_unescape(data: bytes) -> bytes:
    def pair(m: re.Match[bytes]) -> bytes:
        high, low = int(m.group(1), 16), int(m.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)).encode()

    def one(m: re.Match[bytes]) -> bytes:
        return chr(int(m.group(1), 16)).encode("utf-8", "replace")

    return _JSON_ONE.sub(one, _JSON_PAIR.sub(pair, data))


def _entities(data: bytes) -> bytes:
    for entity, char in _COMMON_ENTITIES:
        if entity in data:
            data = data.replace(entity, char)
    if b"&" not in data:
        return data
    parts = data.split(b"&")
    out = [parts[0]]
    for part in parts[1:]:
        m = _ENTITY.match(b"&" + part)
        if m is None:
            out.append(b"&" + part)
        else:
            char = html.unescape(m.group().decode()).encode("utf-8", "replace")
            out.append(char + part[m.end() - 1 :])
    return b"".join(out)


def decoded(data: bytes) -> bytes:
    """Return the text with escapes, entities, percent-encoding and markup undone.

    Returns ``data`` itself when there was nothing to undo.

    Examples
    --------
    >>> decoded(b"<td><b>First</b> Last</td>")
    b' First Last '
    >>> decoded(b"Fi<b>rst</b> &amp; %4Cast")
    b'First & Last'

    """
    out = data
    if b"\\u" in out or b"\\U" in out:
        out = _json_unescape(out)
    for _ in range(2):  # "&amp;lt;b&amp;gt;" is an escaped escape
        if b"&" in out:
            out = _entities(out)
    if b"%" in out:
        out = _PERCENT.sub(lambda m: urllib.parse.unquote_to_bytes(m.group()), out)
    if b"<" in out:
        if b"rPr" in out:
            out = _FORMATTING.sub(b"", out)
        if _INLINE_OPENERS.find_matches_as_indexes(out):
            out = _INLINE.sub(b"", out)
        out = _TAG.sub(b" ", out)
    return out


def utf16_views(data: bytes) -> list[bytes]:
    """Return UTF-8 copies of ``data`` read as UTF-16 when it looks like UTF-16 text."""
    sample = data[:65536]
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codecs = ["utf-16"]
    elif len(sample) < 8:
        return []
    else:
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        half = len(sample) // 2
        codecs = (
            ["utf-16-le"]
            if odd > 0.4 * half and even < 0.1 * half
            else ["utf-16-be"]
            if even > 0.4 * half and odd < 0.1 * half
            else []
        )
    return [
        data[: len(data) // 2 * 2].decode(c, errors="replace").encode("utf-8", "replace")
        for c in codecs
    ]


_KML_COORDINATES = re.compile(rb"<(?:\w+:)?coordinates>[^<]*</(?:\w+:)?coordinates>")
_JSON_COORDINATES = re.compile(rb'"coordinates"\s*:\s*[\[\]0-9eE+\-.,\s]*')
#: Coordinate arrays of lines and polygons (nested arrays): not needed to find points.
_JSON_NESTED_COORDINATES = re.compile(rb'("coordinates"\s*:\s*)\[\s*\[[\[\]0-9eE+\-.,\s]*')


def stream_text(data: bytes) -> tuple[list[bytes], Any]:
    """Return the texts to search in a stream, and the stream read as JSON (else ``None``).

    A JSON document and a KML document are searched without the numbers of their coordinate
    arrays (they are read as points); anything else as :func:`text_views` gives it. The
    numbered identifiers of a landmap map payload (sent as prefixes and number deltas) are
    added decoded.
    """
    from landmap.leakcheck.points import numbered_texts

    views, parsed = _stream_text(data)
    return views + numbered_texts(data), parsed


def _stream_text(data: bytes) -> tuple[list[bytes], Any]:
    head = data[:2000].lstrip()
    if head[:1] in (b"{", b"["):
        lean = data if b"MultiPoint" in data else _JSON_NESTED_COORDINATES.sub(rb"\1[]", data)
        try:
            parsed = json.loads(lean)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            parsed = None
        if parsed is not None:  # the text without its coordinate arrays (read as points)
            return [decoded(_JSON_COORDINATES.sub(b" ", data))], parsed
    if b"<kml" in head.lower():
        return [decoded(_KML_COORDINATES.sub(b" ", data))], None
    return text_views(data), None


def text_views(data: bytes) -> list[bytes]:
    """Return the texts to search in a stream: as decoded (or as written), and UTF-16 copies.

    Binary data (a NUL byte in its first 8 KiB, and not UTF-16 text) is searched as it is.
    """
    wide = utf16_views(data)
    if wide:
        return [data] + [decoded(view) for view in wide]
    if b"\0" in data[:8192]:
        return [data]
    return [decoded(data)]


__all__ = [
    "clean_unicode",
    "decoded",
    "digit_view",
    "normal_form",
    "stream_text",
    "text_views",
    "utf16_views",
]
