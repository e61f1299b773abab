"""Project files: one TOML file naming a user's layers, their column mappings and settings.

A project file lets a researcher re-run the whole job on next month's data by changing paths,
not code. Paths are relative to the TOML file. A minimal project::

    [project]
    name = "my-monitoring"

    [[layers]]
    name = "cases"
    kind = "cases"
    path = "cases_2024.xlsx"
    columns = { case_id = "Case No", date = "Date of incident" }

Tables and keys (``data/demo.toml`` uses nearly all of them; :data:`SPEC` is the checked list):

``[project]``
    ``name`` (required), ``title``, ``title_km`` (Khmer title for maps), ``description``,
    ``study_area`` (``"Cambodia"``, another country name, a polygon file, or
    ``[west, south, east, north]`` in degrees: case points outside are rejected),
    ``metric_crs`` (default ``"EPSG:32648"``), ``output`` (folder for results, default ``maps``).
``[[layers]]`` (one table per layer)
    ``name`` and ``path`` (required); ``kind`` (``cases``, ``areas``, ``concessions``,
    ``boundaries``; inferred when omitted); ``member`` (a file inside a zip); ``layer`` (layer
    of a GeoPackage / KML, sheet of a workbook); ``crs`` (when the file declares none);
    ``encoding``; for cases ``utm_zone`` and ``fix_swapped``; ``area_kind``,
    ``concession_kind`` or ``level`` (what the whole file is, when its rows do not say);
    ``columns`` (canonical name = your column; cases may also map ``lat``, ``lon``,
    ``easting``, ``northing``, ``utm_zone``, ``geopoint``); ``defaults`` (canonical name =
    value for cells the file leaves empty); ``title``, ``title_km`` (legend names).
    A cases layer may instead name a case register: ``register = "register.gpkg"`` (or
    ``"postgresql://user@host/db"``, never with a password: use ``~/.pgpass`` or
    ``PGPASSWORD``) and optionally ``priority = ["Partner A", ...]`` (whose values win when
    records are merged); it reads the current merged cases, one row per event, with a
    ``source_records`` column (see :mod:`landmap.register`).
``[privacy]``
    ``profile`` (``"public"``, ``"internal"`` or a ``[profiles.NAME]`` table), ``communes``
    (the boundaries layer that keeps masked cases in their commune), ``villages``, and any
    setting of :class:`~landmap.privacy.profiles.PrivacyProfile` (``mode``,
    ``min_radius_m``, ``max_radius_m``, ``k``, ``allow_free_text``, ``drop``, ``keep``...).
``[analysis]``
    ``within_m`` (distance for "near"), ``areas``, ``concessions``, ``cases``,
    ``summary_boundaries`` (layer names; default all of that kind), ``by_year``.
``[raster]``
    ``NAME = "file.tif"`` or ``NAME = { path, kind = "classified" | "continuous", classes =
    { "1" = "forest" }, title, title_km }``; the demo uses ``forest`` and ``relief``.
``[map]`` and ``[export]``
    ``lang`` (``en``, ``km``, ``both``), map ``popup`` / ``tooltip`` columns, ``basemap``,
    ``cluster``, ``heatmap``, ``time_slider``, ``rasters``; export ``paper`` (``A4``, ``A3``),
    ``orientation``, ``formats``, ``title``, ``subtitle``, ``full_resolution`` (``true``: public
    GeoJSON/KML at full resolution instead of the version for sharing).
:meth:`Project.from_toml` checks the whole file before anything is loaded: an unknown key, a
missing file, an unknown layer kind or a mapping onto a column the kind does not have raises a
:class:`~landmap.errors.ProjectError` naming the file, the line and the key, and saying how to
fix it. :meth:`Project.load` then loads every layer with the loaders in :mod:`landmap.io.load`.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landmap.errors import ExportError, LandmapError, ProjectError, SchemaError
from landmap.io.outputs import safe_name
from landmap.schema import COLUMNS, LAYER_KINDS, LayerKind

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


@dataclasses.dataclass(frozen=True)
class Project:
    """A validated project file. Build it with :meth:`from_toml`.

    Attributes
    ----------
    path
        The TOML file.
    name, title, title_km, description
        What the project is called (``title_km``: the Khmer title for maps).
    study_area
        ``"Cambodia"``, another name the loaders know, a polygon file, or a
        ``(west, south, east, north)`` box in degrees: case points outside it are rejected.
    metric_crs
        The CRS every length and area is computed in.
    output
        Folder the main job writes into.
    layers
        The layers, in file order.
    privacy, analysis, rasters, map, export
        The settings tables (``rasters`` as :class:`RasterSpec` by name).
    profiles
        User-defined privacy profiles (``[profiles.NAME]`` tables), as raw settings.

    """

    path: Path
    name: str
    layers: tuple[LayerSpec, ...]
    title: str | None = None
    title_km: str | None = None
    description: str | None = None
    study_area: str | Path | tuple[float, float, float, float] = DEFAULT_STUDY_AREA
    metric_crs: str = DEFAULT_METRIC_CRS
    output: Path = Path("maps")
    privacy: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    analysis: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    rasters: Mapping[str, RasterSpec] = dataclasses.field(default_factory=dict)
    map: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    export: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    profiles: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | PathLike[str]) -> Project:
        """Read and validate a project file.

        Parameters
        ----------
        path
            The TOML file. Relative paths inside it are resolved against its folder.

        Returns
        -------
        Project

        Raises
        ------
        ProjectError
            When the file is missing or not valid TOML, or a table or key is unknown, has the
            wrong type, names a missing file, an unknown layer kind or an unknown canonical
            column. The message names the file, the line and the key, and the fix.

        Examples
        --------
        >>> from pathlib import Path
        >>> demo = Project.from_toml(Path(__file__).parent.parent / "data" / "demo.toml")
        >>> demo.layer("synthetic_cases").kind
        'cases'

        """
        file = Path(path).expanduser()
        if not file.is_file():
            raise ProjectError(
                "project file not found", path=file,
                fix="give the path of a .toml project file (the demo is data/demo.toml)",
            )
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as err:
            raise ProjectError(
                f"is not UTF-8 text ({err.reason} at byte {err.start}); a TOML file must be "
                "UTF-8", path=file,
                fix="save it again as UTF-8 (in Notepad: Save as, Encoding UTF-8)",
            ) from err
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ProjectError(
                f"not valid TOML: {err}", path=file,
                fix="check the quotes, brackets and '=' on that line (https://toml.io)",
            ) from err
        return _Builder(file, raw, _Locator(text)).build()

    # -- queries -----------------------------------------------------------------------------
    def layer(self, name: str) -> LayerSpec:
        """Return the layer called ``name``.

        Raises
        ------
        ProjectError
            If the project has no such layer (the message lists the layers it has).

        """
        for spec in self.layers:
            if spec.name == name:
                return spec
        raise ProjectError(
            f"no layer named {name!r}", path=self.path,
            fix=f"use one of {', '.join(repr(s.name) for s in self.layers)}",
        )

    def layers_of(self, kind: LayerKind) -> list[LayerSpec]:
        """Return the layers of one kind, in file order."""
        return [s for s in self.layers if s.kind == kind]

    def privacy_profile(self) -> Any:
        """Return the :class:`~landmap.privacy.PrivacyProfile` the project asks for.

        The base profile (``[privacy] profile``, default ``"public"``; or a ``[profiles.NAME]``
        table) with the other ``[privacy]`` settings applied.
        """
        from landmap.privacy.profiles import PrivacyProfile, get_profile

        settings = {k: v for k, v in self.privacy.items() if k not in _NOT_PROFILE}
        base = str(self.privacy.get("profile", "public"))
        if base in self.profiles:
            profile = PrivacyProfile(name=base, **dict(self.profiles[base]))
            return profile.replace(**settings) if settings else profile
        return get_profile(base, **settings)

    def masking_key(self) -> bytes | None:
        """Return the office's secret masking key when the profile is keyed, else ``None``.

        ``[privacy] key_file`` (relative to the project file) holds it; it is created on first
        use. Keep it with the internal data, never beside public outputs.

        Raises
        ------
        ProjectError
            When the profile is keyed and no ``key_file`` is set.
        """
        if self.privacy_profile().seed_policy != "keyed":
            return None
        if "key_file" not in self.privacy:
            raise ProjectError(
                "the privacy profile masks with the office's secret key (seed_policy = "
                "\"keyed\"), and no key file is set",
                path=self.path,
                fix='add key_file = "masking.key" (a file kept in the office) to [privacy]',
            )
        from landmap.privacy import load_or_create_key

        key_file = Path(str(self.privacy["key_file"]))
        return load_or_create_key(key_file if key_file.is_absolute()
                                  else self.path.parent / key_file)

    # -- loading -----------------------------------------------------------------------------
    def load(self, names: Iterable[str] | None = None) -> dict[str, Loaded]:
        """Load the project's layers.

        Parameters
        ----------
        names
            Layer names to load (default: all, in file order).

        Returns
        -------
        dict
            Layer name -> :class:`~landmap.io.load.Loaded` (``data``, ``report``). Empty
            canonical values are filled from the layer's ``defaults``.

        Raises
        ------
        SchemaError
            A column mapping names a column the file does not have.
        LandmapError
            Whatever the loader raises for an unreadable file, with the layer named.

        """
        from landmap.io import load as loaders  # the loaders import GDAL: only when needed
        from landmap.progress import current

        wanted = [self.layer(n) for n in names] if names is not None else list(self.layers)
        out: dict[str, Loaded] = {}
        for spec in wanted:
            if spec.register is not None:
                out[spec.name] = load_register_layer(spec, project=self.path)
                continue
            check_columns(spec, project=self.path)
            kwargs = dict(spec.options)
            if spec.columns:
                kwargs["columns"] = dict(spec.columns)
            if spec.kind == "cases":
                study = self.study_area_for_loader()
                if study is not None:
                    kwargs["study_area"] = study
            loader = getattr(loaders, f"load_{spec.kind}")
            try:
                with current().step(f"load {spec.name}"):
                    loaded = loader(spec.source, **kwargs)
            except LandmapError as err:
                err.add_note(f"while loading layer {spec.name!r} of project {self.path}")
                raise
            out[spec.name] = fill_defaults(loaded, spec)
        return out

    def study_area_for_loader(self) -> Any:
        """Return the ``study_area`` argument for the case loader (``None``: Cambodia)."""
        area = self.study_area
        if isinstance(area, str) and area.strip().lower() == DEFAULT_STUDY_AREA.lower():
            return None
        return area  # a country name, a (west, south, east, north) box or a polygon file


# -- what a project file may contain ---------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Key:
    """One allowed key: its TOML types, whether it is required, allowed values, item type."""

    types: tuple[type, ...]
    required: bool = False
    choices: tuple[Any, ...] | None = None
    item: tuple[type, ...] | None = None  # element type of an array / value type of a table


_STR, _NUM, _BOOL, _INT = (str,), (int, float), (bool,), (int,)
_LIST, _TABLE = (list,), (dict,)
_SCALAR = (str, int, float, bool)

#: Keys a cases layer's ``columns`` may map besides its canonical columns: the coordinate
#: columns the table loader understands (``latitude``/``longitude`` are accepted for lat/lon).
COORDINATE_KEYS: tuple[str, ...] = ("lat", "lon", "easting", "northing", "utm_zone", "geopoint")
_COORDINATE_SYNONYMS = {"latitude": "lat", "longitude": "lon"}
#: Per layer kind: the project key holding the kind's own option, and the loader argument.
KIND_OPTION: dict[str, tuple[str | None, str | None]] = {
    "cases": (None, None),
    "areas": ("area_kind", "kind"),
    "concessions": ("concession_kind", "kind"),
    "boundaries": ("level", "level"),
}

#: Every table of a project file and its keys.
SPEC: dict[str, dict[str, _Key]] = {
    "top": {
        "project": _Key(_TABLE, required=True),
        "layers": _Key(_LIST, required=True, item=_TABLE),
        "privacy": _Key(_TABLE), "profiles": _Key(_TABLE, item=_TABLE),
        "analysis": _Key(_TABLE), "raster": _Key(_TABLE), "map": _Key(_TABLE),
        "export": _Key(_TABLE),
    },
    "project": {
        "name": _Key(_STR, required=True), "title": _Key(_STR), "title_km": _Key(_STR),
        "description": _Key(_STR), "study_area": _Key((str, list), item=_NUM),
        "metric_crs": _Key(_STR), "output": _Key(_STR),
    },
    "layers": {
        "name": _Key(_STR, required=True), "kind": _Key(_STR), "path": _Key(_STR),
        "register": _Key(_STR), "priority": _Key(_LIST, item=_STR),
        "member": _Key(_STR), "layer": _Key(_STR), "crs": _Key(_STR), "encoding": _Key(_STR),
        "utm_zone": _Key(_INT), "fix_swapped": _Key(_BOOL),
        "columns": _Key(_TABLE, item=_STR), "defaults": _Key(_TABLE, item=_SCALAR),
        "level": _Key(_STR, choices=("country", "province", "district", "commune", "village")),
        "area_kind": _Key(_STR), "concession_kind": _Key(_STR),
        "title": _Key(_STR), "title_km": _Key(_STR),
    },
    "privacy": {"profile": _Key(_STR), "communes": _Key(_STR), "villages": _Key(_STR),
                "key_file": _Key(_STR)},
    "analysis": {
        "within_m": _Key(_NUM), "areas": _Key(_LIST, item=_STR),
        "concessions": _Key(_LIST, item=_STR), "cases": _Key(_LIST, item=_STR),
        "summary_boundaries": _Key(_LIST, item=_STR), "by_year": _Key(_BOOL),
    },
    "map": {
        "lang": _Key(_STR, choices=("en", "km", "both")), "title": _Key(_STR),
        "popup": _Key(_LIST, item=_STR), "tooltip": _Key(_LIST, item=_STR),
        "basemap": _Key(_STR), "heatmap": _Key(_BOOL), "cluster": _Key(_BOOL),
        "time_slider": _Key(_BOOL), "rasters": _Key(_LIST, item=_STR),
    },
    "export": {
        "lang": _Key(_STR, choices=("en", "km", "both")),
        "paper": _Key(_STR, choices=("A4", "A3")),
        "orientation": _Key(_STR, choices=("landscape", "portrait")),
        "formats": _Key(_LIST, item=_STR), "title": _Key(_STR), "subtitle": _Key(_STR),
        "full_resolution": _Key(_BOOL),
    },
    "raster": {
        "path": _Key(_STR, required=True), "kind": _Key(_STR, choices=("classified", "continuous")),
        "classes": _Key(_TABLE, item=_STR), "title": _Key(_STR), "title_km": _Key(_STR),
    },
}


#: [privacy] settings that are not settings of the profile itself.
_NOT_PROFILE = ("profile", "communes", "villages", "key_file")


def _privacy_keys() -> dict[str, _Key]:
    """Return the settings a privacy profile has (from the profile class when installed)."""
    from landmap.privacy.profiles import PrivacyProfile

    keys: dict[str, _Key] = {}
    for field in dataclasses.fields(PrivacyProfile):
        if field.name == "name":
            continue
        default = field.default
        if isinstance(default, bool):
            keys[field.name] = _Key(_BOOL)
        elif isinstance(default, int | float):
            keys[field.name] = _Key(_INT if isinstance(default, int) and field.name == "k"
                                    else _NUM)
        elif isinstance(default, tuple):
            keys[field.name] = _Key(_LIST, item=_STR)
        else:
            keys[field.name] = _Key(_STR)
    return keys


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def _type_name(types: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "an array [...]", dict: "a table"}
    if set(types) == {int, float}:
        return "a number"
    return " or ".join(names[t] for t in types)


def _check_table(table: Any, spec: Mapping[str, _Key]) -> tuple[str | None, str, str] | None:
    """Return ``(key, problem, fix)`` for the first problem in a table, or ``None``."""
    if not isinstance(table, dict):
        return (None, f"expected a table, got {type(table).__name__}",
                "write it as [name] with keys below")
    for key in table:
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            return key, "unknown key", f"{hint}known keys here: {', '.join(sorted(spec))}"
    for key, rule in spec.items():
        if key not in table:
            if rule.required:
                fix = (f"add a [[{key}]] table" if rule.item == _TABLE and list in rule.types
                       else f"add a [{key}] table" if dict in rule.types else f"add {key} = ...")
                return key, "required key missing", fix
            continue
        value = table[key]
        if not _type_ok(value, rule.types):
            return (key, f"expected {_type_name(rule.types)}, got {value!r}",
                    f"write {key} as {_type_name(rule.types)}")
        if rule.choices is not None and value not in rule.choices:
            return (key, f"{value!r} is not allowed",
                    f"use one of {', '.join(map(repr, rule.choices))}")
        if rule.item is not None and isinstance(value, list | dict):
            items = value.values() if isinstance(value, dict) else value
            for item in items:
                if not _type_ok(item, rule.item):
                    return (key, f"expected every entry to be {_type_name(rule.item)}, "
                                 f"got {item!r}", f"write each entry as {_type_name(rule.item)}")
    return None


class _Locator:
    """Finds the line of a table or key in the TOML text (tomllib does not report lines)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, bool, str]] = []  # (0-based line, is_array, name)
        for n, line in enumerate(self.lines):
            m = self._HEADER.match(line)
            if m:
                self.headers.append((n, m.group(1) == "[[", m.group(2).replace(" ", "")))

    def _block(self, section: str, index: int | None) -> tuple[int, int] | None:
        if section == "":
            end = self.headers[0][0] if self.headers else len(self.lines)
            return 0, end
        seen = -1
        for pos, (n, is_array, name) in enumerate(self.headers):
            if name != section or is_array != (index is not None):
                continue
            seen += 1
            if index is not None and seen != index:
                continue
            end = len(self.lines)
            for m, _, other in self.headers[pos + 1:]:
                if not other.startswith(section + "."):
                    end = m
                    break
            return n, end
        return None

    def line(self, section: str, *, index: int | None = None, key: str | None = None) -> int | None:
        """1-based line of ``key`` in the table (or of the table's header), or ``None``."""
        if section == "" and key:
            for n, _, name in self.headers:  # a top-level key written as a table header
                if name == key or name.startswith(key + "."):
                    return n + 1
        block = self._block(section, index)
        if block is None:
            return None
        start, end = block
        found = start
        for part in (key or "").split(".") if key else []:
            word = re.escape(part)
            pattern = re.compile(rf'(^|[{{,\s])"?{word}"?\s*=|^\s*\[[^\]]*\b{word}\]')
            for n in range(found, end):
                if pattern.search(self.lines[n]):
                    found = n
                    break
        return found + 1


