"""The ``landmap`` command.

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` (a callable taking the parsed arguments and returning an
exit code). User mistakes surface as :class:`~landmap.errors.LandmapError`: they are printed on one
line, without a traceback, and the command exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from landmap import __version__
from landmap.errors import LandmapError

#: Subcommand modules, in the order ``landmap --help`` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "build",
    "check",
    "overlap",
    "map",
    "export",
    "audit",
    "raster_stats",
    "register",
    "places",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="landmap",
        description="Land-rights mapping: load, check, analyse and map cases and concessions.",
    )
    parser.add_argument("--version", action="version", version=f"landmap {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"landmap.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"landmap.cli.{name}":
                continue  # subcommand not available in this build
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from landmap.progress import Progress, use

    # long steps of every command (loading, raster statistics, the leak check) show progress
    # on a terminal; ``landmap build`` sets its own (-q, --progress)
    terminal = sys.stderr.isatty()
    try:
        with use(Progress(enabled=terminal and not getattr(args, "quiet", False),
                          bars=terminal)):
            return int(args.func(args) or 0)
    except LandmapError as err:
        from landmap.report import for_command_line  # the command's own option names

        print(f"landmap {args.command}: error: {for_command_line(str(err))}",  # noqa: T201
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("landmap: interrupted; no output was left half-written.", file=sys.stderr)  # noqa: T201
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
