"""The shared case register, the same tests on a GeoPackage file and on a real PostGIS server."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from landmap.errors import RegisterError
from landmap.register import open_register

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
PARTNERS = ROOT / "data"
A_COLUMNS = {
    "case_id": "Ref No",
    "date": "Incident date",
    "type": "Incident type",
    "households": "Families affected",
    "lat": "GPS latitude",
    "lon": "GPS longitude",
    "company": "Company",
}
B_COLUMNS = {
    "case_id": "លេខករណី",
    "date": "កាលបរិច្ឆេទ",
    "type": "ប្រភេទករណី",
    "status": "ស្ថានភាព",
    "households": "ចំនួនគ្រួសារ",
    "province": "ខេត្ត",
    "district": "ស្រុក",
    "commune": "ឃុំ",
    "village": "ភូមិ",
    "lat": "រយៈទទឹង",
    "lon": "រយៈបណ្តោយ",
    "company": "ក្រុមហ៊ុន",
}


def cases_table(**changes) -> pd.DataFrame:
    """Three SYNTHETIC cases with a personal column, as a partner's spreadsheet."""
    table = pd.DataFrame(
        {
            "case_id": ["C1", "C2", "C3"],
            "date": ["2021-03-01", "2021-05-10", "2022-01-20"],
            "type": ["eviction", "land grab", "threat of eviction"],
            "households": [40, 12, 7],
            "province": ["Kampong Speu", "Kratie", "Kandal"],
            "commune": ["Traeng Trayueng", "Kantuot", "Preaek Thmei"],
            "lat": [11.58, 12.49, 11.40],
            "lon": [104.24, 106.02, 104.95],
            "description": ["SYNTHETIC family story", "SYNTHETIC", "SYNTHETIC"],
            "complainant_name": ["SYNTHETIC Person 1", "ឈ្មោះសាកល្បង ២", "SYNTHETIC Person 3"],
        }
    )
    for col, values in changes.items():
        table[col] = values
    return table


def write(tmp_path, table, name="cases.csv"):
    path = tmp_path / name
    table.to_csv(path, index=False)
    return path


def snapshot(reg) -> dict:
    """Everything a reader can see, to compare before and after."""
    store = reg._store
    with store.engine.connect() as conn:
        counts = {
            name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for name, t in store.tables.items()
        }
        hashes = sorted(conn.execute(sa.select(store.tables["versions"].c.content_hash)).scalars())
    return {"counts": counts, "hashes": hashes}


# -- import, re-import, newer export ----------------------------------------------------------
@pytest.mark.slow
def test_import_stores_every_row_with_its_source(register_db, tmp_path):
    path = write(tmp_path, cases_table())
    with open_register(register_db, create=True) as reg:
        result = reg.import_file(path, source="Partner A", by="maly", reason="first export")
        assert (result.added, result.changed, result.unchanged) == (3, 0, 0)
        log = reg.imports()
        assert log.loc[0, "source"] == "Partner A" and log.loc[0, "imported_by"] == "maly"
        assert len(log.loc[0, "sha256"]) == 64 and log.loc[0, "file_name"] == "cases.csv"
        assert "3 rows -> 3 loaded, 0 repaired, 0 rejected" in log.loc[0, "report"]["summary"]
        recs = reg.records()
        assert sorted(recs["record_key"]) == ["Partner A:C1", "Partner A:C2", "Partner A:C3"]
        extra = json.loads(recs.set_index("original_id").loc["C2", "extra"])
        assert extra["complainant_name"] == "ឈ្មោះសាកល្បង ២"
        cases = reg.cases()
        assert cases["source_records"].tolist() == [1, 1, 1]
        assert set(cases["source"]) == {"Partner A"}


def test_reimporting_the_same_file_adds_nothing(register_db, tmp_path):
    path = write(tmp_path, cases_table())
    with open_register(register_db, create=True) as reg:
        reg.import_file(path, source="Partner A")
        before = snapshot(reg)
        again = reg.import_file(path, source="Partner A")
        assert again.already_imported and again.added == 0
        assert "nothing added" in again.summary()
        assert snapshot(reg) == before


def test_newer_export_updates_changed_records_and_keeps_earlier_values(register_db, tmp_path):
    with open_register(register_db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table(), "v1.csv"), source="Partner A")
        newer = cases_table(households=[45, 12, 7])
        newer = pd.concat([newer, newer.iloc[[0]].assign(case_id="C4", date="2023-02-02")])
        result = reg.import_file(
            write(tmp_path, newer, "v2.csv"), source="Partner A", by="dara", reason="monthly export"
        )
        assert (result.added, result.changed, result.unchanged) == (1, 1, 2)
        every = reg.records(history=True)
        c1 = every[every["record_key"] == "Partner A:C1"].sort_values("version")
        assert c1["households"].tolist() == [40, 45]
        assert c1["is_current"].tolist() == [False, True]
        hist = reg.history("Partner A:C1")
        assert hist["what"].tolist() == ["import", "import"]
        assert "households 40 -> 45" in hist.loc[1, "detail"]
        assert hist.loc[1, "who"] == "dara" and hist.loc[1, "why"] == "monthly export"
        # a later export without C3 keeps C3
        fewer = reg.import_file(
            write(tmp_path, newer[newer["case_id"] != "C3"], "v3.csv"), source="Partner A"
        )
        assert fewer.not_in_file == 1 and len(reg.cases()) == 4


