"""landmap's own compact map payload (``landmap.render.maps.encode``), decoded for the leak check.

Coordinates and columns of identifiers travel as base-64 varints (numbered identifiers as
prefixes and number deltas), so neither a point nor a phone or ID number appears as written:
they are decoded here, points with the case ids of their layer.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from landmap.leakcheck.tables import CASE_ID, Point

_VARINT_LUT = np.full(256, 255, dtype=np.uint8)
_VARINT_LUT[
    np.frombuffer(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8
    )
] = np.arange(64, dtype=np.uint8)
JSON_BLOCK = re.compile(r"<script[^>]*application/json[^>]*>(.*?)</script>", re.S | re.I)
_NUMBERED_KEY = re.compile(rb'"n"\s*:\s*"')


def decode_varints(text: str) -> np.ndarray:
    """Decode landmap's compact map payload: 5 bits per base-64 character, bit 6 = more."""
    v = _VARINT_LUT[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    if len(v) == 0 or (v == 255).any() or v[-1] & 32:
        raise ValueError("not a landmap varint string")
    ends = np.flatnonzero((v & 32) == 0)
    starts = np.r_[0, ends[:-1] + 1]
    group = np.repeat(np.arange(len(ends)), ends - starts + 1)
    shift = (np.arange(len(v)) - starts[group]) * 5
    if shift.max() > 60:
        raise ValueError("varint too long")
    values = (v & 31).astype(np.uint64) << shift.astype(np.uint64)
    return np.add.reduceat(values, starts)


def _column_values(encoded: Any, n: int) -> list[Any]:
    """Return the values of an encoded map column.

    A list, ``{"v": [...]}`` or ``{"d": [...], "i": codes}`` with codes as a varint string
    (0 = missing, k = d[k - 1]).
    """
    if isinstance(encoded, list):
        return encoded
    if isinstance(encoded, dict) and isinstance(encoded.get("v"), list):
        return encoded["v"]
    if _is_numbered(encoded):
        return numbered_values(encoded)
    if isinstance(encoded, dict) and isinstance(encoded.get("d"), list):
        codes = encoded.get("i")
        d = encoded["d"]
        if isinstance(codes, str):
            codes = decode_varints(codes).astype(np.int64).tolist() if codes else []
            return [d[c - 1] if 0 < c <= len(d) else None for c in codes]
        if isinstance(codes, list):
            return [d[c] if isinstance(c, int) and 0 <= c < len(d) else None for c in codes]
    return [None] * n


def _is_numbered(encoded: Any) -> bool:
    return (
        isinstance(encoded, dict)
        and isinstance(encoded.get("n"), str)
        and isinstance(encoded.get("d"), list)
    )


def numbered_values(encoded: dict[str, Any]) -> list[str | None]:
    """Return the values of a map column of numbered identifiers (prefixes and deltas).

    ``{"d": prefixes, "i": codes (0: missing; absent: ``len`` values of the first prefix),
    "n": zigzag deltas of the numbers, "w": zero-padded width}``, as ``landmap.render.maps.encode``
    writes it.

    Raises
    ------
    ValueError
        A column that is not well formed.
    """
    prefixes = [str(p) for p in encoded["d"]]
    u = decode_varints(encoded["n"]) if encoded["n"] else np.zeros(0, dtype=np.uint64)
    numbers = np.cumsum(
        (u >> np.uint64(1)).astype(np.int64) ^ -(u & np.uint64(1)).astype(np.int64)
    ).tolist()
    codes_text = encoded.get("i")
    codes = (
        decode_varints(codes_text).astype(np.int64).tolist()
        if codes_text
        else [1] * int(encoded.get("len", len(numbers)))
    )
    width = int(encoded.get("w") or 0)
    numbers_iter = iter(numbers)
    try:
        return [
            None if not c else prefixes[c - 1] + str(next(numbers_iter)).zfill(width) for c in codes
        ]
    except (IndexError, StopIteration) as err:
        raise ValueError("not a landmap numbered column") from err


def numbered_texts(data: bytes) -> list[bytes]:
    """Return the numbered identifiers of landmap map payloads in ``data``, as text to search.

    Such a column carries its values as prefixes and number deltas (a phone or ID number would
    not appear as written), so the value search reads them decoded too. A payload that cannot
    be decoded (which no browser could draw either) is searched only as written.
    """
    if not _NUMBERED_KEY.search(data):
        return []
    text = data.decode("utf-8", errors="replace")
    blocks = JSON_BLOCK.findall(text) or [text]
    out: list[str] = []
    for block in blocks:
        if not _NUMBERED_KEY.search(block.encode("utf-8")):
            continue
        try:
            _collect_numbered(json.loads(block), out)
        except (json.JSONDecodeError, RecursionError, ValueError, TypeError):
            continue  # not JSON: searched as written
    return ["\n".join(out).encode("utf-8")] if out else []


def _collect_numbered(obj: Any, out: list[str]) -> None:
    if isinstance(obj, list):
        for value in obj:
            _collect_numbered(value, out)
    elif isinstance(obj, dict):
        if _is_numbered(obj):
            out += [v for v in numbered_values(obj) if v is not None]
            return
        for value in obj.values():
            _collect_numbered(value, out)


def map_payload_points(obj: Any, out: list[Point], known: frozenset[str]) -> None:
    """Points of landmap's own map layers (``landmap.render.maps.encode``), with their case ids."""
    if isinstance(obj, list):
        for value in obj:
            map_payload_points(value, out, known)
        return
    if not isinstance(obj, dict):
        return
    geom = obj.get("geom")
    if isinstance(geom, dict) and isinstance(geom.get("c"), str) and "h" not in geom:
        try:
            u = decode_varints(geom["c"]) if geom["c"] else np.zeros(0, dtype=np.uint64)
            signed = (u >> np.uint64(1)).astype(np.int64) ^ -(u & np.uint64(1)).astype(np.int64)
            q = np.cumsum(signed.reshape(-1, 2), axis=0)
            xy = np.asarray(geom["o"], dtype="float64") + q * float(geom["q"])
        except (ValueError, KeyError, TypeError):
            xy = np.empty((0, 2))
        props = obj.get("props") if isinstance(obj.get("props"), dict) else {}
        ids: list[Any] = [None] * len(xy)
        for col, encoded in props.items():
            try:
                values = _column_values(encoded, len(xy))
            except ValueError:
                continue
            if len(values) == len(xy) and (
                col == CASE_ID
                or (len(values) and sum(str(v) in known for v in values) > len(values) / 2)
            ):
                ids = [None if v is None else str(v) for v in values]
                break
        out += [(x, y, i) for (x, y), i in zip(xy.tolist(), ids, strict=True)]
    for key, value in obj.items():
        if key != "geom":
            map_payload_points(value, out, known)


__all__ = [
    "JSON_BLOCK",
    "decode_varints",
    "map_payload_points",
    "numbered_texts",
    "numbered_values",
]
