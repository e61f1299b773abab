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
        cases, households, suppressed) and ``"by_commune"`` (commune_id, commune, cases,
        households, suppressed) when the layers are given; units without cases are omitted.
        Each table carries provenance saying it was computed before masking.

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
    households = (pd.to_numeric(cases["households"], errors="coerce").fillna(0)
                  .to_numpy(dtype="float64") if "households" in cases.columns
                  else np.zeros(len(cases)))
    record = make_provenance(
        operation="public_summary", crs=CAMBODIA_METRIC_CRS,
        parameters={"k": k, "locations": "true (before masking)", "profile": prof.name},
    )
    result: dict[str, pd.DataFrame] = {
        "total": pd.DataFrame({"cases": [int(len(cases))],
                               "households": [int(round(households.sum()))]}),
    }
    layers: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...], str, str]] = {
        "by_concession": (concessions, ("concession_id",), ("name",), "concession_id", "name"),
        "by_commune": (communes, ("boundary_id", "shapeID"), ("name", "shapeName"),
                       "commune_id", "commune"),
    }
    for key, (layer, id_names, label_names, id_out, label_out) in layers.items():
        if layer is None:
            continue
        polys = pm.to_metric(layer, CAMBODIA_METRIC_CRS)
        units = pd.DataFrame({id_out: _first(layer, id_names, "unit"),
                              label_out: _first(layer, label_names, "")})
        where = np.flatnonzero(ok)
        p, u = shapely.STRtree(polys).query(pts[where], predicate="intersects")
        if key == "by_commune":  # a point on a shared edge counts once
            p, first = np.unique(p, return_index=True)
            u = u[first]
        result[key] = _count((where[p], u), households, units, k)
    for table in result.values():
        attach(table, record)
    return result


__all__ = ["public_summary"]
