"""The ``landmap`` command.

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` (a callable taking the parsed arguments and returning an
exit code). User mistakes surface as :class:`~landmap.errors.LandmapError`: they are printed on one
line, without a traceback, and the command exits with status 2. So are the operating system's
refusals that no step turned into a LandmapError (a read-only folder, a full disk) and running
out of memory.

Everything the command prints goes through :class:`~landmap.terminal.EscapingWriter`: a control
character from the data (an ANSI escape in a case id) is shown escaped, never sent to the
terminal. Warnings from the libraries underneath (pandas, pyogrio/GDAL, matplotlib) are not
printed: the loaders turn those that matter into report lines, and ``-v`` logs the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import logging
import sys
import warnings
from collections.abc import Iterator, Sequence

from landmap import __version__
from landmap.errors import LandmapError, LandmapWarning
from landmap.terminal import EscapingWriter, printable

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


#: What to do about an operating-system error, by errno.
_OS_FIXES = {
    errno.EROFS: "the disk is mounted read-only: write to another folder (-o DIR)",
    errno.EACCES: "you may not write there: choose a folder you can write to (-o DIR) or ask "
    "for write permission on it",
    errno.EPERM: "you may not write there: choose a folder you can write to (-o DIR)",
    errno.ENOSPC: "the disk is full: free some space on it, or write to another disk (-o DIR)",
    errno.EDQUOT: "your disk quota is used up: free some space, or write elsewhere (-o DIR)",
    errno.ENOENT: "check that the file or folder exists",
    errno.EMFILE: "too many files are open: close other programs and run it again",
}


def os_error_line(err: OSError) -> str:
    """Return one line saying what the operating system refused, where, and what to do.

    Examples
    --------
    >>> import errno
    >>> os_error_line(OSError(errno.ENOSPC, "No space left on device", "/media/usb/map.png"))
    '/media/usb/map.png: No space left on device. Fix: the disk is full: free some space on it, \
or write to another disk (-o DIR)'

    """
    where = err.filename if err.filename is not None else None
    what = err.strerror or str(err) or type(err).__name__
    fix = _OS_FIXES.get(err.errno or -1, "check the path, the free space and the permissions")
    text = f"{where}: {what}" if where is not None else what
    return f"{text}. Fix: {fix}"


@contextlib.contextmanager
def _quiet_libraries(command: str, verbose: bool) -> Iterator[None]:
    """Show landmap's own warnings as one escaped line each; log everyone else's (``-v``)."""
    log = logging.getLogger("landmap.cli")

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, LandmapWarning):
            sys.stderr.write(f"landmap {command}: warning: {printable(message)}\n")
        else:
            log.info("%s: %s (%s:%s)", category.__name__, message, filename, lineno)

    with warnings.catch_warnings():
        warnings.showwarning = show
        if not verbose:  # library log records of WARNING and above would print raw otherwise
            root = logging.getLogger()
            handler = logging.NullHandler()
            root.addHandler(handler)
            try:
                yield
            finally:
                root.removeHandler(handler)
        else:
            yield


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingWriter(stdout), EscapingWriter(stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    command = args.command

    def error(text: str) -> int:
        from landmap.io.report import for_command_line  # the command's own option names

        sys.stderr.write(f"landmap {command}: error: {printable(for_command_line(text))}\n")
        return 2

    from landmap.progress import Progress, use

    # long steps of every command (loading, raster statistics, the leak check) show progress
    # on a terminal; ``landmap build`` sets its own (-q, --progress)
    terminal = sys.stderr.isatty()
    progress = Progress(enabled=terminal and not getattr(args, "quiet", False), bars=terminal)
    try:
        with _quiet_libraries(command, args.verbose), use(progress):
            return int(args.func(args) or 0)
    except LandmapError as err:
        return error(str(err))
    except OSError as err:  # what no step turned into an ExportError/DataFileError
        return error(os_error_line(err))
    except MemoryError:
        return error(
            "the machine ran out of memory. Fix: close other programs, or split the "
            "input; the limits in landmap.limits refuse most files that cannot fit"
        )
    except KeyboardInterrupt:
        sys.stderr.write("landmap: interrupted; no output was left half-written.\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
