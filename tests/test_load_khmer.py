"""Registers written in Khmer: headers, digits, month names, case types; and what the report says.

The SYNTHETIC registers ``data/synthetic_khmer_register.{csv,xlsx}`` (``scripts/
make_khmer_register.py``) are written the way a Cambodian team writes one; every alias in
``resources/column_aliases.json`` and every Khmer vocabulary spelling has a test of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from landmap.io._aliases import aliases, find_column, normalise
from landmap.io._canonical import _term, resolve_columns
from landmap.io._dates import _date_words, parse_dates
from landmap.io.load import load_cases
from landmap.io.suggest import ColumnMapping, suggest_columns
from landmap.project import Project
from landmap.schema import COLUMNS, vocabulary

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
LANDMAP = str(Path(sys.executable).with_name("landmap"))
KHMER_CSV = DATA / "synthetic_khmer_register.csv"
KHMER_XLSX = DATA / "synthetic_khmer_register.xlsx"
#: Columns of the Khmer registers that are not canonical: kept as they are, on purpose.
KEPT = {"synthetic", "ល.រ", "ឈ្មោះ", "លេខទូរស័ព្ទ"}


# -- every alias, one test each ------------------------------------------------------------------
def _first_key(kind: str, spelling: str) -> str:
    """The canonical column that claims a spelling first (earlier columns win)."""
    want = normalise(spelling)
    for key in COLUMNS[kind]:
        if want in [normalise(s) for s in aliases()[kind].get(key, [])]:
            return key
    raise AssertionError(spelling)


ALIASES = [
    (kind, key, spelling)
    for kind in ("cases", "areas", "concessions", "boundaries")
    for key, spellings in aliases()[kind].items()
    for spelling in spellings
]


@pytest.mark.parametrize(
    ("kind", "key", "spelling"), ALIASES, ids=[f"{k}.{c}={s}" for k, c, s in ALIASES]
)
def test_every_column_alias_is_recognised(kind, key, spelling):
    frame = pd.DataFrame({spelling: ["x"], "other": ["y"]})
    mapping, _ = resolve_columns(frame, kind, {}, exclude=set())
    expected = _first_key(kind, spelling)
    assert mapping[expected] == [spelling], (expected, mapping)


KHMER_ALIASES = [
    (kind, key, s)
    for kind, key, s in ALIASES
    if any("\u1780" <= ch <= "\u17ff" for ch in s) and len(s) > 3
]


@pytest.mark.parametrize(
    ("kind", "key", "spelling"), KHMER_ALIASES, ids=[f"{k}.{c}={s}" for k, c, s in KHMER_ALIASES]
)
def test_khmer_aliases_match_with_spaces_prefixes_and_the_other_subscript(kind, key, spelling):
    expected = _first_key(kind, spelling)
    # a zero-width space, a question number, the other spelling of a subscript TA
    written = "៣. " + spelling.replace("្ត", "្ដ")
    written = written[:4] + "\u200b" + written[4:]
    frame = pd.DataFrame({written: ["x"]})
    mapping, _ = resolve_columns(frame, kind, {}, exclude=set())
    assert mapping.get(expected) == [written]


COORDINATES = [
    (role, s) for role, entry in aliases()["coordinates"].items() for s in entry["aliases"]
]


@pytest.mark.parametrize(
    ("role", "spelling"), COORDINATES, ids=[f"{r}={s}" for r, s in COORDINATES]
)
def test_every_coordinate_alias_is_recognised(role, spelling):
    entry = aliases()["coordinates"][role]
    assert (
        find_column(["notes", spelling.upper()], entry["aliases"], entry["suffixes"])
        == spelling.upper()
    )


def test_bilingual_headers_and_kobo_groups():
    cols = ["ខេត្ត (Province)", "District / ស្រុក", "grp/លេខករណី", "_uuid"]
    mapping, _ = resolve_columns(pd.DataFrame({c: ["x"] for c in cols}), "cases", {}, exclude=set())
    assert mapping["province"] == ["ខេត្ត (Province)"]
    assert mapping["district"] == ["District / ស្រុក"]
    # the team's case number wins over Kobo's own record id
    assert mapping["case_id"] == ["grp/លេខករណី"]


def test_a_row_number_column_is_never_the_case_id():
    data, report = load_cases(
        pd.DataFrame({"ល.រ": ["1", "2"], "lat": [11.5, 11.6], "lon": [104.9, 104.9]})
    )
    assert data["case_id"].tolist() == ["CASE-0001", "CASE-0002"]
    assert report.columns.set_index("column").loc["ល.រ", "how"] == "row number"
    assert "case ids generated" in report.summary()


VOCAB = [
    (field, term, spelling)
    for field in ("case_type", "case_status")
    for term, entry in vocabulary()[field].items()
    for spelling in [entry["km"], *entry.get("aliases", [])]
    if spelling and any("\u1780" <= ch <= "\u17ff" for ch in spelling)
]


@pytest.mark.parametrize(
    ("field", "term", "spelling"), VOCAB, ids=[f"{f}.{t}={s}" for f, t, s in VOCAB]
)
def test_every_khmer_term_spelling(field, term, spelling):
    assert _term(field, spelling) == term
    # with a space between the words and the other subscript: the same term
    assert _term(field, spelling[:3] + " " + spelling[3:].replace("្ត", "្ដ")) == term


MONTHS = sorted(_date_words()[0].items())


@pytest.mark.parametrize(("khmer", "english"), MONTHS, ids=[m for m, _ in MONTHS])
def test_every_khmer_month_name(khmer, english):
    month = pd.Timestamp(f"1 {english} 2020").month
    dates, flags = parse_dates(pd.Series([f"ថ្ងៃទី១៥ ខែ{khmer} ឆ្នាំ២០២០", f"{khmer} ២០២០"]))
    assert flags.empty
    assert dates.dt.month.tolist() == [month, month]
    assert dates.dt.day.tolist() == [15, 1]


def test_khmer_digits_in_dates_and_numbers_and_the_message_echoes_the_file():
    table = pd.DataFrame(
        {
            "lat": ["១១.៥៥", "11.6", "11.7", "11.8"],
            "lon": ["១០៤.៩", "104.9", "104.9", "104.9"],
            "date": ["១៥/០៣/២០២៣", "15-មីនា-2023", "៣១/០២/២០២៣", "ឆ្នាំ២០២០"],
            "households": ["១៥", "1,200", "១២ គ្រួសារ", "៣.៥"],
        }
    )
    data, report = load_cases(table)
    assert data["date"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2023-03-15"] * 2
    assert pd.isna(data["date"].iloc[2])
    assert data["date"].iloc[3] == pd.Timestamp("2020-01-01")
    assert data["households"].tolist()[:3] == [15, 1200, 12]
    assert pd.isna(data["households"].iloc[3])
    reasons = report.rows["reason"].tolist()
    assert reasons[2] == "impossible date '៣១/០២/២០២៣' (no such day)"
    assert reasons[3] == "households '៣.៥' is not a whole number; left empty"
    assert data.geometry.x.iloc[0] == pytest.approx(104.9)


# -- the registers --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [KHMER_CSV, KHMER_XLSX], ids=["csv", "xlsx"])
def test_khmer_register_every_column_matched_and_the_teams_ids_kept(path):
    data, report = load_cases(path)
    assert report.loaded == report.input_rows == 60
    assert report.warnings == []
    assert "WARNING" not in report.summary()
    columns = report.columns
    kept = set(columns.loc[columns["became"] == "", "column"])
    assert kept == KEPT
    became = set(columns["became"]) - {""}
    assert {
        "case_id",
        "date",
        "type",
        "status",
        "households",
        "province",
        "district",
        "commune",
        "village",
    } <= became
    assert became & {"latitude", "longitude", "geopoint"}
    assert data["case_id"].tolist() == [f"SYN-KH-{i:04d}" for i in range(1, 61)]
    assert report.details["id"] == "from the file"
    for col in ("date", "type", "status", "households", "province", "commune", "village"):
        assert data[col].notna().all(), col
    assert set(data["type"]) <= set(vocabulary()["case_type"])
    assert set(data["status"]) <= set(vocabulary()["case_status"])
    assert data["province"].str.contains("[\u1780-\u17ff]").all()  # kept as written, in Khmer


def test_the_csv_and_the_workbook_give_the_same_cases():
    a, _ = load_cases(KHMER_CSV)
    b, _ = load_cases(KHMER_XLSX)
    cols = ["case_id", "date", "type", "status", "households", "province", "commune"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert (abs(a.geometry.x - b.geometry.x) < 1e-9).all()
    assert (abs(a.geometry.y - b.geometry.y) < 1e-9).all()


def test_spreadsheet_row_numbers_in_the_workbook():
    _, report = load_cases(KHMER_XLSX)
    # title row 1, header row 2: the first case is row 3, as Excel shows it
    assert report.rows["row"].tolist() == list(range(3, 63))


def test_csv_row_numbers_count_blank_lines(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text(
        "case_id,lat,lon\nA,11.5,104.9\n\nB,abc,104.9\n\n\nC,11.7,104.9\n", encoding="utf-8"
    )
    data, report = load_cases(path)
    assert report.rows["row"].tolist() == [2, 4, 7]
    assert "row 4 [B]: rejected" in str(report)
    assert len(data) == 2


# -- what was not understood -------------------------------------------------------------------
def test_a_likely_column_left_unmatched_warns_in_the_summary_line(tmp_path):
    path = tmp_path / "register.csv"
    pd.DataFrame(
        {
            "លេខករណី": ["A1", "A2", "A3"],
            "ចំនួនគ្រួសារសរុប": ["៣", "៥", "៧"],
            "When it happened": ["01/02/2020", "03/04/2021", "05/06/2022"],
            "lat": [11.5, 11.6, 11.7],
            "lon": [104.9] * 3,
        }
    ).to_csv(path, index=False)
    data, report = load_cases(path)
    line = report.summary()
    assert "\n" not in line
    assert "WARNING: column 'ចំនួនគ្រួសារសរុប' looks like households" in line
    assert (
        "WARNING: column 'When it happened' looks like date (100% of its cells are dates)" in line
    )
    assert "columns={'households': 'ចំនួនគ្រួសារសរុប'}" in line
    # on the command line the fix is spelt with the command's own option
    assert "--column households='ចំនួនគ្រួសារសរុប'" in report.summary(command_line=True)
    assert data["households"].isna().all()  # warned, not guessed: the data say what was read


def test_nothing_recognised_apart_from_the_coordinates_is_a_warning():
    _, report = load_cases(pd.DataFrame({"a": ["1"], "b": ["2"], "lat": [11.5], "lon": [104.9]}))
    assert report.details["columns"] == {}
    assert "no column was recognised apart from the coordinates" in report.summary()


def test_vocabulary_content_is_a_likely_miss():
    table = pd.DataFrame(
        {
            "what": ["eviction", "land grab", "ការបណ្តេញចេញ", "eviction"],
            "lat": [11.5] * 4,
            "lon": [104.9] * 4,
            "case_id": list("abcd"),
        }
    )
    _, report = load_cases(table)
    assert any(
        "'what' looks like type (100% of its cells are type terms)" in w for w in report.warnings
    )


def test_personal_columns_are_listed_as_kept():
    _, report = load_cases(
        pd.DataFrame(
            {"complainant_phone": ["012"], "lat": [11.5], "lon": [104.9], "case_id": ["A"]}
        )
    )
    row = report.columns.set_index("column").loc["complainant_phone"]
    assert row["how"] == "kept as is (personal: phone number)"


def test_problems_table_for_readers():
    _, report = load_cases(KHMER_CSV)
    assert report.problems().empty
    table = pd.DataFrame({"case_id": ["A", "B"], "lat": [11.5, 104.9], "lon": [104.9, 11.5]})
    _, report = load_cases(table)
    problems = report.problems(lang="km")
    assert list(problems.columns) == ["លេខករណី", "អ្វីដែលបានកើតឡើង", "មូលហេតុ"]
    assert problems.index.name == "ជួរ"
    assert problems.iloc[0, 1] == "មិនបានទទួលយក"


# -- the mapping, without code --------------------------------------------------------------------
def test_suggest_on_the_workbook():
    mapping = suggest_columns(KHMER_XLSX)
    assert mapping.kind == "cases"
    assert mapping.mapping["case_id"] == "លេខ ករណី"
    assert mapping.mapping["geopoint"] == "GPS"
    assert mapping.mapping["description"] is None
    data, _ = load_cases(KHMER_XLSX, columns=mapping.columns)
    assert len(data) == 60


def test_suggest_marks_guesses(tmp_path):
    path = tmp_path / "r.csv"
    pd.DataFrame({"ចំនួនគ្រួសារសរុប": ["៣", "៥", "៧"], "lat": [11.5] * 3, "lon": [104.9] * 3}).to_csv(
        path, index=False
    )
    mapping = suggest_columns(path)
    assert mapping.mapping["households"] == "ចំនួនគ្រួសារសរុប"
    assert "households" in mapping.guessed
    data, report = load_cases(path, columns=mapping.columns)
    assert data["households"].tolist() == [3, 5, 7]
    assert report.columns.set_index("column").loc["ចំនួនគ្រួសារសរុប", "how"] == "your mapping"


@pytest.mark.slow
def test_check_suggest_prints_options_and_a_project_snippet(tmp_path):
    res = subprocess.run(
        [LANDMAP, "check", str(KHMER_XLSX), "--suggest"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "--column case_id='លេខ ករណី'" in res.stdout
    assert "--column geopoint=GPS" in res.stdout
    snippet = res.stdout.split("In a project file:\n", 1)[1]
    layer = tomllib.loads(snippet)["layers"][0]
    assert layer["columns"]["households"] == "ចំនួន គ្រួសារ"
    # the printed options load the file as printed
    command = res.stdout.split("On the command line:\n", 1)[1].splitlines()[0].strip()
    run = subprocess.run(
        ["bash", "-c", command.replace("landmap", LANDMAP, 1)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "60 rows -> 60 loaded" in run.stdout


@pytest.mark.slow
def test_check_lists_every_column_and_its_fate():
    res = subprocess.run(
        [LANDMAP, "check", str(KHMER_CSV)], capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stderr
    assert "លេខករណី" in res.stdout and "-> case_id" in res.stdout
    assert "រយៈបណ្តោយ" in res.stdout and "-> longitude" in res.stdout
    assert "ឈ្មោះ" in res.stdout and "(kept as is)" in res.stdout


def test_save_creates_a_project_that_loads(tmp_path):
    project = tmp_path / "team" / "project.toml"
    suggest_columns(KHMER_XLSX).save(project)
    spec = Project.from_toml(project).layer("cases")
    assert spec.path == KHMER_XLSX.resolve()
    loaded = Project.from_toml(project).load()["cases"]
    assert loaded.report.loaded == 60


def test_save_updates_one_layer_and_keeps_the_rest(tmp_path):
    project = tmp_path / "project.toml"
    project.write_text(
        '# our monitoring project\n[project]\nname = "team"\n\n'
        '[[layers]]\nname = "elc"\nkind = "concessions"\n'
        f"path = {json.dumps(str(DATA / 'cam-elc-complete.geojson'))}  # ODC\n\n"
        '[[layers]]\nname = "cases"\nkind = "cases"\n'
        f'path = {json.dumps(str(KHMER_CSV))}\ncolumns = {{ case_id = "old" }}\n'
        'fix_swapped = true\n\n[map]\nlang = "km"\n',
        encoding="utf-8",
    )
    mapping = suggest_columns(KHMER_CSV)
    mapping.save(project)
    text = project.read_text(encoding="utf-8")
    assert text.startswith("# our monitoring project\n")
    assert "# ODC" in text
    raw = tomllib.loads(text)
    assert raw["layers"][1]["columns"] == mapping.columns
    assert raw["layers"][1]["fix_swapped"] is True
    assert raw["map"] == {"lang": "km"}
    assert [layer["name"] for layer in raw["layers"]] == ["elc", "cases"]
    # a new layer name is added at the end
    ColumnMapping(KHMER_CSV, "cases", [], {"case_id": "លេខករណី"}).save(project, name="team_b")
    assert [layer["name"] for layer in tomllib.loads(project.read_text())["layers"]] == [
        "elc",
        "cases",
        "team_b",
    ]


def test_the_form_maps_saves_and_loads(tmp_path):
    from landmap.widgets import column_form

    form = column_form(KHMER_XLSX, project=tmp_path / "p.toml", lang="km")
    assert form.columns["date"] == "ថ្ងៃខែឆ្នាំ"
    form.dropdowns["village"].value = None
    form.save_button.click()
    assert "បានរក្សាទុក" in form.status.value
    # "not in my file" is written down, so that no loader guesses it again
    assert tomllib.loads((tmp_path / "p.toml").read_text())["layers"][0]["columns"]["village"] == ""
    data, report = form.load()
    assert data["village"].isna().all() and report.loaded == 60
    project = Project.from_toml(tmp_path / "p.toml").load()["cases"]
    assert project.data["village"].isna().all()
    res = subprocess.run(
        [LANDMAP, "check", str(KHMER_CSV), "--column", "village="],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "ភូមិ" in res.stdout and "-> village" not in res.stdout


def test_title_rows_do_not_hide_a_workbooks_columns_from_the_project_check(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["A title (SYNTHETIC)"])
    ws.append(["លេខករណី", "រយៈទទឹង", "រយៈបណ្តោយ"])
    ws.append(["A1", 11.5, 104.9])
    wb.save(tmp_path / "r.xlsx")
    ColumnMapping(tmp_path / "r.xlsx", "cases", [], {"case_id": "លេខករណី"}).save(tmp_path / "p.toml")
    assert Project.from_toml(tmp_path / "p.toml").load()["cases"].report.loaded == 1


def test_errors_on_the_command_line_name_its_own_options(tmp_path):
    path = tmp_path / "utm.csv"
    path.write_text("case_id,easting,northing\nA,491000,1277800\n", encoding="utf-8")
    res = subprocess.run([LANDMAP, "check", str(path)], capture_output=True, text=True, check=False)
    assert res.returncode == 2
    assert "--utm-zone '48N'" in res.stderr and "--crs 'EPSG:32648'" in res.stderr
    assert "utm_zone=" not in res.stderr and "Traceback" not in res.stderr
