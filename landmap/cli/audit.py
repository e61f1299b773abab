"""``landmap audit EXPORT... --against SOURCE``: the leak check of exported files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from landmap.audit import audit_export
from landmap.privacy.profiles import PUBLIC


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``audit`` subcommand."""
    parser = subparsers.add_parser(
        "audit",
        help="check exported files for names, phone numbers, IDs and exact case locations",
        description=(
            "Scan exported files (HTML, GeoJSON, KML/KMZ, GPKG, SHP.ZIP, CSV, XLSX, PNG, PDF, "
            "or a folder of them) for any sensitive value of the source register and for any "
            "point closer than the minimum radius to a true case location. Prints one line per "
            "leak; exits 1 when anything leaked, 0 when the files are clean."
        ),
    )
    parser.add_argument("export", nargs="+", type=Path, help="exported file(s) or folder(s)")
    parser.add_argument("--against", required=True, type=Path,
                        help="the source case register the exports were made from")
    parser.add_argument("--min-radius", type=float, default=None, metavar="M",
                        help=f"metres; a point closer than this to a case is a leak "
                             f"(default {PUBLIC.min_radius_m:g}; 0 skips the location check)")
    parser.add_argument("--column", action="append", dest="columns", metavar="NAME",
                        help="search only these source columns (repeatable; default: every "
                             "column recognised as sensitive)")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="also write the result as JSON (no sensitive values in it)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the leak check; return 1 when anything leaked."""
    result = audit_export(args.export, args.against, min_radius_m=args.min_radius,
                          columns=args.columns)
    for line in result.lines():
        print(line)  # noqa: T201 - the command's output
    if args.json is not None:
        from landmap.io.atomic import atomic_path

        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), "utf-8")
    sys.stdout.flush()
    return 0 if result.ok else 1
