"""``landmap export``: briefing maps (PNG/PDF) and data files from a project or from plain files.

Examples::

    landmap export data/demo.toml --format png,pdf --lang km --extent "Mondulkiri"
    landmap export cases.xlsx concessions.geojson --format kml,xlsx -o for-partners
    landmap export data/demo.toml --format gpkg --profile internal

With no input, the bundled demo project (``data/demo.toml``) is used. Outputs go into
``maps/public/`` (or ``maps/internal/`` with ``--profile internal``) unless ``-o`` says where.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path
from typing import Any

from landmap.errors import ProjectError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="make briefing maps (PNG/PDF) and data files (GeoPackage, KML, Excel...)",
        description="Make print-ready briefing maps and data files for partners from a project "
        "file or from data files. Public outputs (the default) never contain names, phone "
        "numbers or exact case locations.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  landmap export data/demo.toml --format png,pdf --lang both --extent Mondulkiri\n"
        "  landmap export cases.xlsx concessions.geojson --format kml,xlsx -o for-partners\n"
        "  landmap export data/demo.toml --format gpkg --profile internal",
    )
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="PROJECT.toml | FILE",
        help="a project file, or data files (kind guessed from the columns); "
        "default: the bundled demo project",
    )
    parser.add_argument(
        "-f",
        "--format",
        dest="formats",
        metavar="LIST",
        help="comma-separated: png,pdf,gpkg,geojson,kml,kmz,shp,csv,xlsx "
        "(default: the project's [export] formats plus png,pdf; else png,pdf,gpkg)",
    )
    parser.add_argument(
        "--lang",
        choices=("en", "km", "both"),
        help="language of the map text: English, Khmer or both",
    )
    parser.add_argument("--paper", type=str.upper, choices=("A4", "A3"), help="paper size")
    parser.add_argument("--orientation", choices=("landscape", "portrait"))
    parser.add_argument(
        "--extent",
        metavar="PLACE",
        help="what the map shows: a province (English or Khmer), a concession "
        "id or name, or WEST,SOUTH,EAST,NORTH in degrees (default: everything)",
    )
    parser.add_argument("--title", help="map title (default: the project's title)")
    parser.add_argument("--subtitle", help="map subtitle")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="output folder (default: maps/public or maps/internal)",
    )
    parser.add_argument("--name", help="file name stem (default: the project name)")
    parser.add_argument(
        "--profile",
        choices=("public", "internal"),
        help="public (default): safe to share; internal: everything, marked CONFIDENTIAL",
    )
    parser.add_argument("--dpi", type=int, default=300, help="PNG resolution (default 300)")
    parser.add_argument(
        "--basemap",
        metavar="NAME",
        help="web-tile basemap (needs internet and contextily), e.g. osm",
    )
    parser.set_defaults(func=run)


def _extent(value: str | None) -> Any:
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) == 4:
        try:
            return tuple(float(p) for p in parts)
        except ValueError:
            pass
    return value.strip()


def _load_inputs(inputs: list[str]) -> tuple[dict[str, tuple[str, Any]], Any, dict[str, Any]]:
    """Return ``(layers, project or None, extra)`` from a project file or data files.

    ``extra`` holds the commune layer the project names for masking and the register files of
    the case layers (for the leak check).
    """
    if not inputs:
        from landmap.pipeline import default_project  # the demo, or a message saying where it is

        inputs = [str(default_project())]
    paths = [Path(p) for p in inputs]
    tomls = [p for p in paths if p.suffix.lower() == ".toml"]
    if tomls:
        if len(paths) > 1:
            raise ProjectError(
                "give either one project file or data files, not both.",
                path=tomls[0],
                fix="list the data files in the project instead",
            )
        from landmap.project import Project

        project = Project.from_toml(tomls[0])
        loaded = project.load()
        layers = {spec.name: (spec.kind, loaded[spec.name].data) for spec in project.layers}
        communes_name = project.privacy.get("communes")
        communes = layers[communes_name][1] if communes_name in layers else None
        registers = {spec.name: loaded[spec.name] for spec in project.layers_of("cases")}
        return layers, project, {"communes": communes, "registers": registers}
    from landmap.io.load import infer_kind, load

    layers = {}
    registers = {}
    for path in paths:
        kind = infer_kind(path)
        stem = _layer_name(path)
        name = stem if stem not in layers else f"{stem}_{len(layers)}"
        loaded = load(path, kind)
        layers[name] = (kind, loaded.data)
        if kind == "cases":
            registers[name] = loaded
    return layers, None, {"communes": None, "registers": registers}


def _layer_name(path: Path) -> str:
    """Make a layer name from a file name: letters and digits kept, anything else a ``_``.

    Examples
    --------
    >>> _layer_name(Path("farmers' register #2.csv")), _layer_name(Path("ករណី.xlsx"))
    ('farmers_register_2', 'ករណី')

    """
    stem = path.name.split(".")[0]
    clean = "_".join(
        "".join(
            c if c.isalnum() or unicodedata.category(c)[0] == "M" else " " for c in stem
        ).split()
    )
    return clean[:60] or "layer"


def _publish(
    layers: dict[str, tuple[str, Any]], profile: Any, communes: Any, key: bytes | None
) -> dict[str, tuple[str, Any]]:
    """Publish every case layer once: every file of the export shows the same masked points."""
    from landmap.privacy import publish

    concessions = [layer for kind, layer in layers.values() if kind == "concessions"]
    out = {}
    for name, (kind, layer) in layers.items():
        if kind == "cases":
            layer = publish(
                layer,
                profile,
                kind="cases",
                name=name,
                communes=communes,
                concessions=concessions[0] if len(concessions) == 1 else None,
                key=key,
            )
        out[name] = (kind, layer)
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``landmap export``; return the exit status."""
    from landmap.io.outputs import safe_name
    from landmap.render.briefing.options import Drawing, PageText, Paper
    from landmap.render.briefing.page import check_dpi
    from landmap.render.bundle import export_layers, parse_formats

    name = safe_name(args.name, what="--name") if args.name else None
    check_dpi(args.dpi, png=False)  # a dpi of 0 fails before anything is loaded
    layers, project, extra = _load_inputs(list(args.inputs))
    settings = dict(project.export) if project is not None else {}
    if args.formats:
        formats = parse_formats(args.formats)
    elif settings.get("formats"):
        formats = parse_formats(["png", "pdf", *settings["formats"]])
    else:
        formats = ["png", "pdf", "gpkg"]
    profile_name = args.profile or (
        str(project.privacy.get("profile", "public")) if project is not None else "public"
    )
    profile: Any = profile_name
    if project is not None and args.profile is None:
        profile = project.privacy_profile()
    title: Any = args.title or settings.get("title")
    if title is None and project is not None and project.title:
        title = {"en": project.title, "km": project.title_km or project.title}
    paper = args.paper or settings.get("paper", "A4")
    orientation = args.orientation or settings.get("orientation", "landscape")
    # the PNG's size is estimated before anything is drawn
    check_dpi(args.dpi, paper=paper, orientation=orientation, png="png" in formats)
    base = project.output if project is not None else Path("maps")
    outdir = args.output or (base / profile_name)
    written = export_layers(
        outdir,
        _publish(
            layers,
            profile,
            extra["communes"],
            project.masking_key() if project is not None else None,
        ),
        formats=formats,
        name=name or (project.name if project is not None else "landmap"),
        profile=profile,
        lang=args.lang or settings.get("lang", "en"),
        extent=_extent(args.extent),
        title=title,
        paper=Paper(size=paper, orientation=orientation, dpi=args.dpi),
        text=PageText(subtitle=args.subtitle or settings.get("subtitle")),
        drawing=Drawing(basemap=args.basemap),
        registers=extra["registers"],
        say=lambda line: sys.stdout.write(f"{line}\n"),
    )
    out = sys.stdout
    for path in written:
        out.write(f"wrote {path}\n")
    out.write(
        f"{len(written)} file(s) in {outdir} ({profile_name} profile). What each one left "
        "out is listed in its .provenance.json; public files have an .audit.json, and "
        "the leak check found nothing in them.\n"
    )
    return 0


__all__ = ["register", "run"]
