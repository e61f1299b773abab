"""The shared case register: one store for a team, with history, merging partners' registers.

A register is a GeoPackage file (the default: one file beside the project, nothing to install)
or a PostgreSQL + PostGIS database a team shares (``postgresql://user@host/db``; the password
comes from ``PGPASSWORD`` or ``~/.pgpass``). Both run the same SQLAlchemy Core code.

- :meth:`Register.import_file` stores every row of a partner's file under its source; the same
  file again adds nothing, a newer export adds versions for the records that changed.
- Nothing is overwritten: every change is a version or a decision with who, when and why
  (:meth:`Register.history`); :meth:`Register.delete_personal` erases a person's details from
  every version at their request and records that it happened.
- :meth:`Register.duplicates` finds the same event reported by different sources (splink);
  :meth:`Register.merge` / :meth:`Register.unmerge` record the decisions.
- :meth:`Register.cases` is the merged cases layer: one row per event, ``source_records``
  saying how many source records stand behind it, ``values_from`` which source each published
  value came from. Project files name a register as a layer (``register = "register.gpkg"``).

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> db = pathlib.Path(tempfile.mkdtemp()) / "register.gpkg"
>>> reg = open_register(db, create=True)
>>> table = pd.DataFrame({"case_id": ["A1"], "date": ["2020-03-01"], "lat": [11.5],
...                       "lon": [104.9], "type": ["eviction"]})
>>> print(reg.import_file(table, source="Partner A", by="trainer").added)
1
>>> reg.cases()[["case_id", "source", "source_records"]].to_dict("records")
[{'case_id': 'Partner A:A1', 'source': 'Partner A', 'source_records': 1}]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.register import _changes, _db, _linkage, _read, _roles
from landmap.register._import import ImportResult, import_file
from landmap.register._schema import PUBLIC_VIEW, SCHEMA_VERSION

PathOrUrl = str | os.PathLike[str]


class Register:
    """An open case register (GeoPackage or PostGIS). Make one with :func:`open_register`.

    Attributes
    ----------
    display
        Where it is (a URL is shown without its password).
    backend
        ``"geopackage"`` or ``"postgis"``.
    """

    def __init__(self, store: _db.Store) -> None:
        self._store = store
        self.display = store.display
        self.backend = store.backend

    def __repr__(self) -> str:
        return f"<Register {self.backend} {self.display}>"

    # -- writing ------------------------------------------------------------------------------
    def import_file(
        self,
        file: PathOrUrl | pd.DataFrame,
        *,
        source: str,
        columns: dict[str, str] | None = None,
        by: str | None = None,
        reason: str | None = None,
        **loader_options: Any,
    ) -> ImportResult:
        """Import a file any case loader reads, under ``source``; one transaction.

        Parameters
        ----------
        file
            CSV, XLSX, Kobo/ODK export, GeoJSON, GeoPackage, KML... or a DataFrame.
        source
            The organisation or register the file comes from (e.g. ``"Partner A"``).
        columns
            ``{canonical name: the file's column}``, as ``landmap check --column``; also
            ``company`` (the company involved, used to find duplicates).
        by, reason
            Who imports it (default: the login name) and why.
        **loader_options
            ``crs``, ``layer``, ``encoding``, ``utm_zone``, ``fix_swapped``, ``study_area``.

        Returns
        -------
        ImportResult
            Rows added, changed and unchanged, and the loader's report.

        Raises
        ------
        RegisterError
            The source name is unusable or the register cannot be written.
        DataFileError, SchemaError, CRSError
            The file cannot be loaded (nothing is written).
        """
        return import_file(
            self._store,
            file,
            source=source,
            columns=columns,
            by=by,
            reason=reason,
            **loader_options,
        )

    def edit(
        self,
        case: str,
        changes: dict[str, Any],
        *,
        by: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Correct fields of record ``case`` (``SOURCE:ID``); a new version with ``reason``.

        Returns the new version number.
        """
        return _changes.edit(self._store, case, changes, by=by, reason=reason)

    def delete_personal(
        self, case: str, *, by: str | None = None, reason: str | None = None
    ) -> int:
        """Erase the personal fields of ``case`` from every version (see the user guide).

        The description and every non-canonical column (names, phones, ID numbers) are
        removed from all versions; the deletion itself is recorded with who, when and why.
        Returns the number of the version recording it.
        """
        return _changes.delete_personal(self._store, case, by=by, reason=reason)

    def merge(
        self,
        pairs: pd.DataFrame | PathOrUrl,
        *,
        threshold: float | None = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> dict[str, int]:
        """Merge duplicate pairs: those scoring at least ``threshold``, or a reviewed table.

        ``pairs`` is :meth:`duplicates`' table or its CSV; with a ``decision`` column,
        ``merge`` rows are merged and ``distinct`` rows kept apart for good.
        Returns ``{"merged": n, "distinct": n, "left": n}``.
        """
        return _changes.merge(self._store, pairs, threshold=threshold, by=by, reason=reason)

    def unmerge(
        self,
        case: str,
        *,
        other: str | None = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Take record ``case`` out of its event (or unlink it from ``other`` only)."""
        return _changes.unmerge(self._store, case, other=other, by=by, reason=reason)

    # -- reading ------------------------------------------------------------------------------
    def cases(self, *, priority: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        """Return the merged cases layer: one row per event (see :func:`merged_cases`).

        Parameters
        ----------
        priority
            Sources whose values win, in order (default: by first import).
        """
        return _read.merged_cases(self._store, priority=priority)

    def records(self, *, history: bool = False) -> gpd.GeoDataFrame:
        """Return every source record's current version (every version with ``history``)."""
        return _read.records(self._store, history=history)

    def history(self, case: str) -> pd.DataFrame:
        """Return every version of record ``case`` and every merge decision about it."""
        return _read.history(self._store, case)

    def imports(self) -> pd.DataFrame:
        """Return every import with its file, SHA-256, time, person and row counts."""
        return _read.import_log(self._store)

    def sources(self) -> list[str]:
        """Return the sources, in the order their first file was imported."""
        return _read.source_order(self._store, None)

    def duplicates(
        self, *, threshold: float = 0.5, sources: list[str] | None = None, seed: int = 1
    ) -> pd.DataFrame:
        """Find pairs of records from different sources that may be the same event.

        Returns
        -------
        pandas.DataFrame
            ``source_a, id_a, source_b, id_b, score`` (0-1) and the evidence per field.
        """
        return _linkage.find_duplicates(
            self._store, threshold=threshold, sources=sources, seed=seed
        )

    # -- access -------------------------------------------------------------------------------
    def roles_sql(
        self,
        *,
        field: str = "landmap_field",
        analyst: str = "landmap_analyst",
        publisher: str = "landmap_publisher",
    ) -> list[str]:
        """Return the SQL that sets up the three PostGIS roles (see the README)."""
        return _roles.roles_sql(field=field, analyst=analyst, publisher=publisher)

    def grant_roles(self, **names: str) -> list[str]:
        """Create the three roles on the PostGIS register and grant them; returns the SQL."""
        return _roles.grant(self._store, self.roles_sql(**names))

    def close(self) -> None:
        """Release the database connections."""
        self._store.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_register(db: PathOrUrl = "register.gpkg", *, create: bool = False) -> Register:
    """Open the register at ``db``: a GeoPackage path or a ``postgresql://`` URL.

    Parameters
    ----------
    db
        A ``.gpkg`` path (default ``register.gpkg``) or ``postgresql://user@host:port/db``.
        Put no password in the URL: libpq reads ``PGPASSWORD`` and ``~/.pgpass``.
    create
        Make a new register when there is none.

    Raises
    ------
    RegisterError
        There is no register (and ``create`` is false), the file is something else, the
        server cannot be reached, or the register was written by a newer landmap.
    """
    return Register(_db.connect(db, create=create))


merged_cases = _read.merged_cases

__all__ = [
    "PUBLIC_VIEW",
    "SCHEMA_VERSION",
    "ImportResult",
    "Register",
    "open_register",
]
