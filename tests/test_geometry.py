"""The one helper for polygonal parts after repair (landmap.geometry)."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from landmap.geometry import polygonal_parts, valid_polygons

BOX = shapely.box(0, 0, 1, 1)
LINE = shapely.LineString([(5, 5), (6, 6)])


def test_collections_keep_their_polygons_in_place():
    nested = shapely.GeometryCollection(
        [
            shapely.GeometryCollection([BOX, LINE]),
            shapely.MultiPolygon([shapely.box(2, 0, 3, 1), shapely.box(4, 0, 5, 1)]),
            shapely.Point(9, 9),
        ]
    )
    only_lines = shapely.GeometryCollection([LINE])
    out = polygonal_parts(
        np.array([None, nested, only_lines, BOX, LINE, shapely.Polygon()], dtype=object)
    )
    assert out[0] is None and out[2] is None and out[4] is None and out[5] is None
    assert out[1].geom_type == "MultiPolygon" and len(out[1].geoms) == 3
    assert out[1].area == 3.0
    assert out[3] is BOX  # a polygon is returned as it is


def test_overlapping_polygons_of_a_collection_become_one_valid_polygon():
    overlapping = shapely.GeometryCollection([BOX, shapely.box(0.5, 0, 1.5, 1)])
    got = polygonal_parts(np.array([overlapping], dtype=object))[0]
    assert got.is_valid and got.area == 1.5


def test_repair_keeps_the_area_and_drops_what_has_none():
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    flat = shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])  # collapses to a line
    for method in ("linework", "structure"):
        fixed = valid_polygons(np.array([bowtie, flat, None, BOX], dtype=object), method=method)
        assert fixed[0].is_valid and fixed[0].area == 2.0
        assert fixed[1] is None and fixed[2] is None
        assert fixed[3] is BOX


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 3)), min_size=1, max_size=5
    )
)
def test_polygonal_parts_of_boxes_cover_their_union(boxes):
    polygons = [shapely.box(x, y, x + s, y + s) for x, y, s in boxes]
    collection = shapely.GeometryCollection([*polygons, LINE])
    got = polygonal_parts(np.array([collection], dtype=object))[0]
    assert got.is_valid
    assert abs(got.area - shapely.union_all(polygons).area) < 1e-9
