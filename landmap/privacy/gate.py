"""Privacy profiles for every export: drop sensitive fields, geomask cases, audit what changed.

The public profile is the default. :func:`apply_profile` returns the layer to publish and an
audit (a JSON-serialisable dict) that the exporters write beside the output with
:func:`write_audit`. Counts meant for the public are computed from the *true* locations with
:func:`public_summary`; only the map gets the masked points.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point, box
>>> communes = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(104.0, 11.0, 105.0, 12.0)],
...                             crs="EPSG:4326")
>>> cases = gpd.GeoDataFrame({"case_id": ["c1"], "complainant_name": ["Test Person"]},
...                          geometry=[Point(104.5, 11.5)], crs="EPSG:4326")
>>> published = apply_profile(cases, communes=communes)
>>> list(published.data.columns)
['case_id', 'published_location', 'geometry']
>>> published.audit["columns_removed"]
{'complainant_name': 'person name'}
>>> 500 <= published.audit["points"]["distance_m"]["min"] <= 2000
True

"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.errors import PrivacyError
from landmap.privacy import mask as pm
from landmap.privacy.fields import FREE_TEXT_REASON, sensitive_columns
from landmap.privacy.profiles import INTERNAL, PUBLIC, PrivacyProfile, get_profile
from landmap.privacy.summary import public_summary
from landmap.schema import CAMBODIA_METRIC_CRS, ID_COLUMN, PHONE_PATTERN, LayerKind

log = logging.getLogger(__name__)

#: Text that replaces a phone number or a person's name found inside an allowed free text.
REDACTED = "[removed]"
#: Metres kept clear above the minimum radius when displacing: outputs round coordinates (the
#: interactive map to about a metre, KML and CSV to their decimals), and a point drawn right at
#: the minimum must still be outside it after rounding.
ROUNDING_MARGIN_M = 10.0

#: Column added to published case layers saying how the location was changed.
PUBLISHED_LOCATION = "published_location"


class Published(NamedTuple):
    """A layer made safe for its profile, and the audit of what was done to it."""

    data: gpd.GeoDataFrame | pd.DataFrame
    audit: dict[str, Any]


def _unit_columns(units: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series]:
    def pick(*names: str) -> pd.Series:
        for name in names:
            if name in units.columns:
                return units[name].astype("string")
        return pd.Series([f"unit {i}" for i in range(len(units))], dtype="string")

    return pick("boundary_id", "shapeID", "id", "code"), pick("name", "shapeName", "name_en")


def _as_layer(obj: Any, what: str) -> gpd.GeoDataFrame | None:
    if obj is None:
        return None
    if hasattr(obj, "data") and hasattr(obj, "report"):  # a Loaded tuple
        obj = obj.data
    if isinstance(obj, (str, os.PathLike)):
        obj = gpd.read_file(obj)
    if not isinstance(obj, gpd.GeoDataFrame):
        raise PrivacyError(
            f"the {what} layer must be a GeoDataFrame, got {type(obj).__name__}",
            fix=f"load it first, e.g. landmap.io.load.load_boundaries(path) for {what}",
        )
    return obj


_KHMER = re.compile("[\u1780-\u17ff]")
_WORD = re.compile(r"(?:[^\W_]|[\u1780-\u17ff\u19e0-\u19ff])+")


def _redact(values: pd.Series, secrets_in_text: list[str]) -> tuple[pd.Series, int]:
    """Blank out phone numbers and known sensitive values inside free text."""
    text = values.astype("string")
    before = text.copy()
    text = text.str.replace(PHONE_PATTERN, REDACTED, regex=True)
    by_first: dict[str, set[str]] = {}
    khmer: set[str] = set()  # Khmer is written without spaces between words: match substrings
    for value in secrets_in_text:
        words = _WORD.findall(value.casefold())
        if len(value) >= 3 and words:
            by_first.setdefault(words[0], set()).add(value)
            if _KHMER.search(value):
                khmer.add(value)

    def scrub(item: object) -> object:
        if not isinstance(item, str):
            return item
        found = {v for w in set(_WORD.findall(item.casefold())) & by_first.keys()
                 for v in by_first[w]}
        if khmer and _KHMER.search(item):
            found |= {v for v in khmer if v in item}
        if not found:
            return item
        pattern = "|".join(re.escape(v) for v in sorted(found, key=len, reverse=True))
        return re.sub(pattern, REDACTED, item, flags=re.IGNORECASE)

    text = pd.Series([scrub(v) for v in text.astype(object)], index=text.index,
                     dtype="string")
    changed = int((text.fillna("") != before.fillna("")).sum())
    return text, changed


def _drop_columns(
    layer: pd.DataFrame, prof: PrivacyProfile, kind: LayerKind | None
) -> tuple[pd.DataFrame, dict[str, str], dict[str, Any]]:
    keep = [c for c in prof.keep if c in layer.columns]
    sens = sensitive_columns(layer, kind, remove=keep)
    removed = {c: "dropped by the profile" for c in prof.drop if c in layer.columns}
    free_info: dict[str, Any] = {"kept": [], "values_redacted": 0}
    if prof.drop_sensitive:
        for col, reason in sens.items():
            if reason.startswith(FREE_TEXT_REASON) and prof.allow_free_text:
                free_info["kept"].append(col)
            else:
                removed.setdefault(col, reason)
    elif not prof.allow_free_text:
        removed.update({c: r for c, r in sens.items() if r.startswith(FREE_TEXT_REASON)})
    out = layer.drop(columns=list(removed))
    if prof.drop_sensitive and free_info["kept"]:
        secret_values = [
            str(v) for c in removed for v in layer[c].dropna().unique() if isinstance(v, str)
        ]
        for col in free_info["kept"]:
            out[col], n = _redact(out[col], secret_values)
            free_info["values_redacted"] += n
    return out, removed, free_info


def _stats(distances: np.ndarray) -> dict[str, float | None]:
    d = distances[np.isfinite(distances)]
    if len(d) == 0:
        return {"min": None, "median": None, "max": None}
    return {k: round(float(f(d)), 1) for k, f in (("min", np.min), ("median", np.median),
                                                   ("max", np.max))}


def _membership(points: np.ndarray, polys: np.ndarray, ids: np.ndarray) -> list[frozenset]:
    sets: list[set] = [set() for _ in range(len(points))]
    ok = ~shapely.is_missing(points) & ~shapely.is_empty(points)
    where = np.flatnonzero(ok)
    if len(where) and len(polys):
        p, c = shapely.STRtree(polys).query(points[where], predicate="intersects")
        for i, j in zip(where[p].tolist(), c.tolist(), strict=True):
            sets[i].add(str(ids[j]))
    return [frozenset(s) for s in sets]


def _consistency(
    case_ids: np.ndarray, true_pts: np.ndarray, new_pts: np.ndarray, concessions: gpd.GeoDataFrame
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    polys = pm.to_metric(concessions, CAMBODIA_METRIC_CRS)
    id_col = ID_COLUMN["concessions"]
    ids = (concessions[id_col] if id_col in concessions.columns
           else pd.Series(range(len(concessions)))).astype(str).to_numpy()
    before = _membership(true_pts, polys, ids)
    after = _membership(new_pts, polys, ids)
    counts = {"moved_out_of_concession": 0, "moved_into_concession": 0,
              "moved_between_concessions": 0}
    cases = []
    for cid, b, a, gone in zip(case_ids, before, after, shapely.is_missing(new_pts), strict=True):
        if gone or a == b:
            continue
        change = ("moved_out_of_concession" if not a else "moved_into_concession" if not b
                  else "moved_between_concessions")
        counts[change] += 1
        cases.append({"case_id": str(cid), "change": change, "true": sorted(b),
                      "published": sorted(a)})
    return counts, cases


def _suppress(units: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return a mask of cases in units with fewer than ``k`` cases, and those unit indexes."""
    valid = units >= 0
    values, counts = np.unique(units[valid], return_counts=True)
    small = values[counts < k]
    return valid & np.isin(units, small), small


