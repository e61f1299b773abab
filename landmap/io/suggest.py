"""Which column of a file is which: the loaders' guess, to check and correct without code.

:func:`suggest_columns` reads a file's header and first rows the way the loaders do (CSV in any
encoding and delimiter, XLSX with title rows, vector files) and returns the mapping the loaders
would use, with a guess for every canonical column that looks present but was not recognised.
The mapping can be printed as ``--column`` options for the command line
(:meth:`ColumnMapping.as_options`), as a TOML snippet for a project file
(:meth:`ColumnMapping.as_toml`), or written into a project file
(:meth:`ColumnMapping.save`), which keeps the rest of the file as it was.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from landmap.errors import DataValueError, ProjectError
from landmap.io._canonical import resolve_columns
from landmap.io._coordinate_columns import find_coordinate_columns
from landmap.io._table import read_table
from landmap.io._understood import fates, likely_misses
from landmap.io._vector import read_vector, resolve
from landmap.io.atomic import atomic_path
from landmap.schema import COLUMNS, LAYER_KINDS

#: Coordinate keys a table's mapping may hold, in the order the loaders try them.
COORDINATE_KEYS: tuple[str, ...] = ("lat", "lon", "easting", "northing", "utm_zone", "geopoint")
_SAMPLE_ROWS = 200


@dataclass
class ColumnMapping:
    """The columns of one file and the canonical column each one fills.

    Attributes
    ----------
    source
        The file.
    kind
        Layer kind the mapping is for.
    file_columns
        The file's columns, in file order.
    mapping
        ``{key: column or None}`` for every canonical column of ``kind`` and, for tables, the
        coordinate keys (``lat``, ``lon`` or ``geopoint``, or ``easting``, ``northing`` and
        ``utm_zone``). ``None``: no column of the file holds it.
    guessed
        Keys filled by a guess (a column that looks like the canonical one but whose name is
        not a known spelling), with the reason: check these.
    samples
        A few values of each column (to show beside it in a form).
    cleared
        Keys the loaders would fill by themselves but that a person said the file does not
        have: written as ``key = ""`` so that no loader guesses them again.

    """

    source: Path
    kind: str
    file_columns: list[str]
    mapping: dict[str, str | None]
    guessed: dict[str, str] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)
    cleared: set[str] = field(default_factory=set)

    @property
    def columns(self) -> dict[str, str]:
        """The mapping to pass as ``columns=`` to a loader (``""``: not in the file)."""
        out = {k: v for k, v in self.mapping.items() if v}
        out.update({k: "" for k in self.mapping if k in self.cleared and not self.mapping[k]})
        return out

    def as_options(self) -> str:
        """Return the mapping as ``landmap check`` options (quoted for a shell).

        Examples
        --------
        >>> m = ColumnMapping(Path("r.csv"), "cases", ["No", "Date of incident"],
        ...                   {"case_id": "No", "date": "Date of incident", "type": None})
        >>> m.as_options()
        "--column case_id=No --column date='Date of incident'"

        """
        return " ".join(f"--column {key}={shlex.quote(col)}" for key, col in self.columns.items())

    def as_toml(
        self, *, name: str | None = None, project: str | os.PathLike[str] | None = None
    ) -> str:
        """Return a ``[[layers]]`` table to paste into a project file.

        Parameters
        ----------
        name
            The layer's name (default: the kind).
        project
            The project file the snippet is for: the path is written relative to its folder.

        Examples
        --------
        >>> m = ColumnMapping(Path("r.csv"), "cases", ["No"], {"case_id": "No", "date": None})
        >>> print(m.as_toml())
        [[layers]]
        name = "cases"
        kind = "cases"
        path = "r.csv"
        columns = { case_id = "No" }

        """
        path = _relative(self.source, None if project is None else Path(project).parent)
        pairs = ", ".join(f"{key} = {_toml_string(col)}" for key, col in self.columns.items())
        return "\n".join(
            [
                "[[layers]]",
                f"name = {_toml_string(name or self.kind)}",
                f"kind = {_toml_string(self.kind)}",
                f"path = {_toml_string(path)}",
                f"columns = {{ {pairs} }}" if pairs else "columns = {}",
            ]
        )

    def save(self, project: str | os.PathLike[str], *, name: str | None = None) -> Path:
        """Write the mapping into a project file (created when it does not exist).

        The layer named ``name`` (default: the kind) gets this mapping as its ``columns``; a
        layer of that name that does not exist yet is added at the end. Everything else in the
        file (comments included) is kept. The file is written atomically and read back.

        Parameters
        ----------
        project
            A ``.toml`` project file.
        name
            The layer's name in the project.

        Returns
        -------
        pathlib.Path
            The project file.

        Raises
        ------
        ProjectError
            If the project file cannot be read as TOML, or the layer's columns are written in a
            form this function cannot update (a ``[layers.columns]`` table): edit it by hand
            with :meth:`as_toml`.

        """
        target = Path(project)
        name = name or self.kind
        snippet = self.as_toml(name=name, project=target)
        if target.exists():
            text = target.read_text(encoding="utf-8")
            new = _updated(text, target, name, snippet, self.columns)
        else:
            stem = re.sub(r"[^\w-]+", "-", target.stem).strip("-") or "my-project"
            new = f"[project]\nname = {_toml_string(stem)}\n\n{snippet}\n"
        try:
            check = tomllib.loads(new)
            written = next(layer for layer in check["layers"] if layer.get("name") == name)
        except (tomllib.TOMLDecodeError, KeyError, StopIteration) as err:
            raise ProjectError(
                f"could not write the column mapping of layer {name!r} into it ({err})",
                path=target,
                fix="paste this into the file by hand:\n" + snippet,
            ) from err
        if written.get("columns", {}) != self.columns:
            raise ProjectError(
                f"layer {name!r} keeps its columns in a form landmap cannot update",
                path=target,
                fix="replace its columns by hand with:\n" + snippet,
            )
        with atomic_path(target) as tmp:
            tmp.write_text(new, encoding="utf-8")
        return target


def _toml_string(value: str) -> str:
    """Return a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(value), ensure_ascii=False)


