"""Reading the register an export was made from: what must not leave, and where the cases are.

The register is read with landmap's own loaders and readers (the delimiter, encoding, header row
and sheet of a table are found as when it was loaded; a GDAL format through GDAL), never with
pandas' defaults. What is searched is decided by the profile, not by column names:

- a column is *public* when the loader made it a canonical column the profile publishes
  (``PrivacyProfile.public_columns``; the loader's ``report.details["columns"]`` says which
  original header became which canonical column) or when the profile's ``keep`` names it;
- the columns the loader read the coordinates from are checked as points, not as text;
- every value of every other text column is searched, in every row, the rows the loader
  rejected included (numbers too: a phone number typed into a number cell is searched as its
  digits, and the index leaves out numbers shorter than
  :data:`~landmap.leakcheck.index.MIN_DIGITS` digits; dates typed as Excel dates are not text
  and are not searched).

A confidential profile (``internal``) publishes everything: nothing is searched, and the result
says so.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.errors import DataFileError, LandmapError
from landmap.io.load import Loaded
from landmap.leakcheck.index import ValueIndex
from landmap.places import at_unit_point
from landmap.privacy.profiles import PrivacyProfile, get_profile
from landmap.schema import CAMBODIA_METRIC_CRS, ID_COLUMN, LayerKind


@dataclasses.dataclass(frozen=True)
class Register:
    """What a leak check compares an export with.

    Attributes
    ----------
    index
        The searchable values (empty under a confidential profile).
    points_m, ids
        True case locations in EPSG:32648 metres, and their case ids.
    searched, public, coordinates
        Original column names searched as text, left out as public, and read as points.
    rows, rejected
        Rows of the register, and how many of them the loader rejected (searched too).
    notes
        What was not checked and why, for people.

    """

    index: ValueIndex
    points_m: np.ndarray
    ids: np.ndarray
    searched: tuple[str, ...]
    public: tuple[str, ...]
    coordinates: tuple[str, ...]
    rows: int
    rejected: int
    notes: tuple[str, ...]


def _raw_rows(display: str, details: Mapping[str, Any], kind: str) -> pd.DataFrame | None:
    """Every row of the source file as the loader's reader sees it, or ``None`` if not a file."""
    from landmap.io.read import read_records

    if display.startswith("<") or not (display.startswith("/vsi") or Path(display).exists()):
        return None
    layer = details.get("sheet") or details.get("layer")
    encoding = details.get("encoding")
    return read_records(
        display,
        kind=kind,
        layer=str(layer) if layer is not None else None,
        encoding=str(encoding) if encoding else None,
    )


@functools.lru_cache(maxsize=8)
def _load_path(name: str, _mtime: int, kind: str, columns: tuple[tuple[str, str], ...]) -> Any:
    from landmap.io.load import load

    return load(name, kind, columns=dict(columns) or None, fix_swapped=True)  # type: ignore[arg-type]


def _source(against: Any, kind: str, columns: Mapping[str, str] | None):
    """Return (layer, mapping canonical -> [originals], coordinate columns, raw rows, ids)."""
    mapping: dict[str, list[str]] = {k: [v] for k, v in (columns or {}).items()}
    if isinstance(against, (str, os.PathLike)):
        text = os.fspath(against)
        if not text.startswith("/vsi") and not Path(text).is_file():
            raise DataFileError(
                "the source register does not exist",
                path=text,
                fix="give the case file the export was made from (--against)",
            )
        mtime = Path(text).stat().st_mtime_ns if Path(text).is_file() else 0
        against = _load_path(text, mtime, kind, tuple(sorted((columns or {}).items())))
    if isinstance(against, Loaded):
        layer, report = against.data, against.report
        found = report.details.get("columns", {}) or {}
        mapping = {k: ([v] if isinstance(v, str) else list(v)) for k, v in found.items()}
        coords = [str(c) for c in report.details.get("coordinate_columns", []) or []]
        raw = _raw_rows(str(report.path), report.details, kind)
        ids = report.rows["id"].astype("string").fillna("").to_numpy(dtype=object)
        if raw is not None and len(raw) == len(ids):
            return (
                layer,
                mapping,
                coords,
                raw,
                ids,
                int((report.rows["status"] == "rejected").sum()),
            )
        return layer, mapping, coords, None, None, 0
    if isinstance(against, gpd.GeoDataFrame):
        return against, mapping, [], None, None, 0
    raise DataFileError(
        f"cannot check against {against!r} of type {type(against).__name__}",
        fix="give the register's path, the loader's result (data, report) or a GeoDataFrame",
    )


def _column_values(series: pd.Series, ids: np.ndarray) -> Iterator[tuple[str, str]]:
    """``(case_id, text)`` for the text values (and long whole numbers) of a column."""
    if isinstance(series, pd.DataFrame):  # duplicate column names
        series = series.iloc[:, 0]
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_bool_dtype(
        series.dtype
    ):
        return
    for cid, value in zip(ids, series.to_numpy(dtype=object), strict=True):
        if value is None or value is pd.NA or isinstance(value, bool):
            continue
        if isinstance(value, str):
            yield cid, value
        elif isinstance(value, (int, np.integer)):
            yield cid, str(value)
        elif isinstance(value, (float, np.floating)) and np.isfinite(value):
            yield cid, str(int(value)) if float(value).is_integer() else str(value)


