"""Project files: the demo, good projects, and bad ones with errors naming file, line and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from landmap.errors import LandmapError, ProjectError, SchemaError
from landmap.project import Project, check_columns

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
DEMO = DATA / "demo.toml"
CASES = (DATA / "synthetic_cases.csv").as_posix()
ZIP = (DATA / "eviction_hotspots_geojson.zip").as_posix()


def write(tmp_path: Path, text: str, name: str = "project.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GOOD = f"""
[project]
name = "test"

[[layers]]
name = "cases"
kind = "cases"
path = "{CASES}"
columns = {{ case_id = "case_id", date = "date_of_incident" }}
"""


# --- the demo ---------------------------------------------------------------------------------
def test_demo_project_validates():
    demo = Project.from_toml(DEMO)
    assert demo.name == "demo"
    assert [(s.name, s.kind) for s in demo.layers] == [
        ("synthetic_cases", "cases"),
        ("eviction_sites", "cases"),
        ("community_forests", "areas"),
        ("protected_areas", "areas"),
        ("elc", "concessions"),
        ("provinces", "boundaries"),
        ("districts", "boundaries"),
        ("communes", "boundaries"),
    ]
    assert demo.output == ROOT / "maps"
    assert demo.metric_crs == "EPSG:32648"
    assert demo.title_km.startswith("ជម្លោះដីធ្លី")
    assert demo.layer("provinces").options == {"level": "province"}
    assert demo.layer("elc").options == {"kind": "ELC"}
    assert demo.layer("synthetic_cases").columns["lat"] == "latitude"
    assert str(demo.layer("eviction_sites").source).startswith("/vsizip/")
    assert demo.rasters["forest"].classes == {0: "non_forest", 1: "forest"}
    assert demo.rasters["relief"].kind == "continuous"
    assert all(s.path.exists() for s in demo.layers)
    assert demo.study_area_for_loader() is None
    profile = demo.privacy_profile()
    assert (profile.name, profile.mode, profile.k) == ("public", "displace", 3)
    assert (profile.min_radius_m, profile.max_radius_m) == (500, 2000)
    assert [s.name for s in demo.layers_of("boundaries")] == ["provinces", "districts", "communes"]


@pytest.mark.slow
def test_demo_project_loads_every_layer():
    loaded = Project.from_toml(DEMO).load()
    counts = {
        name: (
            item.report.input_rows,
            item.report.loaded,
            item.report.repaired,
            item.report.rejected,
        )
        for name, item in loaded.items()
    }
    assert counts == {
        "synthetic_cases": (2120, 1980, 130, 10),
        "eviction_sites": (92, 92, 0, 0),
        "community_forests": (316, 312, 4, 0),
        "protected_areas": (33, 33, 0, 0),
        "elc": (225, 223, 2, 0),
        "provinces": (25, 25, 0, 0),
        "districts": (197, 197, 0, 0),
        "communes": (1633, 1633, 0, 0),
    }
    assert all(item.report.is_complete() for item in loaded.values())
    cases = loaded["synthetic_cases"].data
    assert cases.crs.to_epsg() == 4326 and cases["case_id"].str.startswith("SYN-").all()
    provinces = loaded["provinces"].data
    assert provinces.set_index("name").loc["Phnom Penh", "name_km"] == "ភ្នំពេញ"
    assert set(loaded["protected_areas"].data["kind"]) <= {"protected area", "protected forest"}
    evictions = loaded["eviction_sites"].data
    assert (evictions["type"] == "eviction").all()
    assert loaded["eviction_sites"].report.details["project_defaults"]["type"] == "eviction"


def test_load_a_subset_and_an_unknown_layer():
    demo = Project.from_toml(DEMO)
    assert list(demo.load(["provinces"])) == ["provinces"]
    with pytest.raises(ProjectError, match=r"no layer named 'villages'.*'synthetic_cases'"):
        demo.load(["villages"])


# --- good projects ----------------------------------------------------------------------------
def test_minimal_project_with_relative_paths(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cases.csv").write_text(
        "Case No,Date,Lat,Long,Type\nA-1,03/04/2021,11.55,104.92,Forced eviction\n"
        "A-2,05/06/2022,13.36,103.86,ការរំលោភយកដី\n",
        encoding="utf-8",
    )
    path = write(
        tmp_path,
        """
        [project]
        name = "mine"
        output = "out"

        [[layers]]
        name = "cases"
        kind = "cases"
        path = "in/cases.csv"

        [layers.columns]
        case_id = "Case No"
        date = "Date"
        latitude = "Lat"
        longitude = "Long"
        type = "Type"

        [layers.defaults]
        status = "reported"
        """,
    )
    project = Project.from_toml(path)
    assert project.output == tmp_path / "out"
    assert project.layer("cases").path == tmp_path / "in" / "cases.csv"
    cases = project.load()["cases"].data
    assert cases["case_id"].tolist() == ["A-1", "A-2"]
    assert cases["type"].tolist() == ["eviction", "land grab"]
    assert cases["status"].tolist() == ["reported", "reported"]
    assert cases["date"].dt.strftime("%Y-%m-%d").tolist() == ["2021-04-03", "2022-06-05"]


def test_study_area_box_and_custom_profile(tmp_path):
    text = GOOD.replace('name = "test"', 'name = "test"\nstudy_area = [102.3, 9.9, 107.7, 14.7]')
    path = write(
        tmp_path,
        text
        + """
