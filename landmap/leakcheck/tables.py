"""Points in the coordinate columns of tables (CSV, workbook sheets, GeoPackage attributes).

Every pair of a longitude-like and a latitude-like column (degrees or UTM 48N metres in
Cambodia) and every WKT point column gives points; a ``case_id`` column, or the column whose
values are mostly known case ids, labels them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from landmap.schema import ID_COLUMN

LON, LAT = (101.5, 108.5), (9.0, 15.5)  # Cambodia with a margin, degrees
UTM_X, UTM_Y = (100_000.0, 900_000.0), (990_000.0, 1_750_000.0)  # EPSG:32648, metres

Point = tuple[float, float, "str | None"]  # x, y and the case id the file gives it, if any
CASE_ID = ID_COLUMN["cases"]


def _sample(values: np.ndarray, n: int = 64) -> list[Any]:
    """Return the first ``n`` non-missing values of a column."""
    out: list[Any] = []
    for value in values:
        if (
            value is not None
            and value is not pd.NA
            and not (isinstance(value, float) and np.isnan(value))
        ):
            out.append(value)
            if len(out) >= n:
                break
    return out


def id_column(frame: pd.DataFrame, known: frozenset[str]) -> Any:
    """Return the column holding case ids: ``case_id``, else the one of known id values."""
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    if CASE_ID in frame.columns:
        return CASE_ID
    best, share = None, 0.5
    for col in frame.columns:
        sample = [str(v) for v in _sample(frame[col].to_numpy(dtype=object), 200)]
        if sample:
            found = sum(v in known for v in sample) / len(sample)
            if found > share:
                best, share = col, found
    return best


def _numbers(values: np.ndarray) -> np.ndarray:
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )


def _share_within(v: np.ndarray, lo_hi: tuple[float, float]) -> float:
    v = v[np.isfinite(v)]
    return float(((v >= lo_hi[0]) & (v <= lo_hi[1])).mean()) if len(v) else 0.0


def table_points(frame: pd.DataFrame, known: frozenset[str]) -> list[Point]:
    """Points of a table: every pair of longitude-like and latitude-like columns, WKT columns.

    The first rows of a column decide whether it holds numbers (or WKT points); only those
    columns are read whole.
    """
    id_col = id_column(frame, known)
    numeric: dict[str, np.ndarray] = {}
    wkt: list[np.ndarray] = []
    for col in frame.columns:
        values = frame[col].to_numpy(dtype=object)
        sample = _sample(values)
        if not sample:
            continue
        head = _numbers(np.asarray(sample, dtype=object))
        if np.isfinite(head).mean() > 0.5:
            full = _numbers(values)
            if np.isfinite(full).mean() > 0.5:
                numeric[col] = full
        elif (
            sum(isinstance(v, str) and v.lstrip()[:5].upper() in ("POINT", "MULTI") for v in sample)
            > len(sample) / 2
        ):
            wkt.append(values)
    xs = [
        c
        for c, v in numeric.items()
        if _share_within(v, LON) > 0.8 or _share_within(v, UTM_X) > 0.8
    ]
    ys = [
        c
        for c, v in numeric.items()
        if _share_within(v, LAT) > 0.8 or _share_within(v, UTM_Y) > 0.8
    ]
    ids = (
        [None if v is None or v is pd.NA else str(v) for v in frame[id_col].to_numpy(dtype=object)]
        if id_col is not None
        else [None] * len(frame)
    )
    points: list[Point] = []
    for x in xs:
        for y in ys:
            if x != y:
                points += list(zip(numeric[x].tolist(), numeric[y].tolist(), ids, strict=True))
    for values in wkt:  # WKT geometry columns (GDAL's CSV writer)
        text = np.asarray([v if isinstance(v, str) else None for v in values], dtype=object)
        geoms = shapely.from_wkt(text, on_invalid="ignore")
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        points += [
            (x, y, ids[i]) for (x, y), i in zip(coords.tolist(), index.tolist(), strict=True)
        ]
    return points


__all__ = ["CASE_ID", "LAT", "LON", "Point", "UTM_X", "UTM_Y", "id_column", "table_points"]
