"""The layers a project file names, and whether their files have the columns mapped onto them."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landmap.errors import LandmapError, SchemaError
from landmap.schema import COLUMNS, LayerKind

if TYPE_CHECKING:
    from landmap.io.load import Loaded


DEFAULT_METRIC_CRS = "EPSG:32648"
DEFAULT_STUDY_AREA = "Cambodia"


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """One ``[[layers]]`` entry: where a layer is and how to read it.

    Attributes
    ----------
    name
        The layer's name in the project (unique).
    kind
        ``"cases"``, ``"areas"``, ``"concessions"`` or ``"boundaries"``.
    path
        Absolute path of the file (for a zip member: of the zip).
    member
        A file inside a zip archive, read without unpacking.
    columns
        Canonical column name -> the file's column name.
    options
        Further keyword arguments for the loader (``crs``, ``layer``, ``utm_zone``,
        ``fix_swapped``, ``encoding``, and the kind option: ``level`` for boundaries,
        ``kind`` for areas and concessions).
    defaults
        Values filled into canonical columns the file leaves empty (e.g. every eviction site
        is of type ``"eviction"``).
    title, title_km
        Display names for legends (English, Khmer).
    line
        Line of the ``[[layers]]`` header in the project file.
    register
        A case register (GeoPackage path or ``postgresql://`` URL) this layer is read from
        instead of a file: its current merged cases, one row per event. ``path`` is then the
        GeoPackage, or the URL without password.
    priority
        Register sources whose values win when records are merged, in order.

    """

    name: str
    kind: LayerKind
    path: Path
    member: str | None = None
    columns: Mapping[str, str] = dataclasses.field(default_factory=dict)
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    title: str | None = None
    title_km: str | None = None
    line: int | None = None
    register: str | None = None
    priority: tuple[str, ...] = ()

    @property
    def source(self) -> str | Path:
        """What to hand to a loader: the path, or a GDAL ``/vsizip/`` path for a zip member."""
        if self.register is not None:
            return self.register
        if self.member is None:
            return self.path
        return f"/vsizip/{self.path.as_posix()}/{self.member}"


@dataclasses.dataclass(frozen=True)
class RasterSpec:
    """One entry of ``[raster]``: a raster the project uses (forest mask, relief...)."""

    name: str
    path: Path
    kind: str = "classified"
    classes: Mapping[int, str] = dataclasses.field(default_factory=dict)
    title: str | None = None
    title_km: str | None = None


# -- columns: does the file have them? -------------------------------------------------------
def _file_columns(spec: LayerSpec) -> list[str] | None:
    """Return the column names of a layer's file, or ``None`` if they cannot be read cheaply."""
    import zipfile

    from openpyxl.utils.exceptions import InvalidFileException
    from pyogrio.errors import DataLayerError, DataSourceError

    from landmap.errors import LandmapError
    from landmap.io.read import check_archive, table_columns

    suffix = spec.path.suffix.lower()
    try:
        if suffix in (".zip", ".kmz", ".xlsx", ".xlsm"):
            check_archive(spec.path)  # a zip bomb is refused (by the loader) before it is read
        if spec.member is None and suffix in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
            # the header the loader will use (title rows above a workbook's header skipped)
            return table_columns(
                spec.path, sheet=spec.options.get("layer"), encoding=spec.options.get("encoding")
            )
        import pyogrio

        info = pyogrio.read_info(str(spec.source), layer=spec.options.get("layer"))
        return [str(f) for f in info["fields"]]
    except (
        OSError,
        ValueError,
        KeyError,
        zipfile.BadZipFile,
        InvalidFileException,
        DataSourceError,
        DataLayerError,
        LandmapError,
    ):
        return None  # unreadable here: the loader reads it again and gives the precise error


def check_columns(spec: LayerSpec, *, project: Path | None = None) -> None:
    """Raise :class:`~landmap.errors.SchemaError` if a mapped column is not in the file.

    Parameters
    ----------
    spec
        The layer.
    project
        The project file, named in the message.

    """
    present = _file_columns(spec)
    if present is None:
        return
    for canon, column in spec.columns.items():
        if column in present or column == "":  # "": the file has no such column
            continue
        lower = {c.lower(): c for c in present}
        close = difflib.get_close_matches(column.lower(), list(lower), n=1)
        hint = f"did you mean {lower[close[0]]!r}? " if close else ""
        where = f" (project {project}, layer {spec.name!r}" + (
            f", [[layers]] at line {spec.line})" if spec.line else ")"
        )
        raise SchemaError(
            f"the column mapping {canon} = {column!r}{where} names a column the file does not have",
            path=spec.source,
            column=column,
            fix=f"{hint}the file's columns are: {', '.join(present)}",
        )


def load_register_layer(spec: LayerSpec, *, project: Path | None = None) -> Loaded:
    """Read a register layer: the current merged cases, one row per event.

    The report has one row per event (all ``loaded``); its details say how many source records
    stand behind them and from which sources. Each row's ``source_records`` column carries the
    count into every summary table.
    """
    import pandas as pd

    from landmap.io.load import Loaded
    from landmap.io.report import LoadReport
    from landmap.register import open_register

    try:
        with open_register(str(spec.register)) as reg:
            data = reg.cases(priority=list(spec.priority) or None)
            sources = reg.sources()
            display = reg.display
    except LandmapError as err:
        err.add_note(f"while reading register layer {spec.name!r} of project {project}")
        raise
    rows = pd.DataFrame(
        {
            "row": pd.Series(range(1, len(data) + 1), dtype="int64"),
            "status": pd.Series(["loaded"] * len(data), dtype="string"),
            "reason": pd.Series([pd.NA] * len(data), dtype="string"),
            "id": data["case_id"].astype("string").reset_index(drop=True),
        }
    )
    details = {
        "register": display,
        "events": len(data),
        "sources": sources,
        "source_records": int(data["source_records"].sum()),
    }
    data.attrs["landmap"] = {"kind": "cases", "source": display, "sha256": None}
    return Loaded(data, LoadReport(path=display, kind="cases", rows=rows, details=details))


def fill_defaults(loaded: Loaded, spec: LayerSpec) -> Loaded:
    """Fill a loaded layer's empty canonical values from the layer's ``defaults``."""
    if not spec.defaults:
        return loaded
    import pandas as pd

    data = loaded.data
    dtypes = COLUMNS[spec.kind]
    for canon, value in spec.defaults.items():
        dtype = dtypes[canon]
        fill = pd.Timestamp(value) if dtype.startswith("datetime") else value
        if canon not in data.columns:
            data[canon] = pd.Series([fill] * len(data), index=data.index).astype(dtype)
            continue
        column = data[canon]
        empty = column.isna()
        if dtype == "string":
            empty |= column.fillna("").astype("string").str.strip().eq("")
        if empty.any():
            data[canon] = column.mask(empty, fill).astype(dtype)
    loaded.report.details["project_defaults"] = dict(spec.defaults)
    return loaded