def test_id_used_twice_in_a_file_is_accounted_for(register_db, tmp_path):
    table = cases_table(case_id=["C1", "C1", "C3"])
    with open_register(register_db, create=True) as reg:
        result = reg.import_file(write(tmp_path, table), source="Partner A")
    assert result.added == 2
    # the row as the spreadsheet shows it: the header is row 1, the second C1 row 3
    assert result.skipped == [
        (3, "case_id 'C1' used again in this file; only its first row is stored")
    ]


def test_edit_needs_a_reason_and_becomes_a_version(register_db, tmp_path):
    with open_register(register_db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table()), source="Partner A")
        with pytest.raises(RegisterError, match="a correction needs a reason"):
            reg.edit("Partner A:C2", {"households": 15})
        with pytest.raises(RegisterError, match="'name' cannot be edited"):
            reg.edit("Partner A:C2", {"name": "x"}, reason="typo")
        assert reg.edit("C2", {"households": "15"}, by="sok", reason="field visit") == 2
        hist = reg.history("Partner A:C2")
        assert hist["what"].tolist() == ["import", "edit"]
        assert (
            hist.loc[1, "why"] == "field visit" and "households 12 -> 15" in hist.loc[1, "detail"]
        )
        with pytest.raises(RegisterError, match="no record 'Partner A:C9'"):
            reg.history("Partner A:C9")


# -- deletion at a person's request ------------------------------------------------------------
def test_delete_erases_personal_fields_from_every_version(register_db, tmp_path):
    with open_register(register_db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table(), "v1.csv"), source="Partner A")
        reg.import_file(
            write(tmp_path, cases_table(households=[41, 12, 7]), "v2.csv"), source="Partner A"
        )
        with pytest.raises(RegisterError, match="a deletion needs a reason"):
            reg.delete_personal("Partner A:C1")
        reg.delete_personal("Partner A:C1", by="officer", reason="request of the family")
        every = reg.records(history=True)
        c1 = every[every["record_key"] == "Partner A:C1"]
        assert len(c1) == 3 and c1["erased"].all()
        assert c1["description"].isna().all() and c1["extra"].isna().all()
        assert c1["households"].tolist() == [40, 41, 41]  # the case still counts
        last = reg.history("Partner A:C1").iloc[-1]
        assert (last["what"], last["who"], last["why"]) == (
            "delete",
            "officer",
            "request of the family",
        )
        # a newer export still holding the person's details does not bring them back
        reg.import_file(
            write(tmp_path, cases_table(households=[42, 12, 7]), "v3.csv"), source="Partner A"
        )
        now = reg.records().set_index("record_key").loc["Partner A:C1"]
        assert now["households"] == 42 and pd.isna(now["extra"]) and now["erased"]
        store = reg._store
        with store.engine.connect() as conn:
            texts = conn.execute(sa.select(store.tables["versions"].c.extra)).scalars().all()
        assert not any("SYNTHETIC Person 1" in (t or "") for t in texts)


# -- duplicates, merge, unmerge ----------------------------------------------------------------
@pytest.fixture
def partners(register_db):
    reg = open_register(register_db, create=True)
    reg.import_file(PARTNERS / "partner_a_cases.csv", source="Partner A", columns=A_COLUMNS)
    reg.import_file(PARTNERS / "partner_b_cases.csv", source="Partner B", columns=B_COLUMNS)
    yield reg
    reg.close()


def truth() -> set[tuple[str, str]]:
    table = pd.read_csv(PARTNERS / "partner_shared_events.csv", dtype=str)
    return set(zip(table["id_a"], table["id_b"], strict=True))


def test_duplicate_finder_precision_and_recall_on_the_synthetic_partners(partners):
    pairs = partners.duplicates(threshold=0.5)
    assert list(pairs.columns[:5]) == ["source_a", "id_a", "source_b", "id_b", "score"]
    assert pairs["score"].between(0, 1).all()
    assert {
        "date_level",
        "date_weight",
        "location_level",
        "admin_level",
        "households_level",
        "type_level",
        "village_level",
        "company_level",
        "distance_km",
    } <= set(pairs.columns)
    found = set(zip(pairs["id_a"], pairs["id_b"], strict=True))
    true = truth()
    precision = len(found & true) / len(found)
    recall = len(found & true) / len(true)
    assert precision >= 0.9, precision
    assert recall >= 0.95, recall
    # the Khmer-headed partner's types were read through the vocabulary
    assert set(partners.records()["type"].dropna()) <= {
        "eviction",
        "threat of eviction",
        "land grab",
        "violence",
        "arrest or harassment of defenders",
        "other",
    }


