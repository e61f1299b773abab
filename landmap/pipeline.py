"""The main job: load, check, analyse, map and export a whole project in one call.

``landmap build [PROJECT.toml] [-o DIR]`` runs :func:`build`. With no project it runs the
bundled demo (``data/demo.toml``). The output folder gets two sub-folders so that an advocate
knows what may leave the office:

- ``internal/`` — exact locations and every column: the load report, the full interactive map
  (marked confidential), case-level tables and a GeoPackage of every layer.
- ``public/`` — made with the project's privacy profile: the masked interactive map, the
  briefing PNG/PDF, data files, overlap and summary tables computed on the true locations, the
  privacy audit; the leak check runs on every file in it before the job reports success.

``manifest.json`` at the top lists every output with its SHA-256 and the provenance of the run.
It is also the ledger of what the build wrote: the next build replaces or removes only those
files and leaves every other file in the folder alone (:class:`landmap.io.outputs.OutputSet`).
Case layers are published once per build (:func:`landmap.privacy.publish`), so every public
file shows the same masked points.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.errors import PrivacyError
from landmap.io.cells import write_csv
from landmap.io.load import Loaded
from landmap.io.old_outputs import remove_old_staging
from landmap.io.outputs import OutputSet, staged_files
from landmap.io.report import combine_reports
from landmap.privacy import (
    PublishedLayer,
    get_profile,
    merge,
    publish,
    verify_outputs,
    write_audit,
)
from landmap.progress import Progress, current, use
from landmap.project.demo import default_project
from landmap.provenance import make_provenance
from landmap.render.formats.sharing import SHARE_TOLERANCE_M, sharing_note
from landmap.schema import Lang

log = logging.getLogger(__name__)

Say = Callable[[str], None]


@dataclass
class BuildResult:
    """What :func:`build` made.

    Attributes
    ----------
    out_dir
        The output folder.
    outputs
        Every file written, internal and public.
    reports
        The load report of every layer, by layer name.
    tables
        The analysis tables, by name (true locations; internal).
    audit_findings
        Findings of the leak check on ``public/`` (empty when nothing leaked).
    seconds
        Wall time of each step.
    """

    out_dir: Path
    outputs: list[Path] = field(default_factory=list)
    reports: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    audit_findings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def public(self) -> list[Path]:
        """Outputs meant for sharing."""
        return [p for p in self.outputs if p.relative_to(self.out_dir).parts[:1] == ("public",)]


def _combine(layers: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
    layers = [g for g in layers if g is not None and len(g)]
    if not layers:
        return None
    if len(layers) == 1:
        return layers[0]
    out = gpd.GeoDataFrame(
        pd.concat(layers, ignore_index=True), geometry="geometry", crs=layers[0].crs
    )
    out.attrs = dict(layers[0].attrs)
    return out


def _forest_tables(
    raster: Path, polygons: dict[str, gpd.GeoDataFrame], *, forest: int, quiet: bool
) -> dict[str, pd.DataFrame]:
    """Return the forest cover table of each polygon layer (quiet: no progress bar)."""
    from landmap.raster import forest_cover

    with use(Progress(enabled=False)) if quiet else contextlib.nullcontext():
        return {
            name: forest_cover(raster, layer, forest=forest) for name, layer in polygons.items()
        }


class _Run:
    """State of one build: the project, its loaded layers, and the outputs written so far."""

    def __init__(
        self, project: Any, out_dir: Path, say: Say, seed: int | None, share_m: float | None
    ) -> None:
        self.project = project
        self.share_m = share_m
        self.out = out_dir
        self.say = say
        self.seed = seed
        self.result = BuildResult(out_dir=out_dir)
        self.loaded: dict[str, Loaded] = {}
        self.cases: gpd.GeoDataFrame | None = None  # every case layer, true locations
        self.overlaps: gpd.GeoDataFrame | None = None  # overlap polygons, for the maps
        self._published: dict[str, PublishedLayer] | None = None
        self.background: dict[str, Any] = {}  # work started in a second process, by step

    # -- helpers ------------------------------------------------------------------------------
    def names(self, key: str, kind: str) -> list[str]:
        """Layer names the [analysis] table lists under ``key``, else every layer of ``kind``."""
        listed = self.project.analysis.get(key)
        if listed:
            return [n for n in listed if n in self.loaded]
        return [s.name for s in self.project.layers_of(kind) if s.name in self.loaded]

    def layer(self, name: str) -> gpd.GeoDataFrame:
        return self.loaded[name].data

    def layers(self, key: str, kind: str) -> gpd.GeoDataFrame | None:
        return _combine([self.layer(n) for n in self.names(key, kind)])

    def boundary(self, level: str) -> gpd.GeoDataFrame | None:
        for spec in self.project.layers_of("boundaries"):
            data = self.loaded.get(spec.name)
            if data is not None and len(data.data) and (data.data["level"] == level).all():
                return data.data
        return None

    def wrote(self, *paths: Path) -> None:
        self.result.outputs.extend(Path(p) for p in paths)

    def table(self, name: str, frame: pd.DataFrame, *, public: bool) -> None:
        from landmap.analysis import write_table

        self.result.tables[name] = frame
        folder = self.out / ("public" if public else "internal") / "tables"
        self.wrote(write_table(frame, folder / f"{name}.csv", public=public))

    def step(self, name: str, func: Callable[[], None]) -> None:
        progress = current()
        with progress.step(name):
            func()
        self.result.seconds[name] = progress.seconds[name]

    # -- steps --------------------------------------------------------------------------------
    def load(self) -> None:
        self.loaded = self.project.load()
        for name, item in self.loaded.items():
            self.result.reports[name] = item.report
            self.say(f"  {item.report.summary()}")
        report = combine_reports(list(self.result.reports.values()))
        self.wrote(write_csv(report, self.out / "internal" / "load_report.csv"))

    def analyse(self) -> None:
        from landmap.analysis.project_tables import project_tables

        # drawn meanwhile in second processes; collected by the raster and exports steps
        self.start_raster()
        self.start_briefing()
        concessions = self.layers("concessions", "concessions")
        if concessions is None:
            self.say("  no concession layer: overlap analysis skipped")
            return
        areas = {n: self.layer(n) for n in self.names("areas", "areas")}
        cases = self.layers("cases", "cases")
        for name, frame, public in project_tables(
            concessions,
            areas,
            cases=cases,
            boundaries={
                level: self.boundary(level) for level in ("province", "district", "commune")
            },
            within_m=float(self.project.analysis.get("within_m", 0) or 0),
            crs=self.project.metric_crs,  # the project's CRS for every hectare and metre
            say=self.say,
        ):
            self.table(name, frame, public=public)
        overlaps = [self.result.tables[f"overlap_{n}"] for n in areas]
        self.overlaps = _combine([o for o in overlaps if isinstance(o, gpd.GeoDataFrame)])
        if cases is not None:
            self.cases = cases
            self.public_summaries(cases, concessions)

    def public_summaries(self, cases: gpd.GeoDataFrame, concessions: gpd.GeoDataFrame) -> None:
        """Write counts per concession and per commune, from true locations."""
        from landmap.privacy.summary import public_summary

        summaries = public_summary(
            cases,
            concessions=concessions,
            communes=self.boundary("commune"),
            profile=self.project.privacy_profile(),
        )
        for name, frame in summaries.items():
            self.table(f"public_{name}", frame, public=True)

    def start_raster(self) -> None:
        """Start the forest statistics in a second process (they need only the loaded layers)."""
        from landmap.render.parallel import Background, forking

        spec = self.project.rasters.get("forest")
        if spec is None:
            return
        forest_value = next((v for v, term in spec.classes.items() if term == "forest"), 1)
        polygons = {n: self.layer(n) for n in self.names("concessions", "concessions")}
        polygons.update({n: self.layer(n) for n in self.names("areas", "areas")})
        self.background["raster"] = Background(
            _forest_tables, spec.path, polygons, forest=forest_value, quiet=forking()
        )

    def raster(self) -> None:
        job = self.background.pop("raster", None)
        if job is None:
            return
        with job:
            tables = job.result()
        for name, table in tables.items():
            self.table(f"forest_cover_{name}", table, public=True)
        path = self.project.rasters["forest"].path
        self.say(f"  forest cover from {path.name} for {', '.join(tables)}")

    def _map(self, cases: Any, path: Path, *, notice: str, profile: Any) -> None:
        from landmap.render.maps.project_map import project_map
        from landmap.render.maps.save import save_map

        m = project_map(
            cases=cases,
            areas=self.layers("areas", "areas"),
            concessions=self.layers("concessions", "concessions"),
            overlaps=self.overlaps,
            boundaries=self.boundary("province"),
            settings=self.project.map,
            title=self.project.title,
            title_km=self.project.title_km,
            notice=notice,
            profile=profile,
            forest=self.project.rasters.get("forest"),
        )
        self.wrote(save_map(m, path, offline=True))

    def maps(self) -> None:
        from landmap.schema import label

        self._map(
            self.cases,
            self.out / "internal" / "map.html",
            notice=label("heading", "confidential", Lang.BOTH),
            profile="internal",
        )
        cases = [p for p in self.published().values() if len(p)]
        self._map(
            merge(cases, name="cases") if cases else None,
            self.out / "public" / "map.html",
            notice=label("heading", "public", Lang.BOTH),
            profile=self.project.privacy_profile(),
        )

    def published(self) -> dict[str, PublishedLayer]:
        """Every case layer as the public outputs show it: published once for the whole run.

        Every public file of a run shows the same masked points (several independent draws of
        one case would average out towards its true location). The public audit goes beside
        the public files; the per-case detail stays in ``internal/``.
        """
        if self._published is None:
            self._published = {}
            for name, item in self.loaded.items():
                if item.report.kind != "cases":
                    continue
                result = publish(
                    item.data,
                    self.project.privacy_profile(),
                    kind="cases",
                    name=name,
                    communes=self.boundary("commune"),
                    concessions=self.layers("concessions", "concessions"),
                    seed=self.seed,
                    key=self.project.masking_key(),
                )
                self.wrote(
                    write_audit(result, self.out / "public" / name),
                    write_audit(result, self.out / "internal" / name, internal=True),
                )
                points = result.audit["points"]
                self.say(
                    f"  {name}: {len(result)} of {len(item.data)} cases published, "
                    f"{points.get('moved', 0)} moved "
                    f"({points.get('distance_m', {})} m); "
                    f"{points.get('left_out', 0)} left out (see the audit)"
                )
                self._published[name] = result
        return self._published

    def _public_set(self) -> dict[str, Any]:
        """Return the public set's layers (case layers as published for the run) and settings."""
        from landmap.render.briefing.options import Orientation, Paper, PaperSize
        from landmap.render.bundle import parse_formats

        settings = dict(self.project.export)
        settings.pop("full_resolution", None)
        formats = list(settings.pop("formats", ["gpkg"]))
        lang = settings.get("lang", Lang.EN)
        title = {Lang.EN: self.project.title, Lang.KM: self.project.title_km or self.project.title}
        briefing = {
            "lang": lang,
            "title": title if lang != Lang.EN else title[Lang.EN],
            "extent": settings.get("extent"),
            "paper": Paper(
                size=settings.get("paper", PaperSize.A4),
                orientation=settings.get("orientation", Orientation.LANDSCAPE),
            ),
        }
        layers = {
            name: (item.report.kind, self.published().get(name, item.data))
            for name, item in self.loaded.items()
        }
        return {
            "folder": self.out / "public",
            "layers": layers,
            "name": "landmap-public",
            "formats": parse_formats(["png", "pdf", *formats]),
            "profile": self.project.privacy_profile(),
            "briefing": briefing,
        }

    def start_briefing(self) -> None:
        """Start drawing the public briefing maps in a second process (they need no table).

        They are drawn while the analysis, raster statistics, interactive maps and data files
        are made, and collected by :meth:`exports`.
        """
        from landmap.render.bundle import start_briefing

        drawing = start_briefing(**self._public_set())
        if drawing is not None:
            self.background["briefing"] = drawing

    def exports(self) -> None:
        from landmap.render.bundle import write_set

        lang = self.project.export.get("lang", Lang.EN)
        layers = {name: (item.report.kind, item.data) for name, item in self.loaded.items()}
        public_tables = {
            k: v
            for k, v in self.result.tables.items()
            if (self.out / "public" / "tables" / f"{k}.csv") in self.result.outputs
        }
        # internal: every layer, every table, exact points, marked confidential
        self.wrote(
            *write_set(
                self.out / "internal",
                layers,
                formats=["gpkg"],
                name="landmap-internal",
                tables=self.result.tables,
                profile=get_profile("internal"),
                briefing={"lang": lang},
            )
        )
        # public: briefing maps and data files, case layers as published once for the run
        drawing = self.background.pop("briefing", None)
        self.wrote(
            *write_set(
                **self._public_set(), tables=public_tables, share_m=self.share_m, drawing=drawing
            )
        )

    def audit(self) -> None:
        """Run the leak check on every file in ``public/`` against every case layer.

        Each register is read again as the loader read it, so that the values of rows the loader
        rejected are searched for too.
        """
        files = list(staged_files(self.out / "public"))
        registers = {
            spec.name: self.loaded[spec.name]
            for spec in self.project.layers_of("cases")
            if spec.name in self.loaded
        }
        findings = verify_outputs(
            files, self.published(), registers=registers, profile=self.project.privacy_profile()
        )
        self.result.audit_findings.extend(findings)
        self.say(
            f"  leak check: {len(files)} public files against "
            f"{len(self.published())} case layer(s), {len(findings)} findings"
        )

    def manifest(self) -> dict[str, Any]:
        """Return the provenance of the run (the ledger's other fields)."""
        record = make_provenance(
            inputs=[spec.path for spec in self.project.layers]
            + [r.path for r in self.project.rasters.values()],
            crs=self.project.metric_crs,
            operation="landmap build",
            parameters={
                "project": str(self.project.path),
                "privacy": dict(self.project.privacy),
                "analysis": dict(self.project.analysis),
            },
        )
        record["seconds"] = self.result.seconds
        record["public_geojson_kml"] = {
            "resolution": sharing_note(self.share_m),
            "simplified_m": self.share_m,
        }
        return record