[privacy]
profile = "workshop"
k = 5

[profiles.workshop]
mode = "commune_centroid"
description = "Workshop handouts"
""",
    )
    project = Project.from_toml(path)
    assert project.study_area_for_loader() == (102.3, 9.9, 107.7, 14.7)
    profile = project.privacy_profile()
    assert (profile.name, profile.mode, profile.k) == ("workshop", "commune_centroid", 5)


# --- bad projects -----------------------------------------------------------------------------
BAD = {
    "unknown table": (
        GOOD + '\n[mapp]\nlang = "en"\n',
        ["line 10", "top level", "key 'mapp'", "unknown key", "did you mean 'map'"],
    ),
    "unknown layer key": (
        GOOD.replace("columns =", "colums ="),
        ["line 8", "[[layers]] #1 ('cases')", "key 'colums'", "did you mean 'columns'"],
    ),
    "missing file": (
        GOOD.replace(CASES, "nope/cases.csv"),
        ["line 7", "key 'path'", "file 'nope/cases.csv' not found", "relative paths start from"],
    ),
    "unknown kind": (
        GOOD.replace('kind = "cases"', 'kind = "case"'),
        ["line 6", "key 'kind'", "unknown layer kind 'case'", "use 'cases'"],
    ),
    "wrong type": (
        GOOD + '\n[analysis]\nwithin_m = "2km"\n',
        ["line 11", "[analysis]", "key 'within_m'", "expected a number, got '2km'"],
    ),
    "missing name": (
        GOOD.replace('name = "test"', 'title = "x"'),
        ["[project]", "key 'name'", "required key missing"],
    ),
    "duplicate layer": (
        GOOD + GOOD.split("\n", 3)[3],
        ["line 11", "[[layers]] #2 ('cases')", "used twice"],
    ),
    "not a canonical column in a subtable": (
        GOOD.replace(
            'columns = { case_id = "case_id", date = "date_of_incident" }',
            '[layers.columns]\ncase_id = "case_id"\ndate_of_incident = "date"',
        ),
        [
            "line 10",
            "key 'columns.date_of_incident'",
            "write date = 'date_of_incident' (canonical name first)",
        ],
    ),
    "not a canonical column": (
        GOOD.replace("case_id = ", "caseid = "),
        [
            "line 8",
            "key 'columns.caseid'",
            "not a canonical column of cases",
            "did you mean 'case_id'",
        ],
    ),
    "zip member": (
        GOOD.replace(CASES, ZIP).replace(
            'columns = { case_id = "case_id", date = "date_of_incident" }',
            'member = "evictions.geojson"',
        ),
        [
            "line 8",
            "key 'member'",
            "'evictions.geojson' is not in eviction_hotspots_geojson.zip",
            "eviction_sites.geojson, relocation_sites.geojson",
        ],
    ),
    "bad crs": (
        GOOD.replace('kind = "cases"', 'kind = "cases"\ncrs = "EPSG:99999999"'),
        ["line 7", "key 'crs'", "not a CRS pyproj knows", "EPSG:32648"],
    ),
    "geographic metric crs": (
        GOOD.replace('name = "test"', 'name = "test"\nmetric_crs = "EPSG:4326"'),
        ["line 3", "key 'metric_crs'", "not a projected (metric) CRS"],
    ),
    "privacy mode": (
        GOOD + '\n[privacy]\nmode = "blur"\nmin_radius_m = 500\n',
        ["line 11", "[privacy]", "key 'mode'", "unknown masking mode 'blur'", "displace"],
    ),
    "privacy radii": (
        GOOD + "\n[privacy]\nmin_radius_m = 3000\nmax_radius_m = 2000\n",
        ["line 11", "[privacy], key 'min_radius_m'", "min_radius_m < max_radius_m"],
    ),
    "analysis reference": (
        GOOD + '\n[analysis]\nconcessions = ["elcs"]\n',
        ["line 11", "key 'concessions'", "'elcs': no layer", "name a concessions layer"],
    ),
    "privacy communes is not boundaries": (
        GOOD + '\n[privacy]\ncommunes = "cases"\n',
        ["key 'communes'", "layer of kind 'cases', not 'boundaries'"],
    ),
    "fix_swapped on areas": (
        GOOD.replace('kind = "cases"', 'kind = "areas"\nfix_swapped = true').replace(
            'columns = { case_id = "case_id", date = "date_of_incident" }', ""
        ),
        ["line 7", "key 'fix_swapped'", "only applies to cases layers"],
    ),
    "level on cases": (
        GOOD.replace('kind = "cases"', 'kind = "cases"\nlevel = "province"'),
        ["line 7", "key 'level'", "belongs to boundaries layers"],
    ),
    "level not allowed": (
        GOOD.replace('kind = "cases"', 'kind = "boundaries"\nlevel = "region"').replace(
            'columns = { case_id = "case_id", date = "date_of_incident" }', ""
        ),
        ["line 7", "key 'level'", "'region' is not allowed", "'province'"],
    ),
    "no layers": (
        '[project]\nname = "x"\n',
        ["top level", "key 'layers'", "required key missing", "add a [[layers]] table"],
    ),
    "raster missing": (
        GOOD + '\n[raster]\nforest = "forest.tif"\n',
        ["line 11", "key 'forest'", "file 'forest.tif' not found"],
    ),
    "raster unknown key": (
        GOOD + '\n[raster]\nforest = { path = "forest.tif", colours = "green" }\n',
        ["line 11", "key 'forest.colours'", "unknown key"],
    ),
    "bad bbox": (
        GOOD.replace('name = "test"', 'name = "test"\nstudy_area = [107.7, 9.9, 102.3, 14.7]'),
        ["line 3", "key 'study_area'", "[west, south, east, north]"],
    ),
    "list of wrong items": (
        GOOD + '\n[map]\npopup = ["case_id", 3]\n',
        ["line 11", "key 'popup'", "expected every entry to be a string, got 3"],
    ),
    "toml syntax": (
        GOOD.replace('name = "test"', 'name = "test'),
        ["not valid TOML", "line 2", "check the quotes"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_project_files_say_file_line_key_and_fix(tmp_path, case):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(ProjectError) as info:
        Project.from_toml(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert "Fix: " in message and "\n" not in message, message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    if "line " in " ".join(expected) and "TOML" not in message:
        assert info.value.line == int(next(p for p in expected if p.startswith("line "))[5:])
        if info.value.key:
            assert repr(info.value.key) in message


def test_missing_project_file(tmp_path):
    with pytest.raises(ProjectError, match=r"project file not found.*data/demo.toml"):
        Project.from_toml(tmp_path / "nope.toml")


def test_project_error_is_a_value_error():
    assert issubclass(ProjectError, ValueError) and issubclass(ProjectError, LandmapError)


# --- columns that the file does not have -------------------------------------------------------
@pytest.mark.parametrize(
    "path, column, present",
    [
        (CASES, "date of incident", "date_of_incident"),
        ((DATA / "synthetic_cases.xlsx").as_posix(), "date of incident", "date_of_incident"),
        ((DATA / "community_forests.geojson").as_posix(), "Map ID", "map_id"),
    ],
)
def test_a_mapping_onto_a_missing_column_is_a_schema_error(tmp_path, path, column, present):
    kind = "areas" if path.endswith("geojson") else "cases"
    canon = "area_id" if kind == "areas" else "date"
    project = Project.from_toml(
        write(
            tmp_path,
            f"""
        [project]
        name = "t"

        [[layers]]
        name = "x"
        kind = "{kind}"
        path = "{path}"
        columns = {{ {canon} = "{column}" }}
        """,
        )
    )
    with pytest.raises(SchemaError) as info:
        project.load()
    message = str(info.value)
    assert message.startswith(path)
    assert f"column {column!r}" in message and f"{canon} = {column!r}" in message
    assert f"did you mean {present!r}" in message and "line 4" in message
    assert str(project.path) in message


def test_check_columns_accepts_the_demo_mappings():
    demo = Project.from_toml(DEMO)
    for spec in demo.layers:
        check_columns(spec, project=demo.path)  # raises on any unknown column
    bad = demo.layer("elc")
    broken = type(bad)(**{**bad.__dict__, "columns": {"name": "Owner_Name"}})
    with pytest.raises(SchemaError, match="Owner_Name"):
        check_columns(broken)


def test_the_command_line_prints_a_project_error_on_one_line(tmp_path, capsys):
    from landmap.cli import main

    path = write(tmp_path, GOOD.replace("columns =", "colums ="))
    assert main(["build", str(path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert str(path) in err and "line 8" in err and "did you mean 'columns'" in err
    assert not (tmp_path / "out").exists()


def test_kind_is_inferred_when_omitted_or_explained(tmp_path):
    elc = (DATA / "cam-elc-complete.geojson").as_posix()
    good = write(tmp_path, f'[project]\nname = "t"\n\n[[layers]]\nname = "c"\npath = "{elc}"\n')
    assert Project.from_toml(good).layer("c").kind == "concessions"
    (tmp_path / "notes.dat").write_bytes(b"\x00\x01 not a GIS file")
    bad = write(
        tmp_path,
        '[project]\nname = "t"\n\n[[layers]]\nname = "n"\npath = "notes.dat"\n',
        name="bad.toml",
    )
    expected = (
        r"line 4: \[\[layers\]\] #1 \('n'\), key 'kind': no kind given and none could "
        r"be inferred.*Fix: add kind = "
    )
    with pytest.raises(ProjectError, match=expected):
        Project.from_toml(bad)