def _relative(path: Path, folder: Path | None) -> str:
    if folder is None:
        return Path(path).as_posix() if not Path(path).is_absolute() else Path(path).name
    try:
        return Path(os.path.relpath(Path(path).resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).resolve().as_posix()


def _updated(text: str, target: Path, name: str, snippet: str, columns: dict[str, str]) -> str:
    """Return the project text with the layer's ``columns`` replaced, or the layer added."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ProjectError(
            f"is not valid TOML ({err})",
            path=target,
            fix="correct the file, or give a new file name",
        ) from err
    layers = raw.get("layers", [])
    index = next((i for i, layer in enumerate(layers) if layer.get("name") == name), None)
    if index is None:
        return text.rstrip("\n") + "\n\n" + snippet + "\n"
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines) if re.match(r"^\s*\[", line)]
    starts = [n for n in headers if re.match(r"^\s*\[\[\s*layers\s*\]\]", lines[n])]
    start = starts[index]
    end = next((n for n in headers if n > start), len(lines))
    pairs = ", ".join(f"{key} = {_toml_string(col)}" for key, col in columns.items())
    line = f"columns = {{ {pairs} }}"
    for n in range(start + 1, end):
        if re.match(r"^\s*columns\s*=", lines[n]):
            lines[n] = line
            break
    else:
        last = max((n for n in range(start + 1, end) if "=" in lines[n]), default=start)
        lines.insert(last + 1, line)
    return "\n".join(lines) + "\n"


def _sample(src: Any, kind: str, *, encoding: str | None) -> pd.DataFrame:
    if src.fmt in ("csv", "xlsx"):
        return read_table(src, encoding=encoding).frame
    return read_vector(src, kind=kind)


def _coordinates(frame: pd.DataFrame, kind: str) -> dict[str, str | None]:
    """Return the coordinate keys a table's mapping shows: the pair the loader will use."""
    if kind not in ("cases", "concessions"):
        return {}
    found = find_coordinate_columns(frame, {})
    if "lat" in found and "lon" in found:
        keys = ("lat", "lon")
    elif "easting" in found and "northing" in found:
        keys = ("easting", "northing", "utm_zone")
    elif "geopoint" in found:
        keys = ("geopoint",)
    else:
        keys = ("lat", "lon")
    return {key: found.get(key) for key in keys}


def suggest_columns(
    source: str | os.PathLike[str],
    kind: str | None = None,
    *,
    layer: str | None = None,
    encoding: str | None = None,
) -> ColumnMapping:
    """Return the column mapping the loaders would use for a file, with guesses marked.

    Parameters
    ----------
    source
        A CSV, XLSX or vector file.
    kind
        ``cases``, ``areas``, ``concessions`` or ``boundaries`` (inferred when omitted).
    layer
        Sheet of a workbook, or layer of a multi-layer file.
    encoding
        Text encoding of a CSV (detected when omitted).

    Returns
    -------
    ColumnMapping

    Raises
    ------
    DataValueError
        For an unknown kind.
    DataFileError
        When the file cannot be read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "register.csv"
    >>> pd.DataFrame({"លេខករណី": ["A1"], "កាលបរិច្ឆេទ": ["2021-03-04"], "ប្រភេទ": ["eviction"],
    ...               "រយៈទទឹង": [11.5], "រយៈបណ្តោយ": [104.9]}).to_csv(path, index=False)
    >>> print(suggest_columns(path).as_options())
    --column case_id='លេខករណី' --column date='កាលបរិច្ឆេទ' --column type='ប្រភេទ' ...

    """
    from landmap.io.load import infer_kind

    kind = kind or infer_kind(source, layer=layer)
    if kind not in LAYER_KINDS:
        raise DataValueError(
            f"kind {kind!r} is not one of {', '.join(LAYER_KINDS)}",
            fix="use cases, areas, concessions or boundaries",
        )
    src = resolve(source, layer=layer)
    frame = _sample(src, kind, encoding=encoding)
    names = [str(c) for c in frame.columns if c != "geometry"]
    coords = _coordinates(frame, kind) if src.fmt in ("csv", "xlsx") else {}
    used = {c for c in coords.values() if c}
    mapping, profile = resolve_columns(frame, kind, {}, exclude=used)
    records = fates(
        names,
        mapping,
        explicit={},
        profile=profile["name"] if profile else None,
        coordinates=used,
        kind=kind,
    )
    out: dict[str, str | None] = {
        key: (mapping[key][0] if key in mapping else None) for key in COLUMNS[kind]
    }  # type: ignore[index]
    guessed: dict[str, str] = {}
    for miss in likely_misses(frame, kind, mapping, records):
        out[miss.canonical] = miss.column
        guessed[miss.canonical] = miss.why
    out.update(coords)
    head = frame.head(_SAMPLE_ROWS)
    samples = {c: [str(v) for v in pd.unique(head[c].dropna())[:3]] for c in names}
    return ColumnMapping(Path(source), kind, names, out, guessed, samples)


__all__ = ["COORDINATE_KEYS", "ColumnMapping", "suggest_columns"]
