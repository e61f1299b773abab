"""Export of the explorer's current view: an offline HTML map and the filtered table (CSV).

The cases go through the privacy gate (:func:`landmap.privacy.publish`) first; a public export
gets its audit beside it and is checked by the leak check before anything is moved into the
folder, so a public export that leaks is never written.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.errors import PrivacyError
from landmap.io.cells import write_csv
from landmap.schema import Lang, label
from landmap.widgets._maps import SYNTHETIC_NOTICE, _build_map
from landmap.widgets._view import View


def export_view(
    view: View,
    out: Path,
    *,
    profile: str,
    communes: gpd.GeoDataFrame | None,
    lang: Lang,
    title: str | None,
    synthetic: bool,
) -> tuple[dict[str, Path], str]:
    """Write ``view`` into the folder ``out`` with the privacy ``profile``.

    Parameters
    ----------
    view
        The view to export.
    out
        Output folder (absolute); made when missing.
    profile
        Privacy profile of the export.
    communes
        Commune boundaries that keep displaced case locations inside their commune.
    lang, title
        Labels and title of the map.
    synthetic
        Whether the cases are the synthetic register (the map says so).

    Returns
    -------
    tuple
        ``{"map": path, "table": path[, "audit": path]}`` and one sentence on what the privacy
        profile did to the cases.

    Raises
    ------
    ExportError
        If the files cannot be written.
    PrivacyError
        If the leak check finds anything in a public export (nothing is written).

    """
    from landmap.privacy import publish, verify_outputs, write_audit
    from landmap.render.maps import save_map

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if (out / f"explorer-{stamp}.html").exists():  # two exports within one second
        stamp += "-" + str(len(list(out.glob(f"explorer-{stamp}*.html"))) + 1)
    published = publish(
        view.cases,
        profile,
        kind="cases",
        name="cases",
        communes=communes,
        concessions=view.concessions,
    )
    notice = label("heading", "confidential" if published.confidential else "public", lang)
    if synthetic:
        notice = f"{SYNTHETIC_NOTICE} · {notice}"
    m = _build_map(
        view,
        lang=lang,
        title=title,
        notice=notice,
        cases=published,
        profile=published.profile,
    )
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    # Staged in the same folder, checked by the leak check, then moved in: a public export
    # that leaks is never written, and an interrupted one leaves nothing behind.
    with tempfile.TemporaryDirectory(prefix=".landmap-explorer-", dir=out) as tmp:
        stage = Path(tmp)
        staged = {
            "map": save_map(m, stage / f"explorer-{stamp}.html", offline=True),
            "table": write_csv(
                pd.DataFrame(published.data.drop(columns="geometry")),
                stage / f"explorer-{stamp}.csv",
            ),
        }
        if not published.confidential:
            staged["audit"] = write_audit(published, stage / f"explorer-{stamp}")
            findings = verify_outputs(
                list(staged.values()), {"cases": published}, profile=published.profile
            )
            if findings:
                raise PrivacyError(
                    f"the leak check found {len(findings)} problem(s) in the export, so "
                    f"nothing was written. First: {findings[0]}",
                    fix="export with the internal profile for office use only",
                )
        for key in sorted(staged, key=lambda k: k == "map"):  # the map last
            written[key] = out / staged[key].name
            os.replace(staged[key], written[key])
    note = _export_note(len(view.cases), None if published.confidential else published.audit)
    return written, note


def _export_note(shown: int, audit: dict[str, Any] | None) -> str:
    """One sentence on what the privacy profile did to the exported cases."""
    if audit is None:
        return f"{shown} cases exported with exact locations and all fields: do not share."
    points = audit.get("points") or {}
    left_out = int(points.get("left_out") or 0)
    dist = points.get("distance_m") or {}
    moved = int(points.get("moved") or 0)
    note = f"{shown - left_out} of {shown} cases exported; {moved} moved"
    if dist.get("min") is not None:
        note += f" {dist['min'] / 1000:.1f}-{dist['max'] / 1000:.1f} km"
    if left_out:
        note += f"; {left_out} left out (no safe place in their commune)"
    return note + ". Personal fields removed."
