"""``landmap register ...``: the shared case register from the command line.

Every subcommand takes ``--db PATH_OR_URL`` (default ``register.gpkg`` in the current folder;
a ``postgresql://user@host/db`` URL for a team's PostGIS register, password from ``PGPASSWORD``
or ``~/.pgpass``). Exit status 0 on success, 2 with one line on stderr on a user error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from landmap.cli.options import add_reading_options, pairs, reading_options
from landmap.errors import DataValueError, ExportError
from landmap.io.atomic import atomic_path
from landmap.terminal import printable

_EXPORTS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".csv": None}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``register`` subcommand and its own subcommands."""
    parser = subparsers.add_parser(
        "register",
        help="the shared case register: import, history, duplicates, merge",
        description="Keep one case register for a team (a GeoPackage file or a PostGIS "
        "database): import partners' files, see every record's history, find and merge the "
        "same event reported by several sources, erase a person's details on request.",
    )
    sub = parser.add_subparsers(dest="register_command", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default="register.gpkg",
        metavar="PATH_OR_URL",
        help="the register: a .gpkg file (default register.gpkg) or postgresql://user@host/db",
    )
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--by", help="who makes the change (default: your login name)")
    who.add_argument("--reason", help="why (kept in the history)")
    _add_import(sub, common, who)
    _add_review(sub, common)
    _add_decisions(sub, common, who)
    _add_corrections(sub, common, who)
    _add_outputs(sub, common)


