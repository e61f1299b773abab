"""The landmap exception tree.

Every error has one root, :class:`LandmapError`, and each subclass also derives from the builtin
exception a caller would already catch (``OSError`` for unreadable files, ``ValueError`` for bad
values, ``KeyError`` for missing columns). Messages name the file, row and column where known and
say how to fix the problem; the command line prints them on one line without a traceback.
"""

from __future__ import annotations

from os import PathLike


class LandmapError(Exception):
    """Root of every error landmap raises on purpose.

    Parameters
    ----------
    message
        What went wrong, in a sentence.
    path
        The file concerned, if any.
    row
        1-based position of the offending record in the input, if any.
    column
        The offending column, if any.
    fix
        What the user can do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ": ".join([", ".join(where), self.message]) if where else self.message
        if self.fix:
            text += f" Fix: {self.fix}"
        return text

    def __str__(self) -> str:
        return self._render()


class DataFileError(LandmapError, OSError):
    """A file is missing, unreadable, truncated or in a format GDAL cannot open."""


class CRSError(LandmapError, ValueError):
    """A layer has no coordinate reference system, or one that cannot be used."""


class SchemaError(LandmapError, KeyError):
    """A required column is missing or a column mapping names a column that does not exist."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self._render()


class DataValueError(LandmapError, ValueError):
    """A value cannot be used: a coordinate that does not parse, an unknown vocabulary term."""


class OptionError(DataValueError):
    """An option of a map or a page has a value landmap cannot use.

    The message names the option, echoes the value and its type, and lists the values allowed.
    """


class ProjectError(LandmapError, ValueError):
    """A project file is malformed or names a path or column that does not exist."""


class AnalysisError(LandmapError, ValueError):
    """An analysis was asked for with inputs that cannot give a meaningful answer."""


class ExportError(LandmapError, OSError):
    """An output could not be written."""


class AssetError(LandmapError, FileNotFoundError):
    """A bundled asset (JavaScript, CSS, font) needed for an offline output is missing."""


class PrivacyError(LandmapError, ValueError):
    """A public export would expose a sensitive field or an exact location."""


class RegisterError(LandmapError, ValueError):
    """The case register cannot be opened or written, or names no such case or source."""


class LimitError(LandmapError, ValueError):
    """An input or an output is larger than one of landmap's named limits.

    The limits (:mod:`landmap.limits`) stop a file from exhausting memory or time before any
    work is done: a zip that would unpack to gigabytes, a table with tens of thousands of
    columns, a briefing map of billions of pixels. The message gives the limit, the actual
    value and the environment variable that raises the limit.

    Attributes
    ----------
    name
        The limit's name in :data:`landmap.limits.LIMITS`.
    limit
        The limit in force.
    actual
        The value that exceeded it.
    """

    def __init__(
        self,
        message: str,
        *,
        name: str,
        limit: float,
        actual: float,
        path: str | PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.name = name
        self.limit = limit
        self.actual = actual
        super().__init__(message, path=path, row=row, column=column, fix=fix)


class LandmapWarning(UserWarning):
    """Warnings landmap issues on purpose (treated as errors in landmap's own tests)."""


__all__ = [
    "AnalysisError",
    "AssetError",
    "CRSError",
    "DataFileError",
    "DataValueError",
    "ExportError",
    "LandmapError",
    "LandmapWarning",
    "LimitError",
    "OptionError",
    "PrivacyError",
    "ProjectError",
    "RegisterError",
    "SchemaError",
]
