"""Public counts computed from the true case locations, before any masking.

A masked point can land in a different concession than the case it stands for, so counts taken
from a public map would contradict the organisation's own figures. Publish these tables instead:
they are counted on the true points and only small counts are suppressed.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.analysis.proximity import POINT_CLAIM_LEVEL
from landmap.places import CODE_LENGTH_OF, supports, unit_geometries
from landmap.privacy import mask as pm
from landmap.privacy.profiles import PrivacyProfile, get_profile
from landmap.provenance import attach, make_provenance
from landmap.schema import CAMBODIA_METRIC_CRS


def _first(frame: pd.DataFrame, names: tuple[str, ...], default: str) -> pd.Series:
    for name in names:
        if name in frame.columns:
            return frame[name].astype("string").reset_index(drop=True)
    return pd.Series([f"{default} {i}" for i in range(len(frame))], dtype="string")


def _count(
    pairs: tuple[np.ndarray, np.ndarray], households: np.ndarray, units: pd.DataFrame, k: int
) -> pd.DataFrame:
    cases_idx, unit_idx = pairs
    frame = pd.DataFrame({"unit": unit_idx, "households": households[cases_idx]})
    grouped = frame.groupby("unit").agg(cases=("unit", "size"), households=("households", "sum"))
    out = units.iloc[grouped.index].reset_index(drop=True)
    out["cases"] = pd.array(grouped["cases"].to_numpy(), dtype="Int64")
    out["households"] = pd.array(grouped["households"].round().to_numpy(), dtype="Int64")
    small = out["cases"] < k
    out["suppressed"] = small.to_numpy(dtype=bool)
    out.loc[small, ["cases", "households"]] = pd.NA
    return out.sort_values(list(out.columns[:1])).reset_index(drop=True)


def public_summary(
    cases: gpd.GeoDataFrame,
    *,
    concessions: gpd.GeoDataFrame | None = None,
    communes: gpd.GeoDataFrame | None = None,
    profile: str | PrivacyProfile | None = "public",
) -> dict[str, pd.DataFrame]:
    """Count cases and households per concession and per commune from the TRUE locations.

    Parameters
    ----------
    cases
        The case layer with its true locations (never the masked one).
    concessions, communes
        Polygon layers to count in (either may be omitted).
    profile
        Supplies ``k``: a unit with fewer than ``k`` cases has its counts blanked and
        ``suppressed`` set. (The total is never suppressed.)

    Returns
    -------
    dict
        ``"total"`` (one row: cases, households), ``"by_concession"`` (concession_id, name,
        cases, households, suppressed, cases_in_overlapping_units) and ``"by_commune"``
        (commune_id, commune, cases, households, suppressed) when the layers are given; units
        without cases are omitted. Each table carries provenance saying it was computed before
        masking. Location precision is respected: only cases with an exact or village point
        count inside a concession (a case known only to its commune, district or province is
        counted in ``cases_in_overlapping_units`` of every concession its unit overlaps), and
        only cases known to their commune count in a commune (the others are one "commune
        unknown" row).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> conc = gpd.GeoDataFrame({"concession_id": ["E1"], "name": ["ELC"]},
    ...                         geometry=[box(104, 11, 105, 12)], crs="EPSG:4326")
    >>> cases = gpd.GeoDataFrame({"households": [2, 3, 4]},
    ...                          geometry=[Point(104.5, 11.5)] * 3, crs="EPSG:4326")
    >>> public_summary(cases, concessions=conc)["by_concession"][["cases", "households"]].values
    array([[3, 9]], dtype=object)

    """
    prof = get_profile(profile)
    k = int(prof.k) if prof.is_public else 1
    pts = pm.to_metric(cases, CAMBODIA_METRIC_CRS)
    ok = ~shapely.is_missing(pts) & ~shapely.is_empty(pts)
    households = (
        pd.to_numeric(cases["households"], errors="coerce").fillna(0).to_numpy(dtype="float64")
        if "households" in cases.columns
        else np.zeros(len(cases))
    )
    record = make_provenance(
        operation="public_summary",
        crs=CAMBODIA_METRIC_CRS,
        parameters={"k": k, "locations": "true (before masking)", "profile": prof.name},
    )
    result: dict[str, pd.DataFrame] = {
        "total": pd.DataFrame(
            {"cases": [int(len(cases))], "households": [int(round(households.sum()))]}
        ),
    }
    layers: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...], str, str]] = {
        "by_concession": (concessions, ("concession_id",), ("name",), "concession_id", "name"),
        "by_commune": (
            communes,
            ("boundary_id", "shapeID"),
            ("name", "shapeName"),
            "commune_id",
            "commune",
        ),
    }
    precision = _precision(cases)
    for key, (layer, id_names, label_names, id_out, label_out) in layers.items():
        if layer is None:
            continue
        polys = pm.to_metric(layer, CAMBODIA_METRIC_CRS)
        units = pd.DataFrame(
            {id_out: _first(layer, id_names, "unit"), label_out: _first(layer, label_names, "")}
        )
        # a case is counted in a unit only where its location precision supports it
        level = "commune" if key == "by_commune" else POINT_CLAIM_LEVEL
        where = np.flatnonzero(ok & supports(precision, level))
        p, u = shapely.STRtree(polys).query(pts[where], predicate="intersects")
        if key == "by_commune":  # a point on a shared edge counts once
            p, first = np.unique(p, return_index=True)
            u = u[first]
        table = _count((where[p], u), households, units, k)
        coarse = np.flatnonzero(ok & ~supports(precision, level))
        if key == "by_commune":
            table = _with_unknown(table, coarse, households, k)
        else:
            table = _with_overlapping_units(table, cases, coarse, polys, units, id_out, k)
        result[key] = table
    for table in result.values():
        attach(table, record)
    return result


def _precision(cases: pd.DataFrame) -> np.ndarray:
    if "location_precision" not in cases.columns:
        return np.full(len(cases), "exact", dtype=object)
    return cases["location_precision"].astype("string").fillna("exact").to_numpy(dtype=object)


def _with_unknown(
    table: pd.DataFrame, coarse: np.ndarray, households: np.ndarray, k: int
) -> pd.DataFrame:
    """Add one row for the cases known only to their district or province."""
    if not len(coarse):
        return table
    n = len(coarse)
    row = {
        "commune_id": pd.NA,
        "commune": COMMUNE_UNKNOWN,
        "cases": pd.NA if n < k else n,
        "households": pd.NA if n < k else int(round(households[coarse].sum())),
        "suppressed": n < k,
    }
    out = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    for column in ("cases", "households"):
        out[column] = pd.array(out[column], dtype="Int64")
    return out


def _with_overlapping_units(
    table: pd.DataFrame,
    cases: pd.DataFrame,
    coarse: np.ndarray,
    polys: np.ndarray,
    units: pd.DataFrame,
    id_out: str,
    k: int,
) -> pd.DataFrame:
    """Count, per concession, the cases known only to a unit that overlaps it (not inside)."""
    counts = pd.Series(0, index=range(len(units)), dtype="int64")
    if len(coarse) and "admin_code" in cases.columns:
        codes = [
            c[: CODE_LENGTH_OF.get(str(p), 6)] if isinstance(c, str) and c else None
            for c, p in zip(
                cases["admin_code"].astype("string").fillna("").to_numpy()[coarse],
                _precision(cases)[coarse],
                strict=True,
            )
        ]
        shapes = unit_geometries(codes)
        known = np.array([g is not None for g in shapes], dtype=bool)
        if known.any():
            metric = gpd.GeoSeries(list(shapes[known]), crs="EPSG:4326").to_crs(CAMBODIA_METRIC_CRS)
            _, u = shapely.STRtree(polys).query(np.asarray(metric.array), predicate="intersects")
            counts = counts.add(pd.Series(u).value_counts(), fill_value=0).astype("int64")
    column = counts.reindex(range(len(units)), fill_value=0)
    by_id = dict(zip(units[id_out], column, strict=True))
    extra = table[id_out].map(by_id).fillna(0).astype("int64")
    missing = units[~units[id_out].isin(table[id_out]) & (column.to_numpy() > 0)]
    if len(missing):  # concessions with only such cases
        added = missing.assign(cases=0, households=0, suppressed=False)
        table = pd.concat([table, added], ignore_index=True)
        extra = table[id_out].map(by_id).fillna(0).astype("int64")
    table["cases_in_overlapping_units"] = pd.array(
        [pd.NA if 0 < v < k else v for v in extra], dtype="Int64"
    )
    for column_name in ("cases", "households"):
        table[column_name] = pd.array(table[column_name], dtype="Int64")
    return table.sort_values(id_out).reset_index(drop=True)


#: Name of the row counting cases whose location is known only to their district or province.
COMMUNE_UNKNOWN = "commune unknown (location known only to the district or province)"

__all__ = ["COMMUNE_UNKNOWN", "public_summary"]
