"""Recognise sensitive columns by name (Latin and Khmer headers) and by content.

By name: :func:`landmap.schema.sensitive_reason` plus Khmer header words from the profiles
resource. By content, where cheap: phone numbers (:data:`landmap.schema.PHONE_PATTERN`) in any
text column, and numeric columns that repeat the point's own coordinates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from landmap.errors import SchemaError
from landmap.privacy.profiles import (
    extra_name_patterns,
    khmer_column_words,
    latin_place_names,
)
from landmap.schema import (
    FREE_TEXT_COLUMNS,
    ID_COLUMN,
    PHONE_PATTERN,
    SENSITIVE_NAME_PATTERNS,
    LayerKind,
    _normalise,
    sensitive_reason,
)

#: Reason given for free-text columns that are not sensitive by name (``description``).
FREE_TEXT_REASON = "free-text narrative"


def _khmer_reason(column: str) -> str | None:
    words = khmer_column_words()
    place = words.get("place_words", [])
    for reason, stems in words.items():
        if reason == "place_words":
            continue
        if any(stem in column for stem in stems):
            if reason == "person name" and any(p in column for p in place):
                continue
            return reason
    return None


def _name_reason(column: str, kind: LayerKind | None) -> str | None:
    norm = _normalise(column)
    if norm in latin_place_names():
        return None
    reason = sensitive_reason(column, kind) or _khmer_reason(str(column))
    if reason is None:
        tail = _normalise(str(column).rsplit("/", 1)[-1])
        for other, pattern in extra_name_patterns().items():
            if re.search(pattern, norm) or re.search(pattern, tail):
                return other
    if reason == "person name":  # "complainant_phone": say what the column holds, not whose
        for other, pattern in SENSITIVE_NAME_PATTERNS.items():
            if other != reason and re.search(pattern, norm):
                return other
    return reason


def _text_values(series: pd.Series) -> pd.Series:
    if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
        return pd.Series([], dtype="string")
    values = series.dropna()
    return values[values.map(lambda v: isinstance(v, str))].astype("string")


def _has_phone(series: pd.Series) -> bool:
    values = _text_values(series)
    if not len(values):
        return False
    search = PHONE_PATTERN.search  # each distinct value once: columns repeat a few values
    return any(search(v) is not None for v in pd.unique(values.to_numpy(dtype=object)))


def _repeats_coordinates(series: pd.Series, gdf: pd.DataFrame) -> bool:
    geometry = getattr(gdf, "geometry", None)
    if geometry is None or not pd.api.types.is_numeric_dtype(series) or series.dtype == bool:
        return False
    points = geometry[geometry.geom_type == "Point"]
    if len(points) == 0:
        return False
    values = pd.to_numeric(series.loc[points.index], errors="coerce").to_numpy(dtype="float64")
    ok = np.isfinite(values)
    if ok.sum() == 0:
        return False
    x = points.x.to_numpy()[ok]
    y = points.y.to_numpy()[ok]
    v = values[ok]
    tolerance = 1e-4 if abs(np.nanmedian(v)) < 400 else 15.0  # degrees, else metres
    near = (np.abs(v - x) < tolerance) | (np.abs(v - y) < tolerance)
    return bool(near.mean() >= 0.5)


def sensitive_columns(
    gdf: pd.DataFrame,
    kind: LayerKind | None = "cases",
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    free_text: bool = True,
) -> dict[str, str]:
    """Return the columns of a layer that must not reach a public export, with the reason.

    Parameters
    ----------
    gdf
        A loaded layer (any DataFrame; a GeoDataFrame also lets coordinate copies be found).
    kind
        The layer kind; in ``cases`` a bare ``name`` column is a person's name.
    add
        Columns the user declares sensitive (reason ``"declared sensitive"``).
    remove
        Columns the user declares safe; they are never reported.
    free_text
        Also report canonical free-text columns (``description``).

    Returns
    -------
    dict
        ``{column: reason}`` in the layer's column order. Reasons are the schema's
        (``"person name"``, ``"phone number"``, ``"ID number"``, ``"free-text narrative"``,
        ``"photo or attachment"``, ``"exact GPS"``, ``"address"``) and, by content,
        ``"phone number (found in values)"`` and ``"exact GPS (repeats the coordinates)"``.

    Raises
    ------
    SchemaError
        When ``add`` or ``remove`` names a column the layer does not have.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"case_id": ["c1"], "complainant_name": ["Test Person"],
    ...                    "contact": ["012 345 678"], "ឈ្មោះ": ["x"], "ឈ្មោះភូមិ": ["y"]})
    >>> found = sensitive_columns(df)
    >>> found["contact"], found["ឈ្មោះ"], "ឈ្មោះភូមិ" in found
    ('phone number (found in values)', 'person name', False)

    """
    add, remove = list(add), set(remove)
    for col in [*add, *remove]:
        if col not in gdf.columns:
            raise SchemaError(
                f"column {col!r} named as sensitive/safe is not in the layer",
                column=col,
                fix=f"use one of {', '.join(map(str, gdf.columns))}",
            )
    geometry_name = getattr(gdf, "_geometry_column_name", "geometry")
    id_column = ID_COLUMN.get(kind) if kind else None  # ids may look like phone numbers
    found: dict[str, str] = {}
    for col in gdf.columns:
        if col == geometry_name or col in remove:
            continue
        series = gdf[col]
        if isinstance(series, pd.DataFrame):  # duplicate column names: judge the first
            series = series.iloc[:, 0]
        reason = _name_reason(str(col), kind)
        if reason is None and col in add:
            reason = "declared sensitive"
        if reason is None and free_text and col in FREE_TEXT_COLUMNS:
            reason = FREE_TEXT_REASON
        if reason is None and col != id_column and _has_phone(series):
            reason = "phone number (found in values)"
        if reason is None and _repeats_coordinates(series, gdf):
            reason = "exact GPS (repeats the coordinates)"
        if reason is not None:
            found[str(col)] = reason
    return found


__all__ = ["FREE_TEXT_REASON", "sensitive_columns"]
