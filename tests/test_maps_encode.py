"""Compact geometry and attribute encoding of the interactive maps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from landmap.render.maps import encode, json_for_html

DIGIT = {c: i for i, c in enumerate(encode.ALPHABET.decode())}


def decode_varints(text: str) -> list[int]:
    out, value, shift = [], 0, 0
    for ch in text:
        d = DIGIT[ch]
        value += (d & 31) << shift
        if d & 32:
            shift += 5
        else:
            out.append(value)
            value, shift = 0, 0
    return out


def unzig(v: int) -> int:
    return -(v + 1) // 2 if v % 2 else v // 2


def decode_polygons(payload: dict) -> list[list[list[tuple[float, float]]] | None]:
    """Reference decoder: features -> list of rings (no polygon grouping)."""
    heads, deltas = decode_varints(payload["h"]), decode_varints(payload["c"])
    ox, oy = payload["o"]
    q, k, x, y, features = payload["q"], 0, 0, 0, []
    for h in heads:
        npts, flag = h >> 2, h & 3
        if flag == 2:
            features.append([])
        ring = []
        for _ in range(npts):
            x += unzig(deltas[k])
            y += unzig(deltas[k + 1])
            k += 2
            ring.append((ox + x * q, oy + y * q))
        if ring:
            features[-1].append(ring)
    return [f or None for f in features]


@given(st.lists(st.integers(min_value=0, max_value=2**40), max_size=50))
@settings(max_examples=60, deadline=None)
def test_varint_round_trip(values):
    assert decode_varints(encode.varint(np.array(values, dtype=np.uint64))) == values


@given(st.lists(st.integers(min_value=-(2**30), max_value=2**30), max_size=50))
@settings(max_examples=60, deadline=None)
def test_zigzag_round_trip(values):
    assert [unzig(int(v)) for v in encode.zigzag(np.array(values, dtype=np.int64))] == values


def test_alphabet_is_safe_in_html_and_json():
    text = encode.ALPHABET.decode()
    assert len(set(text)) == 64
    assert not set(text) & set("<>&\"'\\`/")


def test_polygons_round_trip_within_one_grid_step():
    donut = shapely.box(0, 0, 10, 10).difference(shapely.box(3, 3, 6, 6))
    multi = shapely.MultiPolygon([shapely.box(20, 20, 21, 21), shapely.box(22, 22, 23, 24)])
    geoms = np.array([donut, None, shapely.Polygon(), multi], dtype=object)
    payload = encode.encode_polygons(geoms, step=0.001, origin=(0.0, 0.0))
    assert payload["n"] == 4
    decoded = decode_polygons(payload)
    assert decoded[1] is None and decoded[2] is None
    assert [len(f) for f in (decoded[0], decoded[3])] == [2, 2]  # shell + hole; two parts
    rebuilt = shapely.Polygon(decoded[0][0], holes=[decoded[0][1]])
    assert rebuilt.symmetric_difference(donut).area < 1e-6
    assert (
        shapely.MultiPolygon([shapely.Polygon(r) for r in decoded[3]]).equals_exact(
            multi.normalize(), 0.001
        )
        or abs(shapely.MultiPolygon([shapely.Polygon(r) for r in decoded[3]]).area - multi.area)
        < 1e-6
    )


def test_shared_edges_stay_shared_after_simplification():
    # Two parcels sharing a wiggly edge: coverage simplification must keep it identical.
    edge = [(1.0, y / 10) for y in range(11)]
    edge = [(x + (0.00002 if i % 2 else 0), y) for i, (x, y) in enumerate(edge)]
    left = shapely.Polygon([(0, 0), *edge, (0, 1)])
    right = shapely.Polygon([(2, 0), (2, 1), *reversed(edge)])
    out = encode.simplify(np.array([left, right], dtype=object), 0.01)
    assert (
        shapely.get_num_coordinates(out).sum()
        < shapely.get_num_coordinates(np.array([left, right])).sum()
    )
    assert out[0].intersection(out[1]).area == pytest.approx(0, abs=1e-12)
    assert out[0].union(out[1]).area == pytest.approx(2.0, rel=1e-6)


def test_grid_step_is_about_a_metre_at_zoom_17():
    step_m = encode.grid_step(17, 12.5) * encode.METRES_PER_DEGREE
    assert 1.0 < step_m < 1.3


def test_points_round_trip():
    pts = shapely.points([104.1, 104.2, 105.0], [11.5, 12.25, 13.0])
    payload = encode.encode_points(pts, step=1e-5, origin=(104.0, 11.0))
    values = [unzig(v) for v in decode_varints(payload["c"])]
    xs = np.cumsum(values[0::2]) * 1e-5 + 104.0
    ys = np.cumsum(values[1::2]) * 1e-5 + 11.0
    np.testing.assert_allclose(xs, [104.1, 104.2, 105.0], atol=1e-5)
    np.testing.assert_allclose(ys, [11.5, 12.25, 13.0], atol=1e-5)


def decode_points(payload: dict) -> list[tuple[float, float] | None]:
    """Reference decoder, as landmap.js's decodePoints: ``None`` for a feature with no point."""
    missing, at = set(), -1
    for gap in decode_varints(payload.get("m", "")):
        at += gap + 1
        missing.add(at)
    deltas = [unzig(v) for v in decode_varints(payload["c"])]
    (ox, oy), q = payload["o"], payload["q"]
    out, x, y, k = [], 0, 0, 0
    for i in range(payload["n"]):
        if i in missing:
            out.append(None)
            continue
        x, y, k = x + deltas[k], y + deltas[k + 1], k + 2
        out.append((ox + x * q, oy + y * q))
    assert k == len(deltas)  # every coordinate belongs to a feature
    return out


