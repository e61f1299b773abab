"""Who may do what on a PostGIS register: three group roles and the public view.

- *field staff* (``landmap_field``) add records: they import files (insert imports, records,
  versions and events; mark the previous version of a changed record as not current);
- *analysts* (``landmap_analyst``) read everything, personal fields included;
- a *publishing account* (``landmap_publisher``) reads only ``register_public``: the privacy
  gate's allow-list (``case_id, date, type, status, households, province, district, commune,
  village, source, location_precision`` and the point) plus ``event_id``. The view's points are
  exact: landmap's privacy gate masks them when a public product is made from it.

Merges, corrections and deletions are made by the register's owner (the account that created
it). Logins are members of these groups (``CREATE ROLE maly LOGIN IN ROLE landmap_field``);
passwords live in ``~/.pgpass`` or ``PGPASSWORD``, never in a project file.
"""

from __future__ import annotations

from landmap.errors import RegisterError
from landmap.register import _db
from landmap.register._schema import PUBLIC_VIEW

_ALL = (
    "register_meta",
    "register_imports",
    "register_records",
    "register_versions",
    "register_decisions",
    "register_events",
)


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise RegisterError(
            f"role name {name!r} is not a plain identifier",
            fix="use letters, digits and underscores, e.g. landmap_field",
        )
    return name


def roles_sql(*, field: str, analyst: str, publisher: str) -> list[str]:
    """Return the statements that create the three group roles and grant their rights."""
    field, analyst, publisher = _ident(field), _ident(analyst), _ident(publisher)
    out = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {role} NOLOGIN; END IF; END $$"
        for role in (field, analyst, publisher)
    ]
    tables = ", ".join(_ALL)
    out += [
        f"REVOKE ALL ON {tables}, {PUBLIC_VIEW} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {field}, {analyst}, {publisher}",
        f"GRANT SELECT ON {tables}, {PUBLIC_VIEW} TO {analyst}",
        "GRANT SELECT, INSERT ON register_imports, register_records, register_versions, "
        f"register_events TO {field}",
        f"GRANT SELECT ON register_meta, register_decisions TO {field}",
        f"GRANT UPDATE (is_current) ON register_versions TO {field}",
        "GRANT USAGE ON SEQUENCE register_imports_import_id_seq, "
        f"register_versions_version_id_seq TO {field}",
        f"GRANT SELECT ON {PUBLIC_VIEW} TO {publisher}",
    ]
    return out


def grant(store: _db.Store, statements: list[str]) -> list[str]:
    """Run ``statements`` in one transaction on a PostGIS register."""
    if store.backend != "postgis":
        raise RegisterError(
            "roles exist only on a PostgreSQL register",
            path=store.display,
            fix="a GeoPackage is protected by the file's permissions",
        )
    with _db.write(store) as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    return statements


__all__ = ["grant", "roles_sql"]