# -- columns: does the file have them? -------------------------------------------------------
def _file_columns(spec: LayerSpec) -> list[str] | None:
    """Return the column names of a layer's file, or ``None`` if they cannot be read cheaply."""
    import csv
    import zipfile

    from openpyxl.utils.exceptions import InvalidFileException
    from pyogrio.errors import DataLayerError, DataSourceError

    suffix = spec.path.suffix.lower()
    try:
        if suffix in (".zip", ".kmz", ".xlsx", ".xlsm"):
            from landmap.io._vector import check_archive

            check_archive(spec.path)  # a zip bomb is refused (by the loader) before it is read
        if spec.member is None and suffix in (".csv", ".txt", ".tsv"):
            encoding = spec.options.get("encoding")
            for enc in ([encoding] if encoding else ["utf-8-sig", "cp1252"]):
                try:
                    with spec.path.open(encoding=enc, newline="") as handle:
                        sample = handle.read(65536)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                return None
            lines = sample.splitlines()
            if lines and re.match(r"^sep=.\s*$", lines[0]):  # Excel's delimiter hint line
                lines = lines[1:]
            first = lines[0] if lines else ""
            try:
                dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            return next(csv.reader([first], dialect), [])
        if spec.member is None and suffix in (".xlsx", ".xlsm"):
            import pandas as pd
            from openpyxl import load_workbook

            from landmap.io._table import _header_row

            book = load_workbook(spec.path, read_only=True)
            try:
                sheet = book[spec.options["layer"]] if "layer" in spec.options else book.active
                head = list(sheet.iter_rows(max_row=15, values_only=True))
            finally:
                book.close()
            # the header row the loader will use (title rows above it are skipped)
            row = head[_header_row(pd.DataFrame(head))] if head else ()
            return [str(v) for v in row if v is not None]
        import pyogrio

        info = pyogrio.read_info(str(spec.source), layer=spec.options.get("layer"))
        return [str(f) for f in info["fields"]]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException,
            DataSourceError, DataLayerError):
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
            f", [[layers]] at line {spec.line})" if spec.line else ")")
        raise SchemaError(
            f"the column mapping {canon} = {column!r}{where} names a column the file does not "
            "have",
            path=spec.source, column=column,
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
    from landmap.register import open_register
    from landmap.report import LoadReport

    try:
        with open_register(str(spec.register)) as reg:
            data = reg.cases(priority=list(spec.priority) or None)
            sources = reg.sources()
            display = reg.display
    except LandmapError as err:
        err.add_note(f"while reading register layer {spec.name!r} of project {project}")
        raise
    rows = pd.DataFrame({
        "row": pd.Series(range(1, len(data) + 1), dtype="int64"),
        "status": pd.Series(["loaded"] * len(data), dtype="string"),
        "reason": pd.Series([pd.NA] * len(data), dtype="string"),
        "id": data["case_id"].astype("string").reset_index(drop=True),
    })
    details = {"register": display, "events": len(data), "sources": sources,
               "source_records": int(data["source_records"].sum())}
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


class _Builder:
    """Turns the parsed TOML into a :class:`Project`, raising at the first problem."""

    def __init__(self, file: Path, raw: dict[str, Any], locator: _Locator) -> None:
        self.file = file
        self.base = Path(os.path.abspath(file)).parent
        self.raw = raw
        self.loc = locator

    def error(self, message: str, *, section: str, key: str | None = None,
              index: int | None = None, fix: str | None = None) -> ProjectError:
        line = self.loc.line(section, index=index, key=key)
        where = f"[[{section}]] #{index + 1}" if index is not None else f"[{section}]"
        if section == "":
            where = "top level"
        name = None
        if index is not None:
            entry = self.raw.get(section, [])[index]
            name = entry.get("name") if isinstance(entry, dict) else None
        if name:
            where += f" ({name!r})"
        prefix = f"line {line}: " if line else ""
        text = f"{prefix}{where}" + (f", key {key!r}" if key else "") + f": {message}"
        err = ProjectError(text, path=self.file, fix=fix)
        err.line = line  # type: ignore[attr-defined]
        err.key = key  # type: ignore[attr-defined]
        return err

    def check(self, section: str, table: Mapping[str, Any], spec: Mapping[str, Any],
              *, index: int | None = None) -> None:
        problem = _check_table(table, spec)
        if problem is not None:
            key, message, fix = problem
            raise self.error(message, section=section, key=key, index=index, fix=fix)

    def resolve(self, value: str, *, section: str, key: str, index: int | None = None,
                must_exist: bool = True) -> Path:
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = self.base / path
        path = Path(os.path.normpath(path))  # "data/../maps" -> "maps"
        if must_exist and not path.exists():
            raise self.error(
                f"file {value!r} not found (looked for {path})", section=section, key=key,
                index=index,
                fix=f"correct the path; relative paths start from {self.base}",
            )
        return path

    def build(self) -> Project:
        self.check("", self.raw, SPEC["top"])
        head = self.raw.get("project", {})
        self.check("project", head, SPEC["project"])
        layers = self.build_layers()
        names = {s.name: s for s in layers}
        privacy = dict(self.raw.get("privacy", {}))
        profiles = {k: dict(v) for k, v in self.raw.get("profiles", {}).items()}
        self.check_privacy(privacy, profiles, names)
        analysis = dict(self.raw.get("analysis", {}))
        self.check("analysis", analysis, SPEC["analysis"])
        for key, kind in (("areas", "areas"), ("concessions", "concessions"),
                          ("cases", "cases"), ("summary_boundaries", "boundaries")):
            for ref in analysis.get(key, []):
                self.check_ref(ref, kind, names, section="analysis", key=key)
        self.check("map", self.raw.get("map", {}), SPEC["map"])
        self.check("export", self.raw.get("export", {}), SPEC["export"])
        study = head.get("study_area", DEFAULT_STUDY_AREA)
        if isinstance(study, list):
            study = tuple(float(v) for v in study)
            w, s, e, n = study
            if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
                raise self.error(
                    f"bounding box {list(study)} is not [west, south, east, north] in degrees",
                    section="project", key="study_area",
                    fix="write e.g. study_area = [102.3, 9.9, 107.7, 14.7]",
                )
        elif Path(study).suffix:
            study = self.resolve(study, section="project", key="study_area")
        metric = head.get("metric_crs", DEFAULT_METRIC_CRS)
        self.check_crs(metric, section="project", key="metric_crs", projected=True)
        return Project(
            path=self.file.resolve(), name=head["name"], layers=tuple(layers),
            title=head.get("title"), title_km=head.get("title_km"),
            description=head.get("description"), study_area=study, metric_crs=metric,
            output=self.resolve(head.get("output", "maps"), section="project", key="output",
                                must_exist=False),
            privacy=privacy, analysis=analysis, rasters=self.build_rasters(),
            map=dict(self.raw.get("map", {})), export=dict(self.raw.get("export", {})),
            profiles=profiles,
        )

    def check_crs(self, value: str, *, section: str, key: str, index: int | None = None,
                  projected: bool = False) -> None:
        from pyproj import CRS
        from pyproj.exceptions import CRSError as PyprojCRSError

        try:
            crs = CRS.from_user_input(value)
        except PyprojCRSError as err:
            raise self.error(f"{value!r} is not a CRS pyproj knows", section=section, key=key,
                             index=index, fix="write an EPSG code such as 'EPSG:32648'") from err
        if projected and not crs.is_projected:
            raise self.error(f"{value!r} is not a projected (metric) CRS", section=section,
                             key=key, fix="use a UTM zone, e.g. 'EPSG:32648' for Cambodia")

    def check_ref(self, ref: str, kind: str, names: Mapping[str, LayerSpec], *,
                  section: str, key: str) -> None:
        spec = names.get(ref)
        if spec is None or spec.kind != kind:
            choices = [n for n, s in names.items() if s.kind == kind]
            what = "no layer" if spec is None else f"layer of kind {spec.kind!r}, not {kind!r}"
            raise self.error(
                f"{ref!r}: {what}", section=section, key=key,
                fix=f"name a {kind} layer: {', '.join(map(repr, choices)) or 'add one first'}",
            )

    def build_layers(self) -> list[LayerSpec]:
        entries = self.raw.get("layers", [])
        if not entries:
            raise self.error("the project names no layers", section="",
                             fix='add a [[layers]] table with name, kind and path')
        out: list[LayerSpec] = []
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            self.check("layers", entry, SPEC["layers"], index=i)
            if entry["name"] in seen:
                raise self.error(f"layer name {entry['name']!r} used twice", section="layers",
                                 key="name", index=i, fix="give every layer its own name")
            try:  # layer names become file names: none may leave an output folder
                safe_name(entry["name"], what="layer name")
            except ExportError as err:
                raise self.error(err.message, section="layers", key="name", index=i,
                                 fix=err.fix) from err
            seen.add(entry["name"])
            if "register" in entry:
                out.append(self.build_register_layer(entry, i))
                continue
            if "path" not in entry:
                raise self.error("required key missing", section="layers", key="path", index=i,
                                 fix='add path = "your file", or register = "register.gpkg"')
            kind = entry.get("kind") or self.infer_kind(entry, i)
            if kind not in LAYER_KINDS:
                close = difflib.get_close_matches(str(kind), LAYER_KINDS, n=1)
                raise self.error(
                    f"unknown layer kind {kind!r}", section="layers", key="kind", index=i,
                    fix=f"use {close[0]!r}" if close else f"use one of {', '.join(LAYER_KINDS)}",
                )
            out.append(self.build_layer(entry, kind, i))
        return out

    def build_register_layer(self, entry: Mapping[str, Any], i: int) -> LayerSpec:
        """Build a layer read from a case register (its merged cases, one row per event)."""
        allowed = {"name", "kind", "register", "priority", "title", "title_km"}
        extra = sorted(k for k in entry if k not in allowed)
        if extra:
            raise self.error(
                f"{extra[0]!r} does not apply to a register layer", section="layers",
                key=extra[0], index=i,
                fix="a register layer takes name, register, priority, title, title_km; column "
                    "mappings are given when files are imported (landmap register import)")
        if entry.get("kind", "cases") != "cases":
            raise self.error("a register holds cases", section="layers", key="kind", index=i,
                             fix='write kind = "cases" or leave kind out')
        value = entry["register"]
        if "://" in value:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                url = make_url(value)
            except ArgumentError as err:
                raise self.error(f"{value!r} is not a database URL", section="layers",
                                 key="register", index=i,
                                 fix="write postgresql://user@host:5432/dbname") from err
            if url.password:
                raise self.error(
                    "the register URL holds a password", section="layers", key="register",
                    index=i, fix="remove it from the project file; put it in ~/.pgpass or the "
                                 "PGPASSWORD environment variable")
            register, path = value, Path(url.render_as_string(hide_password=True))
        else:
            path = self.resolve(value, section="layers", key="register", index=i)
            register = str(path)
        return LayerSpec(
            name=entry["name"], kind="cases", path=path, register=register,
            priority=tuple(entry.get("priority", ())), title=entry.get("title"),
            title_km=entry.get("title_km"), line=self.loc.line("layers", index=i),
        )

    def infer_kind(self, entry: Mapping[str, Any], i: int) -> str:
        try:
            from landmap.io.load import infer_kind

            return infer_kind(self.resolve(entry["path"], section="layers", key="path", index=i))
        except (ImportError, LandmapError) as err:
            raise self.error(
                f"no kind given and none could be inferred ({err})", section="layers",
                key="kind", index=i, fix=f"add kind = one of {', '.join(LAYER_KINDS)}",
            ) from err

    def build_layer(self, entry: Mapping[str, Any], kind: LayerKind, i: int) -> LayerSpec:
        path = self.resolve(entry["path"], section="layers", key="path", index=i)
        member = entry.get("member")
        if member is not None:
            self.check_member(path, member, i)
        coordinates = {*COORDINATE_KEYS, *_COORDINATE_SYNONYMS} if kind == "cases" else set()
        allowed = set(COLUMNS[kind]) | coordinates
        for key, table in (("columns", entry.get("columns", {})),
                           ("defaults", entry.get("defaults", {}))):
            for canon in table:
                if canon not in allowed or (key == "defaults" and canon in coordinates):
                    close = difflib.get_close_matches(canon, sorted(allowed), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    if not close and table[canon] in allowed:  # written the wrong way round
                        hint = f"write {table[canon]} = {canon!r} (canonical name first); "
                    raise self.error(
                        f"{canon!r} is not a canonical column of {kind}", section="layers",
                        key=f"{key}.{canon}", index=i,
                        fix=f"{hint}the keys of '{key}' are canonical names "
                            f"({', '.join(sorted(allowed))}); the values are your file's "
                            "column names",
                    )
        options: dict[str, Any] = {}
        for key in ("crs", "layer", "encoding"):
            if key in entry:
                options[key] = entry[key]
        if "crs" in options:
            self.check_crs(options["crs"], section="layers", key="crs", index=i)
        for key in ("utm_zone", "fix_swapped"):
            if key in entry:
                if kind != "cases":
                    raise self.error(f"{key!r} only applies to cases layers", section="layers",
                                     key=key, index=i, fix=f"remove {key!r} from this layer")
                options[key] = entry[key]
        option_key, loader_arg = KIND_OPTION[kind]
        for other_kind, (other_key, _) in KIND_OPTION.items():
            if other_key and other_key != option_key and other_key in entry:
                raise self.error(
                    f"{other_key!r} belongs to {other_kind} layers, this one is {kind!r}",
                    section="layers", key=other_key, index=i,
                    fix=f"use {option_key!r}" if option_key else f"remove {other_key!r}",
                )
        if option_key and option_key in entry:
            options[loader_arg] = entry[option_key]
        return LayerSpec(
            name=entry["name"], kind=kind, path=path, member=member,
            columns={_COORDINATE_SYNONYMS.get(k, k) if kind == "cases" else k: v
                     for k, v in entry.get("columns", {}).items()},
            options=options,
            defaults=dict(entry.get("defaults", {})), title=entry.get("title"),
            title_km=entry.get("title_km"), line=self.loc.line("layers", index=i),
        )

    def check_member(self, path: Path, member: str, i: int) -> None:
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as err:
            raise self.error(f"{path.name} is not a readable zip archive", section="layers",
                             key="member", index=i,
                             fix="point 'path' at the .zip, or remove 'member'") from err
        if member not in names:
            listed = [n for n in names if not n.startswith("__MACOSX") and not n.endswith("/")]
            raise self.error(f"{member!r} is not in {path.name}", section="layers",
                             key="member", index=i, fix=f"use one of {', '.join(listed)}")

    def check_privacy(self, privacy: dict[str, Any], profiles: dict[str, dict[str, Any]],
                      names: Mapping[str, LayerSpec]) -> None:
        keys = _privacy_keys()
        self.check("privacy", privacy, {**SPEC["privacy"], **keys})
        for pname, table in profiles.items():
            self.check(f"profiles.{pname}", table, keys)
        for key in ("communes", "villages"):
            if key in privacy:
                kinds = ("boundaries",) if key == "communes" else ("boundaries", "cases")
                spec = names.get(privacy[key])
                if spec is None or spec.kind not in kinds:
                    self.check_ref(privacy[key], "boundaries", names, section="privacy", key=key)
        base = privacy.get("profile", "public")
        from landmap.privacy import profiles as privacy_profiles

        if base not in profiles and base not in privacy_profiles.PROFILES:
            raise self.error(
                f"unknown profile {base!r}", section="privacy", key="profile",
                fix=f"use 'public', 'internal' or define [profiles.{base}]",
            )
        settings = {k: v for k, v in privacy.items() if k not in _NOT_PROFILE}
        try:
            if base in profiles:
                profile = privacy_profiles.PrivacyProfile(name=base, **profiles[base])
                profile.replace(**settings)
            else:
                privacy_profiles.get_profile(base, **settings)
        except LandmapError as err:
            named = [k for k in settings if k in err.message] or [None]
            raise self.error(err.message, section="privacy", key=named[0], fix=err.fix) from err

    def build_rasters(self) -> dict[str, RasterSpec]:
        out = {}
        for name, value in self.raw.get("raster", {}).items():
            table = {"path": value} if isinstance(value, str) else value
            if not isinstance(table, dict):
                raise self.error(
                    f"expected a file path or a table, got {type(value).__name__}",
                    section="raster", key=name, fix=f'write {name} = "file.tif"',
                )
            problem = _check_table(table, SPEC["raster"])
            if problem is not None:
                key, message, fix = problem
                raise self.error(message, section="raster", key=f"{name}.{key}", fix=fix)
            classes = {}
            for k, label in table.get("classes", {}).items():
                try:
                    classes[int(k)] = str(label)
                except ValueError as err:
                    raise self.error(f"class value {k!r} is not an integer", section="raster",
                                     key=f"{name}.classes", fix='write classes = { "1" = '
                                     '"forest", "0" = "non_forest" }') from err
            out[name] = RasterSpec(
                name=name, path=self.resolve(table["path"], section="raster", key=name),
                kind=table.get("kind", "classified" if classes else "continuous"),
                classes=classes, title=table.get("title"), title_km=table.get("title_km"),
            )
        return out


__all__ = ["LayerSpec", "Project", "RasterSpec"]
