"""The privacy step every exporter goes through before writing a case layer.

Briefing maps and data files both call :func:`publish_layer`: with the ``public`` profile a
``cases`` layer is handed to :func:`landmap.privacy.apply_profile` (sensitive columns
dropped, points geomasked inside their commune, small counts suppressed) and the audit it returns
is written beside the output by :func:`write_audit`. Other layer kinds carry no personal data by
schema, but their columns are still screened: a column that looks sensitive is dropped from a
public export and reported.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.errors import PrivacyError
from landmap.io.atomic import atomic_path
from landmap.schema import LAYER_KINDS, sensitive_reason

_COMMUNES_FILE = "cambodia-adm3-simplified.geojson"
#: Names of places and things in non-case layers and result tables, never of a person.
_PLACE_NAME = re.compile(
    r"^(area|concession|province|district|commune|village|company|boundary|site|layer|shape)"
    r"_?name(_(en|km))?$|^name_(en|km)$", re.IGNORECASE,
)


@dataclass
class Published:
    """What a layer became for an export, and what was left out of it."""

    data: pd.DataFrame
    audit: dict[str, Any] | None = None
    omitted: list[str] = field(default_factory=list)


def profile_name(profile: object) -> str:
    """Return the name of a profile given by name or as a profile object."""
    return str(getattr(profile, "name", profile))


def is_confidential(profile: object) -> bool:
    """Return whether outputs made with ``profile`` must be marked confidential."""
    privacy = _privacy()
    if privacy is not None and hasattr(privacy, "get_profile"):
        prof = privacy.get_profile(profile)
        return bool(getattr(prof, "confidential", profile_name(profile) != "public"))
    return profile_name(profile) != "public"


def _privacy():
    try:
        from landmap import privacy
    except ImportError:
        return None
    return privacy


@cache
def _default_communes() -> gpd.GeoDataFrame | None:
    from landmap.export.briefing_background import find_file

    path = find_file(_COMMUNES_FILE)
    if path is None:
        return None
    communes = gpd.read_file(path)
    communes.attrs["landmap"] = {"kind": "boundaries", "source": str(path)}
    return communes


def publish_layer(
    layer: pd.DataFrame, kind: str, profile: object = "public", *,
    concessions: gpd.GeoDataFrame | None = None, communes: gpd.GeoDataFrame | None = None,
    seed: int | None = None,
) -> Published:
    """Return the version of ``layer`` that an export made with ``profile`` may contain.

    Parameters
    ----------
    layer
        A canonical layer or a result table.
    kind
        ``"cases"``, ``"areas"``, ``"concessions"``, ``"boundaries"`` or ``"table"``.
    profile
        ``"public"`` (default), ``"internal"`` or a profile object of
        :mod:`landmap.privacy`.
    concessions, communes
        Passed to the privacy step (communes keep masked points in their commune; by default the
        bundled commune boundaries).
    seed
        Seed of the geomasking randomness (tests only; never written out).

    Raises
    ------
    PrivacyError
        When a public export of cases is asked for and the privacy module is not installed.

    """
    name = profile_name(profile)
    privacy = _privacy()
    if privacy is None:
        return _publish_without_privacy(layer, kind, name)
    is_cases = kind == "cases"
    if is_cases and communes is None:
        communes = _default_communes()
    result = privacy.apply_profile(
        layer, profile, kind=kind if kind in LAYER_KINDS else None,
        communes=communes if is_cases else None, concessions=concessions if is_cases else None,
        seed=seed,
    )
    audit = dict(result.audit or {})
    removed = audit.get("columns_removed") or {}
    omitted = [f"{kind}: column {c!r} removed ({reason})" for c, reason in dict(removed).items()]
    points = audit.get("points") or {}
    if points.get("left_out"):
        omitted.append(f"{kind}: {points['left_out']} case(s) left out by the privacy profile")
    suppressed = (audit.get("suppression") or {}).get("cases_suppressed")
    if suppressed:
        omitted.append(f"{kind}: {suppressed} case(s) suppressed (small counts)")
    if is_cases and points.get("moved"):
        omitted.append(f"{kind}: exact locations ({points['moved']} points displaced)")
    return Published(result.data, audit if (is_cases or removed) else None, omitted)


def _publish_without_privacy(layer: pd.DataFrame, kind: str, name: str) -> Published:
    """Fallback when the privacy module is absent: refuse public cases, screen other columns."""
    if name == "internal":
        return Published(layer)
    if kind == "cases":
        raise PrivacyError(
            f"a {name!r} export of cases needs landmap.privacy, which is missing.",
            fix="reinstall landmap, or export with profile='internal' for office use only",
        )
    drop = {
        c: r for c in layer.columns
        if not _PLACE_NAME.match(str(c)) and (r := sensitive_reason(str(c), None)) is not None
    }
    data = layer.drop(columns=list(drop)) if drop else layer
    omitted = [f"{kind}: column {c!r} removed ({reason})" for c, reason in drop.items()]
    return Published(data, None, omitted)


def write_audit(audit: dict[str, Any], target: str | os.PathLike[str]) -> Path:
    """Write a privacy audit as ``<target>.audit.json`` beside an export and return its path.

    ``audit`` is one layer's audit, or ``{"layers": {name: audit, ...}}`` for an export holding
    several case layers. The per-case ``detail`` (case ids) is never written beside an export.
    """
    privacy = _privacy()
    if "layers" in audit:
        audit = {"layers": {name: _public(one) for name, one in audit["layers"].items()}}
    else:
        audit = _public(audit)
    writer = getattr(privacy, "write_audit", None) if privacy is not None else None
    if callable(writer):
        return Path(writer(audit, target))
    out = Path(str(target) + ".audit.json")
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(audit, indent=2, ensure_ascii=False, default=str), "utf-8")
    return out


def _public(audit: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in audit.items() if key != "detail"}


__all__ = ["Published", "is_confidential", "profile_name", "publish_layer", "write_audit"]