@pytest.mark.slow
def test_merge_above_threshold_then_unmerge(partners):
    pairs = partners.duplicates(threshold=0.5)
    done = partners.merge(pairs, threshold=0.9, by="analyst", reason="score >= 0.9")
    assert done["merged"] == int((pairs["score"] >= 0.9).sum()) > 150
    cases = partners.cases()
    assert len(cases) == 600 + 450 - done["merged"]
    assert cases["source_records"].sum() == 1050  # nothing lost, nothing counted twice
    both = cases[cases["source_records"] == 2].iloc[0]
    assert both["source"] == "Partner A; Partner B"
    assert "date=Partner A" in both["values_from"] and "location=" in both["values_from"]
    # B wins when asked
    first_b = partners.cases(priority=["Partner B"])
    assert (
        first_b.set_index("case_id")
        .loc[both["case_id"], "values_from"]
        .startswith("date=Partner B")
    )
    # pairs already merged are not proposed again
    assert partners.duplicates(threshold=0.9).empty
    key = both["record_ids"].split("; ")[1]
    assert partners.unmerge(key, by="analyst", reason="two different events") == 1
    assert len(partners.cases()) == len(cases) + 1
    hist = partners.history(key)
    assert hist["what"].tolist()[-2:] == ["merge", "unmerge"]
    with pytest.raises(RegisterError, match="is not merged with any other record"):
        partners.unmerge(key, reason="again")


def test_reviewed_csv_merges_and_keeps_apart(partners, tmp_path):
    pairs = partners.duplicates(threshold=0.5).head(4).copy()
    pairs["decision"] = ["merge", "distinct", "", "yes"]
    path = tmp_path / "reviewed.csv"
    pairs.to_csv(path, index=False)
    assert partners.merge(path, reason="reviewed") == {"merged": 2, "distinct": 1, "left": 1}
    again = partners.duplicates(threshold=0.5)
    left = set(zip(again["id_a"], again["id_b"], strict=True))
    assert (pairs.iloc[1]["id_a"], pairs.iloc[1]["id_b"]) not in left  # kept apart for good
    assert (pairs.iloc[2]["id_a"], pairs.iloc[2]["id_b"]) in left  # undecided: still proposed
    pairs["decision"] = ["maybe", "", "", ""]
    pairs.to_csv(path, index=False)
    with pytest.raises(RegisterError, match="row 2, column 'decision'.*'maybe' not understood"):
        partners.merge(path)


def test_merge_names_a_missing_record(register_db, tmp_path):
    with open_register(register_db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table()), source="Partner A")
        before = snapshot(reg)
        bad = pd.DataFrame(
            {
                "source_a": ["Partner A"],
                "id_a": ["C1"],
                "source_b": ["Nobody"],
                "id_b": ["X"],
                "score": [0.99],
            }
        )
        with pytest.raises(RegisterError, match="no such record in the register: Nobody:X"):
            reg.merge(bad, threshold=0.5)
        assert snapshot(reg) == before


# -- transactions, schema ----------------------------------------------------------------------
def test_a_failing_import_leaves_the_register_as_it_was(register_db, tmp_path, monkeypatch):
    from landmap.register import _events

    with open_register(register_db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table(), "v1.csv"), source="Partner A")
        before = snapshot(reg)

        def broken(*args, **kwargs):
            raise OSError("disk full (simulated after the versions were written)")

        monkeypatch.setattr(_events, "add_records", broken)
        newer = pd.concat(
            [cases_table(households=[1, 2, 3]), cases_table().iloc[[0]].assign(case_id="C9")]
        )
        with pytest.raises(OSError, match="disk full"):
            reg.import_file(write(tmp_path, newer, "v2.csv"), source="Partner A")
        assert snapshot(reg) == before


def test_newer_schema_is_refused_and_migrations_run_in_order(register_db, tmp_path, monkeypatch):
    from landmap.register import _schema

    with open_register(register_db, create=True) as reg:
        reg.import_file(write(tmp_path, cases_table()), source="Partner A")
    ran = []
    monkeypatch.setattr(_schema, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(_schema.MIGRATIONS, 1, lambda conn: ran.append(conn.dialect.name))
    with open_register(register_db) as reg:
        assert len(reg.cases()) == 3
    assert len(ran) == 1
    monkeypatch.setattr(_schema, "SCHEMA_VERSION", 1)
    with pytest.raises(RegisterError, match=r"written by a newer landmap \(schema 2"):
        open_register(register_db)


def test_missing_register_and_bad_source(register_db, tmp_path):
    with pytest.raises(RegisterError, match="(no register here|holds no landmap register)"):
        open_register(register_db)
    with (
        open_register(register_db, create=True) as reg,
        pytest.raises(RegisterError, match="source name 'a:b' is not usable"),
    ):
        reg.import_file(write(tmp_path, cases_table()), source="a:b")
