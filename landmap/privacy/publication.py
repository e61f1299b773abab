"""The steps :func:`~landmap.privacy.gate.publish` takes for one layer, apart from the gate.

The audit record a publication starts as, the masking draw of a case layer's points (its CRS,
the office's key, the commune layer, one random generator), the notes of what was left out, and
the metadata the published frame carries. Only the gate makes a
:class:`~landmap.privacy.gate.PublishedLayer` of them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landmap.errors import PrivacyError
from landmap.io.load import layer_data
from landmap.privacy.communes import bundled_communes
from landmap.privacy.points import mask_points
from landmap.privacy.profiles import PrivacyProfile
from landmap.schema import CAMBODIA_METRIC_CRS


def _as_geoframe(obj: Any, what: str) -> gpd.GeoDataFrame:
    obj = layer_data(obj)
    if isinstance(obj, str | os.PathLike):
        obj = gpd.read_file(obj)
    if not isinstance(obj, gpd.GeoDataFrame):
        raise PrivacyError(
            f"the {what} layer must be a GeoDataFrame, got {type(obj).__name__}",
            fix=f"load it first, e.g. landmap.load_boundaries(path) for {what}",
        )
    return obj


def omission_notes(kind: str, audit: Mapping[str, Any]) -> list[str]:
    """Return one line per thing the audit says was left out, removed or moved."""
    omitted = [
        f"{kind}: column {c!r} removed ({reason})"
        for c, reason in dict(audit.get("columns_removed") or {}).items()
    ]
    points = audit.get("points") or {}
    if points.get("left_out"):
        omitted.append(f"{kind}: {points['left_out']} case(s) left out by the privacy profile")
    suppressed = (audit.get("suppression") or {}).get("cases_suppressed")
    if suppressed:
        omitted.append(f"{kind}: {suppressed} case(s) suppressed (small counts)")
    if points.get("moved"):
        omitted.append(f"{kind}: exact locations ({points['moved']} points displaced)")
    return omitted


def new_audit(
    layer: pd.DataFrame,
    prof: PrivacyProfile,
    kind: str,
    name: str | None,
    seed: int | None,
    concessions: Any,
) -> dict[str, Any]:
    """Return the audit record a publication of ``layer`` starts as."""
    return {
        "layer": name,
        "kind": kind,
        "profile": prof.name,
        "confidential": prof.confidential,
        "publication": secrets.token_hex(8),
        "parameters": prof.parameters(),
        "seed": (
            "supplied by the caller (tests only); not recorded"
            if seed is not None
            else "drawn fresh for this publication; not recorded"
        ),
        "crs_for_distances": CAMBODIA_METRIC_CRS,
        "rows_in": len(layer),
        "columns_removed": {},
        "free_text": {},
        "points": {"mode": prof.mode},
        "suppression": {"k": prof.k, "units_suppressed": 0, "cases_suppressed": 0},
        "consistency": {"checked": concessions is not None},
        "warnings": [],
    }


def mask_layer(
    data: gpd.GeoDataFrame,
    prof: PrivacyProfile,
    audit: dict[str, Any],
    detail: dict[str, Any],
    *,
    communes: Any,
    concessions: Any,
    villages: Any,
    seed: int | None,
    key: bytes | str | None,
) -> gpd.GeoDataFrame:
    """Return the case layer with its points masked; fill in ``audit`` and the internal ``detail``.

    Raises
    ------
    PrivacyError
        A layer without a CRS, or a keyed profile without its key.

    """
    if data.crs is None:
        raise PrivacyError(
            "the case layer has no CRS, so its points cannot be masked",
            fix="load it with landmap.load_cases (EPSG:4326) or set its CRS",
        )
    if prof.seed_policy == "keyed" and key is None:
        raise PrivacyError(
            f"profile {prof.name!r} masks each case with the office's secret key, "
            "and no key was given",
            fix="pass key=load_or_create_key(<a file in the internal folder>)",
        )
    key_bytes = None if key is None else (key.encode() if isinstance(key, str) else bytes(key))
    if key_bytes is not None:
        audit["seed"] = (
            "derived for each case from the office's secret key; the key is not "
            "recorded (the same case is masked the same way in every publication)"
        )
    communes_gdf = bundled_communes() if communes is None else _as_geoframe(communes, "commune")
    audit["communes"] = (
        "installed with landmap (geoBoundaries)" if communes is None else "given by the project"
    )
    rng = np.random.default_rng(seed if seed is not None else secrets.randbits(128))
    internal: dict[str, Any] = {}
    out = mask_points(
        data,
        prof,
        communes=communes_gdf,
        concessions=None if concessions is None else _as_geoframe(concessions, "concession"),
        villages=None if villages is None else _as_geoframe(villages, "village"),
        rng=rng,
        key=key_bytes,
        audit={**audit, "detail": internal},
    )
    detail.update(internal)
    return out


def published_attrs(layer: pd.DataFrame, prof: PrivacyProfile, kind: str) -> dict[str, Any]:
    """Return the metadata a published frame carries: the layer's, its kind and its profile."""
    meta = dict(layer.attrs.get("landmap", {}))
    meta["kind"] = kind
    meta["privacy"] = {"profile": prof.name, "confidential": prof.confidential}
    attrs: dict[str, Any] = {"landmap": meta}
    if "provenance" in layer.attrs:
        attrs["provenance"] = layer.attrs["provenance"]
    return attrs


__all__ = ["mask_layer", "new_audit", "omission_notes", "published_attrs"]
