"""Summaries by administrative unit (province / district / commune) and by year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from landmap.analysis._common import (
    CRS_COLUMN,
    finish,
    points_in,
    provenance,
    source_records,
    union_parts,
)
from landmap.analysis._engine import exact_pairs
from landmap.analysis._layers import as_frame, layer_ids, polygonal, prepare, source_of
from landmap.analysis._precision import case_precision, coarse_codes, level_rows, lonlat
from landmap.analysis.crs import metric_crs
from landmap.errors import AnalysisError
from landmap.places import RANK, precision_rank

if TYPE_CHECKING:
    import pandas as pd


def _metric_union_parts(frame: Any, crs: str) -> np.ndarray:
    """Disjoint polygons covering the union of a layer's polygons, in ``crs``."""
    if frame is None or len(frame) == 0:
        return np.empty(0, dtype=object)
    geoms, usable = polygonal(np.asarray(frame.geometry.to_crs(crs).values, dtype=object))
    if not usable.any():
        return np.empty(0, dtype=object)
    return union_parts(geoms[usable])


def _hectares_in(units: np.ndarray, parts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(units))
    if len(parts) and len(units):
        got = exact_pairs(units, parts, geometry=False, threads=None)
        np.add.at(out, got.left, got.area)
    return out / 1e4


def _case_table(cases: Any) -> pd.DataFrame:
    import pandas as pd

    frame = cases.reset_index(drop=True)
    ids, _ = layer_ids(frame, "cases", None)
    return pd.DataFrame(
        {
            "case_id": ids,
            "households": (
                pd.to_numeric(frame["households"], errors="coerce").to_numpy()
                if "households" in frame.columns
                else np.nan
            ),
            "date": (
                pd.to_datetime(frame["date"], errors="coerce").to_numpy()
                if "date" in frame.columns
                else pd.NaT
            ),
            "source_records": source_records(frame),
        }
    )


def _count_cases(
    case_frame: Any, units: Any, ug: np.ndarray, uu: np.ndarray, use_crs: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, object]]]:
    """Cases, households and source records per unit, at the levels each precision supports."""
    import pandas as pd

    table = _case_table(case_frame)
    pts = prepare(case_frame, "cases", use_crs, polygons=False)
    ok = np.flatnonzero(pts.usable & (shapely.get_type_id(pts.geoms) == 0))
    xy = shapely.get_coordinates(pts.geoms[ok]) if len(ok) else np.empty((0, 2))
    ic, iu = points_in(xy[:, 0], xy[:, 1], ug[uu])
    levels = np.array(
        [lv if isinstance(lv, str) else None for lv in units.column("level")], dtype=object
    )
    precision = case_precision(pts.frame)
    unit_rank = np.array([RANK.get(lv, 0) if lv else 0 for lv in levels[uu[iu]]], dtype=int)
    keep = precision_rank(precision[ok[ic]]) >= unit_rank
    hits = pd.DataFrame({"case": ok[ic][keep], "unit": uu[iu][keep]})
    hits["level"] = levels[hits["unit"].to_numpy()]
    hits = hits.sort_values(["case", "unit"]).drop_duplicates(["case", "level"])
    households = table["households"].to_numpy(dtype=float)
    hits["households"] = households[hits["case"].to_numpy()]
    records = table["source_records"].to_numpy(dtype=float)
    hits["source_records"] = records[hits["case"].to_numpy()]
    counts = hits.groupby("unit").size().reindex(range(len(ug)), fill_value=0)
    hh = hits.groupby("unit")["households"].sum().reindex(range(len(ug)), fill_value=0)
    behind = hits.groupby("unit")["source_records"].sum().reindex(range(len(ug)), fill_value=0)
    extra: list[dict[str, object]] = []
    present = [lv for lv in dict.fromkeys(levels[uu]) if lv in RANK]
    if present:
        codes = coarse_codes(pts.frame, precision, lonlat(pts.frame))
        for level in present:
            counted = hits.loc[hits["level"] == level, "case"].to_numpy()
            rows = level_rows(level, ok, counted, precision, codes, households)
            # the same rows summing source records instead of households
            sums = level_rows(level, ok, counted, precision, codes, records)
            for row, other in zip(rows, sums, strict=True):
                row["source_records"] = other["households"]
            extra += rows
    return (
        counts.to_numpy(dtype=np.int64),
        hh.fillna(0).to_numpy().astype(np.int64),
        behind.to_numpy(dtype=np.int64),
        extra,
    )