def _draws(
    layer: pd.DataFrame, idx: np.ndarray, xy: np.ndarray, rng: np.random.Generator,
    key: bytes | None, audit: dict[str, Any],
) -> pm.Draw:
    if key is None:
        return pm.rng_draws(rng)
    id_col = ID_COLUMN["cases"]
    if id_col in layer.columns and layer[id_col].notna().all():
        ids = layer[id_col].astype(str).to_numpy()[idx]
    else:
        ids = np.arange(len(layer)).astype(str)[idx]
        audit["warnings"].append(
            "cases without a case_id: the keyed masking follows row order, which may change "
            "between exports"
        )
    return pm.keyed_draws(pm.case_keys(key, ids, xy[idx]))


def load_or_create_key(path: str | os.PathLike[str]) -> bytes:
    """Return the office's secret masking key, creating it (32 random bytes) on first use.

    Keep the file with the internal data, never beside public outputs: whoever has it and the
    public map can undo nothing by itself, but it must not travel with the map either.
    """
    from landmap.io.atomic import atomic_path

    target = Path(path)
    if target.is_file():
        text = target.read_text("ascii").strip()
        try:
            return bytes.fromhex(text)
        except ValueError as err:
            raise PrivacyError("the masking key file is not a hex key", path=target,
                               fix="delete it to create a new key (masked points will change)"
                               ) from err
    with atomic_path(target) as tmp:
        tmp.write_text(secrets.token_hex(32) + "\n", "ascii")
        tmp.chmod(0o600)
    return bytes.fromhex(target.read_text("ascii").strip())


