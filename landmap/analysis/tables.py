"""Writing result tables as CSV (UTF-8 with BOM, so Excel shows Khmer) or XLSX, with provenance."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landmap.errors import ExportError
from landmap.io.cells import text_safe

#: Table formats :func:`write_table` writes, by file suffix.
TABLE_SUFFIXES = (".csv", ".xlsx")


def plain(result: Any) -> Any:
    """Return a result table without its geometry column (a plain pandas DataFrame)."""
    import pandas as pd

    geom = getattr(result, "_geometry_column_name", None)
    frame = pd.DataFrame(result.drop(columns=[geom])) if geom in result.columns else result
    return frame


def write_table(
    result: Any,
    path: str | os.PathLike[str],
    *,
    provenance: dict[str, Any] | None = None,
    public: bool = True,
) -> Path:
    """Write a result table to CSV or XLSX, atomically, with ``<path>.provenance.json`` beside.

    Parameters
    ----------
    result
        A table from :mod:`landmap.analysis` (geometry, if any, is left out: write layers with
        the data exporters instead).
    path
        Target file; ``.csv`` (UTF-8 with BOM) or ``.xlsx``.
    provenance
        Provenance record to write; by default ``result.attrs["provenance"]``.
    public
        Write the provenance a stranger may read (inputs by file name, no hashes); ``False``
        for tables kept in the office, with the full record.

    Returns
    -------
    pathlib.Path
        The table written.

    Raises
    ------
    ExportError
        If the suffix is not ``.csv`` or ``.xlsx``, or the file cannot be written.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_table(pd.DataFrame({"a": [1]}), out).name
    't.csv'
    >>> sorted(p.name for p in out.parent.iterdir())
    ['t.csv', 't.csv.provenance.json']

    """
    from landmap.io.atomic import atomic_path, write_provenance
    from landmap.provenance import make_provenance

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ExportError(
            f"cannot write a table as {suffix or 'a file without suffix'!r}",
            path=target,
            fix="name the output .csv or .xlsx",
        )
    frame = plain(result)
    record = (
        provenance
        or result.attrs.get("provenance")
        or make_provenance(operation="table", crs=result.attrs.get("crs"))
    )
    frame = frame.copy()
    for col in frame.columns:  # Excel cannot hold time zones; keep dates as dates
        if (
            str(frame[col].dtype).startswith("datetime64")
            and getattr(frame[col].dt, "tz", None) is not None
        ):
            frame[col] = frame[col].dt.tz_localize(None)
    try:
        with atomic_path(target) as tmp:
            if suffix == ".csv":
                text_safe(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
            else:
                text_safe(frame).to_excel(tmp, index=False, engine="openpyxl")
    except OSError as err:
        raise ExportError(
            f"cannot write the table ({err})",
            path=target,
            fix="check the folder exists and is writable",
        ) from err
    write_provenance(record, target, public=public)
    return target


def analysis_tables(
    *,
    concessions: Any,
    areas: Mapping[str, Any] | None = None,
    cases: Any = None,
    boundaries: Mapping[str, Any] | None = None,
    within_m: float = 2000.0,
    crs: str | None = None,
) -> dict[str, Any]:
    """Compute the standard set of result tables for a project, keyed by a file-name stem.

    Parameters
    ----------
    concessions
        Concessions layer (or path).
    areas
        ``{name: layer}``, e.g. ``{"community_forests": cf, "protected_areas": pa}``.
    cases
        Cases layer (or path), if any.
    boundaries
        ``{level: layer}``, e.g. ``{"province": provinces, "commune": communes}``.
    within_m
        Distance for "near a concession" (metres).
    crs
        Metric CRS; by default chosen for the data.

    Returns
    -------
    dict
        ``concessions_x_<name>`` (pairs, with geometry), ``coverage_<name>`` (per area, union),
        ``concession_coverage`` (per concession over every area layer), ``concession_overlaps``
        (concessions against themselves), ``concession_hectares`` (stated vs drawn), and with
        cases ``case_links`` (case id, concession, inside/near, distance: no personal fields),
        ``cases_by_concession``, ``by_year``; with boundaries ``by_<level>``. Each carries
        its provenance; write them with :func:`write_tables`.

    """
    from landmap.analysis.conflicts import concession_conflicts, hectares_check
    from landmap.analysis.overlap import coverage_by_area, coverage_by_concession, overlap
    from landmap.analysis.proximity import case_links, cases_by_concession
    from landmap.analysis.summary import summarise_by_admin, summarise_by_year

    out: dict[str, Any] = {}
    areas = dict(areas or {})
    pairs_all = []
    for name, layer in areas.items():
        pairs = overlap(layer, concessions, crs=crs)
        out[f"concessions_x_{name}"] = pairs
        pairs_all.append(pairs)
        out[f"coverage_{name}"] = coverage_by_area(layer, concessions, crs=crs)
    if areas:
        out["concession_coverage"] = coverage_by_concession(concessions, areas, crs=crs)
    out["concession_overlaps"] = concession_conflicts(concessions, crs=crs)
    out["concession_hectares"] = hectares_check(concessions, crs=crs)
    overlaps = None
    if pairs_all:
        import pandas as pd

        overlaps = pd.concat(pairs_all, ignore_index=True) if len(pairs_all) > 1 else pairs_all[0]
        overlaps.attrs = dict(pairs_all[0].attrs)
    if cases is not None:
        out["case_links"] = case_links(cases, concessions, within_m=within_m, crs=crs)
        out["cases_by_concession"] = cases_by_concession(
            cases, concessions, within_m=within_m, crs=crs
        )
    out["by_year"] = summarise_by_year(
        cases=cases, concessions=concessions, overlaps=overlaps, crs=crs
    )
    for level, layer in (boundaries or {}).items():
        out[f"by_{level}"] = summarise_by_admin(
            layer, cases=cases, concessions=concessions, overlaps=overlaps, crs=crs
        )
    return out


def write_tables(
    tables: Mapping[str, Any], folder: str | os.PathLike[str], *, suffix: str = ".csv"
) -> list[Path]:
    """Write each table of :func:`analysis_tables` as ``<folder>/<name><suffix>`` (+ provenance).

    Returns
    -------
    list of pathlib.Path
        The tables written.

    """
    return [write_table(table, Path(folder) / f"{name}{suffix}") for name, table in tables.items()]
