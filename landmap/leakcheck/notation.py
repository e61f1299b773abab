r"""Coordinates written as text, in the notations people and programs use.

:func:`text_points` finds, in any text:

- coordinates with a hemisphere letter before or after: ``11.36 N, 104.56 E``,
  ``N 11.3600 E 104.5600``, ``N11 21.600 E104 33.600`` (degrees and decimal minutes);
- degrees, minutes and seconds with ``°`` (or ``º``, ``˚``, ``deg``, ``d``), ``'`` (``′``, ``m``,
  ``min``) and ``"`` (``″``, ``''``, ``s``, ``sec``): ``11°21'36"N 104°33'36"E``,
  ``11d21m36s N``, ``11 21 36 N``; with or without the hemisphere, decimal comma or point;
- labelled UTM metres: ``E 512345 N 1256789``, ``Easting: 512345, Northing: 1256789``;
- and, with ``bare=True`` (a text that is not a structured data file), unlabelled pairs of
  decimal degrees with at least three decimals in either order (``11.3612, 104.5634``) and of
  UTM zone 48N metres (``512345 1256789``).

Two coordinates make a point when they follow each other with at most a separator between
them (comma, semicolon, slash, ``and``). A pair without hemisphere letters is tried both ways
round; :func:`~landmap.leakcheck.points.points_to_metric` keeps what lies in Cambodia.
"""

from __future__ import annotations

import re

import ahocorasick_rs

Point = tuple[float, float, "str | None"]

_NUM = r"\d{1,3}(?:[.,]\d+)?"
_DEG = r"(?:°|º|˚|deg(?:rees?)?\.?|d(?=\s*\d))"
_MIN = r"(?:'|′|’|m(?:in)?\.?(?![a-z]))"
_SEC = r"(?:\"|″|”|''|s(?:ec)?\.?(?![a-z]))"
_BODY = (
    rf"(?P<deg>{_NUM})\s*(?P<dmark>{_DEG})?\s*"
    rf"(?:(?P<min>\d{{1,2}}(?:[.,]\d+)?)\s*(?P<mmark>{_MIN})?\s*"
    rf"(?:(?P<sec>\d{{1,2}}(?:[.,]\d+)?)\s*{_SEC}?)?)?"
)
_AXIS = re.compile(
    rf"(?<![\w.])(?:(?P<pre>[NSEW])\s*{_BODY.replace('?P<', '?P<p')}"
    rf"|{_BODY}\s*(?P<post>[NSEW])(?![a-zA-Z])"
    rf"|(?P<mdeg>{_NUM})\s*{_DEG}\s*(?:(?P<mmin>\d{{1,2}}(?:[.,]\d+)?)\s*{_MIN}\s*"
    rf"(?:(?P<msec>\d{{1,2}}(?:[.,]\d+)?)\s*{_SEC})?)?)",
)
#: Literal strings one of which every labelled coordinate contains: found in one pass.
_ANCHORS = ahocorasick_rs.BytesAhoCorasick(
    [
        a.encode()
        for a in sorted(
            {"°", "º", "˚", "′", "″", "deg", "asting", "ASTING"}
            | {f"{d}{s}{h}" for d in "0123456789" for s in ("", " ") for h in "NSEW"}
            | {f"{h}{s}{d}" for d in "0123456789" for s in ("", " ") for h in "NSEW"}
            | {f"{a}d{b}" for a in "0123456789" for b in "0123456789"}
            | {f"{a} d {b}" for a in "0123456789" for b in "0123456789"}
        )
    ]
)
_WINDOW = 48  # characters kept around an anchor (a DMS coordinate is shorter)
_GAP = re.compile(r"^\s*(?:[,;/|]|and|&)?\s*$")
_UTM_LABELLED = re.compile(
    r"(?:\bE|\bEasting|\bX)\s*[:=]?\s*(\d{6}(?:\.\d+)?)\s*m?\s*[,;/]?\s*"
    r"(?:\bN|\bNorthing|\bY)\s*[:=]?\s*(\d{7}(?:\.\d+)?)",
    re.I,
)
_COORD = r"(-?\d{1,3}\.\d{3,}|\d{6,7}(?:\.\d+)?)"
_BARE_PAIR = re.compile(rf"(?<![\w.]){_COORD}\s*[,;\s]\s*{_COORD}(?![\w.])".encode())


def _number(text: str | None) -> float:
    return float(text.replace(",", ".")) if text else 0.0


def _axes(text: str) -> list[tuple[int, int, float, str | None]]:
    """``(start, end, degrees, "lat"/"lon"/None)`` of every labelled coordinate."""
    out = []
    for m in _AXIS.finditer(text):
        g = m.groupdict()
        if g["pre"]:
            letter, deg, mins, secs = g["pre"], g["pdeg"], g["pmin"], g["psec"]
            if not (g["pdmark"] or g["pmmark"] or "." in deg or "," in deg or mins):
                continue  # "N 1" is a word and a number more often than a latitude
        elif g["post"]:
            letter, deg, mins, secs = g["post"], g["deg"], g["min"], g["sec"]
        else:
            letter, deg, mins, secs = None, g["mdeg"], g["mmin"], g["msec"]
        value = _number(deg) + _number(mins) / 60 + _number(secs) / 3600
        if letter in ("S", "W"):
            value = -value
        axis = None if letter is None else ("lat" if letter in "NS" else "lon")
        out.append((m.start(), m.end(), value, axis))
    return out


def _windows(text: bytes) -> list[str]:
    """Return the parts of ``text`` around an anchor, overlapping windows merged."""
    spans: list[list[int]] = []
    for _, start, end in _ANCHORS.find_matches_as_indexes(text, overlapping=True):
        lo, hi = max(start - _WINDOW, 0), end + _WINDOW
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return [text[lo:hi].decode("utf-8", "ignore") for lo, hi in spans]


def _labelled(text: bytes) -> list[Point]:
    points: list[Point] = []
    for window in _windows(text):
        points += _labelled_window(window)
    return points


def _labelled_window(text: str) -> list[Point]:
    points: list[Point] = []
    axes = _axes(text)
    for (_, end, a, ka), (start, _, b, kb) in zip(axes, axes[1:], strict=False):
        if not _GAP.match(text[end:start]):
            continue
        if ka == "lat" and kb != "lat":
            points.append((b, a, None))
        elif ka == "lon" and kb != "lon":
            points.append((a, b, None))
        elif kb == "lat":
            points.append((a, b, None))
        elif kb == "lon":
            points.append((b, a, None))
        elif ka is None and kb is None:
            points += [(a, b, None), (b, a, None)]
    for east, north in _UTM_LABELLED.findall(text):
        points.append((float(east), float(north), None))
    return points


def bare_pairs(text: bytes) -> list[Point]:
    """Unlabelled number pairs that may be coordinates (both orders)."""
    pairs: list[Point] = []
    for a, b in _BARE_PAIR.findall(text):
        x, y = float(a), float(b)
        pairs += [(x, y, None), (y, x, None)]
    return pairs


def text_points(text: bytes, *, bare: bool) -> list[Point]:
    r"""Return the points written in ``text`` (UTF-8; see the module docstring).

    Examples
    --------
    >>> text_points(b"seen at 11.36 N, 104.56 E", bare=False)
    [(104.56, 11.36, None)]
    >>> [(round(x, 4), round(y, 4)) for x, y, _ in text_points(
    ...     "N 11°21'36\" E 104°33'36\"".encode(), bare=False)]
    [(104.56, 11.36)]

    """
    points = _labelled(text)
    if bare:
        points += bare_pairs(text)
    return points


__all__ = ["bare_pairs", "text_points"]
