"""The register in use: a killed import, the command line, project files, PostGIS roles."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from test_register import cases_table, snapshot, write

from landmap.cli import main
from landmap.errors import ProjectError, RegisterError
from landmap.register import open_register

ROOT = Path(__file__).resolve().parent.parent


def big_file(tmp_path: Path, n: int = 60_000) -> Path:
    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        {
            "case_id": [f"K{i:06d}" for i in range(n)],
            "date": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), "D"),
            "type": rng.choice(["eviction", "land grab"], n),
            "households": rng.integers(1, 200, n),
            "lat": rng.uniform(11, 13.5, n),
            "lon": rng.uniform(103.5, 106.5, n),
            "complainant_name": [f"SYNTHETIC Person {i}" for i in range(n)],
        }
    )
    return write(tmp_path, table, "big.csv")


def _writing(register_db: str, server) -> bool:
    """Whether an import transaction is open and has written rows (not yet committed)."""
    if register_db.endswith(".gpkg"):
        return Path(register_db + "-journal").exists()
    rows = server.sql(
        register_db.rsplit("/", 1)[1],
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON l.relation = c.oid "
        "WHERE c.relname = 'register_versions' AND l.mode = 'RowExclusiveLock'",
    )
    return rows[0][0] > 0


@pytest.mark.slow
def test_killing_an_import_mid_file_leaves_the_register_unchanged(register_db, tmp_path, request):
    server = request.getfixturevalue("postgis_server") if "://" in register_db else None
    with open_register(register_db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table()), source="Partner A")
        before = snapshot(reg)
    path = big_file(tmp_path)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "landmap",
            "register",
            "import",
            str(path),
            "--source",
            "Partner B",
            "--db",
            register_db,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not _writing(register_db, server):
        assert proc.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.01)
    time.sleep(0.2)  # well into the rows
    assert proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with open_register(register_db) as reg:
        assert snapshot(reg) == before
        assert len(reg.cases()) == 3 and reg.sources() == ["Partner A"]
        # and the register still takes the import afterwards
        after = reg.import_file(path, source="Partner B")
        assert after.added == 60_000 - after.report.rejected > 50_000


@pytest.mark.slow
def test_command_line_round_trip(tmp_path, capsys):
    db = str(tmp_path / "team.gpkg")
    a, b = ROOT / "data" / "partner_a_cases.csv", ROOT / "data" / "partner_b_cases.csv"
    assert (
        main(
            [
                "register",
                "import",
                str(a),
                "--source",
                "Partner A",
                "--db",
                db,
                "--column",
                "case_id=Ref No",
                "--column",
                "company=Company",
            ]
        )
        == 0
    )
    assert "600 new" in capsys.readouterr().out
    khmer = [
        "--column",
        "case_id=លេខករណី",
        "--column",
        "date=កាលបរិច្ឆេទ",
        "--column",
        "lat=រយៈទទឹង",
        "--column",
        "lon=រយៈបណ្តោយ",
        "--column",
        "type=ប្រភេទករណី",
        "--column",
        "households=ចំនួនគ្រួសារ",
        "--column",
        "commune=ឃុំ",
        "--column",
        "province=ខេត្ត",
    ]
    assert main(["register", "import", str(b), "--source", "Partner B", "--db", db, *khmer]) == 0
    assert main(["register", "import", str(b), "--source", "Partner B", "--db", db, *khmer]) == 0
    assert "nothing added" in capsys.readouterr().out
    pairs = tmp_path / "pairs.csv"
    assert main(["register", "duplicates", "--db", db, "-o", str(pairs)]) == 0
    table = pd.read_csv(pairs, dtype=str)
    assert list(table.columns[:5]) == ["source_a", "id_a", "source_b", "id_b", "score"]
    assert (
        main(
            [
                "register",
                "merge",
                str(pairs),
                "--threshold",
                "0.9",
                "--db",
                db,
                "--reason",
                "checked",
            ]
        )
        == 0
    )
    assert "pairs merged" in capsys.readouterr().out
    first = f"Partner A:{table.iloc[0]['id_a']}"
    assert main(["register", "history", first, "--db", db]) == 0
    out = capsys.readouterr().out
    assert "import v1" in out and "merge" in out and "checked" in out
    assert main(["register", "delete", first, "--db", db, "--reason", "asked"]) == 0
    assert main(["register", "unmerge", first, "--db", db, "--reason", "wrong"]) == 0
    assert (
        main(
            ["register", "edit", first, "--db", db, "--set", "households=9", "--reason", "recount"]
        )
        == 0
    )
    out_gpkg = tmp_path / "merged.gpkg"
    assert main(["register", "export", "--db", db, "-o", str(out_gpkg)]) == 0
    import geopandas as gpd

    merged = gpd.read_file(out_gpkg)
    assert merged["source_records"].sum() == 1050 and "values_from" in merged.columns
    assert main(["register", "imports", "--db", db]) == 0
    capsys.readouterr()
    # errors: one line, exit 2, no traceback
    assert main(["register", "history", "Partner A:nope", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("landmap register: error:") and err.count("\n") == 1
    assert "Traceback" not in err
    assert (
        main(
            [
                "register",
                "export",
                "--db",
                str(tmp_path / "none.gpkg"),
                "-o",
                str(tmp_path / "x.csv"),
            ]
        )
        == 2
    )
    assert "no register here" in capsys.readouterr().err
    assert main(["register", "delete", first, "--db", db]) == 2
    assert "needs a reason" in capsys.readouterr().err


def test_register_file_is_a_geopackage_gdal_opens(tmp_path):
    import pyogrio

    db = tmp_path / "register.gpkg"
    with open_register(db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table()), source="Partner A")
    names = [str(name) for name, _ in pyogrio.list_layers(db)]
    assert {"register_versions", "register_records", "register_imports"} <= set(names)
    versions = pyogrio.read_dataframe(db, layer="register_versions", read_geometry=False)
    assert len(versions) == 3
    other = tmp_path / "other.gpkg"
    cases_gdf = open_register(db).cases()
    cases_gdf.to_file(other, layer="cases")
    with pytest.raises(RegisterError, match="is a GeoPackage with other data"):
        open_register(other, create=True)


def _project(tmp_path: Path, register: str) -> Path:
    toml = tmp_path / "project.toml"
    toml.write_text(
        f'[project]\nname = "t"\n\n[[layers]]\nname = "cases"\n'
        f'register = "{register}"\npriority = ["Partner B"]\n',
        encoding="utf-8",
    )
    return toml


def test_project_reads_the_register_as_a_cases_layer(register_db, tmp_path):
    from landmap.analysis import summarise_by_year
    from landmap.project import Project

    with open_register(register_db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table(), "a.csv"), source="Partner A")
        reg.import_file(
            write(tmp_path, cases_table(case_id=["X1", "X2", "X3"]), "b.csv"), source="Partner B"
        )
        pairs = pd.DataFrame(
            {
                "source_a": ["Partner A"] * 3,
                "id_a": ["C1", "C2", "C3"],
                "source_b": ["Partner B"] * 3,
                "id_b": ["X1", "X2", "X3"],
                "score": [1.0, 1.0, 0.2],
            }
        )
        reg.merge(pairs, threshold=0.5)
    project = Project.from_toml(_project(tmp_path, register_db.replace(str(tmp_path) + "/", "")))
    loaded = project.load()["cases"]
    assert len(loaded.data) == 4 and loaded.report.details["source_records"] == 6
    merged = loaded.data[loaded.data["source_records"] == 2]
    assert len(merged) == 2 and merged["values_from"].str.startswith("date=Partner B").all()
    by_year = summarise_by_year(cases=loaded.data).set_index("year")
    assert by_year.loc[2021, "cases"] == 2 and by_year.loc[2021, "source_records"] == 4


def test_project_refuses_a_password_in_the_register_url(tmp_path):
    toml = _project(tmp_path, "postgresql://me:secret@localhost/cases")
    with pytest.raises(ProjectError, match="register URL holds a password.*pgpass"):
        from landmap.project import Project

        Project.from_toml(toml)


def test_postgis_roles_field_adds_analyst_reads_publisher_sees_public_view(
    postgis_server, tmp_path
):
    import psycopg

    name = postgis_server.new_database()
    with open_register(postgis_server.url(name), create=True) as reg:
        reg.import_file(write(tmp_path, cases_table()), source="Partner A")
        sql = reg.grant_roles()
    assert any("GRANT SELECT ON register_public TO landmap_publisher" in s for s in sql)
    for user, group in (
        ("maly", "landmap_field"),
        ("sok", "landmap_analyst"),
        ("pub", "landmap_publisher"),
    ):
        postgis_server.sql(
            "postgres",
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE "
            f"rolname = '{user}') THEN CREATE ROLE {user} LOGIN IN "
            f"ROLE {group}; END IF; END $$",
        )
    # field staff add records
    with open_register(postgis_server.url(name, "maly")) as reg:
        assert (
            reg.import_file(
                write(tmp_path, cases_table(case_id=["F1", "F2", "F3"]), "field.csv"),
                source="Field team",
            ).added
            == 3
        )
    # analysts read everything, personal fields included, and cannot write
    with open_register(postgis_server.url(name, "sok")) as reg:
        assert len(reg.records()) == 6 and reg.records()["extra"].notna().all()
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            reg.import_file(
                write(tmp_path, cases_table(case_id=["S1", "S2", "S3"]), "analyst.csv"),
                source="Analyst",
            )
    # the publishing account sees the public view only
    dsn = dict(host="127.0.0.1", port=postgis_server.port, dbname=name, user="pub")
    with psycopg.connect(**dsn) as conn:
        cols = [d.name for d in conn.execute("SELECT * FROM register_public LIMIT 1").description]
        assert cols == [
            "event_id",
            "case_id",
            "date",
            "type",
            "status",
            "households",
            "province",
            "district",
            "commune",
            "village",
            "source",
            "location_precision",
            "geom",
        ]
        assert conn.execute("SELECT count(*) FROM register_public").fetchone()[0] == 6
    for table in ("register_versions", "register_records", "register_imports"):
        with psycopg.connect(**dsn) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"SELECT * FROM {table} LIMIT 1")
