"""Overlap of areas (community land, forests, parcels, protected areas) with concessions."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from landmap.analysis import _geoparquet, _large
from landmap.analysis._common import (
    CRS_COLUMN,
    finish,
    prehash,
    provenance,
    slug,
    to_storage,
    union_parts,
)
from landmap.analysis._engine import exact_pairs
from landmap.analysis._layers import Layer, as_frame, is_path, polygonal, prepare
from landmap.analysis.crs import metric_crs

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

LayerLike = Any  # a canonical GeoDataFrame or a path any loader reads

#: Columns of the pair table, in order (``geometry`` last when geometries are returned).
PAIR_COLUMNS = (
    "area_id",
    "concession_id",
    "area_name",
    "concession_name",
    "area_kind",
    "concession_kind",
    "overlap_ha",
    "pct_of_area",
    "pct_of_concession",
    "area_ha",
    "concession_ha",
    CRS_COLUMN,
)


def _pair_frame(
    a: Layer,
    c: Layer,
    ai: np.ndarray,
    ci: np.ndarray,
    overlap_m2: np.ndarray,
    a_m2: np.ndarray,
    c_m2: np.ndarray,
    crs: str,
    geoms: np.ndarray | None,
):
    import geopandas as gpd
    import pandas as pd

    data = {
        "area_id": pd.array(a.ids[ai], dtype="string"),
        "concession_id": pd.array(c.ids[ci], dtype="string"),
        "area_name": pd.array(a.column("name")[ai], dtype="string"),
        "concession_name": pd.array(c.column("name")[ci], dtype="string"),
        "area_kind": pd.array(a.column("kind")[ai], dtype="string"),
        "concession_kind": pd.array(c.column("kind")[ci], dtype="string"),
        "overlap_ha": overlap_m2 / 1e4,
        "pct_of_area": 100.0 * overlap_m2 / a_m2,
        "pct_of_concession": 100.0 * overlap_m2 / c_m2,
        "area_ha": a_m2 / 1e4,
        "concession_ha": c_m2 / 1e4,
        CRS_COLUMN: pd.array([crs] * len(ai), dtype="string"),
    }
    frame = pd.DataFrame(data)
    order = (
        np.lexsort((frame["overlap_ha"].to_numpy(), c.ids[ci].astype(str), a.ids[ai].astype(str)))
        if len(ai)
        else np.empty(0, np.intp)
    )
    frame = frame.iloc[order].reset_index(drop=True)
    if geoms is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=to_storage(geoms[order], crs), crs="EPSG:4326")


def overlap(
    areas: LayerLike,
    concessions: LayerLike,
    *,
    crs: str | None = None,
    geometry: bool = True,
    area_id: str | None = None,
    concession_id: str | None = None,
    threads: int | None = None,
    engine: str = "auto",
) -> gpd.GeoDataFrame | pd.DataFrame:
    """One row per overlapping (area, concession) pair, with hectares and percentages.

    Parameters
    ----------
    areas
        Community land, community forests, parcels or protected areas: a canonical ``areas``
        GeoDataFrame or the path of any file the loaders read. When both layers are GeoParquet
        files in one metric CRS (a national cadastre of millions of parcels), they go to the
        ``engine`` instead of the loaders.
    concessions
        ELC, mining or other concessions, likewise. Point concessions have no area and take no
        part (the provenance notes name them).
    crs
        Metric CRS to measure in; by default chosen for the data
        (:func:`landmap.analysis.metric_crs`: EPSG:32648 in Cambodia).
    geometry
        Return the overlap geometries (a GeoDataFrame in EPSG:4326, ready for mapping);
        ``False`` gives a plain table and saves time on national-scale inputs.
    area_id, concession_id
        Id columns if not the canonical ``area_id`` / ``concession_id``. Rows without an id
        are called ``"row N"`` (1-based position in the input).
    threads
        Threads for the intersection step (default: up to 4, no more than the CPUs).
    engine
        How GeoParquet layers are measured: ``"sedonadb"`` (SedonaDB, installed with
        ``pip install 'landmap[large]'``), ``"memory"`` (read whole, measured by the same exact
        kernel as layers in memory) or ``"auto"`` (SedonaDB when installed and the areas have
        an id column, else memory). Both give the same pairs and hectares; the provenance notes
        say which ran. Other inputs are always measured in memory.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        Columns :data:`PAIR_COLUMNS` (+ ``geometry``): ``overlap_ha``, ``pct_of_area`` and
        ``pct_of_concession`` measured in the CRS named in the ``crs`` column; sorted by
        ``area_id`` then ``concession_id``. Touching-only pairs are not overlaps and do not
        appear. ``attrs["provenance"]`` records inputs, CRS and parameters.

    Raises
    ------
    landmap.errors.CRSError
        If a layer has no CRS or ``crs`` is not a projected CRS.
    landmap.errors.AnalysisError
        If an input is neither a GeoDataFrame nor a readable file.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> a = gpd.GeoDataFrame({"area_id": ["A"]}, geometry=[shapely.box(0, 0, 200, 100)],
    ...                      crs="EPSG:32648")
    >>> c = gpd.GeoDataFrame({"concession_id": ["C"]}, geometry=[shapely.box(100, 0, 300, 100)],
    ...                      crs="EPSG:32648")
    >>> overlap(a, c)[["area_id", "concession_id", "overlap_ha", "pct_of_area"]]
      area_id concession_id  overlap_ha  pct_of_area
    0       A             C         1.0         50.0

    """
    params = {"crs": crs, "geometry": geometry, "area_id": area_id, "concession_id": concession_id}
    _large.check(engine)
    national = _parquet_overlap(
        areas,
        concessions,
        crs=crs,
        geometry=geometry,
        area_id=area_id,
        concession_id=concession_id,
        threads=threads,
        engine=engine,
        params=params,
    )
    if national is not None:
        return national
    a, c, use_crs = _prepared(areas, concessions, crs, area_id, concession_id)
    au, cu = np.flatnonzero(a.usable), np.flatnonzero(c.usable)
    found = exact_pairs(a.geoms[au], c.geoms[cu], geometry=geometry, threads=threads)
    ai, ci = au[found.left], cu[found.right]
    a_m2 = shapely.area(a.geoms[ai]) if len(ai) else np.empty(0)
    c_m2 = shapely.area(c.geoms[ci]) if len(ci) else np.empty(0)
    frame = _pair_frame(
        a, c, ai, ci, found.area, a_m2, c_m2, use_crs, found.geometry if geometry else None
    )
    record = provenance("overlap", use_crs, [a.source, c.source], params, a.notes + c.notes)
    return finish(frame, record)


def _prepared(
    areas: Any,
    concessions: Any,
    crs: str | None,
    area_id: str | None,
    concession_id: str | None,
) -> tuple[Layer, Layer, str]:
    """Both layers read (if paths) and prepared in one metric CRS, and that CRS."""
    a_frame, c_frame = as_frame(areas, "areas"), as_frame(concessions, "concessions")
    use_crs = metric_crs(a_frame, c_frame, crs=crs)
    return (
        prepare(a_frame, "areas", use_crs, id_column=area_id),
        prepare(c_frame, "concessions", use_crs, id_column=concession_id),
        use_crs,
    )


def _texts(table: Any, name: str, n: int) -> np.ndarray:
    if table is None or name not in table.column_names:
        return np.full(n, None, dtype=object)
    return table.column(name).to_numpy(zero_copy_only=False).astype(object)


def _left_ids(got: _large.LayerPairs, id_column: str | None) -> np.ndarray:
    """Return the layer's id of each pair, or ``row N`` (1-based file position) without one."""
    if id_column and id_column in got.table.column_names:
        return got.table.column(id_column).to_numpy(zero_copy_only=False)
    return np.array([f"row {r + 1}" for r in got.row], dtype=object)


