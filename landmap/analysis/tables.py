"""Writing result tables as CSV (UTF-8 with BOM, so Excel shows Khmer) or XLSX, with provenance."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from landmap.errors import ExportError

#: Table formats :func:`write_table` writes, by file suffix.
TABLE_SUFFIXES = (".csv", ".xlsx")


def plain(result: Any) -> Any:
    """A result table without its geometry column (a plain pandas DataFrame)."""
    import pandas as pd

    geom = getattr(result, "_geometry_column_name", None)
    frame = pd.DataFrame(result.drop(columns=[geom])) if geom in result.columns else result
    return frame


def write_table(result: Any, path: str | os.PathLike[str], *,
                provenance: dict[str, Any] | None = None) -> Path:
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
    from landmap.io.atomic import atomic_path
    from landmap.provenance import make_provenance, write_provenance

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ExportError(f"cannot write a table as {suffix or 'a file without suffix'!r}",
                          path=target, fix="name the output .csv or .xlsx")
    frame = plain(result)
    record = provenance or result.attrs.get("provenance") or make_provenance(
        operation="table", crs=result.attrs.get("crs"))
    frame = frame.copy()
    for col in frame.columns:  # Excel cannot hold time zones; keep dates as dates
        if str(frame[col].dtype).startswith("datetime64") and getattr(
                frame[col].dt, "tz", None) is not None:
            frame[col] = frame[col].dt.tz_localize(None)
    try:
        with atomic_path(target) as tmp:
            if suffix == ".csv":
                frame.to_csv(tmp, index=False, encoding="utf-8-sig")
            else:
                frame.to_excel(tmp, index=False, engine="openpyxl")
    except OSError as err:
        raise ExportError(f"cannot write the table ({err})", path=target,
                          fix="check the folder exists and is writable") from err
    write_provenance(record, target)
    return target
