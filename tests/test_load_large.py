"""Large tables take faster paths (grid study-area test, integer id keys, per-column row
selection): they must give exactly what the plain paths give on the same rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from landmap.io._canonical import _all_unique, _packed_keys
from landmap.io.load import _select_rows, load_cases
from landmap.io.validate import _GRID_MIN_POINTS, _grid, contains_xy, study_area_shape

N = _GRID_MIN_POINTS + 10_000


def _edge_points(area, rng, n):
    """Random points, points on the grid's cell edges, the outline's vertices, NaN and inf."""
    grid = _grid(area)
    x0, y0, x1, y1 = area.bounds
    x = rng.uniform(x0 - 1, x1 + 1, n)
    y = rng.uniform(y0 - 1, y1 + 1, n)
    k = n // 5
    x[:k] = grid.x0 + rng.integers(0, grid.n + 1, k) * grid.dx
    y[k : 2 * k] = grid.y0 + rng.integers(0, grid.n + 1, k) * grid.dy
    vertices = shapely.get_coordinates(area)[: n // 10]
    x[2 * k : 2 * k + len(vertices)], y[2 * k : 2 * k + len(vertices)] = vertices.T
    x[-10:-5] = np.nan
    y[-5:] = np.inf
    x[-3] = -np.inf
    x[-20], x[-21], y[-22], y[-23] = x0, x1, y0, y1
    return x, y


@pytest.mark.parametrize(
    "area",
    [
        None,
        (102.0, 10.0, 108.0, 15.0),
        shapely.Polygon(
            [(103, 11), (106, 11), (106, 14), (103, 14)], [[(104, 12), (105, 12), (105, 13)]]
        ),
    ],
    ids=["cambodia", "bbox", "polygon-with-hole"],
)
def test_grid_contains_matches_shapely(area):
    geom = study_area_shape(area).geometry
    x, y = _edge_points(geom, np.random.default_rng(3), N)
    got = contains_xy(geom, x, y)
    assert got.dtype == bool
    np.testing.assert_array_equal(got, shapely.contains_xy(geom, x, y))
    assert 0 < got.sum() < N


@pytest.mark.parametrize(
    "values",
    [
        ["SYN-0001", "SYN-0002", "SYN-0003"],
        ["SYN-0003", "SYN-0001", "SYN-0003"],
        ["a", "b", "a"],
        ["ab", "a", "b"],
        ["ភូមិ1", "ភូមិ2", "ភូមិ1"],
        ["0123456789a", "0123456789b", "1123456789a"],
        ["123456789abc", "223456789abc", "123456789abc"],
        ["x1", None, "x1"],
        ["", ""],
    ],
)
def test_all_unique_matches_pandas(values):
    ids = pd.Series(values, dtype="string")
    assert _all_unique(ids) == ids.is_unique
    sliced = pd.Series(["zz", *values], dtype="string").iloc[1:]  # an Arrow array with an offset
    assert _all_unique(sliced) == ids.is_unique


def test_packed_keys_are_none_when_not_one_width_or_too_many_varying_bytes():
    assert _packed_keys(pd.Series(["ab", "a"], dtype="string")) is None
    assert _packed_keys(pd.Series(["123456789", "234567891"], dtype="string")) is None
    assert _packed_keys(pd.Series(["a", None], dtype="string")) is None
    keys = _packed_keys(pd.Series(["K-01", "K-02", "K-01"], dtype="string"))
    assert keys is not None and keys[0] == keys[2] != keys[1]


def test_select_rows_equals_boolean_indexing():
    frame = pd.DataFrame(
        {
            "a": pd.array(["x", None, "ភូមិ", "z"], dtype="string"),
            "b": pd.array([1, None, 3, 4], dtype="Int64"),
            "c": pd.to_datetime(["2020-01-01", None, "2021-05-06", "2022-01-01"]),
            "d": [1.5, 2.5, np.nan, 4.0],
            "empty": pd.array([None] * 4, dtype="string"),
            "nan": [np.nan] * 4,
            "lists": [[1], [2], [3], [4]],
        }
    )
    keep = np.array([True, False, True, True])
    selected = _select_rows(frame, keep)
    pd.testing.assert_frame_equal(selected, frame[keep])
    selected.loc[0, "nan"] = 5.0  # nothing of the input frame is shared and written to
    assert frame["nan"].isna().all()
    dupes = pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])
    pd.testing.assert_frame_equal(
        _select_rows(dupes, np.array([False, True])), dupes[[False, True]]
    )


def _register(n, rng):
    geom = study_area_shape().geometry
    lon = rng.uniform(102.4, 107.6, 3 * n)
    lat = rng.uniform(10.4, 14.6, 3 * n)
    inside = shapely.contains_xy(geom, lon, lat)
    lon, lat = lon[inside][:n], lat[inside][:n]
    lon[5], lat[5] = 2.3522, 48.8566  # Paris
    lon[7], lat[7] = lat[7], lon[7]  # swapped
    lon[9], lat[9] = 0.0, 0.0
    lon[11] = 200.0
    edge = shapely.get_coordinates(geom)[:50]  # on the outline: outside (not contained)
    lon[100:150], lat[100:150] = edge.T
    ids = np.array([f"C-{i:06d}" for i in range(n)], dtype=object)
    ids[20] = ids[3]  # a duplicate
    types = np.array(["eviction", "land grab", "violence"], dtype=object)[np.arange(n) % 3]
    types[30] = "Evictions"
    types[31] = "something else"
    return pd.DataFrame(
        {
            "case_id": ids,
            "type": types,
            "status": "ongoing",
            "households": np.arange(n) % 50,
            "latitude": lat,
            "longitude": lon,
        }
    )


def test_large_table_gives_what_the_plain_paths_give():
    table = _register(N, np.random.default_rng(11))
    big, big_report = load_cases(table)
    interesting = [3, 5, 7, 9, 11, 20, 30, 31, *range(95, 155)]
    small, small_report = load_cases(table.iloc[interesting].reset_index(drop=True))
    rows = big_report.rows.iloc[interesting].reset_index(drop=True)
    same = ~rows["reason"].str.startswith("duplicate").fillna(False)
    pd.testing.assert_series_equal(rows["status"], small_report.rows["status"])
    pd.testing.assert_series_equal(rows["reason"][same], small_report.rows["reason"][same])
    assert rows["reason"][0] == "duplicate case_id 'C-000003' (rows 4, 21)"
    assert rows["reason"][5] == rows["reason"][0]
    assert rows["status"].tolist()[:5] == ["loaded", "rejected", "rejected", "rejected", "rejected"]
    assert rows["status"][slice(13, 63)].eq("rejected").all()  # the outline's vertices
    kept = big_report.rows["status"].ne("rejected").to_numpy()
    assert big["case_id"].tolist() == table["case_id"][kept].tolist()
    assert big.index.equals(pd.RangeIndex(kept.sum()))
    np.testing.assert_array_equal(big.geometry.x, table["longitude"][kept])
    assert big["type"].iloc[:3].tolist() == ["eviction", "land grab", "violence"]
    by_id = big.set_index("case_id")["type"]
    assert by_id["C-000030"] == small.set_index("case_id")["type"]["C-000030"]
    assert by_id["C-000031"] == "something else"
    assert str(big["type"].dtype) == "string"
    pd.testing.assert_frame_equal(
        big[big["case_id"].isin(small["case_id"])].reset_index(drop=True).drop(columns="geometry"),
        small.drop(columns="geometry"),
    )


def test_study_area_grids_are_bounded_reused_and_can_be_cleared():
    from landmap.io import validate

    validate.clear_grid_cache()
    areas = [shapely.box(100 + i, 10, 101 + i, 11) for i in range(validate._GRID_CACHE_SIZE + 3)]
    grids = [_grid(a) for a in areas]
    assert len(validate._GRIDS) == validate._GRID_CACHE_SIZE
    assert _grid(areas[-1]) is grids[-1]  # kept: not classified again
    validate.clear_grid_cache()
    assert not validate._GRIDS
    assert _grid(areas[-1]) is not grids[-1]