def _parquet_overlap(
    areas: Any,
    concessions: Any,
    *,
    crs: str | None,
    geometry: bool,
    area_id: str | None,
    concession_id: str | None,
    threads: int | None,
    engine: str,
    params: dict[str, Any],
) -> Any:
    """Pairs of GeoParquet layers in one metric CRS through an engine, or ``None``."""
    layers = _geoparquet.metric_pair(areas, concessions, crs=crs)
    if layers is None:
        return None
    ai, ci = layers
    import pandas as pd

    hashing = prehash([str(areas), str(concessions)])
    a_id = area_id or _geoparquet.id_column(ai, "area_id")
    use = _large.choose(engine, id_column=a_id)
    c_attrs, c_geoms = _geoparquet.read_small(ci)
    c_geoms, usable = polygonal(c_geoms)
    cu = np.flatnonzero(usable)
    c_id = concession_id or _geoparquet.id_column(ci, "concession_id") or "concession_id"
    got = _large.overlap_pairs(
        ai,
        c_geoms[cu],
        engine=use,
        columns=[a_id or "", "name", "kind"],
        geometry=geometry,
        threads=threads,
    )
    c_idx = cu[got.right]
    c_ids = (
        c_attrs.column(c_id).to_numpy(zero_copy_only=False)
        if c_id in c_attrs.column_names
        else np.array([f"row {i + 1}" for i in range(c_attrs.num_rows)], dtype=object)
    )
    n = len(c_idx)
    c_m2 = shapely.area(c_geoms)
    left = _left_ids(got, a_id)
    order = np.lexsort((c_idx, left))
    frame = pd.DataFrame(
        {
            "area_id": left[order],
            "concession_id": c_ids[c_idx][order],
            "area_name": pd.array(_texts(got.table, "name", n)[order], dtype="string"),
            "concession_name": pd.array(
                _texts(c_attrs, "name", c_attrs.num_rows)[c_idx][order], dtype="string"
            ),
            "area_kind": pd.array(_texts(got.table, "kind", n)[order], dtype="string"),
            "concession_kind": pd.array(
                _texts(c_attrs, "kind", c_attrs.num_rows)[c_idx][order], dtype="string"
            ),
            "overlap_ha": got.overlap[order] / 1e4,
            "pct_of_area": 100.0 * got.overlap[order] / got.left_area[order],
            "pct_of_concession": 100.0 * got.overlap[order] / c_m2[c_idx][order],
            "area_ha": got.left_area[order] / 1e4,
            "concession_ha": c_m2[c_idx][order] / 1e4,
            CRS_COLUMN: ai.crs,
        }
    )
    if geometry:
        import geopandas as gpd

        frame = gpd.GeoDataFrame(
            frame, geometry=to_storage(got.geometry[order], ai.crs), crs="EPSG:4326"
        )
    hashing.join()
    record = provenance(
        "overlap", ai.crs or "", [str(areas), str(concessions)], params, [_engine_note(use)]
    )
    return finish(frame, record)


