"""``landmap check FILE``: load one file, account for every row, optionally write the clean layer.

Exit status 0 when the file could be read (even when rows were rejected); 2 with one line on
stderr when it could not (missing file, unreadable format, no CRS, no coordinate columns).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np

from landmap.cli.options import add_reading_options, pairs, reading_options
from landmap.errors import ExportError
from landmap.io.atomic import atomic_path, low_space_note
from landmap.schema import LAYER_KINDS
from landmap.terminal import printable

_OUTPUT_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}
#: Lines of the column listing of a wide file, unless --all-columns (used columns always show).
MAX_LISTED_COLUMNS = 40


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help="load one file and report what happened to every row",
        description="Load FILE as a canonical layer, print counts and the reason for every "
        "rejected, repaired or flagged row; optionally save the row report and the clean layer.",
    )
    parser.add_argument(
        "file",
        metavar="FILE",
        help="CSV, XLSX, Shapefile (or .zip), GeoPackage, "
        "GeoJSON, KML/KMZ, GPX, GeoParquet, TopoJSON",
    )
    parser.add_argument(
        "--as",
        dest="kind",
        choices=LAYER_KINDS,
        help="layer kind (inferred from the file when omitted)",
    )
    add_reading_options(parser)
    parser.add_argument(
        "--column",
        dest="columns",
        action="append",
        metavar="NAME=COLUMN",
        help="map a canonical name onto the file's column, e.g. --column lat=Y_coord "
        "--column date='Date of incident' (repeatable); --column village= says the file has "
        "no such column",
    )
    parser.add_argument(
        "--suggest",
        action="store_true",
        help="print which column is which (as --column options and as a project-file "
        "snippet) instead of loading the file",
    )
    parser.add_argument(
        "--all-columns",
        action="store_true",
        help=f"list every column of a wide file (by default the columns landmap used or "
        f"changed, and the others up to {MAX_LISTED_COLUMNS} lines)",
    )
    parser.add_argument(
        "--report",
        metavar="OUT.csv",
        type=Path,
        help="write one line per input row: row, status, reason, id",
    )
    parser.add_argument(
        "--output",
        metavar="OUT.gpkg",
        type=Path,
        help="write the clean canonical layer (.gpkg or .geojson)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``landmap check``; return the exit status."""
    from landmap.io.load import infer_kind, load

    if args.output is not None and args.output.suffix.lower() not in _OUTPUT_DRIVERS:
        raise ExportError(
            f"cannot write {args.output.suffix or 'a file without extension'}",
            path=args.output,
            fix="name the output .gpkg or .geojson",
        )
    kind = args.kind or infer_kind(args.file, layer=args.layer)
    if args.suggest:
        return _suggest(args, kind)
    data, report = load(args.file, kind, **reading_options(args), columns=pairs(args.columns))
    out = sys.stdout
    if not args.kind:
        out.write(f"(read as {kind}; use --as to choose)\n")
    out.write(report.text(command_line=True) + "\n")
    for key in (
        "profile",
        "layer",
        "sheet",
        "header_row",
        "blank_rows_skipped",
        "encoding",
        "trailing_delimiter",
        "crs_source",
        "id",
        "rows",
    ):
        if key in report.details:
            out.write(f"  {key}: {printable(report.details[key])}\n")
    for note in report.details.get("notes", []):
        out.write(f"  note: {printable(note)}\n")
    out.write(_columns_text(report, every=args.all_columns))
    if args.report is not None:
        try:
            report.to_csv(args.report)
        except OSError as err:
            raise ExportError(
                f"the row report could not be written ({err.strerror or err})",
                path=args.report,
                fix="check the folder exists, is writable and the disk is not full",
            ) from err
        out.write(f"row report written to {args.report}\n")
    if args.output is not None:
        _write_output(data, args.output, kind)
        out.write(f"{len(data)} features written to {args.output}\n")
    return 0


#: SQLite's limit on the columns of a table, which a GeoPackage layer is (with fid and geometry).
_GPKG_MAX_COLUMNS = 2000


