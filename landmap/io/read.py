"""Reading a source as it is: the first stage of a load, and the one reader of tables.

:func:`read_source` reads what a loader is given (a CSV or XLSX table, a vector file, a
(Geo)DataFrame) and says what it read; nothing is renamed or interpreted yet. The public
readers below are the same code for everyone else who reads a researcher's table:
:func:`read_table` (every record, every cell as typed), :func:`table_columns` (the header
alone, cheaply) and :func:`read_records` (any source's records without their geometry).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from landmap.errors import DataFileError
from landmap.io._table import read_table as _read_sheet
from landmap.io._table import table_header
from landmap.io._vector import Source, check_archive, read_vector, resolve, to_storage_crs

PathLike = str | os.PathLike[str]


class Raw(NamedTuple):
    """What :func:`read_source` read."""

    src: Source
    #: a table's records (no geometry), or a vector source's features in EPSG:4326
    frame: pd.DataFrame
    #: the records came from a table: their points are still to be read from its columns
    is_table: bool
    #: the row number the report gives each record
    rows: np.ndarray
    #: the rows are numbered as a spreadsheet shows them (header = row 1)
    spreadsheet: bool
    #: why a feature's geometry could not be built (index = row position), or ``None``
    no_geometry: pd.Series | None
    #: the SHA-256 of the file, computed while it was read (``None`` for a frame)
    sha256: Future


def read_source(
    source: PathLike | pd.DataFrame,
    *,
    kind: str,
    layer: str | None = None,
    crs: object = None,
    encoding: str | None = None,
) -> Raw:
    """Read ``source`` as it is: a table's records, or features in EPSG:4326.

    The file is hashed on a second thread while GDAL or pandas parse it (hashlib releases the
    GIL).
    """
    src = resolve(source, layer=layer)
    hasher = ThreadPoolExecutor(max_workers=1)
    digest = hasher.submit(src.sha256)
    hasher.shutdown(wait=False)
    if src.fmt in ("csv", "xlsx"):
        frame, rows = _read_sheet(src, encoding=encoding)
        return Raw(src, frame, True, rows, True, None, digest)
    if src.fmt == "frame" and not (
        isinstance(source, gpd.GeoDataFrame) and source.geometry.name in source.columns
    ):
        frame = source.reset_index(drop=True)  # type: ignore[union-attr]
        return Raw(src, frame, True, _numbered(len(frame)), False, None, digest)
    gdf = source.copy() if src.fmt == "frame" else read_vector(src, kind=kind)  # type: ignore[union-attr]
    gdf = to_storage_crs(gdf, crs=crs, src=src).reset_index(drop=True)
    no_geometry = src.details.pop("geometry_reasons", None)
    return Raw(src, gdf, False, _numbered(len(gdf)), False, no_geometry, digest)  # type: ignore[arg-type]


def _numbered(n: int) -> np.ndarray:
    return np.arange(1, n + 1, dtype=np.int64)


def _table_source(path: PathLike, sheet: str | None) -> Source:
    src = resolve(path, layer=sheet)
    if src.fmt not in ("csv", "xlsx"):
        raise DataFileError(
            "is not a table (CSV or XLSX)",
            path=src.display,
            fix="give a .csv, .tsv, .txt or .xlsx file",
        )
    return src


def read_table(
    path: PathLike, *, sheet: str | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """Read a CSV or XLSX table as the loaders do: every record, cells as they were typed.

    Parameters
    ----------
    path
        A ``.csv`` (any delimiter and encoding; Excel's ``sep=`` line understood), ``.tsv``,
        ``.txt`` or ``.xlsx`` file.
    sheet
        The workbook's sheet (default: the first).
    encoding
        The CSV's encoding (detected when omitted).

    Returns
    -------
    pandas.DataFrame
        One row per record; id- and phone-like columns keep their leading zeros; a workbook's
        title rows above its header and its blank rows are left out.

    Raises
    ------
    DataFileError
        The file is missing, not a table, or cannot be read as one; the message says why.
    LimitError
        A line or the header is over the limits of :mod:`landmap.limits`.

    """
    return _read_sheet(_table_source(path, sheet), encoding=encoding).frame


def table_columns(
    path: PathLike, *, sheet: str | None = None, encoding: str | None = None
) -> list[str]:
    """Return the column names of a CSV or XLSX table, reading only its first lines.

    The header is the one :func:`read_table` finds: after Excel's ``sep=`` line in a CSV,
    below the title rows of a workbook.

    Raises
    ------
    DataFileError
        The file is missing, not a table, or cannot be read as one.

    """
    return table_header(_table_source(path, sheet), encoding=encoding)


def read_records(
    path: PathLike, *, kind: str, layer: str | None = None, encoding: str | None = None
) -> pd.DataFrame | None:
    """Return every record of a file as the loaders read it, without its geometry.

    Tables are read with :func:`read_table`, vector files (and GeoParquet) through GDAL;
    ``None`` for a source that is neither.
    """
    src = resolve(path, layer=layer)
    if src.fmt in ("csv", "xlsx"):
        return _read_sheet(src, encoding=encoding).frame
    if src.fmt in ("vector", "parquet"):
        frame = read_vector(src, kind=kind)
        return pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return None


__all__ = ["Raw", "check_archive", "read_records", "read_source", "read_table", "table_columns"]