def _engine_note(engine: str) -> str:
    if engine == "sedonadb":
        return "GeoParquet layer measured by SedonaDB"
    return f"GeoParquet layer measured in memory ({_large.INSTALL} measures it with SedonaDB)"


def coverage_by_area(
    areas: LayerLike,
    concessions: LayerLike,
    *,
    crs: str | None = None,
    area_id: str | None = None,
    concession_id: str | None = None,
    threads: int | None = None,
    engine: str = "auto",
) -> gpd.GeoDataFrame:
    """Per area: the hectares covered by any concession (overlapping concessions counted once).

    Parameters
    ----------
    areas, concessions
        Canonical layers or file paths, as for :func:`overlap`.
    crs, area_id, concession_id, threads, engine
        As for :func:`overlap`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area (input order): ``area_id``, ``name``, ``kind``, ``area_ha``,
        ``covered_ha`` (area of the area's intersection with the *union* of the concessions),
        ``pct_covered``, ``n_concessions``, ``concession_ids`` (``"; "``-joined), ``crs`` and the
        area geometry (EPSG:4326). ``covered_ha`` never exceeds ``area_ha``. GeoParquet layers
        (see :func:`overlap`) give the covered areas only, without geometry.

    """
    _large.check(engine)
    national = _parquet_coverage(
        areas,
        concessions,
        crs=crs,
        area_id=area_id,
        concession_id=concession_id,
        threads=threads,
        engine=engine,
    )
    if national is not None:
        return national
    import geopandas as gpd
    import pandas as pd

    a, c, use_crs = _prepared(areas, concessions, crs, area_id, concession_id)
    au, cu = np.flatnonzero(a.usable), np.flatnonzero(c.usable)
    area_m2 = np.zeros(len(a.ids))
    area_m2[au] = shapely.area(a.geoms[au])
    union = union_parts(c.geoms[cu])
    covered = np.zeros(len(a.ids))
    cov = exact_pairs(a.geoms[au], union, geometry=False, threads=threads)
    np.add.at(covered, au[cov.left], cov.area)
    covered = np.minimum(covered, area_m2)  # float noise only
    pairs = exact_pairs(a.geoms[au], c.geoms[cu], geometry=False, threads=threads)
    links = pd.DataFrame({"a": au[pairs.left], "c": c.ids[cu[pairs.right]]})
    links = links.sort_values(["a", "c"])
    grouped = links.groupby("a")["c"]
    n_conc = np.zeros(len(a.ids), dtype=np.int64)
    joined = np.full(len(a.ids), "", dtype=object)
    if len(links):
        counts = grouped.size()
        n_conc[counts.index.to_numpy()] = counts.to_numpy()
        names = grouped.agg(lambda s: "; ".join(s))
        joined[names.index.to_numpy()] = names.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(area_m2 > 0, 100.0 * covered / area_m2, np.nan)
    frame = gpd.GeoDataFrame(
        {
            "area_id": pd.array(a.ids, dtype="string"),
            "name": pd.array(a.column("name"), dtype="string"),
            "kind": pd.array(a.column("kind"), dtype="string"),
            "area_ha": area_m2 / 1e4,
            "covered_ha": covered / 1e4,
            "pct_covered": pct,
            "n_concessions": n_conc,
            "concession_ids": pd.array(joined, dtype="string"),
            CRS_COLUMN: pd.array([use_crs] * len(a.ids), dtype="string"),
        },
        geometry=a.frame.geometry.to_crs("EPSG:4326").values if len(a.ids) else [],
        crs="EPSG:4326",
    )
    record = provenance(
        "coverage_by_area",
        use_crs,
        [a.source, c.source],
        {"crs": crs, "union": True},
        a.notes + c.notes,
    )
    return finish(frame, record)


