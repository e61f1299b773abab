"""Result tables for readers: names instead of ids, sensible rounding, headers in their language.

The analysis functions return full-precision tables meant for files and further computation
(``overlap_ha`` to the square metre, ids, the CRS on every row). :func:`pretty` turns one into
what a reader of a notebook or a briefing needs: the names of the forests and concessions rather
than their ids, whole hectares with thousands separators, percentages to one decimal, no
``<NA>``, no sliver overlaps of a fraction of a hectare (counted in a note instead), vocabulary
terms and headers in English, Khmer or both. The numbers underneath stay numbers, so the table
can still be sorted and copied; only their display changes.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from landmap.schema import label, vocabulary

Lang = Literal["en", "km", "both"]
#: Overlaps smaller than this many hectares are slivers (boundaries drawn slightly apart).
SLIVER_HA = 0.5
#: An id column and the name columns that make it redundant for a reader.
_NAMED_BY = {
    "area_id": ("area_name", "name"),
    "concession_id": ("concession_name", "name"),
    "boundary_id": ("name", "name_km"),
    "concession_ids": ("n_concessions",),
}
#: Columns a reader never needs: bookkeeping of the method, said once in the caption instead.
_NOISE = ("geometry", "crs", "level", "parent")
#: Term columns and their vocabulary.
_TERMS = {
    "area_kind": "area_kind",
    "concession_kind": "concession_kind",
    "type": "case_type",
    "status": "case_status",
    "location_precision": "location_precision",
    "concession_relation": "concession_relation",
}
#: Headings of result columns (the vocabulary's ``heading`` table holds the labels).
_HEADING_OF = {"type": "case_type", "count": "cases"}


def _heading(column: str, lang: Lang) -> str:
    term = _HEADING_OF.get(column, column)
    if term in vocabulary()["heading"]:
        return label("heading", term, lang)
    return column.replace("_", " ").capitalize()


def _kind_field(table: pd.DataFrame) -> str | None:
    if "concession_relation" in table or "cases_inside" in table:
        return "concession_kind"
    if "pct_covered" in table or "area_ha" in table:
        return "area_kind"
    return None


def _as_frame(table: Any) -> pd.DataFrame:
    if isinstance(table, pd.Series):
        name = table.name if table.name is not None else "count"
        frame = table.rename(name).reset_index()
        return pd.DataFrame(frame)
    frame = pd.DataFrame(table)
    named = frame.index.name is not None and frame.index.name not in frame.columns
    return frame.reset_index(drop=not named)


def _format(column: str, values: pd.Series) -> Any:
    """Return the display format of one column (a function of the value)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return lambda v: "" if pd.isna(v) else f"{v:%Y-%m-%d}"
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values):
        return lambda v: "" if pd.isna(v) else str(v)
    if column == "year":
        return lambda v: "" if pd.isna(v) else f"{int(v)}"
    if column.endswith("_ha") or column.startswith("hectares"):
        return lambda v: "" if pd.isna(v) else ("< 1" if 0 < v < 0.5 else f"{v:,.0f}")
    if column.startswith("pct") or column.endswith("_pct"):
        return lambda v: "" if pd.isna(v) else f"{v:.1f} %"
    if column.endswith("_m"):
        return lambda v: (
            "" if pd.isna(v) else (f"{v / 1000:,.1f} km" if v >= 1000 else f"{v:,.0f} m")
        )
    return lambda v: "" if pd.isna(v) else (f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}")


