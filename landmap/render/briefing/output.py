"""Writing a drawn briefing page: the PNG or PDF, its provenance and its privacy audit.

The file is written whole or not at all (:func:`~landmap.io.atomic.atomic_path`), with the
title, landmap version and privacy notice in its metadata; ``<path>.provenance.json`` records
the inputs, parameters and what was left out, and a public map's case audit goes beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landmap.errors import ExportError
from landmap.io.atomic import atomic_path, write_provenance
from landmap.privacy import write_audit
from landmap.provenance import make_provenance
from landmap.render.briefing.furniture import quiet_fonts
from landmap.render.briefing.job import Job
from landmap.render.briefing.text import heading
from landmap.schema import CAMBODIA_METRIC_CRS, Lang


def write_page(fig: Any, meta: Mapping[str, Any], job: Job, target: Path, dpi: int) -> Path:
    """Write the drawn page to one file, with its provenance and (public) audit beside it."""
    from matplotlib import rc_context

    from landmap import __version__

    inputs = [
        str(m.get("source"))
        for layer in (
            None if job.cases is None else job.cases.data,
            job.areas,
            job.concessions,
            job.boundaries,
        )
        if layer is not None and (m := layer.attrs.get("landmap") or {}).get("source")
    ]
    confidential = job.profile.confidential
    fmt = target.suffix.lower().lstrip(".")
    notice = heading("confidential" if confidential else "public", Lang.EN)
    info = {
        "Title": meta["title"].replace("\n", " / "),
        "Software": f"landmap {__version__}",
        "Description": notice,
    }
    if fmt == "pdf":
        info = {"Title": info["Title"], "Creator": info["Software"], "Subject": notice}
    # a PNG is a whole number of pixels: round the page to it (A4 at 300 dpi: 3508 x 2480)
    fig.set_size_inches(
        *(((round(v * dpi) + 0.01) / dpi) if fmt == "png" else v for v in job.paper.inches)
    )
    with atomic_path(target) as tmp, quiet_fonts(), rc_context({"pdf.fonttype": 42}):
        try:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=info)
        except (OSError, ValueError, RuntimeError) as err:
            raise ExportError(f"could not write the briefing map: {err}", path=target) from err
    record = make_provenance(
        inputs=inputs,
        crs=CAMBODIA_METRIC_CRS,
        operation="briefing_map",
        parameters={
            "lang": str(job.lang),
            "paper": str(job.paper.size),
            "orientation": str(job.paper.orientation),
            "dpi": dpi,
            "profile": job.profile.name,
            "extent": repr(job.extent),
            "bounds_epsg32648": meta["bounds_epsg32648"],
        },
    )
    record["omitted"] = meta["omitted"]
    record["sources"] = meta["sources"]
    write_provenance(record, target, public=not confidential)
    if meta["published"] is not None:
        write_audit(meta["published"], target)
    return target


__all__ = ["write_page"]