def _add_review(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``history`` and ``duplicates``: reading the register."""
    p = sub.add_parser(
        "history",
        parents=[common],
        help="every version of one record",
        description="Show every version of a record and every merge decision.",
    )
    p.add_argument("case", metavar="CASE", help="the record, as SOURCE:ID (or an id)")
    p.add_argument("-o", "--output", type=Path, metavar="OUT.csv", help="also write a CSV")
    p.set_defaults(func=run_history)
    p = sub.add_parser(
        "duplicates",
        parents=[common],
        help="find the same event in two sources",
        description="Write candidate pairs: source_a, id_a, source_b, id_b, "
        "score (0-1) and the evidence per field.",
    )
    p.add_argument("-o", "--output", type=Path, metavar="PAIRS.csv", required=True)
    p.add_argument("--threshold", type=float, default=0.5, help="lowest score listed (0.5)")
    p.add_argument("--sources", help="compare only these sources (comma-separated)")
    p.set_defaults(func=run_duplicates)


def _add_decisions(sub: Any, common: argparse.ArgumentParser, who: argparse.ArgumentParser) -> None:
    """Add ``merge`` and ``unmerge``: decisions between records."""
    p = sub.add_parser(
        "merge",
        parents=[common, who],
        help="merge duplicate pairs",
        description="Merge pairs scoring at least --threshold, or the pairs a "
        "reviewer marked 'merge' in the CSV's decision column ('distinct' rows "
        "are kept apart for good). Without PAIRS.csv the duplicates are found "
        "first.",
    )
    p.add_argument("pairs", nargs="?", type=Path, metavar="PAIRS.csv")
    p.add_argument("--threshold", type=float, help="merge every pair scoring at least this")
    p.set_defaults(func=run_merge)
    p = sub.add_parser("unmerge", parents=[common, who], help="take a record out of its event")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--from", dest="other", metavar="OTHER", help="only unlink it from OTHER")
    p.set_defaults(func=run_unmerge)


def _add_corrections(
    sub: Any, common: argparse.ArgumentParser, who: argparse.ArgumentParser
) -> None:
    """Add ``delete`` and ``edit``: changes to one record."""
    p = sub.add_parser(
        "delete",
        parents=[common, who],
        help="erase a person's details from every version, on request",
        description="Erase the description and every personal column (names, "
        "phones, ID numbers) of a record from all its versions; the case stays "
        "counted and the deletion is recorded.",
    )
    p.add_argument("case", metavar="CASE")
    p.set_defaults(func=run_delete)
    p = sub.add_parser("edit", parents=[common, who], help="correct fields of a record")
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "--set",
        dest="changes",
        action="append",
        metavar="FIELD=VALUE",
        required=True,
        help="e.g. --set households=40 (repeatable)",
    )
    p.set_defaults(func=run_edit)


def _add_outputs(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``export``, ``imports`` and ``roles``: what the register holds and who may read it."""
    p = sub.add_parser(
        "export",
        parents=[common],
        help="write the merged cases (internal)",
        description="Write the current merged cases (one row per event) or "
        "every source record (--records) to .gpkg, .geojson or .csv. INTERNAL: "
        "exact locations; public products go through `landmap build`.",
    )
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    p.add_argument("--records", action="store_true", help="every source record, not events")
    p.add_argument("--priority", help="sources whose values win, comma-separated")
    p.set_defaults(func=run_export)
    p = sub.add_parser("imports", parents=[common], help="list the imports")
    p.set_defaults(func=run_imports)
    p = sub.add_parser("roles", parents=[common], help="PostGIS roles: print or --apply")
    p.add_argument("--apply", action="store_true", help="create the roles and grant them")
    p.set_defaults(func=run_roles)


def _add_import(sub: Any, common: argparse.ArgumentParser, who: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import",
        parents=[common, who],
        help="import a partner's file",
        description="Store every row of FILE under --source; the same file "
        "again adds nothing, a newer export adds versions for changed records.",
    )
    p.add_argument("file", metavar="FILE", help="CSV, XLSX, Kobo/ODK export, GeoJSON, GPKG...")
    p.add_argument("--source", required=True, help="the organisation the file comes from")
    p.add_argument(
        "--column",
        dest="columns",
        action="append",
        metavar="NAME=COLUMN",
        help="map a canonical name (or 'company') onto the file's column, "
        "as for `landmap check` (repeatable)",
    )
    add_reading_options(p)
    p.add_argument("--report", type=Path, metavar="OUT.csv", help="write the row report")
    p.set_defaults(func=run_import)


def _open(args: argparse.Namespace, *, create: bool = False) -> Any:
    from landmap.register import open_register

    return open_register(args.db, create=create)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def run_import(args: argparse.Namespace) -> int:
    """Run ``landmap register import``."""
    with _open(args, create=True) as reg:
        result = reg.import_file(
            args.file,
            source=args.source,
            columns=pairs(args.columns),
            by=args.by,
            reason=args.reason,
            **reading_options(args),
        )
    _say(result.summary())
    _say(f"  {result.report}")
    for row, why in result.skipped[:20]:
        _say(f"  row {row}: {printable(why)}")
    if args.report is not None:
        result.report.to_csv(args.report)
        _say(f"row report written to {args.report}")
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Run ``landmap register history``."""
    with _open(args) as reg:
        table = reg.history(args.case)
    _say(f"history of {table.attrs['record']} ({len(table)} entries)")
    for row in table.itertuples(index=False):
        version = "" if row.version is None or str(row.version) == "<NA>" else f" v{row.version}"
        why = f" - {printable(row.why)}" if isinstance(row.why, str) and row.why else ""
        _say(
            f"  {row.when}  {row.what}{version}  by {printable(row.who)}{why}: "
            f"{printable(row.detail)}"
        )
    if args.output is not None:
        _write_csv(table, args.output)
    return 0


def run_duplicates(args: argparse.Namespace) -> int:
    """Run ``landmap register duplicates``."""
    sources = [s.strip() for s in args.sources.split(",")] if args.sources else None
    with _open(args) as reg:
        pairs = reg.duplicates(threshold=args.threshold, sources=sources)
    _write_csv(pairs, args.output)
    high = int((pairs["score"] >= 0.9).sum()) if len(pairs) else 0
    _say(
        f"{len(pairs)} candidate pairs (score >= {args.threshold:g}; {high} at 0.9 or more) "
        f"written to {args.output}; review them, add a 'decision' column (merge / distinct) "
        "and run `landmap register merge` on the file"
    )
    return 0


def run_merge(args: argparse.Namespace) -> int:
    """Run ``landmap register merge``."""
    with _open(args) as reg:
        if args.pairs is None:
            if args.threshold is None:
                raise DataValueError(
                    "give PAIRS.csv or --threshold",
                    fix="e.g. landmap register merge --threshold 0.95",
                )
            pairs: Any = reg.duplicates(threshold=args.threshold)
        else:
            pairs = args.pairs
        done = reg.merge(pairs, threshold=args.threshold, by=args.by, reason=args.reason)
        events = len(reg.cases())
    _say(
        f"{done['merged']} pairs merged, {done['distinct']} kept apart, {done['left']} left "
        f"undecided; the register now holds {events} events"
    )
    return 0


def run_unmerge(args: argparse.Namespace) -> int:
    """Run ``landmap register unmerge``."""
    with _open(args) as reg:
        n = reg.unmerge(args.case, other=args.other, by=args.by, reason=args.reason)
    now = f"unlinked from {args.other}" if args.other else "an event of its own again"
    _say(f"{n} link(s) undone; {args.case} is {now}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    """Run ``landmap register delete``."""
    with _open(args) as reg:
        version = reg.delete_personal(args.case, by=args.by, reason=args.reason)
    _say(f"personal fields of {args.case} erased from every version; recorded as version {version}")
    return 0


def run_edit(args: argparse.Namespace) -> int:
    """Run ``landmap register edit``."""
    changes = pairs(args.changes, option="--set", form="FIELD=VALUE", example="households=40")
    with _open(args) as reg:
        version = reg.edit(args.case, changes, by=args.by, reason=args.reason)
    _say(f"{args.case}: version {version} recorded ({', '.join(changes)})")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Run ``landmap register export``."""
    suffix = args.output.suffix.lower()
    if suffix not in _EXPORTS:
        raise ExportError(
            f"cannot write {suffix or 'a file without extension'}",
            path=args.output,
            fix="name the output .gpkg, .geojson or .csv",
        )
    priority = [s.strip() for s in args.priority.split(",")] if args.priority else None
    with _open(args) as reg:
        data = reg.records() if args.records else reg.cases(priority=priority)
    try:
        with atomic_path(args.output) as tmp:
            if _EXPORTS[suffix] is None:
                table = data.drop(columns="geometry").assign(
                    lon=data.geometry.x, lat=data.geometry.y
                )
                table.to_csv(tmp, index=False, encoding="utf-8-sig")
            else:
                # named here: a GeoJSON layer would otherwise take the temporary file's name
                data.to_file(
                    tmp,
                    driver=_EXPORTS[suffix],
                    layer="cases" if suffix == ".gpkg" else args.output.stem,
                )
    except OSError as err:
        raise ExportError(
            f"could not be written ({err})",
            path=args.output,
            fix="check the folder exists and is writable",
        ) from err
    what = "source records" if args.records else "events"
    _say(
        f"{len(data)} {what} written to {args.output} (INTERNAL: exact locations and "
        "personal fields; make public products with `landmap build`)"
    )
    return 0


def run_imports(args: argparse.Namespace) -> int:
    """Run ``landmap register imports``."""
    with _open(args) as reg:
        log = reg.imports()
    for row in log.itertuples(index=False):
        _say(
            f"  #{row.import_id} {row.imported_at} {row.source!r} {printable(row.file_name)} "
            f"(sha256 {str(row.sha256)[:12]}...) by {printable(row.imported_by)}: "
            f"{row.rows_in} rows, "
            f"{row.added} new, {row.changed} changed, {row.rejected} rejected"
        )
    return 0


def run_roles(args: argparse.Namespace) -> int:
    """Run ``landmap register roles``."""
    with _open(args) as reg:
        sql = reg.grant_roles() if args.apply else reg.roles_sql()
    for statement in sql:
        _say(statement + ";")
    if args.apply:
        _say(
            "roles granted: landmap_field (add), landmap_analyst (read all), "
            "landmap_publisher (public view only)"
        )
    return 0


def _write_csv(table: Any, path: Path) -> None:
    try:
        with atomic_path(path) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
    except OSError as err:
        raise ExportError(
            f"could not be written ({err})",
            path=path,
            fix="check the folder exists and is writable",
        ) from err


__all__ = ["register"]
