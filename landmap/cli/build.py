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
    parser.add_argument("project", nargs="?",
                        help="project TOML file (default: data/demo.toml in this folder)")
    parser.add_argument("--project", dest="project_option", metavar="PROJECT.toml",
                        help="the project file, as an option (the same as PROJECT)")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="output folder (default: the project's `output`, maps/ for the demo)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the build and print a short account of it."""
    from landmap.build import build
    from landmap.errors import ProjectError

    def say(line: str) -> None:
        print(line, file=sys.stdout, flush=True)  # noqa: T201

    if args.project and args.project_option and args.project != args.project_option:
        raise ProjectError(
            f"two project files were given: {args.project} and --project {args.project_option}",
            fix="give one project file",
        )
    result = build(args.project or args.project_option, out_dir=args.output, say=say)
    public = result.public
    say(f"done: {len(result.outputs)} files in {result.out_dir} "
        f"({len(public)} in public/, leak check clean)")
    for path in sorted(result.outputs):
        say(f"  {path}")
    return 0
