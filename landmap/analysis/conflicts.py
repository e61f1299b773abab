"""Concessions against themselves: mutual overlaps and stated-vs-drawn hectares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from landmap.analysis._common import CRS_COLUMN, finish, provenance, to_storage
from landmap.analysis._engine import exact_pairs
from landmap.analysis._layers import as_frame, prepare
from landmap.analysis.crs import metric_crs

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


def concession_conflicts(
    concessions: Any,
    *,
    crs: str | None = None,
    geometry: bool = True,
    concession_id: str | None = None,
    threads: int | None = None,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Pairs of concessions that overlap each other (each pair once).

    Overlapping grants are a known flaw of official concession layers (ODC's ELC layer has
    them) and a finding in their own right: the same land handed out twice.

    Parameters
    ----------
    concessions
        Canonical concessions layer or a path any loader reads.
    crs, geometry, concession_id, threads
        As for :func:`landmap.analysis.overlap`.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        ``concession_id_a``, ``name_a``, ``concession_id_b``, ``name_b``, ``overlap_ha``,
        ``pct_of_a``, ``pct_of_b``, ``crs`` (+ ``geometry`` of the overlap), with ``a`` the
        earlier row of the input; sorted by ids. Touching concessions are not listed.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> c = gpd.GeoDataFrame({"concession_id": ["X", "Y", "Z"]}, crs="EPSG:32648",
    ...     geometry=[shapely.box(0, 0, 200, 100), shapely.box(100, 0, 300, 100),
    ...               shapely.box(300, 0, 400, 100)])
    >>> got = concession_conflicts(c, geometry=False)
    >>> got[["concession_id_a", "concession_id_b", "overlap_ha"]]
      concession_id_a concession_id_b  overlap_ha
    0               X               Y         1.0

    """
    import geopandas as gpd
    import pandas as pd

    frame = as_frame(concessions, "concessions")
    use_crs = metric_crs(frame, crs=crs)
    c = prepare(frame, "concessions", use_crs, id_column=concession_id)
    cu = np.flatnonzero(c.usable)
    found = exact_pairs(
        c.geoms[cu], c.geoms[cu], geometry=geometry, threads=threads, upper_only=True
    )
    keep = found.left < found.right
    ia, ib = cu[found.left[keep]], cu[found.right[keep]]
    area = found.area[keep]
    a_m2 = shapely.area(c.geoms[ia]) if len(ia) else np.empty(0)
    b_m2 = shapely.area(c.geoms[ib]) if len(ib) else np.empty(0)
    names = c.column("name")
    out = pd.DataFrame(
        {
            "concession_id_a": pd.array(c.ids[ia], dtype="string"),
            "name_a": pd.array(names[ia], dtype="string"),
            "concession_id_b": pd.array(c.ids[ib], dtype="string"),
            "name_b": pd.array(names[ib], dtype="string"),
            "overlap_ha": area / 1e4,
            "pct_of_a": 100.0 * area / a_m2,
            "pct_of_b": 100.0 * area / b_m2,
            CRS_COLUMN: pd.array([use_crs] * len(ia), dtype="string"),
        }
    )
    order = np.lexsort((c.ids[ib].astype(str), c.ids[ia].astype(str))) if len(ia) else []
    out = out.iloc[order].reset_index(drop=True)
    if geometry:
        geoms = found.geometry[keep][order] if len(ia) else np.empty(0, object)
        out = gpd.GeoDataFrame(out, geometry=to_storage(geoms, use_crs), crs="EPSG:4326")
    record = provenance(
        "concession_conflicts", use_crs, [c.source], {"crs": crs, "geometry": geometry}, c.notes
    )
    return finish(out, record)


def hectares_check(
    concessions: Any,
    *,
    crs: str | None = None,
    tolerance_pct: float = 10.0,
    concession_id: str | None = None,
) -> pd.DataFrame:
    """Stated hectares (``hectares_stated``) against the drawn area of each concession.

    Parameters
    ----------
    concessions
        Canonical concessions layer or a path any loader reads.
    crs, concession_id
        As for :func:`landmap.analysis.overlap`.
    tolerance_pct
        A concession is flagged when drawn and stated hectares differ by more than this share
        of the stated figure.

    Returns
    -------
    pandas.DataFrame
        ``concession_id``, ``name``, ``hectares_stated``, ``hectares_drawn``,
        ``difference_ha`` (drawn minus stated), ``difference_pct`` (of stated), ``flagged``,
        ``crs``; ``attrs["totals"]`` holds the stated and drawn sums.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> c = gpd.GeoDataFrame({"concession_id": ["X"], "hectares_stated": [1.0]},
    ...     geometry=[shapely.box(0, 0, 200, 100)], crs="EPSG:32648")
    >>> hectares_check(c)[["hectares_drawn", "difference_pct", "flagged"]]
       hectares_drawn  difference_pct  flagged
    0             2.0           100.0     True

    """
    import pandas as pd

    frame = as_frame(concessions, "concessions")
    use_crs = metric_crs(frame, crs=crs)
    c = prepare(frame, "concessions", use_crs, id_column=concession_id)
    drawn = np.full(len(c.ids), np.nan)
    drawn[c.usable] = shapely.area(c.geoms[c.usable]) / 1e4
    stated = (
        pd.to_numeric(c.frame["hectares_stated"], errors="coerce").to_numpy(dtype=float)
        if "hectares_stated" in c.frame.columns
        else np.full(len(c.ids), np.nan)
    )
    diff = drawn - stated
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(stated > 0, 100.0 * diff / stated, np.nan)
    out = pd.DataFrame(
        {
            "concession_id": pd.array(c.ids, dtype="string"),
            "name": pd.array(c.column("name"), dtype="string"),
            "hectares_stated": stated,
            "hectares_drawn": drawn,
            "difference_ha": diff,
            "difference_pct": pct,
            "flagged": np.abs(np.nan_to_num(pct, nan=0.0)) > tolerance_pct,
            CRS_COLUMN: pd.array([use_crs] * len(c.ids), dtype="string"),
        }
    )
    out.attrs["totals"] = {
        "hectares_stated": float(np.nansum(stated)),
        "hectares_drawn": float(np.nansum(drawn)),
    }
    record = provenance(
        "hectares_check", use_crs, [c.source], {"crs": crs, "tolerance_pct": tolerance_pct}, c.notes
    )
    return finish(out, record)
