"""Cases against areas: what a case lies in, or the nearest feature within a distance.

For each case: the concession / protected area / community land it lies in, or the nearest one
within a distance; per concession: the cases, households and first and last dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from landmap.analysis import _geoparquet, _large
from landmap.analysis._common import (
    CRS_COLUMN,
    finish,
    points_in,
    prehash,
    provenance,
    slug,
    source_records,
)
from landmap.analysis._layers import as_frame, is_path, layer_ids, polygonal, prepare
from landmap.analysis._precision import case_precision, unit_links
from landmap.analysis.crs import metric_crs
from landmap.errors import AnalysisError
from landmap.places import supports

#: Relation of a case known only to its commune (district...) to a feature that unit overlaps.
UNIT_RELATION = "in_unit"
#: The coarsest precision whose point may be said to lie inside (or near) a feature: a
#: village's site is small beside a concession; a commune is not.
POINT_CLAIM_LEVEL = "village"

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


def _check_distance(within_m: float) -> float:
    try:
        value = float(within_m)
    except (TypeError, ValueError) as err:
        raise AnalysisError(
            f"within_m must be a number of metres, got {within_m!r} of type "
            f"{type(within_m).__name__}",
            fix="give e.g. within_m=2000",
        ) from err
    if not np.isfinite(value) or value < 0:
        raise AnalysisError(
            f"within_m must be zero or a positive number of metres, got {within_m!r}",
            fix="give e.g. within_m=2000 (2 km), or 0 for 'inside only'",
        )
    return value


def _links(cx: np.ndarray, cy: np.ndarray, polys: np.ndarray, within_m: float):
    """Positions (case, polygon), distance, inside flag."""
    ic, ip = points_in(cx, cy, polys)
    dist = np.zeros(len(ic))
    inside = np.ones(len(ic), dtype=bool)
    if within_m > 0 and len(polys):
        outside = np.setdiff1d(np.arange(len(cx)), ic)
        if len(outside):
            tree = shapely.STRtree(polys)
            (qi, qp), qd = tree.query_nearest(
                shapely.points(cx[outside], cy[outside]),
                max_distance=within_m,
                return_distance=True,
                all_matches=True,
            )
            ic = np.concatenate([ic, outside[qi]])
            ip = np.concatenate([ip, qp])
            dist = np.concatenate([dist, qd])
            inside = np.concatenate([inside, np.zeros(len(qi), dtype=bool)])
    return ic, ip, dist, inside


def case_links(
    cases: Any,
    layer: Any,
    *,
    within_m: float = 0.0,
    crs: str | None = None,
    case_id: str | None = None,
    layer_id: str | None = None,
    kind: str = "concessions",
    engine: str = "auto",
) -> pd.DataFrame:
    """Every (case, feature) link: features a case lies in, else the nearest within ``within_m``.

    Parameters
    ----------
    cases
        Canonical cases layer (points) or a path any loader reads. A GeoParquet file of points
        in the same metric CRS as a GeoParquet ``layer`` (millions of points) goes to the
        ``engine`` instead of the loaders (with ``within_m=0``); its links come sorted by case
        id (by file position where the file has no id column).
    layer
        Polygons: concessions (``kind="concessions"``) or areas (``kind="areas"``).
    within_m
        Search distance in metres for cases outside every feature; ``0`` links only cases
        inside (or on the edge of) a feature.
    crs
        Metric CRS; by default chosen for the data.
    case_id, layer_id
        Id columns if not the canonical ones.
    kind
        ``"concessions"`` or ``"areas"``: names the id column of the result.
    engine
        How GeoParquet layers are linked: ``"sedonadb"``, ``"memory"`` or ``"auto"``, as for
        :func:`landmap.analysis.overlap`.

    Returns
    -------
    pandas.DataFrame
        ``case_id``, ``concession_id`` (or ``area_id``), ``name``, ``relation`` (``"inside"``
        or ``"near"``), ``distance_m`` (0 inside), ``crs``. A case inside two overlapping
        features has a row for each; a case near several equally close features likewise.
        A case whose ``location_precision`` is ``commune``, ``district`` or ``province`` (its
        point stands for that unit) is never ``inside`` or ``near``: it is linked with
        relation ``"in_unit"`` (and no distance) to every feature its unit overlaps. Exact
        and village points are taken as they are (:data:`POINT_CLAIM_LEVEL`).

    """
    import pandas as pd

    within = _check_distance(within_m)
    id_name = "concession_id" if kind == "concessions" else "area_id"
    params = {"within_m": within, "crs": crs, "kind": kind}
    _large.check(engine)
    national = _parquet_links(
        cases,
        layer,
        within=within,
        crs=crs,
        case_id=case_id,
        layer_id=layer_id,
        id_name=id_name,
        engine=engine,
        params=params,
    )
    if national is not None:
        return national
    c_frame, l_frame = as_frame(cases, "cases"), as_frame(layer, kind)
    use_crs = metric_crs(c_frame, l_frame, crs=crs)
    cs = prepare(c_frame, "cases", use_crs, id_column=case_id, polygons=False)
    ly = prepare(l_frame, kind, use_crs, id_column=layer_id)
    pts = cs.usable & (shapely.get_type_id(cs.geoms) == 0)
    precision = case_precision(cs.frame)
    exact = pts & supports(precision, POINT_CLAIM_LEVEL)
    ci = np.flatnonzero(exact)
    xy = shapely.get_coordinates(cs.geoms[ci]) if len(ci) else np.empty((0, 2))
    lu = np.flatnonzero(ly.usable)
    ic, ip, dist, inside = _links(xy[:, 0], xy[:, 1], ly.geoms[lu], within)
    # a case known only to its commune (district...) is never "inside" or "near": it is linked
    # to the features its unit overlaps, and counted apart
    uc, up, _ = unit_links(cs.frame, np.flatnonzero(pts & ~exact), precision, ly.geoms[lu], use_crs)
    case_pos, feat_pos = np.concatenate([ci[ic], uc]), lu[np.concatenate([ip, up])]
    relation = np.concatenate(
        [np.where(inside, "inside", "near"), np.full(len(uc), UNIT_RELATION, dtype=object)]
    )
    out = pd.DataFrame(
        {
            "case_id": pd.array(cs.ids[case_pos], dtype="string"),
            id_name: pd.array(ly.ids[feat_pos], dtype="string"),
            "name": pd.array(ly.column("name")[feat_pos], dtype="string"),
            "relation": pd.array(relation, dtype="string"),
            "distance_m": np.concatenate([dist, np.full(len(uc), np.nan)]),
            CRS_COLUMN: pd.array([use_crs] * len(case_pos), dtype="string"),
        }
    )
    out["_row"] = case_pos
    out = out.sort_values(["_row", "distance_m", id_name], kind="stable").drop(columns="_row")
    out = out.reset_index(drop=True)
    notes = (
        [f"{int((~pts).sum())} case rows without a point location were not linked"]
        if (~pts).any()
        else []
    )
    record = provenance("case_links", use_crs, [cs.source, ly.source], params, notes + ly.notes)
    return finish(out, record)


def _parquet_links(
    cases: Any,
    layer: Any,
    *,
    within: float,
    crs: str | None,
    case_id: str | None,
    layer_id: str | None,
    id_name: str,
    engine: str,
    params: dict[str, Any],
) -> Any:
    """Links of a GeoParquet point layer to GeoParquet polygons through an engine, or ``None``."""
    infos = None if within > 0 else _geoparquet.metric_pair(cases, layer, crs=crs)
    if infos is None:
        return None
    ci, li = infos
    import pandas as pd

    hashing = prehash([str(cases), str(layer)])
    attrs, polys = _geoparquet.read_small(li)
    polys, usable = polygonal(polys)
    lu = np.flatnonzero(usable)
    cid = case_id or _geoparquet.id_column(ci, "case_id")
    use = _large.choose(engine, id_column=cid)
    got = _large.point_pairs(ci, polys[lu], engine=use, columns=[cid] if cid else [])
    feat = lu[got.right]
    lid = layer_id or _geoparquet.id_column(li, id_name) or id_name
    f_ids = (
        attrs.column(lid).to_numpy(zero_copy_only=False)
        if lid in attrs.column_names
        else np.array([f"row {i + 1}" for i in range(attrs.num_rows)], dtype=object)
    )
    names = (
        attrs.column("name").to_numpy(zero_copy_only=False)
        if "name" in attrs.column_names
        else np.full(attrs.num_rows, None, dtype=object)
    )
    case_ids = (
        got.table.column(cid).to_numpy(zero_copy_only=False)
        if cid
        else np.array([f"row {r + 1}" for r in got.row], dtype=object)
    )
    order = np.lexsort((feat, case_ids)) if cid else np.lexsort((feat, got.row))
    out = pd.DataFrame(
        {
            "case_id": case_ids[order],
            id_name: f_ids[feat][order],
            "name": names[feat][order],
            "relation": "inside",
            "distance_m": np.zeros(len(feat)),
            CRS_COLUMN: ci.crs,
        }
    )
    hashing.join()
    note = (
        "GeoParquet cases linked by SedonaDB"
        if use == "sedonadb"
        else f"GeoParquet cases linked in memory ({_large.INSTALL} links them with SedonaDB)"
    )
    record = provenance("case_links", ci.crs or "", [str(cases), str(layer)], params, [note])
    return finish(out, record)


def _layer_prefixes(layers: tuple[Any, ...]) -> list[tuple[str, Any, str]]:
    """``(prefix, layer, kind)`` for each layer given to :func:`cases_in_areas`."""
    out: list[tuple[str, Any, str]] = []
    items: list[tuple[str | None, Any]] = []
    for layer in layers:
        if isinstance(layer, Mapping):
            items.extend(layer.items())
        else:
            items.append((None, layer))
    used: set[str] = set()
    for name, layer in items:
        frame = as_frame(layer, "areas") if is_path(layer) else layer
        cols = getattr(frame, "columns", [])
        kind = (
            "concessions"
            if "concession_id" in cols
            or (getattr(frame, "attrs", {}).get("landmap", {}).get("kind") == "concessions")
            else "areas"
        )
        if name is None:
            label = None
            if kind == "concessions":
                label = "concession"
            elif "kind" in cols:
                mode = frame["kind"].dropna().mode()
                label = mode.iloc[0] if len(mode) else None
            name = slug(label, "area")
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        out.append((name, frame, kind))
    return out


def cases_in_areas(
    cases: Any,
    *layers: Any,
    within_m: float = 0.0,
    crs: str | None = None,
    case_id: str | None = None,
) -> gpd.GeoDataFrame:
    """For each case, the feature of each layer it lies in, or the nearest within ``within_m``.

    Parameters
    ----------
    cases
        Canonical cases layer (points) or a path any loader reads.
    *layers
        Concessions, protected areas, community land... (GeoDataFrames or paths), or mappings
        ``{prefix: layer}``. A layer's column prefix is ``concession`` for concessions, else its
        most common ``kind`` (``protected area`` -> ``protected_area``).
    within_m
        Search distance in metres for cases outside every feature of a layer.
    crs, case_id
        As for :func:`case_links`.

    Returns
    -------
    geopandas.GeoDataFrame
        The cases (all their columns, EPSG:4326) plus, per layer, ``<prefix>_id``,
        ``<prefix>_name``, ``<prefix>_relation`` (``inside``, ``near`` or missing),
        ``<prefix>_distance_m`` and ``<prefix>_count`` (features the case lies in or is nearest
        to). Where several qualify, the id columns name the inside one first, then the nearest,
        then the smallest id.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> cases = gpd.GeoDataFrame({"case_id": ["k1", "k2"]}, crs="EPSG:32648",
    ...     geometry=[shapely.Point(50, 50), shapely.Point(600, 50)])
    >>> conc = gpd.GeoDataFrame({"concession_id": ["C"]}, crs="EPSG:32648",
    ...     geometry=[shapely.box(0, 0, 100, 100)])
    >>> out = cases_in_areas(cases, conc, within_m=1000)
    >>> out[["case_id", "concession_id", "concession_relation", "concession_distance_m"]]
      case_id concession_id concession_relation  concession_distance_m
    0      k1             C              inside                    0.0
    1      k2             C                near                  500.0

    """
    import geopandas as gpd
    import pandas as pd

    within = _check_distance(within_m)
    c_frame = as_frame(cases, "cases")
    base = c_frame.reset_index(drop=True).copy()
    ids, _ = layer_ids(base, "cases", case_id)
    sources: list[str | None] = []
    use_crs = None
    for prefix, frame, kind in _layer_prefixes(layers):
        links = case_links(base, frame, within_m=within, crs=crs, case_id=case_id, kind=kind)
        use_crs = links.attrs["crs"]
        sources += [i["path"] for i in links.attrs["provenance"]["inputs"]]
        id_col = "concession_id" if kind == "concessions" else "area_id"
        first = links.drop_duplicates("case_id", keep="first").set_index("case_id")
        counts = links.groupby("case_id").size()
        key = pd.Index(ids)
        base[f"{prefix}_id"] = pd.array(first[id_col].reindex(key).to_numpy(), dtype="string")
        base[f"{prefix}_name"] = pd.array(first["name"].reindex(key).to_numpy(), dtype="string")
        base[f"{prefix}_relation"] = pd.array(
            first["relation"].reindex(key).to_numpy(), dtype="string"
        )
        base[f"{prefix}_distance_m"] = first["distance_m"].reindex(key).to_numpy(dtype=float)
        base[f"{prefix}_count"] = counts.reindex(key).fillna(0).to_numpy(dtype=np.int64)
    use_crs = use_crs or metric_crs(c_frame, crs=crs)
    base[CRS_COLUMN] = pd.array([use_crs] * len(base), dtype="string")
    if base.crs is not None and len(base):
        base = base.to_crs("EPSG:4326")
    out = gpd.GeoDataFrame(base, geometry=base.geometry.name, crs=base.crs)
    record = provenance(
        "cases_in_areas",
        use_crs,
        [*dict.fromkeys(sources)],
        {"within_m": within, "crs": crs, "layers": [p for p, _, _ in _layer_prefixes(layers)]},
    )
    return finish(out, record)


def cases_by_concession(
    cases: Any,
    concessions: Any,
    *,
    within_m: float = 0.0,
    crs: str | None = None,
    case_id: str | None = None,
    concession_id: str | None = None,
) -> pd.DataFrame:
    """Per concession: cases inside it (or within ``within_m``), households, first/last date.

    Parameters
    ----------
    cases
        Canonical cases layer or path (``households`` and ``date`` columns used when present).
    concessions
        Canonical concessions layer or path.
    within_m
        Also count cases outside every concession whose nearest concession is within this many
        metres.
    crs, case_id, concession_id
        As for :func:`case_links`.

    Returns
    -------
    pandas.DataFrame
        One row per concession: ``concession_id``, ``name``, ``kind``, ``cases``,
        ``cases_inside``, ``cases_near``, ``source_records`` (the source records behind the
        cases), ``cases_in_overlapping_units``, ``households``, ``first_date``, ``last_date``,
        ``crs``; sorted by ``cases`` (most first), then id. A case inside two overlapping
        concessions counts for both. ``cases``, the households and the dates count only cases
        with an exact or village point; a case known only to its commune (district, province)
        cannot be said to lie inside: it is counted in ``cases_in_overlapping_units`` ("N more
        cases in communes that the concession overlaps") of every concession its unit overlaps.

    """
    import pandas as pd

    within = _check_distance(within_m)
    c_frame = as_frame(cases, "cases").reset_index(drop=True)
    k_frame = as_frame(concessions, "concessions")
    links = case_links(
        c_frame,
        k_frame,
        within_m=within,
        crs=crs,
        case_id=case_id,
        layer_id=concession_id,
        kind="concessions",
    )
    use_crs = links.attrs["crs"]
    ids, _ = layer_ids(c_frame, "cases", case_id)
    info = pd.DataFrame({"case_id": pd.array(ids, dtype="string")})
    info["households"] = (
        pd.to_numeric(c_frame["households"], errors="coerce").to_numpy()
        if "households" in c_frame.columns
        else np.nan
    )
    info["date"] = (
        pd.to_datetime(c_frame["date"], errors="coerce").to_numpy()
        if "date" in c_frame.columns
        else pd.NaT
    )
    info["source_records"] = source_records(c_frame)
    info = info.drop_duplicates("case_id")
    joined = links.merge(info, on="case_id", how="left")
    in_unit = joined["relation"] == UNIT_RELATION
    by_unit = joined[in_unit].groupby("concession_id", sort=False).size()
    grouped = joined[~in_unit].groupby("concession_id", sort=False)
    agg = pd.DataFrame(
        {
            "cases": grouped.size(),
            "cases_inside": grouped["relation"].agg(lambda s: int((s == "inside").sum())),
            "source_records": grouped["source_records"].sum(),
            "households": grouped["households"].sum(min_count=1),
            "first_date": grouped["date"].min(),
            "last_date": grouped["date"].max(),
        }
    )
    k = prepare(k_frame, "concessions", use_crs, id_column=concession_id)
    out = pd.DataFrame(
        {
            "concession_id": pd.array(k.ids, dtype="string"),
            "name": pd.array(k.column("name"), dtype="string"),
            "kind": pd.array(k.column("kind"), dtype="string"),
        }
    ).drop_duplicates("concession_id")
    out = out.merge(agg, left_on="concession_id", right_index=True, how="left")
    out["cases"] = out["cases"].fillna(0).astype("int64")
    out["cases_inside"] = out["cases_inside"].fillna(0).astype("int64")
    out.insert(
        out.columns.get_loc("cases_inside") + 1, "cases_near", out["cases"] - out["cases_inside"]
    )
    out.insert(
        out.columns.get_loc("cases_near") + 1,
        "cases_in_overlapping_units",
        out["concession_id"].map(by_unit).fillna(0).astype("int64"),
    )
    out["households"] = out["households"].fillna(0).astype("int64")
    behind = out.pop("source_records").fillna(0).astype("int64")
    out.insert(out.columns.get_loc("cases_near") + 1, "source_records", behind)
    out[CRS_COLUMN] = pd.array([use_crs] * len(out), dtype="string")
    out = out.sort_values(["cases", "concession_id"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    record = provenance(
        "cases_by_concession",
        use_crs,
        [i["path"] for i in links.attrs["provenance"]["inputs"]],
        {"within_m": within, "crs": crs},
    )
    return finish(out, record)
