"""The register's tables, one definition for both back ends, and its schema version.

Tables (SQLAlchemy Core; the same definitions create a GeoPackage and a PostGIS schema):

``register_meta``
    ``key``/``value``: the schema version and when and by whom the register was created.
``register_imports``
    One row per import: source, file name, SHA-256, when, who, row counts and the load report.
``register_records``
    One row per source record: ``record_key`` (``SOURCE:ORIGINAL_ID``), source, original id.
``register_versions``
    Every version of every record, never updated except for the ``is_current`` flag and for
    erasing personal fields at a person's request. Points are stored as ``lon``/``lat`` on both
    back ends (no SpatiaLite needed in the GeoPackage); PostGIS adds a generated
    ``geom geometry(Point, 4326)`` column with a GiST index.
``register_decisions``
    Append-only merge / unmerge / distinct decisions between two records, with who and why.
``register_events``
    Which event each record currently belongs to (the connected groups of merged records),
    kept in step with the decisions inside the same transaction.

A GeoPackage register is a valid GeoPackage (application id, ``gpkg_contents``,
``gpkg_spatial_ref_sys``) whose tables are listed as attribute tables, so GDAL and QGIS open it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

#: The schema version this landmap writes. Raise it with a migration in :data:`MIGRATIONS`.
SCHEMA_VERSION = 1

#: ``{from_version: step}``: each step upgrades a register by one version inside the caller's
#: transaction. Version 1 is the first released schema, so there is none yet; a future change
#: adds ``MIGRATIONS[1] = _v1_to_v2`` and raises :data:`SCHEMA_VERSION`.
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {}

#: Case fields stored in every version that are not personal (the public allow-list, less the
#: ids and the register source which are columns of their own).
PLAIN_FIELDS: tuple[str, ...] = (
    "date",
    "type",
    "status",
    "households",
    "province",
    "district",
    "commune",
    "village",
    "location_precision",
)
#: Fields erased from every version when a person asks for deletion.
PERSONAL_FIELDS: tuple[str, ...] = ("description", "extra")
#: Fields that describe the case but are neither published nor personal.
OTHER_FIELDS: tuple[str, ...] = ("source_detail", "company")

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300


def _str(length: int) -> sa.types.TypeEngine:
    """Return a bounded string on PostgreSQL, plain TEXT in a GeoPackage (GDAL reads TEXT)."""
    return sa.String(length).with_variant(sa.Text(), "sqlite")


def tables(metadata: sa.MetaData, *, postgis: bool) -> dict[str, sa.Table]:
    """Define the register's tables on ``metadata``.

    Parameters
    ----------
    metadata
        An empty MetaData.
    postgis
        Add the generated ``geom`` point column (GeoAlchemy2, GiST-indexed) to the versions.

    Returns
    -------
    dict
        Table name without the ``register_`` prefix -> Table.
    """
    out = {**_bookkeeping_tables(metadata), **_decision_tables(metadata)}
    out["versions"] = sa.Table("register_versions", metadata, *_version_columns(postgis=postgis))
    return out


def _bookkeeping_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """Define the register's metadata, its imports and its records (one row per source record)."""
    text, key = sa.Text, _str(400)
    return {
        "meta": sa.Table(
            "register_meta",
            metadata,
            sa.Column("key", _str(64), primary_key=True),
            sa.Column("value", text, nullable=False),
        ),
        "imports": sa.Table(
            "register_imports",
            metadata,
            sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("source", key, nullable=False, index=True),
            sa.Column("file_name", text),
            sa.Column("sha256", _str(64), index=True),
            sa.Column("imported_at", _str(32), nullable=False),
            sa.Column("imported_by", text, nullable=False),
            *(
                sa.Column(c, sa.Integer, nullable=False)
                for c in (
                    "rows_in",
                    "loaded",
                    "repaired",
                    "rejected",
                    "added",
                    "changed",
                    "unchanged",
                )
            ),
            sa.Column("report", text),
        ),
        "records": sa.Table(
            "register_records",
            metadata,
            sa.Column("record_key", key, primary_key=True),
            sa.Column("source", key, nullable=False, index=True),
            sa.Column("original_id", key, nullable=False),
            sa.Column("first_import", sa.Integer),
            sa.Column("erased_at", _str(32)),
            sa.UniqueConstraint("source", "original_id"),
        ),
    }


