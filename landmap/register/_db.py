"""Opening a register: a GeoPackage path or a PostgreSQL URL, one SQLAlchemy engine either way.

Every write runs in one transaction (:func:`write`); on SQLite it starts with ``BEGIN
IMMEDIATE`` so that a read-then-write import cannot interleave with another writer, and a
killed process leaves a hot journal that the next opener rolls back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

from landmap.errors import RegisterError
from landmap.register import _schema

T = TypeVar("T")
_PG_DRIVERS = ("postgresql", "postgres", "postgresql+psycopg", "postgis")


@dataclass
class Store:
    """An open register: its engine, its tables and how to name it in messages."""

    engine: sa.Engine
    tables: dict[str, sa.Table]
    display: str
    backend: str  # "geopackage" or "postgis"
    path: Path | None = None


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield ``items`` in slices of at most ``size`` (bound-parameter limits, batches)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def now() -> str:
    """Return the current time in UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def who(by: str | None) -> str:
    """Return who a change is recorded against: ``by``, else the login name."""
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return f"uid {os.getuid()}"


def is_url(db: str | os.PathLike[str]) -> bool:
    """Whether ``db`` names a database server rather than a GeoPackage file."""
    return "://" in str(db)


def redact(db: str | os.PathLike[str]) -> str:
    """Return the register's name for messages and provenance (a URL without password)."""
    if not is_url(db):
        return str(db)
    return sa.engine.make_url(str(db)).render_as_string(hide_password=True)


def _pg_url(db: str) -> sa.URL:
    try:
        url = sa.engine.make_url(db)
    except sa.exc.ArgumentError as err:
        raise RegisterError(
            f"{db!r} is not a database URL",
            path=redact(db),
            fix="write postgresql://user@host:5432/dbname",
        ) from err
    if url.drivername not in _PG_DRIVERS:
        raise RegisterError(
            f"a register is a GeoPackage file or a PostgreSQL database, not {url.drivername}",
            path=redact(db),
            fix="give a .gpkg path or a postgresql://user@host/db URL",
        )
    return url.set(drivername="postgresql+psycopg")


def _sqlite_engine(path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 60})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write_tx = conn.get_execution_options().get("landmap_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_tx else "BEGIN")

    return engine


def connect(db: str | os.PathLike[str], *, create: bool) -> Store:
    """Open (and with ``create``, make) the register at ``db``; check its schema version."""
    display = redact(db)
    if is_url(db):
        engine = sa.create_engine(_pg_url(str(db)), pool_pre_ping=True)
        backend, path = "postgis", None
    else:
        path = Path(db).expanduser().absolute()
        if not path.exists() and not create:
            raise RegisterError(
                "no register here",
                path=display,
                fix="import a file first (landmap register import FILE "
                "--source NAME), or give --db the register's path",
            )
        if path.exists() and path.is_dir():
            raise RegisterError(
                "is a folder, not a register file",
                path=display,
                fix="give a file name such as register.gpkg",
            )
        if not path.parent.is_dir():
            raise RegisterError(
                "its folder does not exist",
                path=display,
                fix="create the folder first or choose another path",
            )
        engine = _sqlite_engine(path)
        backend = "geopackage"
    metadata = sa.MetaData()
    store = Store(
        engine, _schema.tables(metadata, postgis=backend == "postgis"), display, backend, path
    )
    try:
        _ensure_schema(store, metadata, create=create)
    except sa.exc.OperationalError as err:
        engine.dispose()
        raise RegisterError(
            f"could not open the register ({str(err.orig).strip().splitlines()[0]})",
            path=display,
            fix="check the host, port and database name; give the password through PGPASSWORD "
            "or ~/.pgpass, never in a project file"
            if backend == "postgis"
            else "check the file is a landmap register and not open in another program",
        ) from err
    except sa.exc.DatabaseError as err:
        engine.dispose()
        raise RegisterError(
            f"is not a register landmap can read ({err.orig})",
            path=display,
            fix="give the path of a landmap register (.gpkg)",
        ) from err
    return store


def _ensure_schema(store: Store, metadata: sa.MetaData, *, create: bool) -> None:
    meta = store.tables["meta"]
    with write(store) as conn:
        names = set(sa.inspect(conn).get_table_names())
        if meta.name not in names:
            ours = {t.name for t in store.tables.values()}
            if store.backend == "geopackage" and names - ours - _GPKG_SYSTEM:
                raise RegisterError(
                    "is a GeoPackage with other data, not a landmap register",
                    path=store.display,
                    fix="choose a new file name for the register, e.g. register.gpkg",
                )
            if not create:
                raise RegisterError(
                    "holds no landmap register",
                    path=store.display,
                    fix="import a file first: landmap register import FILE --source NAME --db ...",
                )
            _create(conn, store, metadata)
            return
        version = int(
            conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one()
        )
        if version > _schema.SCHEMA_VERSION:
            raise RegisterError(
                f"was written by a newer landmap (schema {version}; this one reads up to "
                f"{_schema.SCHEMA_VERSION})",
                path=store.display,
                fix="upgrade landmap (pip install -U landmap)",
            )
        migrate(conn, store, version)


_GPKG_SYSTEM = {
    "gpkg_spatial_ref_sys",
    "gpkg_contents",
    "gpkg_extensions",
    "gpkg_geometry_columns",
    "gpkg_tile_matrix",
    "gpkg_tile_matrix_set",
    "gpkg_ogr_contents",
    "sqlite_sequence",
}


def _create(conn: sa.Connection, store: Store, metadata: sa.MetaData) -> None:
    if store.backend == "postgis":
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    metadata.create_all(conn)
    if store.backend == "postgis":
        conn.exec_driver_sql(_schema.PUBLIC_VIEW_SQL)
    else:
        _schema.init_geopackage(conn, [t.name for t in store.tables.values()])
    conn.execute(
        store.tables["meta"].insert(),
        [
            {"key": "schema_version", "value": str(_schema.SCHEMA_VERSION)},
            {"key": "created_at", "value": now()},
            {"key": "created_by", "value": who(None)},
        ],
    )


def migrate(conn: sa.Connection, store: Store, version: int) -> int:
    """Upgrade the register from ``version`` to the current schema, step by step.

    Runs inside the caller's transaction: a failed step leaves the register as it was.
    Returns the version reached.
    """
    meta = store.tables["meta"]
    while version < _schema.SCHEMA_VERSION:
        step = _schema.MIGRATIONS.get(version)
        if step is None:
            raise RegisterError(
                f"no migration from schema {version}",
                path=store.display,
                fix="open it with the landmap version that wrote it",
            )
        step(conn)
        version += 1
        conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(version)))
    return version


@contextlib.contextmanager
def write(store: Store) -> Iterator[sa.Connection]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    with store.engine.execution_options(landmap_write=True).begin() as conn:
        yield conn


@contextlib.contextmanager
def read(store: Store) -> Iterator[sa.Connection]:
    """Open a read transaction (a consistent snapshot on PostgreSQL)."""
    with store.engine.connect() as conn, conn.begin():
        if store.backend == "postgis":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield conn


__all__ = [
    "Store",
    "chunks",
    "connect",
    "is_url",
    "migrate",
    "now",
    "read",
    "redact",
    "who",
    "write",
]