_POINT_OR_NOTHING = st.one_of(
    st.tuples(st.floats(102.0, 108.0), st.floats(10.0, 15.0)),
    st.sampled_from([None, "empty"]),
)


@given(st.lists(_POINT_OR_NOTHING, max_size=40))
@settings(max_examples=80, deadline=None)
def test_points_round_trip_with_missing_and_empty_points(items):
    geoms = np.array(
        [
            None if v is None else shapely.Point() if v == "empty" else shapely.Point(*v)
            for v in items
        ],
        dtype=object,
    )
    step = 1e-5
    payload = encode.encode_points(geoms, step=step, origin=(102.0, 10.0))
    decoded = decode_points(payload)
    assert len(decoded) == payload["n"] == len(items)
    for got, want in zip(decoded, items, strict=True):
        if isinstance(want, tuple):
            assert got is not None
            np.testing.assert_allclose(got, want, atol=step)
        else:
            assert got is None
    assert ("m" in payload) == any(not isinstance(v, tuple) for v in items)


def test_points_refuse_multipoints():
    with pytest.raises(ValueError, match="points only"):
        encode.encode_points(
            np.array([shapely.MultiPoint([(1, 1), (2, 2)])]), step=1.0, origin=(0.0, 0.0)
        )


def test_encode_column_dictionary_and_plain():
    cat = encode.encode_column(pd.Series(["eviction", "eviction", None, "land grab"] * 5))
    assert cat["d"] == ["eviction", "land grab"]
    codes = decode_varints(cat["i"])
    assert codes[:4] == [1, 1, 0, 2]
    plain = encode.encode_column(pd.Series(["C1", "C2", pd.NA], dtype="string"))
    assert plain == {"v": ["C1", "C2", None]}
    dates = encode.encode_column(pd.Series(pd.to_datetime(["2024-01-05", None, "2024-02-01"])))
    assert dates == {"v": ["2024-01-05", None, "2024-02-01"]}
    numbers = encode.encode_column(pd.Series([1.5, 2.0, float("nan"), 12345.678]))
    assert numbers == {"v": ["1.5", "2", None, "12\u202f345.68"]}


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        "<!--",
        "a\u2028b\u2029c",
        "&amp; & <b>",
        "\"quoted\" 'single' `back` ${x}",
        "ភូមិថ្មី \u202eevil",
        "{{ 7 * 7 }} {% raw %} {# x #}",
    ],
)
def test_json_for_html_cannot_close_a_script_block(value):
    text = json_for_html({"v": value})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert "{{" not in text and "{%" not in text and "{#" not in text
    assert json.loads(text) == {"v": value}