def summarise_by_admin(
    boundaries: Any,
    *,
    cases: Any = None,
    concessions: Any = None,
    overlaps: Any = None,
    level: str | None = None,
    crs: str | None = None,
) -> pd.DataFrame:
    """Cases, households, concession hectares and overlap hectares per administrative unit.

    Parameters
    ----------
    boundaries
        Canonical boundaries layer (``boundary_id``, ``level``, ``name``, ``name_km``,
        ``parent``) or a path; provinces, districts or communes.
    cases
        Canonical cases layer or path: each case counts in the unit its point lies in, at the
        levels its ``location_precision`` supports: a case known to the district only counts
        in its district and province, and at the commune level in a "commune unknown" row of
        its district, never in a commune (its point is the district's representative point).
    concessions
        Concessions layer or path: ``concession_ha`` is the unit's area under *any* concession
        (overlapping concessions counted once).
    overlaps
        A pair table with geometries from :func:`landmap.analysis.overlap`: ``overlap_ha`` is the
        unit's area under the union of the overlaps.
    level
        Keep only boundaries of this ``level`` (``"province"``, ``"district"``, ``"commune"``).
    crs
        Metric CRS; by default chosen for the data.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``boundary_id``, ``level``, ``name``, ``name_km`` (Khmer, where the
        layer has it), ``parent``, ``unit_ha``, ``cases``, ``source_records`` (the source
        records behind the cases: more than ``cases`` where a merged register case stands for
        several partners' reports), ``households``, ``concession_ha``,
        ``overlap_ha``, ``crs``; in the boundary layer's order. With cases, a ``row_kind``
        column (``unit``) and, after the units, one ``unknown`` row per coarser unit whose
        cases cannot be placed in a unit of this level (``name`` says "commune unknown:
        located to the district Batheay (0301)", ``parent`` names that unit) and an
        ``outside`` row for cases in no unit of the layer: each level's ``cases`` add up to
        the number of cases. Columns whose input was not given are left out.

    """
    import pandas as pd

    bounds = as_frame(boundaries, "boundaries")
    if level is not None:
        if "level" not in bounds.columns:
            raise AnalysisError(
                "the boundary layer has no 'level' column to select by",
                column="level",
                fix="load it with landmap.io.load_boundaries",
            )
        bounds = bounds[bounds["level"] == level]
        if bounds.empty:
            raise AnalysisError(
                f"the boundary layer has no units of level {level!r}",
                column="level",
                fix="choose province, district or commune",
            )
    frames = [bounds]
    case_frame = as_frame(cases, "cases") if cases is not None else None
    conc_frame = as_frame(concessions, "concessions") if concessions is not None else None
    frames += [f for f in (case_frame, conc_frame, overlaps) if f is not None]
    use_crs = metric_crs(*frames, crs=crs)
    units = prepare(bounds, "boundaries", use_crs)
    ug = np.where(units.usable, units.geoms, None)
    uu = np.flatnonzero(units.usable)
    out = pd.DataFrame({"boundary_id": pd.array(units.ids, dtype="string")})
    for col in ("level", "name", "name_km", "parent"):
        out[col] = pd.array(units.column(col), dtype="string")
    area = np.zeros(len(ug))
    area[uu] = shapely.area(ug[uu]) / 1e4
    out["unit_ha"] = area
    sources = [units.source]
    extra: list[dict[str, object]] = []
    if case_frame is not None:
        counts, hh, behind, extra = _count_cases(case_frame, units, ug, uu, use_crs)
        out["cases"] = counts
        out["source_records"] = behind
        out["households"] = hh
        out["row_kind"] = pd.array(["unit"] * len(out), dtype="string")
        sources.append(source_of(case_frame))
    if conc_frame is not None:
        ha = np.zeros(len(ug))
        ha[uu] = _hectares_in(ug[uu], _metric_union_parts(conc_frame, use_crs))
        out["concession_ha"] = ha
        sources.append(source_of(conc_frame))
    if overlaps is not None:
        if "geometry" not in getattr(overlaps, "columns", []):
            raise AnalysisError(
                "the overlaps table has no geometry column",
                fix="compute it with overlap(..., geometry=True)",
            )
        ha = np.zeros(len(ug))
        ha[uu] = _hectares_in(ug[uu], _metric_union_parts(overlaps, use_crs))
        out["overlap_ha"] = ha
        prov = overlaps.attrs.get("provenance") or {}
        sources += [i.get("path") for i in prov.get("inputs", [])]
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
        for col in ("boundary_id", "level", "name", "name_km", "parent", "row_kind"):
            out[col] = out[col].astype("string")
    out[CRS_COLUMN] = pd.array([use_crs] * len(out), dtype="string")
    record = provenance(
        "summarise_by_admin",
        use_crs,
        [*dict.fromkeys(sources)],
        {"level": level, "crs": crs},
        units.notes,
    )
    return finish(out, record)


