"""``landmap map``: a quick offline HTML map of any files the loaders read.

``landmap map FILE[:KIND]... -o OUT.html [--popup COL,COL] [--basemap NAME]``

Each FILE is loaded as its KIND (cases, areas, concessions, boundaries), or as the kind the
loaders infer from it. Popups show the listed columns (default: the canonical name, id, type or
kind, date and description columns). The map is one self-contained file that opens without
internet unless ``--basemap`` asks for web tiles.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from landmap.errors import DataValueError, ExportError, PrivacyError
from landmap.schema import LAYER_KINDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``map`` subcommand."""
    p = subparsers.add_parser(
        "map",
        help="draw files on one offline interactive map (HTML)",
        description="Load each FILE (kind inferred, or given as FILE:KIND) and write one "
        "self-contained HTML map that opens without internet.",
    )
    p.add_argument(
        "files",
        metavar="FILE[:KIND]",
        nargs="+",
        help=f"a file the loaders read; KIND is one of {', '.join(LAYER_KINDS)}",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.html",
        type=Path,
        required=True,
        help="the HTML file to write",
    )
    p.add_argument("--popup", metavar="COL,COL", help="columns to show in popups (every layer)")
    p.add_argument("--tooltip", metavar="COL,COL", help="columns to show on hover")
    p.add_argument(
        "--basemap",
        choices=["osm", "satellite"],
        help="web tiles under the data (needs internet to show; default: none, the "
        "boundaries are the background)",
    )
    p.add_argument("--title", help="title shown on the map")
    p.add_argument("--notice", help='banner, e.g. "CONFIDENTIAL — internal use only"')
    p.add_argument(
        "--lang", choices=["en", "km", "both"], default="en", help="language of labels (default en)"
    )
    p.add_argument("--heatmap", action="store_true", help="add a heatmap of cases")
    p.add_argument(
        "--profile",
        choices=["public", "internal"],
        default="public",
        help="public (default): case points masked and sensitive columns dropped, "
        "with an audit beside the map; internal: exact, marked confidential",
    )
    p.add_argument(
        "--online",
        action="store_true",
        help="load Leaflet from its CDN instead of inlining it (smaller file)",
    )
    p.set_defaults(func=run)


def split_spec(spec: str) -> tuple[str, str | None]:
    """Split ``FILE[:KIND]`` (a drive letter or a colon in a name is left alone).

    Examples
    --------
    >>> split_spec("cases.csv:cases")
    ('cases.csv', 'cases')
    >>> split_spec("C:/data/elc.geojson")
    ('C:/data/elc.geojson', None)

    """
    path, sep, kind = spec.rpartition(":")
    if sep and kind in LAYER_KINDS and path:
        return path, kind
    return spec, None


def _columns(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [c.strip() for c in text.split(",") if c.strip()]


def run(args: argparse.Namespace) -> int:
    """Run ``landmap map``; return the exit status."""
    import pandas as pd

    from landmap.io.load import infer_kind, load
    from landmap.render.maps import MapControls, MapFields, MapText, MapView, build_map
    from landmap.schema import label

    if args.output.suffix.lower() not in (".html", ".htm"):
        raise ExportError("the map is an HTML file", path=args.output, fix="name the output .html")
    layers: dict[str, list] = {}
    registers: dict[str, Any] = {}
    out = sys.stdout
    for spec in args.files:
        path, kind = split_spec(spec)
        if not Path(path).exists():
            raise DataValueError(
                "file not found", path=path, fix="check the path (FILE or FILE:KIND)"
            )
        kind = kind or infer_kind(path)
        loaded = load(path, kind)
        data, report = loaded
        layers.setdefault(kind, []).append(data)
        if kind == "cases":
            registers[f"cases {len(registers) + 1}"] = loaded
        out.write(f"{report.summary()}\n")
    if len(registers) == 1:  # one register: it is what the published cases came from
        registers = {"cases": next(iter(registers.values()))}
    frames = {
        k: v[0] if len(v) == 1 else pd.concat(v, ignore_index=True) for k, v in layers.items()
    }
    published = None
    if frames.get("cases") is not None:
        from landmap.privacy import publish

        published = publish(
            frames["cases"],
            args.profile,
            kind="cases",
            name="cases",
            concessions=frames.get("concessions"),
        )
        frames["cases"] = published
        if args.notice is None:
            key = "confidential" if published.confidential else "public"
            args.notice = label("heading", key, args.lang)
    m = build_map(
        cases=frames.get("cases"),
        areas=frames.get("areas"),
        concessions=frames.get("concessions"),
        boundaries=frames.get("boundaries"),
        title=args.title,
        lang=args.lang,
        profile=args.profile,
        text=MapText(notice=args.notice),
        controls=MapControls(heatmap=args.heatmap),
        view=MapView(basemap=args.basemap),
        fields=MapFields(popup=_columns(args.popup), tooltip=_columns(args.tooltip)),
    )
    written = _save(m, args, published, registers)
    size = written.stat().st_size
    out.write(f"wrote {written} ({size / 1e6:.2f} MB{', offline' if not args.online else ''})\n")
    if published is not None and not published.confidential:
        out.write(f"privacy audit: {written}.audit.json (the leak check found nothing)\n")
    return 0


def _save(m, args: argparse.Namespace, published, registers: dict[str, Any]) -> Path:
    """Stage the map (and its audit), run the leak check on a public map, then move it in."""
    import os
    import tempfile

    from landmap.privacy import verify_outputs, write_audit
    from landmap.render.maps import save_map

    target = args.output
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = tempfile.TemporaryDirectory(prefix=".landmap-map-", dir=target.parent)
    except OSError as err:
        raise ExportError(
            f"cannot write into the folder ({err.strerror or err})",
            path=target.parent,
            fix="choose a folder you can write to, on a disk with free space",
        ) from err
    with staging as tmp:
        staged = Path(tmp) / target.name
        files = [save_map(m, staged, offline=not args.online)]
        if published is not None and not published.confidential:
            files.append(write_audit(published, staged))
            findings = verify_outputs(
                files, {"cases": published}, profile=published.profile, registers=registers
            )
            if findings:
                raise PrivacyError(
                    f"the leak check found {len(findings)} problem(s) in the map, so it was not "
                    f"written. First: {findings[0]}",
                    fix="check the popup and tooltip columns and the privacy profile",
                )
        for file in files[1:]:  # the audit first: it is in place when the map appears
            os.replace(file, target.parent / file.name.replace(staged.name, target.name, 1))
        os.replace(staged, target)
    return target


__all__ = ["register", "run", "split_spec"]
