"""``landmap overlap``: how areas (or cases) and concessions overlap, as a table.

``landmap overlap AREAS CONCESSIONS [-o OUT.csv|OUT.xlsx] [--within METRES]``

With an areas layer first (community land, community forests, parcels, protected areas) it
lists every overlapping (area, concession) pair with hectares and percentages; with a cases
layer first (points) it links each case to the concession it lies in, or the nearest one within
``--within`` metres. A short summary is printed; ``-o`` writes the full table (CSV with BOM or
XLSX) with its provenance JSON beside it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from landmap.errors import DataFileError, ExportError
from landmap.terminal import printable


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``overlap`` subcommand."""
    p = subparsers.add_parser(
        "overlap",
        help="hectares of areas under concessions, or cases in/near concessions",
        description=(
            "AREAS x CONCESSIONS: one row per overlapping pair with overlap_ha, pct_of_area and "
            "pct_of_concession, measured in a metric CRS chosen for the data (UTM 48N in "
            "Cambodia). If AREAS holds cases (points), each case is linked to the concession "
            "it lies in, or the nearest within --within metres. Inputs are any file the "
            "loaders read; GeoParquet in a metric CRS is streamed (national cadastres)."
        ),
    )
    p.add_argument("areas", metavar="AREAS", help="areas (polygons) or cases (points) file")
    p.add_argument("concessions", metavar="CONCESSIONS", help="concessions file")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write the full table here (.csv or .xlsx) with provenance beside it",
    )
    p.add_argument(
        "--within",
        metavar="METRES",
        type=float,
        default=0.0,
        help="cases: also link cases outside every concession to the nearest one "
        "within this distance (default 0: inside only)",
    )
    p.add_argument(
        "--first",
        choices=("auto", "areas", "cases"),
        default="auto",
        help="what AREAS holds (default: inferred from the file)",
    )
    p.add_argument(
        "--areas-kind",
        metavar="KIND",
        help="kind of the areas, e.g. 'community forest', 'protected area'",
    )
    p.add_argument("--concessions-kind", metavar="KIND", help="kind of the concessions, e.g. ELC")
    p.add_argument("--crs", help="metric CRS to measure in (default: chosen for the data)")
    p.add_argument("--top", type=int, default=10, help="rows to print (default 10)")
    p.set_defaults(func=run)


def _check_paths(*paths: str) -> None:
    for path in paths:
        if not path.startswith("/vsi") and not Path(path).exists():
            raise DataFileError("no such file", path=path, fix="check the path and file name")


def _load(path: str, kind: str, label: str | None) -> Any:
    from landmap.analysis._geoparquet import inspect

    info = inspect(path)
    if info is not None and info.metric:
        return path  # streamed by the analysis functions
    from landmap.io.load import load_areas, load_cases, load_concessions

    if kind == "cases":
        loaded = load_cases(path)
    elif kind == "areas":
        loaded = load_areas(path, kind=label)
    else:
        loaded = load_concessions(path, kind=label)
    if loaded.report.rejected:
        sys.stderr.write(f"landmap overlap: {loaded.report.summary()}\n")
    return loaded.data


def _fmt_table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*header), line.format(*("-" * w for w in widths))]
    out += [line.format(*r) for r in rows]
    return "\n".join(out)


def _missing(value: object) -> bool:
    """Whether a cell is empty: ``None``, NaN, ``pd.NA``, ``NaT`` or blank text."""
    import pandas as pd

    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _short(text: object, n: int = 32) -> str:
    """Return the cell as one printable line of at most ``n`` characters (empty if missing)."""
    s = "" if _missing(text) else printable(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def _label(row: Any, name: str, ident: str) -> str:
    """Return a row's name when it has one filled in, else its id."""
    value = getattr(row, name, None)
    return _short(getattr(row, ident) if _missing(value) else value)


def _summary_pairs(pairs: Any, top: int) -> str:
    crs = pairs.attrs.get("crs")
    head = pairs.sort_values("overlap_ha", ascending=False).head(top)
    rows = [
        [
            _label(r, "area_name", "area_id"),
            _label(r, "concession_name", "concession_id"),
            f"{r.overlap_ha:,.1f}",
            f"{r.pct_of_area:.1f}",
            f"{r.pct_of_concession:.1f}",
        ]
        for r in head.itertuples()
    ]
    n_areas = pairs["area_id"].nunique()
    n_conc = pairs["concession_id"].nunique()
    text = _fmt_table(rows, ["area", "concession", "overlap ha", "% of area", "% of concession"])
    return (
        f"{len(pairs)} overlapping pairs: {n_areas} areas x {n_conc} concessions, "
        f"{pairs['overlap_ha'].sum():,.1f} ha in pairs (measured in {crs})\n{text}\n"
    )


def _summary_cases(links: Any, cases_n: int, top: int, within: float) -> str:
    import pandas as pd

    crs = links.attrs.get("crs")
    per = links.groupby(["concession_id"], dropna=False).agg(
        label=("name", "first"),
        cases=("case_id", "nunique"),
        inside=("relation", lambda s: int((s == "inside").sum())),
    )
    per = per.sort_values(["cases"], ascending=False).head(top)
    rows = [
        [
            _short(idx if _missing(r.label) else r.label),
            str(r.cases),
            str(r.inside),
            str(r.cases - r.inside),
        ]
        for idx, r in per.iterrows()
    ]
    linked = links["case_id"].nunique()
    inside = links.loc[links["relation"] == "inside", "case_id"].nunique()
    text = _fmt_table(rows, ["concession", "cases", "inside", "near"])
    del pd
    return (
        f"{cases_n} cases: {inside} inside a concession, {linked - inside} more within "
        f"{within:g} m of one, {cases_n - linked} not linked (measured in {crs})\n{text}\n"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``landmap overlap``."""
    from landmap import analysis
    from landmap.io.load import infer_kind

    _check_paths(args.areas, args.concessions)
    if args.output and Path(args.output).suffix.lower() not in (".csv", ".xlsx"):
        raise ExportError(
            "the output must be a .csv or .xlsx file",
            path=args.output,
            fix="name it e.g. overlap.csv or overlap.xlsx",
        )
    first = args.first
    if first == "auto":
        from landmap.analysis._geoparquet import inspect

        info = inspect(args.areas)
        if info is not None:
            first = "cases" if info.points else "areas"
        else:
            first = "cases" if infer_kind(args.areas) == "cases" else "areas"
    left = _load(args.areas, first, args.areas_kind)
    conc = _load(args.concessions, "concessions", args.concessions_kind)
    if first == "cases":
        table = analysis.case_links(left, conc, within_m=args.within, crs=args.crs)
        if isinstance(left, str):  # a streamed GeoParquet file
            import pyarrow.parquet as pq

            n = pq.ParquetFile(left).metadata.num_rows
        else:
            n = len(left)
        sys.stdout.write(_summary_cases(table, n, args.top, args.within))
    else:
        if args.within:
            from landmap.errors import AnalysisError

            raise AnalysisError(
                "--within applies to a cases layer, but AREAS holds areas",
                fix="drop --within, or pass --first cases for a points file",
            )
        table = analysis.overlap(left, conc, crs=args.crs, geometry=False)
        sys.stdout.write(_summary_pairs(table, args.top))
    if args.output:
        out = analysis.write_table(table, args.output, public=False)  # no case data: full record
        sys.stdout.write(f"wrote {out} and {out}.provenance.json\n")
    return 0