def pretty(
    table: Any,
    *,
    lang: Lang = "en",
    top: int | None = None,
    sliver_ha: float = SLIVER_HA,
    keep: tuple[str, ...] = (),
) -> Any:
    """Return a result table as a reader should see it (a pandas ``Styler``).

    Parameters
    ----------
    table
        A table from :mod:`landmap.analysis` (or any DataFrame or Series, such as the result
        of ``value_counts()``).
    lang
        Language of the headers and of vocabulary terms: ``"en"``, ``"km"`` or ``"both"``.
    top
        Show only the first ``top`` rows (after slivers are left out).
    sliver_ha
        Rows whose ``overlap_ha`` is below this are slivers, left out and counted in the
        caption (``0`` keeps them).
    keep
        Columns to show even though a reader usually does not need them (ids, ``crs``).

    Returns
    -------
    pandas.io.formats.style.Styler
        Numbers rounded for display (whole hectares, one-decimal percentages, distances in m
        or km), ids replaced by the names beside them, empty cells blank, and a caption saying
        what was left out and in which CRS areas were measured. ``.data`` is the table shown.

    Examples
    --------
    >>> pairs = pd.DataFrame({"area_id": ["1", "2"], "area_name": ["Prey Lang", "O Som"],
    ...                       "concession_name": ["A Co", "B Co"],
    ...                       "overlap_ha": [1234.5678, 0.0001], "pct_of_area": [12.345, 0.0],
    ...                       "crs": "EPSG:32648"})
    >>> styled = pretty(pairs)
    >>> styled.data.columns.tolist(), len(styled.data)
    (['area_name', 'concession_name', 'overlap_ha', 'pct_of_area'], 1)
    >>> "1,235" in styled.to_html() and "12.3 %" in styled.to_html()
    True
    >>> print(styled.caption)  # doctest: +NORMALIZE_WHITESPACE
    1 overlap under 0.5 ha not shown (a sliver where boundaries were drawn apart).
    Areas measured in EPSG:32648.

    """
    frame = _as_frame(table)
    notes: list[str] = []
    crs = None
    if "crs" in frame and "crs" not in keep:
        values = frame["crs"].dropna().unique()
        crs = str(values[0]) if len(values) == 1 else None
    pair_table = ({"area_id", "area_name"} & set(frame.columns)) and (
        {"concession_id", "concession_name", "concession_id_b"} & set(frame.columns)
    )
    if "overlap_ha" in frame and sliver_ha > 0 and pair_table:
        small = pd.to_numeric(frame["overlap_ha"], errors="coerce").fillna(0) < sliver_ha
        if small.any():
            n = int(small.sum())
            notes.append(
                f"{n:,} overlap{'s' if n > 1 else ''} under {sliver_ha:g} ha not shown "
                f"(a sliver where boundaries were drawn apart)"
            )
            frame = frame[~small]
    drop = [c for c in frame.columns if c in _NOISE and c not in keep]
    for col, names in _NAMED_BY.items():
        if col in frame and col not in keep and any(n in frame for n in names):
            drop.append(col)
    if (
        "source_records" in frame
        and "cases" in frame
        and "source_records" not in keep
        and frame["source_records"].equals(frame["cases"])
    ):
        drop.append("source_records")  # one record per case: nothing merged, nothing to say
    frame = frame.drop(columns=drop)
    if top is not None:
        frame = frame.head(top)
    kind_field = _kind_field(frame)
    same: list[str] = []
    for col in list(frame.columns):
        field = _TERMS.get(col) or (kind_field if col == "kind" else None)
        if field is not None and field in vocabulary():
            frame[col] = (
                frame[col]
                .map(lambda v, f=field: "" if pd.isna(v) else label(f, str(v), lang))
                .astype(object)
            )
            values = frame[col].unique()
            if len(frame) > 1 and len(values) == 1 and col not in keep and col != "type":
                same.append(str(values[0]))  # one kind on every row: said once, below
                frame = frame.drop(columns=col)
        elif isinstance(frame[col].dtype, pd.ArrowDtype | pd.StringDtype):
            frame[col] = frame[col].astype(object).where(frame[col].notna(), "")
    if same:
        notes.insert(0, "Every row: " + " × ".join(same))
    if crs and any(str(c).endswith("_ha") or str(c).endswith("_m") for c in frame.columns):
        notes.append(f"Areas measured in {crs}.")
    frame = frame.reset_index(drop=True)
    styler = frame.style.format({c: _format(c, frame[c]) for c in frame.columns})
    styler = styler.relabel_index([_heading(c, lang) for c in frame.columns], axis="columns")
    styler = styler.hide(axis="index")
    caption = ". ".join(n.rstrip(".") for n in notes) + "." if notes else None
    if caption:
        styler = styler.set_caption(caption)
    return styler


__all__ = ["SLIVER_HA", "pretty"]