def _mask_cases(
    layer: gpd.GeoDataFrame, prof: PrivacyProfile, communes: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame | None, rng: np.random.Generator, key: bytes | None,
    audit: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return true points, published points (missing = left out), unit index and notes."""
    true_pts = pm.to_metric(layer, CAMBODIA_METRIC_CRS)
    n = len(true_pts)
    located = ~shapely.is_missing(true_pts) & ~shapely.is_empty(true_pts)
    located &= shapely.get_type_id(true_pts) == 0
    xy = np.full((n, 2), np.nan)
    xy[located] = shapely.get_coordinates(true_pts[located])
    note = np.full(n, "", dtype=object)
    new_xy = np.full((n, 2), np.nan)
    points = audit["points"]
    points["without_location"] = int((~located).sum())
    if communes is None:
        unit = np.full(n, -1)
        how = np.full(n, "none", dtype=object)
        unit_polys = np.empty(0, dtype=object)
        audit["warnings"].append(
            "no commune layer was given: points were not kept inside their commune"
        )
    else:
        unit_polys = pm.to_metric(communes, CAMBODIA_METRIC_CRS)
        unit, how = pm.assign_units(true_pts, unit_polys, snap_m=prof.snap_to_commune_m)
        unit[~located] = -1
    points["in_commune"] = int((how == "inside").sum())
    points["assigned_to_nearest_commune"] = int((how == "nearest").sum())
    outside = located & (unit < 0) & (communes is not None)
    points["not_in_any_commune"] = int(outside.sum())
    note[outside] = "outside every commune"
    if prof.mode == "displace":
        idx = np.flatnonzero(located & ~outside)
        constraint = None if communes is None else unit_polys[unit[idx]]
        moved, status = pm.displace(
            xy[idx], constraint, draws=_draws(layer, idx, xy, rng, key, audit),
            min_radius_m=min(prof.min_radius_m + ROUNDING_MARGIN_M, prof.max_radius_m),
            max_radius_m=prof.max_radius_m, candidates=prof.candidates,
            max_rounds=prof.max_rounds,
        )
        new_xy[idx] = moved
        note[idx] = np.where(status == pm.LEFT_OUT, "", status)
        stuck = idx[status == pm.LEFT_OUT]
        if len(stuck):
            fb, placed = pm.fallback_points(
                xy[stuck], pm.unit_points(unit_polys[unit[stuck]]), min_radius_m=prof.min_radius_m
            )
            new_xy[stuck] = fb
            note[stuck[placed]] = pm.FALLBACK
            note[stuck[~placed]] = "no safe position in its commune"
        points["commune_point_fallback"] = int((note == pm.FALLBACK).sum())
    else:
        if prof.mode == "village_centroid":
            if villages is None:
                raise PrivacyError(
                    "mode 'village_centroid' needs a village layer",
                    fix="pass villages=<village polygons or points>, or use 'commune_centroid'",
                )
            vgeoms = pm.to_metric(villages, CAMBODIA_METRIC_CRS)
            if np.all(shapely.get_type_id(vgeoms) == 0):
                vunit = np.full(n, -1)
                p, v = shapely.STRtree(vgeoms).query_nearest(true_pts[located], all_matches=False)
                vunit[np.flatnonzero(located)[p]] = v
                centres = shapely.get_coordinates(vgeoms)
            else:
                vunit = pm.assign_units(true_pts, vgeoms, snap_m=prof.snap_to_commune_m).index
                vunit[~located] = -1
                centres = pm.unit_points(vgeoms)
            snap_unit = vunit
            note[located & (vunit < 0)] = "outside every village"
        else:
            if communes is None:
                raise PrivacyError(
                    f"mode {prof.mode!r} needs a commune layer",
                    fix="pass communes=<commune boundaries> (level 'commune' of the boundaries)",
                )
            snap_unit, centres = unit, pm.unit_points(unit_polys)
        small, small_units = _suppress(snap_unit, prof.k)
        ok = (snap_unit >= 0) & ~small
        new_xy[ok] = centres[snap_unit[ok]]
        note[ok] = pm.SNAPPED
        note[small] = "suppressed (small count)"
        audit["suppression"].update(units_suppressed=len(small_units),
                                    cases_suppressed=int(small.sum()))
        audit["detail"]["suppressed_units"] = len(small_units)
        unit = snap_unit
    new_pts = shapely.points(new_xy)
    new_pts[np.isnan(new_xy[:, 0])] = None
    return true_pts, new_pts, unit, note


def _aggregate(
    layer: gpd.GeoDataFrame, prof: PrivacyProfile, communes: gpd.GeoDataFrame | None,
    audit: dict[str, Any],
) -> gpd.GeoDataFrame:
    if communes is None:
        raise PrivacyError("mode 'aggregate' needs a commune layer",
                           fix="pass communes=<commune boundaries>")
    true_pts = pm.to_metric(layer, CAMBODIA_METRIC_CRS)
    unit_polys = pm.to_metric(communes, CAMBODIA_METRIC_CRS)
    unit, how = pm.assign_units(true_pts, unit_polys, snap_m=prof.snap_to_commune_m)
    audit["points"].update(in_commune=int((how == "inside").sum()),
                           assigned_to_nearest_commune=int((how == "nearest").sum()),
                           not_in_any_commune=int((unit < 0).sum()))
    households = (pd.to_numeric(layer["households"], errors="coerce").to_numpy(dtype="float64")
                  if "households" in layer.columns else np.full(len(layer), np.nan))
    frame = pd.DataFrame({"unit": unit, "households": households})
    frame = frame[frame["unit"] >= 0]
    grouped = frame.groupby("unit").agg(cases=("unit", "size"),
                                         households=("households", "sum"))
    small = grouped["cases"] < prof.k
    audit["suppression"].update(units_suppressed=int(small.sum()),
                                cases_suppressed=int(grouped.loc[small, "cases"].sum()))
    grouped = grouped[~small]
    ids, names = _unit_columns(communes)
    out = gpd.GeoDataFrame(
        {
            "commune_id": ids.iloc[grouped.index].to_numpy(),
            "commune": names.iloc[grouped.index].to_numpy(),
            "cases": grouped["cases"].astype("Int64").to_numpy(),
            "households": pd.array(grouped["households"].round().astype("int64"), dtype="Int64"),
        },
        geometry=communes.geometry.iloc[grouped.index].to_crs(layer.crs).to_numpy(),
        crs=layer.crs,
    )
    audit["points"]["published_as"] = f"counts per commune (fewer than {prof.k} suppressed)"
    return out


def _location_text(prof: PrivacyProfile, constrained: bool) -> str:
    if prof.mode == "displace":
        where = " within its commune" if constrained else ""
        return (f"moved {prof.min_radius_m:g}-{prof.max_radius_m:g} m in a random direction"
                f"{where}; not the true location")
    if prof.mode == "commune_centroid":
        return "centre of the commune; not the true location"
    return "centre of the village; not the true location"


def apply_profile(
    layer: gpd.GeoDataFrame | pd.DataFrame,
    profile: str | PrivacyProfile | None = "public",
    *,
    kind: LayerKind | None = "cases",
    communes: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    concessions: gpd.GeoDataFrame | None = None,
    villages: gpd.GeoDataFrame | None = None,
    seed: int | None = None,
    key: bytes | str | None = None,
) -> Published:
    """Make a layer safe for its profile; say exactly what was changed.

    Parameters
    ----------
    layer
        A canonical layer (a GeoDataFrame, a ``Loaded`` tuple, or a plain table).
    profile
        ``"public"`` (default), ``"internal"`` or a :class:`PrivacyProfile`.
    kind
        The layer kind. Only ``cases`` are geomasked; other kinds lose their sensitive columns.
    communes
        Commune polygons (a layer or a path). Displaced cases stay inside the commune they are
        in; required by the centroid and aggregate modes. A case outside every commune but
        within ``snap_to_commune_m`` is masked in the nearest one; a case farther out is left
        out of the published layer and counted in the audit.
    concessions
        Concession polygons: cases that masking moves into, out of or between concessions are
        reported (``audit["consistency"]``).
    villages
        Village polygons or points, for the ``village_centroid`` mode.
    seed
        Only for tests and demonstrations. By default a fresh seed is drawn from
        :mod:`secrets` for each call; the seed is never returned or written.
    key
        The office's secret masking key (:func:`load_or_create_key`); required by profiles
        with ``seed_policy="keyed"``. Each case's displacement is then derived from the key,
        its id and its true location, so re-publishing every month shows the same masked
        point instead of a new one each time (many fresh draws of one case average out
        towards its true location). Never written out.

    Returns
    -------
    Published
        ``data``: the layer to publish (same CRS as the input; index reset; in point modes a
        ``published_location`` column says how the point was changed). ``audit``: a
        JSON-serialisable dict (write it with :func:`write_audit`).

    Raises
    ------
    PrivacyError
        For an unknown profile, a mode that needs a commune or village layer that was not
        given, or a layer without a CRS.

    """
    if hasattr(layer, "data") and hasattr(layer, "report"):
        layer = layer.data
    if not isinstance(layer, pd.DataFrame):
        raise PrivacyError(f"expected a GeoDataFrame or DataFrame, got {type(layer).__name__}",
                           fix="pass the layer itself (Loaded.data)")
    prof = get_profile(profile)
    communes_gdf = _as_layer(communes, "commune")
    villages_gdf = _as_layer(villages, "village")
    data, removed, free_info = _drop_columns(layer, prof, kind)
    data = data.reset_index(drop=True)
    audit: dict[str, Any] = {
        "profile": prof.name,
        "confidential": prof.confidential,
        "kind": kind,
        "parameters": prof.parameters(),
        "seed": ("supplied by the caller (tests only); not recorded" if seed is not None
                 else "drawn fresh for this export; not recorded"),
        "crs_for_distances": CAMBODIA_METRIC_CRS,
        "rows_in": len(layer),
        "columns_removed": removed,
        "free_text": free_info,
        "points": {"mode": prof.mode},
        "suppression": {"k": prof.k, "units_suppressed": 0, "cases_suppressed": 0},
        "consistency": {"checked": concessions is not None},
        "warnings": [],
        "detail": {},
    }
    # A layer that already went through a masking profile keeps its masked points: masking it
    # again would publish a second, independent draw of every case, and several draws of one
    # case average out towards its true location.
    marker = dict(layer.attrs.get("landmap", {})).get("privacy") or {}
    already = PUBLISHED_LOCATION in layer.columns or (bool(marker) and not marker["confidential"])
    is_points = (kind == "cases" and isinstance(data, gpd.GeoDataFrame)
                 and data.geometry.notna().any() and prof.mode != "exact" and not already)
    if not is_points:
        audit["points"]["published_as"] = (
            "unchanged geometry (not a case layer)" if kind != "cases"
            else "exact locations (confidential)" if prof.mode == "exact"
            else "already masked: the published points are kept as they are" if already
            else "no case locations in the layer"
        )
        audit["rows_out"] = len(data)
        data.attrs = _attrs(layer, prof)
        return Published(data, audit)
    if prof.seed_policy == "keyed" and key is None:
        raise PrivacyError(
            f"profile {prof.name!r} masks each case with the office's secret key, "
            "and no key was given",
            fix="pass key=load_or_create_key(<a file in the internal folder>)",
        )
    key_bytes = None if key is None else (key.encode() if isinstance(key, str) else bytes(key))
    if key_bytes is not None:
        audit["seed"] = ("derived for each case from the office's secret key; the key is not "
                         "recorded (the same case is masked the same way in every export)")
    rng = np.random.default_rng(seed if seed is not None else secrets.randbits(128))
    if prof.mode == "aggregate":
        out = _aggregate(layer.reset_index(drop=True), prof, communes_gdf, audit)
        audit["rows_out"] = len(out)
        out.attrs = _attrs(layer, prof)
        return Published(out, audit)
    true_pts, new_pts, unit, note = _mask_cases(data, prof, communes_gdf, villages_gdf, rng,
                                                key_bytes, audit)
    del rng
    moved = ~shapely.is_missing(new_pts)
    dist = shapely.distance(true_pts, new_pts)
    audit["points"]["moved"] = int(moved.sum())
    audit["points"]["distance_m"] = _stats(dist[moved])
    near = int((dist[moved] < prof.min_radius_m).sum())
    audit["points"]["within_min_radius"] = near
    if near:
        audit["warnings"].append(
            f"{near} published point(s) lie less than {prof.min_radius_m:g} m from their true "
            "location (a unit centre near the case): the leak check will report them"
        )
    if prof.mode == "displace":
        within = np.flatnonzero(moved & (unit >= 0))
        if len(within):
            unit_polys = pm.to_metric(communes_gdf, CAMBODIA_METRIC_CRS)
            inside = shapely.contains(unit_polys[unit[within]], new_pts[within])
            audit["consistency"]["crossed_commune_boundary"] = int((~inside).sum())
        else:
            audit["consistency"]["crossed_commune_boundary"] = 0
    id_col = ID_COLUMN["cases"]
    case_ids = (data[id_col].astype(str).to_numpy() if id_col in data.columns
                else np.arange(len(data)).astype(str))
    if concessions is not None:
        counts, cases = _consistency(case_ids, true_pts, new_pts, concessions)
        audit["consistency"].update(counts)
        audit["detail"]["consistency_cases"] = cases
        if cases:
            audit["warnings"].append(
                f"{len(cases)} case(s) appear in a different concession (or none) after masking: "
                "publish counts computed from the true locations (public_summary)"
            )
    located = ~shapely.is_missing(true_pts) & ~shapely.is_empty(true_pts)
    left_out = located & ~moved
    audit["points"]["left_out"] = int(left_out.sum())
    audit["detail"]["left_out"] = [
        {"case_id": c, "reason": r} for c, r in zip(case_ids[left_out], note[left_out],
                                                      strict=True)
    ]
    if left_out.any():
        audit["warnings"].append(f"{int(left_out.sum())} case(s) left out of the published layer")
    too_small = int((note == "no safe position in its commune").sum())
    if too_small:
        audit["warnings"].append(
            f"{too_small} case(s) are in communes too small to move them at least "
            f"{prof.min_radius_m:g} m and stay inside (dense urban sangkats); they were left out. "
            "Publish them with mode 'commune_centroid' or 'aggregate', or a smaller radius"
        )
    keep = ~left_out
    geometry = gpd.GeoSeries(new_pts, crs=CAMBODIA_METRIC_CRS).to_crs(data.crs)
    out = data.copy()
    geom_name = out.geometry.name
    out[geom_name] = geometry.array
    text = _location_text(prof, communes_gdf is not None)
    out.insert(list(out.columns).index(geom_name), PUBLISHED_LOCATION,
               pd.array([text] * len(out), dtype="string"))
    out = out[keep].reset_index(drop=True)
    audit["rows_out"] = len(out)
    out.attrs = _attrs(layer, prof)
    return Published(out, audit)


def allowed_columns(
    layer: pd.DataFrame, profile: str | PrivacyProfile | None = "public", *,
    kind: LayerKind | None = "cases",
) -> list[str]:
    """Return the columns of ``layer`` that a map or table made with ``profile`` may show.

    Map builders use it to choose popup and tooltip fields: everything else stays out of the
    HTML. The geometry column is not listed.

    Examples
    --------
    >>> import pandas as pd
    >>> allowed_columns(pd.DataFrame(columns=["case_id", "complainant_name", "description"]))
    ['case_id']

    """
    prof = get_profile(profile)
    kept, _, _ = _drop_columns(layer, prof, kind)
    geometry = getattr(layer, "_geometry_column_name", None)
    return [str(c) for c in kept.columns if c != geometry]


def check_columns(
    columns: list[str] | tuple[str, ...], layer: pd.DataFrame,
    profile: str | PrivacyProfile | None = "public", *, kind: LayerKind | None = "cases",
) -> None:
    """Refuse popup, tooltip or export columns that the profile does not allow.

    Raises
    ------
    PrivacyError
        Naming the first column that is not allowed and why.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame(columns=["case_id", "complainant_phone"])
    >>> check_columns(["complainant_phone"], frame)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landmap.errors.PrivacyError: column 'complainant_phone': ...

    """
    prof = get_profile(profile)
    allowed = set(allowed_columns(layer, prof, kind=kind))
    reasons = sensitive_columns(layer, kind)
    for col in columns:
        if col in layer.columns and col not in allowed:
            raise PrivacyError(
                f"may not be shown in a {prof.name!r} output "
                f"({reasons.get(col, 'dropped by the profile')})",
                column=col,
                fix=f"choose among {', '.join(sorted(allowed)) or 'no column'}, "
                    "or make an internal (confidential) output",
            )


def _attrs(layer: pd.DataFrame, prof: PrivacyProfile) -> dict[str, Any]:
    meta = dict(layer.attrs.get("landmap", {}))
    meta["privacy"] = {"profile": prof.name, "confidential": prof.confidential}
    attrs: dict[str, Any] = {"landmap": meta}
    if "provenance" in layer.attrs:
        attrs["provenance"] = layer.attrs["provenance"]
    return attrs


def public_audit(audit: dict[str, Any]) -> dict[str, Any]:
    """Return the audit without its per-case ``detail`` (the part safe to publish)."""
    return {k: v for k, v in audit.items() if k != "detail"}


def write_audit(
    audit: dict[str, Any], target: str | os.PathLike[str], *, detail: bool = False
) -> Path:
    """Write an audit as ``<target>.audit.json`` beside an export and return its path.

    Parameters
    ----------
    audit
        ``Published.audit``.
    target
        The exported file the audit belongs to.
    detail
        Include the per-case detail (case ids left out or moved across a concession boundary).
        Keep it ``False`` beside public exports; write the detailed audit in the internal folder.

    """
    from landmap.io.atomic import atomic_path

    record = audit if detail else public_audit(audit)
    out = Path(str(target) + ".audit.json")
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str), "utf-8")
    return out


__all__ = [
    "INTERNAL",
    "PUBLIC",
    "PUBLISHED_LOCATION",
    "REDACTED",
    "PrivacyProfile",
    "Published",
    "allowed_columns",
    "apply_profile",
    "check_columns",
    "get_profile",
    "load_or_create_key",
    "public_audit",
    "public_summary",
    "sensitive_columns",
    "write_audit",
]
