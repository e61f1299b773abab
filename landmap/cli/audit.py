"""``landmap audit EXPORT... --against SOURCE``: the leak check of exported files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from landmap.cli.options import pairs
from landmap.leakcheck import audit_export


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``audit`` subcommand."""
    parser = subparsers.add_parser(
        "audit",
        help="check exported files for the register's non-public values and exact locations",
        description=(
            "Scan exported files (HTML, GeoJSON, KML/KMZ, GPKG, SHP.ZIP, CSV, XLSX, PNG, PDF, "
            "archives, or a folder of them) for every value of every column of the source "
            "register that the profile does not publish, and for any point closer than the "
            "minimum radius to a true case location. Prints one line per finding (anything "
            "that cannot be opened is one); exits 1 when there is any, 0 when the files are "
            "clean."
        ),
    )
    parser.add_argument("export", nargs="+", type=Path, help="exported file(s) or folder(s)")
    parser.add_argument(
        "--against",
        required=True,
        type=Path,
        help="the source case register the exports were made from",
    )
    parser.add_argument(
        "--profile",
        choices=("public", "internal"),
        default="public",
        help="the profile the export was made with: every column it does not "
        "publish is searched (default public; internal checks nothing)",
    )
    parser.add_argument(
        "--min-radius",
        type=float,
        default=None,
        metavar="M",
        help="metres; a point closer than this to a case is a leak (default: "
        "the profile's minimum displacement; 0 skips the location check)",
    )
    parser.add_argument(
        "--column",
        action="append",
        dest="columns",
        metavar="NAME=COLUMN",
        help="the register's column mapping, as for landmap check: "
        "--column date='Date of incident' (repeatable)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the result as JSON (no sensitive values in it)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the leak check; return 1 when there is any finding."""
    columns = pairs(args.columns, example="date='Date of incident'", empty_value=False)
    result = audit_export(
        args.export,
        args.against,
        profile=args.profile,
        min_radius_m=args.min_radius,
        columns=columns,
    )
    for line in result.lines():
        print(line)  # noqa: T201 - the command's output
    if args.json is not None:
        from landmap.io.atomic import atomic_path

        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), "utf-8")
    sys.stdout.flush()
    return 0 if result.ok else 1