def decode_column(col: dict) -> list:
    """Reference decoder of every column form (as landmap.js decodes it)."""
    if "v" in col:
        return col["v"]
    if "n" in col:
        codes = decode_varints(col["i"]) if "i" in col else [1] * col["len"]
        nums, out, value = iter(decode_varints(col["n"])), [], 0
        for code in codes:
            if not code:
                out.append(None)
                continue
            value += unzig(next(nums))
            out.append(col["d"][code - 1] + str(value).zfill(col["w"]))
        return out
    return [col["d"][c - 1] if c else None for c in decode_varints(col["i"])]


def test_numbered_identifiers_travel_as_prefix_and_deltas():
    ids = pd.Series([f"P{i:06d}" for i in range(1000)])
    col = encode.encode_column(ids)
    assert col["d"] == ["P"] and col["w"] == 6 and "i" not in col
    assert len(json.dumps(col)) < len(json.dumps(list(ids))) / 5
    assert decode_column(col) == list(ids)
    mixed = pd.Series(
        [f"ELC-{i}" if i % 3 else f"CF-{i}" for i in range(200)] + [None], dtype=object
    )
    col = encode.encode_column(mixed)
    assert "n" in col and col["w"] == 0 and len(col["d"]) == 2
    assert decode_column(col) == list(mixed)


_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


@pytest.mark.parametrize(
    "values",
    [
        [f"A{i:02d}" for i in range(40)] + [f"A{i}" for i in range(100, 140)],  # mixed widths
        [f"x{i}" for i in range(79)] + ["no number"],
        ["9" * 20 + str(i) for i in range(80)],  # beyond 15 digits
        [f"ភូមិ{str(i).translate(_KHMER_DIGITS)}" for i in range(80)],  # Khmer digits: text
        [f"C{i}" for i in range(10)],  # a short column stays readable
    ],
)
def test_values_that_are_not_numbered_ids_stay_as_they_are(values):
    col = encode.encode_column(pd.Series(values))
    assert col == {"v": values}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.tuples(st.sampled_from(["P", "KT-", "", "ELC ", "ក-"]), st.integers(0, 10**12)),
        ),
        min_size=64,
        max_size=120,
        unique=True,
    ),
    st.booleans(),
)
def test_numbered_columns_decode_to_the_same_values(items, padded):
    values = [
        None if it is None else f"{it[0]}{it[1]:013d}" if padded else f"{it[0]}{it[1]}"
        for it in items
    ]
    series = pd.Series(values, dtype=object)
    col = encode.encode_column(series)
    assert decode_column(col) == values


def test_payload_cache_tells_apart_where_the_missing_geometries_are():
    """[A, None, B] and [A, B, None] hold the same geometries but not at the same rows."""
    from landmap.render.maps.layers import _geometry_payload, clear_payload_cache, geometry_payload

    a, b = shapely.box(104.9, 11.5, 105.0, 11.6), shapely.box(105.2, 12.1, 105.3, 12.2)
    first = np.array([a, None, b], dtype=object)
    second = np.array([a, b, None], dtype=object)
    clear_payload_cache()
    options = {"points": False, "precision_zoom": 14.0}
    geometry_payload(first, **options)
    got = geometry_payload(second, **options)
    assert json.dumps(got, sort_keys=True, default=str) == json.dumps(
        _geometry_payload(second, **options), sort_keys=True, default=str
    )
    assert json.dumps(got, default=str) != json.dumps(
        geometry_payload(first, **options), default=str
    )


def test_payload_cache_is_bounded_and_can_be_cleared():
    from landmap.render.maps import layers

    layers.clear_payload_cache()
    for i in range(layers._PAYLOAD_CACHE_SIZE + 5):
        layers.geometry_payload(
            np.array([shapely.Point(104 + i / 100, 12)], dtype=object),
            points=True,
            precision_zoom=14.0,
        )
    assert len(layers._PAYLOADS) == layers._PAYLOAD_CACHE_SIZE
    layers.clear_payload_cache()
    assert not layers._PAYLOADS