def _parquet_coverage(
    areas: Any,
    concessions: Any,
    *,
    crs: str | None,
    area_id: str | None,
    concession_id: str | None,
    threads: int | None,
    engine: str,
) -> Any:
    """Per-area union coverage of GeoParquet layers through an engine, or ``None``."""
    layers = _geoparquet.metric_pair(areas, concessions, crs=crs)
    if layers is None:
        return None
    ai, ci = layers
    import pandas as pd

    pairs = overlap(
        areas,
        concessions,
        crs=crs,
        geometry=False,
        area_id=area_id,
        concession_id=concession_id,
        threads=threads,
        engine=engine,
    )
    _, c_geoms = _geoparquet.read_small(ci, columns=[])
    c_geoms, usable = polygonal(c_geoms)
    a_id = area_id or _geoparquet.id_column(ai, "area_id")
    use = _large.choose(engine, id_column=a_id)
    got = _large.overlap_pairs(
        ai,
        union_parts(c_geoms[usable]),
        engine=use,
        columns=[a_id or ""],
        geometry=False,
        threads=threads,
    )
    cov = pd.DataFrame(
        {"area_id": _left_ids(got, a_id), "covered": got.overlap, "area": got.left_area}
    )
    cov = cov.groupby("area_id", sort=True).agg(covered=("covered", "sum"), area=("area", "first"))
    grouped = pairs.groupby("area_id", sort=True)["concession_id"]
    counts = grouped.size()
    ids = grouped.first().astype(object)
    many = counts.index[counts.to_numpy() > 1]
    if len(many):
        joined = (
            pairs[pairs["area_id"].isin(many)]
            .groupby("area_id")["concession_id"]
            .agg(lambda col: "; ".join(sorted(map(str, col))))
        )
        ids.loc[joined.index] = joined
    covered = np.minimum(cov["covered"].to_numpy(), cov["area"].to_numpy())
    out = pd.DataFrame(
        {
            "area_id": cov.index.to_numpy(),
            "area_ha": cov["area"].to_numpy() / 1e4,
            "covered_ha": covered / 1e4,
            "pct_covered": 100.0 * covered / cov["area"].to_numpy(),
            "n_concessions": counts.reindex(cov.index).fillna(0).to_numpy(dtype=np.int64),
            "concession_ids": pd.array(
                ids.reindex(cov.index).astype(str).to_numpy(), dtype="string"
            ),
            CRS_COLUMN: ai.crs,
        }
    )
    record = provenance(
        "coverage_by_area",
        ai.crs or "",
        [str(areas), str(concessions)],
        {"crs": crs, "union": True, "streamed": True},
        [_engine_note(use)],
    )
    return finish(out, record)