def summarise_by_year(
    *,
    cases: Any = None,
    concessions: Any = None,
    overlaps: Any = None,
    crs: str | None = None,
) -> pd.DataFrame:
    """Cases and households by the year of the case; concessions and overlaps by grant year.

    Parameters
    ----------
    cases
        Canonical cases layer or path (``date``, ``households``).
    concessions
        Canonical concessions layer or path (``granted``): concessions granted per year and
        their hectares (the union of that year's grants, so overlaps count once).
    overlaps
        A pair table from :func:`landmap.analysis.overlap`; its overlap hectares are counted in
        the grant year of the concession (requires ``concessions``).
    crs
        Metric CRS; by default chosen for the data.

    Returns
    -------
    pandas.DataFrame
        One row per year (ascending; rows without a year are left out and counted in
        ``attrs["provenance"]["notes"]``): ``year``, ``cases``, ``source_records``,
        ``households``,
        ``concessions_granted``, ``concession_ha``, ``overlap_ha``, ``crs`` (columns whose
        input was not given are left out).

    """
    import pandas as pd

    case_frame = as_frame(cases, "cases") if cases is not None else None
    conc_frame = as_frame(concessions, "concessions") if concessions is not None else None
    use_crs = metric_crs(*[f for f in (case_frame, conc_frame) if f is not None], crs=crs)
    parts: list[pd.DataFrame] = []
    notes: list[str] = []
    sources: list[str | None] = []
    if case_frame is not None:
        table = _case_table(case_frame)
        year = pd.to_datetime(table["date"]).dt.year
        notes.append(f"{int(year.isna().sum())} cases without a date")
        by = table.assign(year=year).dropna(subset=["year"]).groupby("year")
        parts.append(
            pd.DataFrame(
                {
                    "cases": by.size(),
                    "source_records": by["source_records"].sum(),
                    "households": by["households"].sum(min_count=1),
                }
            )
        )
        sources.append(source_of(case_frame))
    if conc_frame is not None:
        c = prepare(conc_frame, "concessions", use_crs)
        granted = (
            pd.to_datetime(c.frame["granted"], errors="coerce")
            if "granted" in c.frame.columns
            else pd.Series(pd.NaT, index=c.frame.index)
        )
        years = granted.dt.year.to_numpy()
        notes.append(f"{int(np.isnan(years).sum())} concessions without a grant date")
        rows = {}
        for y in sorted({int(v) for v in years[~np.isnan(years)]}):
            sel = (years == y) & c.usable
            ha = shapely.union_all(c.geoms[sel]).area / 1e4 if sel.any() else 0.0
            rows[y] = {"concessions_granted": int((years == y).sum()), "concession_ha": ha}
        parts.append(
            pd.DataFrame.from_dict(
                rows, orient="index", columns=["concessions_granted", "concession_ha"]
            )
        )
        sources.append(c.source)
        if overlaps is not None and len(overlaps):
            year_of = dict(zip(c.ids, years, strict=True))
            ov = pd.DataFrame(
                {
                    "year": [year_of.get(str(i), np.nan) for i in overlaps["concession_id"]],
                    "overlap_ha": overlaps["overlap_ha"].to_numpy(dtype=float),
                }
            )
            parts.append(ov.dropna(subset=["year"]).groupby("year")[["overlap_ha"]].sum())
    out = pd.concat(parts, axis=1) if parts else pd.DataFrame()
    out.index = out.index.astype(int) if len(out) else out.index
    out = out.sort_index().rename_axis("year").reset_index()
    for col in ("cases", "source_records", "households", "concessions_granted"):
        if col in out.columns:
            out[col] = out[col].fillna(0).astype("int64")
    for col in ("concession_ha", "overlap_ha"):
        if col in out.columns:
            out[col] = out[col].fillna(0.0)
    out[CRS_COLUMN] = pd.array([use_crs] * len(out), dtype="string")
    record = provenance("summarise_by_year", use_crs, sources, {"crs": crs}, notes)
    return finish(out, record)