def _decision_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """Define the merge decisions between records and the events they make."""
    text, key = sa.Text, _str(400)
    return {
        "decisions": sa.Table(
            "register_decisions",
            metadata,
            sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("op", _str(16), nullable=False),
            sa.Column("record_a", key, nullable=False, index=True),
            sa.Column("record_b", key, nullable=False, index=True),
            sa.Column("score", sa.Float),
            sa.Column("method", _str(32)),
            sa.Column("decided_at", _str(32), nullable=False),
            sa.Column("decided_by", text, nullable=False),
            sa.Column("reason", text),
        ),
        "events": sa.Table(
            "register_events",
            metadata,
            sa.Column("record_key", key, primary_key=True),
            sa.Column("event_key", key, nullable=False, index=True),
        ),
    }


def _version_columns(*, postgis: bool) -> list[sa.Column]:
    """Return the columns of every version of a record (and PostGIS's generated point)."""
    text, key = sa.Text, _str(400)
    version_columns = [
        sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_key", key, nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("op", _str(16), nullable=False),
        sa.Column("import_id", sa.Integer),
        sa.Column("changed_at", _str(32), nullable=False),
        sa.Column("changed_by", text, nullable=False),
        sa.Column("reason", text),
        sa.Column("is_current", sa.Boolean, nullable=False, index=True),
        sa.Column("content_hash", _str(40), nullable=False),
        sa.Column("date", sa.Date),
        sa.Column("type", text),
        sa.Column("status", text),
        sa.Column("households", sa.Integer),
        *(
            sa.Column(c, text)
            for c in (
                "province",
                "district",
                "commune",
                "village",
                "location_precision",
                "source_detail",
                "company",
                "description",
                "extra",
            )
        ),
        sa.Column("lon", sa.Float(53)),
        sa.Column("lat", sa.Float(53)),
        sa.Column("erased", sa.Boolean, nullable=False, default=False),
    ]
    if postgis:
        from geoalchemy2 import Geometry

        version_columns.append(
            sa.Column(
                "geom",
                Geometry("POINT", srid=4326, spatial_index=True),
                sa.Computed("ST_SetSRID(ST_MakePoint(lon, lat), 4326)", persisted=True),
            )
        )
    return version_columns


#: Columns of the public view: the privacy gate's allow-list plus the event a record belongs to.
PUBLIC_VIEW = "register_public"
PUBLIC_VIEW_SQL = """CREATE VIEW register_public AS
SELECT e.event_key AS event_id, v.record_key AS case_id, v.date, v.type, v.status,
       v.households, v.province, v.district, v.commune, v.village, r.source,
       v.location_precision, v.geom
FROM register_versions v
JOIN register_records r ON r.record_key = v.record_key
JOIN register_events e ON e.record_key = v.record_key
WHERE v.is_current"""


def init_geopackage(conn: sa.Connection, names: list[str]) -> None:
    """Make a new SQLite file a GeoPackage that lists ``names`` as attribute tables."""
    conn.exec_driver_sql(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
    conn.exec_driver_sql(f"PRAGMA user_version = {GPKG_USER_VERSION}")
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, "
        "srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id "
        "INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)"
    )
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, "
        "data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', "
        "last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), "
        "min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)"
    )
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, "
        "column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, "
        "z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY "
        "(table_name, column_name))"
    )
    from pyproj import CRS

    wgs84 = CRS.from_epsg(4326).to_wkt("WKT1_GDAL")
    refs = [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined"),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, wgs84),
    ]
    for ref in refs:
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, "
            "organization_coordsys_id, definition) VALUES (?, ?, ?, ?, ?)",
            ref,
        )
    for name in names:
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
            "description) VALUES (?, 'attributes', ?, ?)",
            (name, name, "landmap case register"),
        )


__all__ = [
    "MIGRATIONS",
    "OTHER_FIELDS",
    "PERSONAL_FIELDS",
    "PLAIN_FIELDS",
    "PUBLIC_VIEW",
    "SCHEMA_VERSION",
    "init_geopackage",
    "tables",
]