def _layer_names(area_layers: tuple[Any, ...]) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for item in area_layers:
        if isinstance(item, Mapping):
            named.update(item)
            continue
        kinds = None
        if not is_path(item) and "kind" in getattr(item, "columns", []):
            mode = item["kind"].dropna().mode()
            kinds = mode.iloc[0] if len(mode) else None
        base = slug(
            kinds or (os.path.splitext(os.path.basename(str(item)))[0] if is_path(item) else None),
            "areas",
        )
        name, k = base, 2
        while name in named:
            name, k = f"{base}_{k}", k + 1
        named[name] = item
    return named


def coverage_by_concession(
    concessions: LayerLike,
    *area_layers: LayerLike | Mapping[str, LayerLike],
    crs: str | None = None,
    concession_id: str | None = None,
    threads: int | None = None,
) -> gpd.GeoDataFrame:
    """Per concession: drawn hectares and hectares over each area layer (each layer's union).

    Parameters
    ----------
    concessions
        Canonical concessions layer or path.
    *area_layers
        Area layers (GeoDataFrames or paths), or mappings ``{name: layer}``. A layer's name is
        its most common ``kind`` (``"community forest"`` -> ``community_forest``) unless given.
    crs, concession_id, threads
        As for :func:`overlap`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per concession: ``concession_id``, ``name``, ``kind``, ``company``,
        ``hectares_stated``, ``concession_ha`` (drawn), per layer ``<name>_ha`` and
        ``<name>_pct`` (share of the concession), ``any_area_ha`` / ``any_area_pct`` over the union
        of all layers (so land in two layers counts once), ``crs``, geometry (EPSG:4326).

    """
    import geopandas as gpd
    import pandas as pd

    named = _layer_names(area_layers)
    c_frame = as_frame(concessions, "concessions")
    frames = {k: as_frame(v, "areas") for k, v in named.items()}
    use_crs = metric_crs(c_frame, *frames.values(), crs=crs)
    c = prepare(c_frame, "concessions", use_crs, id_column=concession_id)
    cu = np.flatnonzero(c.usable)
    c_m2 = np.zeros(len(c.ids))
    c_m2[cu] = shapely.area(c.geoms[cu])
    data: dict[str, Any] = {
        "concession_id": pd.array(c.ids, dtype="string"),
        "name": pd.array(c.column("name"), dtype="string"),
        "kind": pd.array(c.column("kind"), dtype="string"),
        "company": pd.array(c.column("company"), dtype="string"),
        "hectares_stated": pd.to_numeric(c.frame["hectares_stated"], errors="coerce").to_numpy(
            dtype=float
        )
        if "hectares_stated" in c.frame.columns
        else np.full(len(c.ids), np.nan),
        "concession_ha": c_m2 / 1e4,
    }
    sources = [c.source]
    notes = list(c.notes)
    all_parts = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, frame in frames.items():
            layer = prepare(frame, "areas", use_crs)
            sources.append(layer.source)
            notes += layer.notes
            parts = union_parts(layer.geoms[layer.usable])
            all_parts.append(parts)
            got = exact_pairs(c.geoms[cu], parts, geometry=False, threads=threads)
            ha = np.zeros(len(c.ids))
            np.add.at(ha, cu[got.left], got.area)
            data[f"{name}_ha"] = ha / 1e4
            data[f"{name}_pct"] = np.where(c_m2 > 0, 100.0 * ha / c_m2, np.nan)
        if len(all_parts) > 1:
            parts = union_parts(np.concatenate(all_parts))
            got = exact_pairs(c.geoms[cu], parts, geometry=False, threads=threads)
            ha = np.zeros(len(c.ids))
            np.add.at(ha, cu[got.left], got.area)
            data["any_area_ha"] = ha / 1e4
            data["any_area_pct"] = np.where(c_m2 > 0, 100.0 * ha / c_m2, np.nan)
    data[CRS_COLUMN] = pd.array([use_crs] * len(c.ids), dtype="string")
    out = gpd.GeoDataFrame(
        data,
        geometry=c.frame.geometry.to_crs("EPSG:4326").values if len(c.ids) else [],
        crs="EPSG:4326",
    )
    record = provenance(
        "coverage_by_concession", use_crs, sources, {"crs": crs, "layers": list(named)}, notes
    )
    return finish(out, record)
