"""A throw-away PostgreSQL + PostGIS cluster for the tests, on loopback in a temp folder.

Started with ``initdb`` + ``pg_ctl`` from the Debian packages (``postgresql``,
``postgresql-15-postgis-3``; ``.ci/run`` installs them). As root, the server runs as the
``postgres`` OS user (PostgreSQL refuses to run as root). Each test gets its own database,
copied from a template that already has the PostGIS extension.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostGISServer:
    """Start with :meth:`start` (raises RuntimeError saying why it could not), stop with
    :meth:`stop`."""

    def __init__(self) -> None:
        self.dir: Path | None = None
        self.port: int | None = None
        self.bindir = _bindir()
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self) -> None:
        if self.bindir is None:
            raise RuntimeError(
                "PostgreSQL is not installed (apt-get install postgresql postgresql-15-postgis-3)"
            )
        share = self.bindir.parent.parent.parent.parent / "share" / "postgresql"
        if not list(share.glob("*/extension/postgis.control")):
            raise RuntimeError("PostGIS is not installed (apt-get install postgresql-15-postgis-3)")
        self.dir = Path(tempfile.mkdtemp(prefix="landmap-pg-"))
        os.chmod(self.dir, 0o777)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        data = self.dir / "data"
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            subprocess.run(
                [
                    *self.as_pg,
                    str(self.bindir / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            subprocess.run(
                [
                    *self.as_pg,
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    opts,
                    "-w",
                    "-l",
                    str(self.dir / "log"),
                    "start",
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as err:
            out = getattr(err, "stderr", b"") or b""
            raise RuntimeError(
                f"PostgreSQL did not start: {out.decode(errors='replace')[-300:]}"
            ) from err
        self.sql("postgres", "CREATE DATABASE landmap_template")
        self.sql("landmap_template", "CREATE EXTENSION postgis")

    def url(self, dbname: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def sql(self, dbname: str, statement: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        ) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        self.sql("postgres", f"CREATE DATABASE {name} TEMPLATE landmap_template")
        return name

    def stop(self) -> None:
        if self.dir is not None and self.bindir is not None:
            subprocess.run(
                [
                    *self.as_pg,
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.dir / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                check=False,
            )
            shutil.rmtree(self.dir, ignore_errors=True)