def read_register(
    against: Any,
    *,
    kind: LayerKind = "cases",
    columns: Mapping[str, str] | None = None,
    profile: str | PrivacyProfile | None = None,
) -> Register:
    """Read the register and index what must not be found in a public export.

    Parameters
    ----------
    against
        The register: a path (a table or any vector file landmap loads, a ``/vsizip/`` path),
        the loader's result (``landmap.load_cases(...)``: data and report), or a GeoDataFrame
        (a loaded layer: its canonical columns are judged by name).
    kind
        The layer kind of the register.
    columns
        The loader's column mapping (canonical name -> the file's column), as given to
        ``load_cases(columns=...)`` or in a project file; only for a path or a GeoDataFrame.
    profile
        The privacy profile the export was made with (default ``"public"``).

    Returns
    -------
    Register

    """
    prof = get_profile(profile)
    if isinstance(against, (str, os.PathLike)) and Path(against).is_file():
        path = Path(against).resolve()
        return _read_path(
            str(path), path.stat().st_mtime_ns, kind, tuple(sorted((columns or {}).items())), prof
        )
    return _read(against, kind, columns, prof)


@functools.lru_cache(maxsize=8)
def _read_path(
    name: str,
    _mtime: int,
    kind: LayerKind,
    columns: tuple[tuple[str, str], ...],
    prof: PrivacyProfile,
) -> Register:
    """Read and index a register file (once per modification time)."""
    return _read(name, kind, dict(columns), prof)


def _read(
    against: Any, kind: LayerKind, columns: Mapping[str, str] | None, prof: PrivacyProfile
) -> Register:
    layer, mapping, coords, raw, ids, rejected = _source(against, kind, columns)
    allowed = prof.public_columns(kind)
    points_m, true_ids = _true_points(layer, kind)
    if allowed is None:
        return Register(
            ValueIndex([]),
            points_m,
            true_ids,
            (),
            (),
            tuple(coords),
            len(layer),
            0,
            (
                f"profile {prof.name!r} is confidential: it publishes every column, "
                "so no value is searched",
            ),
        )
    table = raw if raw is not None else pd.DataFrame(layer.drop(columns=layer.geometry.name))
    if ids is None:
        id_col = ID_COLUMN.get(kind)
        ids = (
            table[id_col].astype("string").fillna("").to_numpy(dtype=object)
            if id_col in table.columns
            else np.array([f"row {i + 1}" for i in range(len(table))], dtype=object)
        )
    public = {o for canon in allowed for o in mapping.get(canon, [])} | set(prof.keep)
    if raw is None:  # a loaded layer: its canonical columns carry their canonical names
        public |= {c for c in table.columns if c in allowed}
    public -= set(prof.drop)
    searched = [str(c) for c in table.columns if c not in public and c not in coords]
    public_values = _public_values(table, layer, public, allowed)
    values = ((col, cid, text) for col in searched for cid, text in _column_values(table[col], ids))
    index = ValueIndex(values, public=public_values)
    notes = [
        f"{n} value(s) not searched: {why}"
        for why, n in sorted(index.skipped.items())
        if why != "empty"
    ]
    if raw is None and isinstance(against, Loaded):
        notes.append(
            "the rows the loader rejected could not be read again: give the "
            "register's file to search them too"
        )
    return Register(
        index,
        points_m,
        true_ids,
        tuple(searched),
        tuple(sorted(str(c) for c in public if c in table.columns)),
        tuple(coords),
        len(table),
        rejected,
        tuple(notes),
    )


def _public_values(
    table: pd.DataFrame, layer: gpd.GeoDataFrame, public: set[str], allowed: frozenset[str]
) -> set[str]:
    values: set[str] = set()
    frames = [(table, public), (layer, set(allowed))]
    for frame, cols in frames:
        for col in cols:
            if col in frame.columns and col != getattr(frame, "_geometry_column_name", None):
                series = frame[col]
                if isinstance(series, pd.DataFrame):
                    series = series.iloc[:, 0]
                values.update(str(v) for v in series.dropna().unique() if str(v).strip())
    return values


def _true_points(layer: gpd.GeoDataFrame, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the true locations (points only) in metres, and their case ids.

    A case the loader placed at the official point of its commune, district or province (it
    had place names, no coordinates) has no true location to protect and is left out.
    """
    try:
        metric = np.asarray(layer.geometry.to_crs(CAMBODIA_METRIC_CRS).array)
    except (ValueError, LandmapError) as err:
        raise DataFileError(
            f"the register's locations cannot be projected ({err})",
            fix="give the register with a CRS (EPSG:4326)",
        ) from err
    ok = ~shapely.is_missing(metric) & ~shapely.is_empty(metric)
    if ok.any():
        ok &= np.isin(shapely.get_type_id(metric), (0, 4))
    if kind == "cases" and ok.any():
        # a case placed from its place names sits on its unit's official point: not a home
        ok &= ~at_unit_point(layer)
    id_col = ID_COLUMN.get(kind)
    ids = (
        layer[id_col].astype(str).to_numpy()[ok]
        if id_col in layer.columns
        else np.flatnonzero(ok).astype(str)
    )
    points = shapely.get_parts(metric[ok])
    if len(points) != ok.sum():  # multipoints: one id per part
        parts, index = shapely.get_parts(metric[ok], return_index=True)
        return parts, ids[index]
    return points, ids


__all__ = ["Register", "read_register"]