def _write_output(data, output: Path, kind: str) -> None:
    """Write the clean layer atomically; a failure is an ExportError naming the file."""
    import pyogrio.errors

    driver = _OUTPUT_DRIVERS[output.suffix.lower()]
    if driver == "GPKG" and data.shape[1] + 1 > _GPKG_MAX_COLUMNS:
        raise ExportError(
            f"a GeoPackage layer holds at most {_GPKG_MAX_COLUMNS - 2:,} columns besides its "
            f"geometry; this layer has {data.shape[1] - 1:,}",
            path=output,
            fix="write a .geojson instead, or remove the columns you do not need from the table",
        )
    # the file is written under a temporary name and renamed: the layer is named here, or
    # GeoJSON's "name" member would be the temporary file's
    layer = kind if driver == "GPKG" else output.stem
    try:
        with atomic_path(output) as tmp:
            data.to_file(tmp, driver=driver, layer=layer)
    except OSError as err:
        raise ExportError(
            f"could not be written ({err.strerror or err})",
            path=output,
            fix="check the folder exists, is writable and the disk is not full",
        ) from err
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        raise ExportError(
            f"GDAL could not write it ({str(err).strip().splitlines()[0]}){low_space_note(output)}",
            path=output,
            fix="write the other format (.gpkg or .geojson), or check the disk",
        ) from err


def _columns_text(report, *, every: bool = False) -> str:
    """Return the column listing: what each input column became.

    Columns landmap used or changed are always listed; of the others (kept as they are), only
    as many as fit in :data:`MAX_LISTED_COLUMNS` lines unless ``every``, then a line saying how
    many more there are and how to list them.
    """
    table = report.columns
    if table.empty:
        return ""
    kept = (
        table["became"].fillna("").eq("") & table["how"].fillna("").isin(["kept as is", ""])
    ).to_numpy(dtype=bool)
    room = max(MAX_LISTED_COLUMNS - int((~kept).sum()), 0)
    shown = ~kept | (np.cumsum(kept) <= room) | every
    width = min(max(len(printable(c)) for c in table["column"][shown]), 40)
    lines = ["  columns:"]
    for rec in table[shown].itertuples(index=False):
        became = f"-> {rec.became}" if rec.became else "-> (kept as is)"
        how = "" if rec.how in ("kept as is", "") else f" ({rec.how})"
        lines.append(f"    {printable(rec.column):<{width}} {became}{how}")
    hidden = int((~shown).sum())
    if hidden:
        lines.append(
            f"    ... and {hidden:,} more columns kept as they are "
            f"({len(table):,} in all; --all-columns lists every one)"
        )
    return "\n".join(lines) + "\n"


def _suggest(args: argparse.Namespace, kind: str) -> int:
    """Print the column mapping as --column options and as a project-file snippet."""
    from landmap.io.suggest import suggest_columns

    mapping = suggest_columns(args.file, kind, layer=args.layer, encoding=args.encoding)
    out = sys.stdout
    out.write(f"{args.file} as {kind}: {len(mapping.file_columns)} columns\n")
    for key, col in mapping.mapping.items():
        note = f"   (guessed: {mapping.guessed[key]}; check it)" if key in mapping.guessed else ""
        out.write(f"  {key:<18} <- {col if col else '(not in the file)'}{note}\n")
    unused = [c for c in mapping.file_columns if c not in mapping.columns.values()]
    if unused:
        listed = unused if args.all_columns else unused[:MAX_LISTED_COLUMNS]
        more = (
            f" ... and {len(unused) - len(listed):,} more (--all-columns lists every one)"
            if len(listed) < len(unused)
            else ""
        )
        out.write(f"  kept as they are: {', '.join(listed)}{more}\n")
    out.write(
        "\nOn the command line:\n  landmap check "
        + shlex.quote(str(args.file))
        + " "
        + mapping.as_options()
        + "\n"
    )
    out.write("\nIn a project file:\n" + mapping.as_toml() + "\n")
    return 0


__all__ = ["register", "run"]