def build(
    project: str | os.PathLike[str] | None = None,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    say: Say | None = None,
    full_resolution: bool | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Run the main job on a project: load, check, analyse, map, export and audit.

    Parameters
    ----------
    project
        A project TOML file; the bundled demo project when ``None``.
    out_dir
        Output folder; the project's ``output`` setting when ``None``.
    seed
        Seed of the geomasking (tests only). By default a fresh random seed is drawn for every
        run and never written out.
    say
        Called with one line per message about what was done (``print`` on the command line).
    full_resolution
        Write the public GeoJSON and KML at full resolution; by default (``None``: the
        project's ``[export] full_resolution``, else ``False``) they are the versions for
        sharing, outlines simplified at :data:`~landmap.render.formats.sharing.SHARE_TOLERANCE_M`
        metres (the file, its provenance and ``manifest.json`` say which).
    progress
        Where the time of each step and the progress bars go
        (:class:`landmap.progress.Progress`); by default :func:`landmap.progress.current`.

    Returns
    -------
    BuildResult
        The outputs, load reports, tables and the leak-check findings.

    Raises
    ------
    ProjectError
        The project file is malformed or names a missing file or column.
    PrivacyError
        The leak check found a sensitive value or an exact location in ``public/``.
    """
    from landmap.project import Project

    say = say or log.info
    path = Path(project) if project is not None else default_project()
    proj = Project.from_toml(path)
    out = Path(out_dir) if out_dir is not None else proj.output
    if full_resolution is None:
        full_resolution = bool(proj.export.get("full_resolution", False))
    say(f"landmap build: {proj.name} ({path}) -> {out}")
    with use(progress or current()):
        return _build(
            proj, out, say=say, seed=seed, share_m=None if full_resolution else SHARE_TOLERANCE_M
        )


def _build(
    proj: Any, out: Path, *, say: Say, seed: int | None, share_m: float | None
) -> BuildResult:
    # Everything is written into a staging folder inside the output folder and moved into place
    # only when the whole job, leak check included, has succeeded: a failed or interrupted
    # build never leaves a mix of old and new files, or an unchecked public/ folder, and files
    # in the output folder that the build did not write are never touched.
    with OutputSet(out, ledger="manifest.json") as staged:
        for note in staged.notes + remove_old_staging(out):
            say(f"  {note}")
        run = _Run(proj, staged.staging, say, seed, share_m)
        try:
            for name, step in (
                ("load", run.load),
                ("analyse", run.analyse),
                ("raster", run.raster),
                ("maps", run.maps),
                ("exports", run.exports),
                ("audit", run.audit),
            ):
                run.step(name, step)
        finally:
            for job in run.background.values():  # a step failed: stop them before cleaning up
                job.__exit__(None, None, None)
        if run.result.audit_findings:
            findings = [
                f.replace(str(staged.staging), str(out / REJECTED))
                for f in run.result.audit_findings
            ]
            (staged.staging / "leak_check.txt").write_text("\n".join(findings) + "\n", "utf-8")
            rejected = staged.keep_aside(REJECTED)
            raise PrivacyError(
                f"the leak check found {len(findings)} problem(s) in the public outputs, so "
                f"nothing was published in {out}; the outputs are kept for inspection in "
                f"{rejected} (leak_check.txt). First: {findings[0]}",
                fix="check the privacy settings of the project and run the build again",
            )
        seen = len(staged.notes)
        written = staged.commit(run.manifest())
        for note in staged.notes[seen:]:
            say(f"  {note}")
    run.result.outputs = written
    run.result.out_dir = out
    return run.result


#: Folder (inside the output folder) where a build the leak check rejected is kept.
REJECTED = "rejected"

__all__ = ["BuildResult", "REJECTED", "build", "default_project"]
