"""``landmap build [PROJECT.toml | --project PROJECT.toml] [-o DIR]``: the main job."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``build`` subcommand."""
    parser = subparsers.add_parser(
        "build",
        help="load, check, analyse, map and export a whole project (default: the bundled demo)",
        description=(
            "Run the main job on a project file: load every layer (with a load report), "
            "measure overlaps, make the interactive and briefing maps and the tables. "
            "Outputs go to DIR/internal (exact, confidential) and DIR/public (masked, "
            "leak-checked)."
        ),
    )
    parser.add_argument(
        "project", nargs="?", help="project TOML file (default: data/demo.toml in this folder)"
    )
    parser.add_argument(
        "--project",
        dest="project_option",
        metavar="PROJECT.toml",
        help="the project file, as an option (the same as PROJECT)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="output folder (default: the project's `output`, maps/ for the demo)",
    )
    parser.add_argument(
        "--full-resolution",
        action="store_true",
        default=None,
        help="public GeoJSON and KML with every vertex (default: the version "
        "for sharing, outlines simplified at 10 m)",
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress and no account of the steps: print only the final "
        "line (errors still show)",
    )
    shown.add_argument(
        "--progress",
        action="store_true",
        help="show the time of each step on standard error even when it is not "
        "a terminal (a log file); by default only on a terminal",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the build and print a short account of it."""
    from landmap.errors import ProjectError
    from landmap.pipeline import build
    from landmap.progress import Progress

    quiet = bool(getattr(args, "quiet", False))

    def say(line: str) -> None:
        if not quiet:
            print(line, file=sys.stdout, flush=True)  # noqa: T201

    if args.project and args.project_option and args.project != args.project_option:
        raise ProjectError(
            f"two project files were given: {args.project} and --project {args.project_option}",
            fix="give one project file",
        )
    terminal = sys.stderr.isatty()
    progress = Progress(enabled=not quiet and (args.progress or terminal), bars=terminal)
    result = build(
        args.project or args.project_option,
        out_dir=args.output,
        say=say,
        full_resolution=args.full_resolution,
        progress=progress,
    )
    public = result.public
    print(  # noqa: T201
        f"done: {len(result.outputs)} files in {result.out_dir} "
        f"({len(public)} in public/, leak check clean) in "
        f"{sum(result.seconds.values()):.1f} s",
        flush=True,
    )
    for path in sorted(result.outputs):
        say(f"  {path}")
    return 0
