"""Write a set of outputs in one call: briefing PNG/PDF and data files for named layers.

This is what ``landmap export`` and the main job call: the layers (by name, each with its kind)
go once through the briefing-map renderer for ``png``/``pdf`` and through :func:`write_data`
for the data formats. Case layers are combined on the map and kept apart in the data files.
Public case layers arrive already published (one masking draw for the whole set).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.errors import DataValueError, PrivacyError
from landmap.io.outputs import OutputSet, safe_name, staged_files
from landmap.privacy import (
    PrivacyProfile,
    for_output,
    get_profile,
    merge,
    verify_outputs,
    write_audit,
)
from landmap.render.briefing.options import Drawing, PageText, Paper, Text
from landmap.render.briefing.page import briefing_maps, layer_sources
from landmap.render.formats.write import frame_of, table_kind, write_data
from landmap.render.parallel import Background
from landmap.schema import Lang

log = logging.getLogger(__name__)

#: Format names a user may ask for, and the file ending each one writes.
FORMATS: dict[str, str] = {
    "png": ".png",
    "pdf": ".pdf",
    "gpkg": ".gpkg",
    "geojson": ".geojson",
    "kml": ".kml",
    "kmz": ".kmz",
    "shp": ".shp.zip",
    "csv": ".csv",
    "xlsx": ".xlsx",
}
#: Formats written by a second process when a set has several data files.
_ASIDE = ("xlsx", "gpkg")
_ALIASES = {
    "shapefile": "shp",
    "shp.zip": "shp",
    "json": "geojson",
    "excel": "xlsx",
    "geopackage": "gpkg",
    "jpg": "png",
}


def parse_formats(value: str | Sequence[str]) -> list[str]:
    """Return the format names of ``"png,pdf,gpkg"`` (or a list), checked and de-duplicated.

    Examples
    --------
    >>> parse_formats("PNG, pdf,Shapefile")
    ['png', 'pdf', 'shp']

    """
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for raw in items:
        name = str(raw).strip().lower().lstrip(".")
        if not name:
            continue
        name = _ALIASES.get(name, name)
        if name not in FORMATS:
            raise DataValueError(
                f"unknown output format {raw!r}.", fix="choose from " + ", ".join(FORMATS)
            )
        if name not in out:
            out.append(name)
    if not out:
        raise DataValueError("no output format was given.", fix="e.g. --format png,pdf,gpkg")
    return out


def _combined(
    layers: Mapping[str, tuple[str, Any]],
    kind: str,
    profile: PrivacyProfile,
    level: str | None = None,
) -> Any:
    """One layer of ``kind`` for the briefing map: case layers merged as published layers."""
    items = [(n, layer) for n, (k, layer) in layers.items() if k == kind]
    if kind == "cases":
        published = [
            for_output(layer, profile, kind="cases", what="the briefing map", name=n)
            for n, layer in items
        ]
        published = [p for p in published if len(p)]
        return merge(published, name="cases") if published else None
    parts = [frame_of(layer) for _, layer in items]
    parts = [p.to_crs("EPSG:4326") for p in parts if len(p)]
    if level is not None:
        parts = [
            p[p["level"].astype("string").eq(level).fillna(False).astype(bool)]
            for p in parts
            if "level" in p
        ]
        parts = [p for p in parts if len(p)]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    out = gpd.GeoDataFrame(
        pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    out.attrs = parts[0].attrs  # attribution of the first source; others listed in provenance
    return out


def _published_table(name: str, table: Any, profile: PrivacyProfile) -> Any:
    """Pass a table through the gate once for every format (one of unknown kind as it is)."""
    kind = table_kind(name, table)
    return table if kind in (None, "cases") else for_output(table, profile, kind=kind, name=name)


def start_briefing(
    folder: Path,
    layers: Mapping[str, tuple[str, Any]],
    *,
    formats: Sequence[str],
    name: str,
    profile: PrivacyProfile,
    briefing: Mapping[str, Any],
) -> Background | None:
    """Start drawing the set's briefing maps (PNG/PDF) in a second process.

    The drawing (a few seconds of matplotlib and 300-dpi saving) shares no file with the data
    files, so the caller goes on with other work and hands the result to :func:`write_set`.

    Parameters
    ----------
    folder, layers, formats, name, profile, briefing
        As for :func:`write_set`.

    Returns
    -------
    Background or None
        The drawing under way (:class:`~landmap.render.parallel.Background`), or ``None`` when
        ``formats`` has neither ``png`` nor ``pdf``.

    """
    maps = [folder / f"{name}{FORMATS[f]}" for f in formats if f in ("png", "pdf")]
    if not maps:
        return None
    # the sources of every layer of the set (a merged layer keeps only its first one's)
    text = briefing.get("text") or PageText()
    sources = layer_sources([frame_of(layer) for _, layer in layers.values()], text.sources)
    briefing = {**briefing, "text": dataclasses.replace(text, sources=sources)}
    return Background(
        briefing_maps,
        maps,
        cases=_combined(layers, "cases", profile),
        areas=_combined(layers, "areas", profile),
        concessions=_combined(layers, "concessions", profile),
        boundaries=_combined(layers, "boundaries", profile, "province"),
        profile=profile,
        **briefing,
    )


def write_set(
    folder: Path,
    layers: Mapping[str, tuple[str, Any]],
    *,
    formats: Sequence[str],
    name: str,
    tables: Mapping[str, pd.DataFrame] | None,
    profile: PrivacyProfile,
    briefing: Mapping[str, Any],
    share_m: float | None = None,
    drawing: Background | None = None,
) -> list[Path]:
    """Write briefing maps and data files into ``folder`` (no staging: the caller's job).

    ``share_m``: GeoJSON and KML in their version for sharing, outlines simplified at this many
    metres (:mod:`landmap.render.formats.sharing`); full resolution when ``None``. ``drawing``: the
    briefing maps already started with :func:`start_briefing` (the same arguments); by default
    they are started here and drawn while the data files are written.
    """
    if drawing is None:
        drawing = start_briefing(
            folder, layers, formats=formats, name=name, profile=profile, briefing=briefing
        )
    with drawing or contextlib.nullcontext():
        data = _write_data_files(
            folder,
            layers,
            formats=formats,
            name=name,
            tables=tables,
            profile=profile,
            briefing=briefing,
            share_m=share_m,
        )
        return [*(drawing.result() if drawing is not None else []), *data]


def _write_data_files(
    folder: Path,
    layers: Mapping[str, tuple[str, Any]],
    *,
    formats: Sequence[str],
    name: str,
    tables: Mapping[str, pd.DataFrame] | None,
    profile: PrivacyProfile,
    briefing: Mapping[str, Any],
    share_m: float | None,
) -> list[Path]:
    """Write the data files (every format but PNG and PDF) and each case layer's audit."""
    written: list[Path] = []
    kinds = {n: k for n, (k, _) in layers.items()}
    # every layer and table but the case layers goes through the gate once for all formats
    data = {
        n: layer if k == "cases" else for_output(layer, profile, kind=k, name=n)
        for n, (k, layer) in layers.items()
    }
    tables = {n: _published_table(n, t, profile) for n, t in (tables or {}).items()}
    common = {"profile": profile, "kinds": kinds, "lang": briefing.get("lang", Lang.EN)}

    def write(fmt: str) -> Path:
        return write_data(folder / f"{name}{FORMATS[fmt]}", data, tables, share_m=share_m, **common)

    # with several files to write, the spreadsheet and the GeoPackage (about half the work) are
    # written by a second process meanwhile; the files are listed in the order of ``formats``
    files = [f for f in formats if f not in ("png", "pdf", "csv")]
    aside = [f for f in files if f in _ASIDE] if len(files) > 1 else []
    with (
        Background(lambda: {f: write(f) for f in aside})
        if aside
        else contextlib.nullcontext() as job
    ):
        done = {f: write(f) for f in files if f not in aside}
        done.update(job.result() if job is not None else {})
    for fmt in formats:
        if fmt in done:
            written.append(done[fmt])
        elif fmt == "csv":
            for item, frame in [*data.items(), *(tables or {}).items()]:
                target = folder / f"{name}-{safe_name(item, what='layer name')}.csv"
                written.append(
                    write_data(
                        target,
                        {item: frame} if item in data else None,
                        None if item in data else {item: frame},
                        **common,
                    )
                )
    for item, (kind, layer) in layers.items():  # each case layer's audit, once per set
        if kind == "cases" and not profile.confidential:
            published = for_output(layer, profile, kind="cases", name=item)
            written.append(write_audit(published, folder / f"{name}-{item}"))
    return written


def export_layers(
    outdir: str | os.PathLike[str],
    layers: Mapping[str, tuple[str, Any]],
    *,
    formats: Sequence[str] = ("png", "pdf", "gpkg"),
    name: str = "landmap",
    tables: Mapping[str, pd.DataFrame] | None = None,
    profile: str | PrivacyProfile = "public",
    lang: Lang | str = Lang.EN,
    extent: Any = None,
    title: Text = None,
    paper: Paper | None = None,
    text: PageText | None = None,
    drawing: Drawing | None = None,
    registers: Mapping[str, str | os.PathLike[str]] | None = None,
    say: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write briefing maps and data files for named layers into ``outdir``, as one set.

    Every file is written into a staging folder inside ``outdir`` first; a public set is then
    checked by the leak check, and only a clean set is moved into place, all together
    (:class:`~landmap.io.outputs.OutputSet`). Files in ``outdir`` that landmap did not write are
    never replaced or removed.

    Parameters
    ----------
    outdir
        Folder for the outputs (created if needed).
    layers
        ``{name: (kind, layer)}`` with kinds ``cases``, ``areas``, ``concessions``,
        ``boundaries``. Under a public profile case layers must be
        :class:`~landmap.privacy.PublishedLayer` objects (:func:`landmap.privacy.publish`, once
        for the whole set); every file then shows the same masked points.
    formats
        Any of ``png pdf gpkg geojson kml kmz shp csv xlsx``. CSV writes one file per layer and
        table (``<name>-<layer>.csv``).
    name
        Stem of the file names (letters, digits, ``-``, ``_``; it cannot leave ``outdir``).
    tables
        Result tables for the data formats (GeoPackage, XLSX, CSV, zipped Shapefile).
    profile, lang, extent, title, paper, text, drawing
        As for :func:`~landmap.render.briefing.page.briefing_map` and :func:`write_data`.
    registers
        ``{layer name: register file}``: the leak check also searches these files (so that the
        values of rows the loader rejected are searched too).
    say
        Called with one line for each thing the user should know about the folder (the
        leftovers of an interrupted run removed, an output changed since landmap wrote it and
        therefore kept); ``logging`` at INFO level when ``None``.

    Returns
    -------
    list of Path
        Every file written, with the set's ledger ``<name>.manifest.json``.

    Raises
    ------
    PrivacyError
        Raw case data in a public set, or the leak check found something (nothing is written).
    ExportError
        A file landmap did not write is in the way, or the files could not be moved in.

    """
    prof = get_profile(profile)
    formats = parse_formats(formats)
    name = safe_name(name, what="export name")
    for item in layers:
        safe_name(item, what="layer name")
    briefing = {
        "lang": lang,
        "extent": extent,
        "title": title,
        "paper": paper,
        "text": text,
        "drawing": drawing,
    }
    # staged beside the folder where possible: a folder of exports is shared whole, and an
    # interrupted run must not leave a second masking draw inside it, even hidden
    with OutputSet(outdir, ledger=f"{name}.manifest.json", stage_beside=True) as out:
        write_set(
            out.staging,
            layers,
            formats=formats,
            name=name,
            tables=tables,
            profile=prof,
            briefing=briefing,
        )
        cases = {n: layer for n, (k, layer) in layers.items() if k == "cases"}
        findings = (
            []
            if prof.confidential
            else verify_outputs(
                list(staged_files(out.staging)), cases, profile=prof, registers=registers
            )
        )
        if findings:
            raise PrivacyError(
                f"the leak check found {len(findings)} problem(s), so nothing was written to "
                f"{outdir}. First: {findings[0]}",
                fix="check the privacy settings (profile, keep, allow_free_text) and run again",
            )
        written = out.commit({"operation": "landmap export", "profile": prof.name})
    for note in out.notes:
        (say or log.info)(note)
    for path in written:
        log.info("wrote %s", path)
    return written


__all__ = ["FORMATS", "export_layers", "parse_formats", "write_set"]
