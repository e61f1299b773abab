"""Outputs that never lose a file, through the real command on a small project.

`landmap build` and `landmap export` only create, replace or remove files they wrote; the new
files become visible together or not at all, also when the output is behind a symlink on another
filesystem, when a file cannot be replaced, or when the run is killed; names from project files
and `--name` never leave the output folder; an interrupted export never leaves two masking draws
side by side.

Every run here is a real process. A kill is a real SIGKILL; only its moment is chosen by the test
(for a kill during the swap, a small script wraps the function that moves one file).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
LANDMAP = [sys.executable, "-m", "landmap.cli"]
TIMEOUT = 900  # seconds; a small build takes 10-40 s on a busy two-core machine

CASES = (
    '{ case_id = "case_id", date = "date_of_incident", type = "case_type", '
    'status = "status", households = "households", province = "province", '
    'district = "district", commune = "commune", village = "village", '
    'description = "description", source = "source", '
    'location_precision = "location_precision", lat = "latitude", lon = "longitude" }'
)

PROJECT = """\
# SYNTHETIC cases: a small copy of the demo project for the output-safety tests.
[project]
name = "small"
title = "Small test project (SYNTHETIC cases)"
metric_crs = "EPSG:32648"
output = "out"

[[layers]]
name = "cases"
kind = "cases"
path = "{cases}"
fix_swapped = true
columns = {columns}

[[layers]]
name = "elc"
kind = "concessions"
path = "elc.geojson"
concession_kind = "ELC"
columns = {{ concession_id = "Id", name = "Name", hectares_stated = "Hectares", \
granted = "Contract", purpose = "Purpose", investor_country = "Nation", province = "Provinces" }}

[[layers]]
name = "provinces"
kind = "boundaries"
path = "provinces.geojson"
level = "province"
columns = {{ boundary_id = "Adm1_NCDD", name = "Adm1_Name", name_km = "Adm1_Name_" }}

[[layers]]
name = "districts"
kind = "boundaries"
path = "districts.geojson"
level = "district"
columns = {{ boundary_id = "shapeID", name = "shapeName" }}

[[layers]]
name = "communes"
kind = "boundaries"
path = "communes.geojson"
level = "commune"
columns = {{ boundary_id = "shapeID", name = "shapeName" }}

[privacy]
profile = "public"
mode = "displace"
min_radius_m = 500
max_radius_m = 2000
k = 3
allow_free_text = false
communes = "communes"

[export]
lang = "en"
formats = {formats}
"""


def write_project(
    folder: Path, *, cases: str = "cases.csv", formats: tuple[str, ...] = ("geojson", "xlsx")
) -> Path:
    path = folder / "small.toml"
    path.write_text(
        PROJECT.format(cases=cases, columns=CASES, formats=json.dumps(list(formats))), "utf-8"
    )
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A project folder: 40 SYNTHETIC cases in Ratanak Kiri, 4 concessions, boundaries near them.

    The boundaries are the demo's, cut to Ratanak Kiri and 10 km around it (the masking keeps
    each case in its commune, so every case's commune is there).
    """
    import geopandas as gpd
    import pandas as pd

    folder = tmp_path_factory.mktemp("small")
    register = pd.read_csv(DATA / "synthetic_cases.csv", dtype=str, keep_default_na=False)
    register = register[register["province"] == "Ratanak Kiri"].head(40).copy()
    # SYNTHETIC phone numbers that do not look like a PDF's zero-padded byte offsets (the
    # register's "+855 00 000 0012" is found by the leak check in a PDF's cross-reference table)
    register["complainant_phone"] = [
        f"+855 97 {500 + i:03d} {1000 + 7 * i:04d}" for i in range(len(register))
    ]
    register.to_csv(folder / "cases.csv", index=False)
    provinces = gpd.read_file(DATA / "khm_bnd_admin1_gov_ed2022.json")
    area = provinces[provinces["Adm1_Name"] == "Ratanak Kiri"].to_crs(32648).buffer(10_000)
    area = area.to_crs(4326).union_all()
    for source, name in (
        ("khm_bnd_admin1_gov_ed2022.json", "provinces"),
        ("cambodia-adm2-simplified.geojson", "districts"),
        ("cambodia-adm3-simplified.geojson", "communes"),
        ("cam-elc-complete.geojson", "elc"),
    ):
        layer = gpd.read_file(DATA / source)
        near = layer[layer.to_crs(4326).intersects(area).to_numpy()]
        (near.head(4) if name == "elc" else near).to_file(
            folder / f"{name}.geojson", driver="GeoJSON"
        )
    write_project(folder)
    return folder


@pytest.fixture
def project(small, tmp_path) -> Path:
    """This test's own copy of the small project; returns its project file."""
    shutil.copytree(small, tmp_path / "project")
    return tmp_path / "project" / "small.toml"


@pytest.fixture(scope="module")
def baseline(small, tmp_path_factory) -> Path:
    """A complete first build of the small project, made with KML among its formats."""
    folder = tmp_path_factory.mktemp("baseline")
    shutil.copytree(small, folder, dirs_exist_ok=True)
    toml = write_project(folder, formats=("geojson", "kml", "xlsx"))
    run = build(toml, folder / "out")
    assert run.returncode == 0, run.stderr[-3000:]
    assert (folder / "out" / "public" / "landmap-public.kml").is_file()
    return folder / "out"


@pytest.fixture
def shm():
    """A folder on /dev/shm (tmpfs), removed afterwards."""
    if not Path("/dev/shm").is_dir():
        pytest.fail("/dev/shm is needed for the test of an output on another filesystem")
    folder = Path(tempfile.mkdtemp(prefix="landmap-test-", dir="/dev/shm"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# -- helpers -------------------------------------------------------------------------------------
def build(toml: Path, out: Path, *, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, *LANDMAP, "build", str(toml), "-o", str(out)],
        cwd=toml.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (through symlinked folders): relative path -> SHA-256."""
    out = {}
    for dirpath, _, names in os.walk(folder, followlinks=True):
        for name in names:
            path = Path(dirpath, name)
            out[path.relative_to(folder).as_posix()] = sha256(path)
    return out


def leftovers(out: Path, *, mine: set[str] = frozenset()) -> list[str]:
    """Anything a landmap run left behind in or beside ``out`` (``mine``: the user's)."""
    inside = [
        p
        for p in files(out)
        if any(part.startswith(".landmap") or ".landmap-" in part for part in p.split("/"))
    ]
    inside += [p.name for p in out.rglob(".landmap*")]
    beside = [p.name for p in out.parent.glob(f".{out.name}.partial-*") if p.name not in mine]
    return sorted(set(inside + beside))


def assert_complete(
    out: Path, *, others: set[str] = frozenset(), beside: set[str] = frozenset()
) -> dict[str, str]:
    """Check that ``out`` holds one whole set: what the manifest lists, with those hashes.

    ``others`` are the files in ``out`` that the build did not write, ``beside`` the user's
    folders beside it that look like landmap's. Returns the manifest's ``{path: sha256}``.
    """
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    listed = {item["path"]: item["sha256"] for item in manifest["outputs"]}
    present = files(out)
    wrong = sorted(rel for rel, digest in listed.items() if present.get(rel) != digest)
    assert not wrong, f"files that do not match the manifest: {wrong[:5]}"
    extra = set(present) - set(listed) - {"manifest.json"} - set(others)
    assert not extra, f"files the manifest does not list: {sorted(extra)[:5]}"
    assert not leftovers(out, mine=beside)
    return listed


def assert_one_line_error(run: subprocess.CompletedProcess, *words: str) -> str:
    assert run.returncode == 2, (run.returncode, run.stderr[-3000:])
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def kill_when(command: list[str], ready: Callable[[], bool], *, cwd: Path) -> None:
    """Start ``command``; SIGKILL it as soon as ``ready()`` is true."""
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    try:
        while True:
            try:
                if ready():
                    break
            except FileNotFoundError:  # a file went while we looked
                pass
            if proc.poll() is not None:
                pytest.fail(f"the run ended (exit {proc.returncode}) before it could be killed")
            if time.monotonic() > deadline:
                pytest.fail("the run never reached the moment to kill it")
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def staged(out: Path, pattern: str) -> bool:
    """Whether a run writing into ``out`` has staged a file matching ``pattern``."""
    return any(out.glob(f".landmap-staging-*/**/{pattern}")) or any(
        out.parent.glob(f".{out.name}.partial-*/**/{pattern}")
    )


# -- 1 and 2: only the build's own files ---------------------------------------------------------
@pytest.fixture(scope="module")
def two_builds(small, baseline, tmp_path_factory):
    """Two builds into a folder that also holds the user's files.

    The register the project reads is kept in ``out/internal``; the user keeps a note in
    ``out/public`` and a file in ``out``, and edited the KML of the first build, which the
    project does not make any more.
    """
    folder = tmp_path_factory.mktemp("two-builds")
    shutil.copytree(small, folder, dirs_exist_ok=True)
    out = folder / "out"
    shutil.copytree(baseline, out)
    shutil.move(folder / "cases.csv", out / "internal" / "register.csv")
    toml = write_project(folder, cases="out/internal/register.csv")
    (out / "public" / "notes.txt").write_text("what we sent to whom\n", "utf-8")
    (out / "README.txt").write_text("this folder is backed up every night\n", "utf-8")
    with open(out / "public" / "landmap-public.kml", "a", encoding="utf-8") as fh:
        fh.write("<!-- checked by the field team -->\n")
    user = {
        rel: digest
        for rel, digest in files(out).items()
        if rel
        in ("internal/register.csv", "public/notes.txt", "README.txt", "public/landmap-public.kml")
    }
    runs = [build(toml, out), build(toml, out)]
    return out, user, runs


@pytest.mark.slow
def test_files_the_build_did_not_write_survive_two_builds(two_builds):
    out, user, (first, second) = two_builds
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    now = files(out)
    for rel, digest in user.items():
        assert now.get(rel) == digest, f"{rel} was changed or removed"
    assert_complete(out, others=set(user))


@pytest.mark.slow
def test_stale_outputs_go_and_an_output_the_user_changed_stays(two_builds, baseline):
    out, user, (first, _) = two_builds
    assert first.returncode == 0, first.stderr[-3000:]
    listed = assert_complete(out, others=set(user))
    # the KML's own sidecars were the build's, unchanged: removed with the format
    before = json.loads((baseline / "manifest.json").read_text("utf-8"))
    stale = {item["path"] for item in before["outputs"]} - set(listed)
    assert {
        "public/landmap-public.kml.audit.json",
        "public/landmap-public.kml.provenance.json",
    } <= stale
    assert not any((out / rel).exists() for rel in stale - {"public/landmap-public.kml"})
    # the KML the user edited is neither overwritten nor removed, and the build says so
    assert files(out)["public/landmap-public.kml"] == user["public/landmap-public.kml"]
    assert "landmap-public.kml was changed since landmap wrote it" in first.stdout


# -- 3: a file in the way ------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("case", ["user file", "user manifest", "edited output"])
def test_a_file_in_the_way_is_refused_and_nothing_changes(project, baseline, case):
    out = project.parent / "out"
    if case == "user file":  # before the first build: the user's own map.html
        (out / "public").mkdir(parents=True)
        (out / "public" / "map.html").write_text("<p>our own page</p>\n", "utf-8")
        words = ("public/map.html", "not written by landmap")
    elif case == "user manifest":  # a folder of another program's, with its own manifest.json
        out.mkdir()
        (out / "manifest.json").write_text('{"name": "our web page"}\n', "utf-8")
        words = ("manifest.json", "not written by landmap")
    else:  # after a build: the user edited a table that the next build writes again
        shutil.copytree(baseline, out)
        with open(out / "public" / "tables" / "summary_by_year.csv", "a", encoding="utf-8") as fh:
            fh.write("2030,0\n")
        words = ("public/tables/summary_by_year.csv", "changed since landmap wrote it")
    before = files(out)
    run = build(project, out)
    assert_one_line_error(run, *words)
    assert files(out) == before
    assert not leftovers(out)


# -- 4: another filesystem -----------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("where", ["output folder", "sub-folder"])
def test_an_output_behind_a_symlink_on_another_filesystem(project, baseline, shm, where):
    here = project.parent
    if os.stat(shm).st_dev == os.stat(here).st_dev:
        pytest.fail(f"{shm} and {here} are on the same filesystem: the test would prove nothing")
    out = here / "out"
    if where == "output folder":  # the output folder is a symlink to a folder on tmpfs
        shutil.copytree(baseline, shm / "out")
        out.symlink_to(shm / "out", target_is_directory=True)
        linked = out
    else:  # out/internal is a symlink to a folder on tmpfs: every file moves across
        shutil.copytree(baseline, out)
        shutil.move(out / "internal", shm / "internal")
        (out / "internal").symlink_to(shm / "internal", target_is_directory=True)
        linked = out / "internal"
    run = build(project, out)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "cross-device" not in run.stdout + run.stderr
    assert linked.is_symlink()
    assert (
        shm / "out" / "manifest.json"
        if where == "output folder"
        else shm / "internal" / "load_report.csv"
    ).is_file()
    assert_complete(out)
    assert not [p for p in shm.rglob("*") if p.name.startswith(".landmap")]


# -- 5: a file that cannot be replaced -----------------------------------------------------------
# Runs a command without the capabilities that let root ignore file permissions (dropped from
# the bounding set, so the command keeps none of them after exec); any other user is unchanged.
AS_A_USER = """\
import ctypes, os, sys
if os.geteuid() == 0:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            sys.exit("cannot drop capability %d: %s" % (cap, os.strerror(ctypes.get_errno())))
os.execv(sys.argv[1], sys.argv[1:])
"""
USER = (sys.executable, "-c", AS_A_USER)


@pytest.mark.slow
def test_a_file_that_cannot_be_replaced_leaves_the_previous_set(project, baseline):
    out = project.parent / "out"
    shutil.copytree(baseline, out)
    locked = out / "public" / "tables"
    locked.chmod(0o555)
    try:
        probe = subprocess.run(
            [
                *USER,
                sys.executable,
                "-c",
                "import os, sys; os.rename(sys.argv[1], sys.argv[1] + '.x')",
                str(locked / "summary_by_year.csv"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 or "PermissionError" not in probe.stderr:
            pytest.fail(f"a read-only folder does not stop a rename here: {probe.stderr}")
        before = files(out)
        run = build(project, out, prefix=USER)
        line = assert_one_line_error(run, "public/tables/", "the previous outputs are unchanged")
        assert "close the file" in line
    finally:
        locked.chmod(0o755)
    assert files(out) == before
    assert_complete(out)


# -- 6: killed builds ----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_set_and_the_next_build_cleans_up(project, baseline):
    out = project.parent / "out"
    shutil.copytree(baseline, out)
    before = files(out)
    kill_when(
        [*LANDMAP, "build", str(project), "-o", str(out)],
        lambda: staged(out, "*.gpkg"),
        cwd=project.parent,
    )
    assert {
        rel: digest for rel, digest in files(out).items() if not rel.startswith(".landmap-")
    } == before
    # what the previous version left when it was killed: staging folders beside the output
    legacy = project.parent / ".out.partial-k3x9a1b2"
    shutil.copytree(baseline, legacy)
    (legacy / "public" / "map.html").unlink()
    mine = project.parent / ".out.partial-zz9yy8xx"  # not landmap's: it holds a user's file
    (mine / "internal").mkdir(parents=True)
    (mine / "notes.txt").write_text("mine\n", "utf-8")
    run = build(project, out)
    assert run.returncode == 0, run.stderr[-3000:]
    assert not legacy.exists()
    assert_complete(out, beside={mine.name})
    assert (mine / "notes.txt").read_text("utf-8") == "mine\n"
    assert "removed the leftovers of an interrupted run" in run.stdout


# Wraps the function that moves one file into place: the process kills itself (SIGKILL) when
# it is about to make move number AFTER, or just before or after writing the ledger.
KILL_IN_SWAP = """\
import os, signal, sys
import landmap.io.outputs as outputs
when = sys.argv[1]
moved = []
move, write = outputs._move, outputs.OutputSet._write

def _move(src, dst):
    if when == f"move-{len(moved)}":
        os.kill(os.getpid(), signal.SIGKILL)
    moved.append(dst)
    move(src, dst)

def _write(path, record):
    if when == "before-ledger" and "outputs" in record:
        os.kill(os.getpid(), signal.SIGKILL)
    write(path, record)
    if when == "after-ledger" and "outputs" in record:
        os.kill(os.getpid(), signal.SIGKILL)

outputs._move = _move
outputs.OutputSet._write = staticmethod(_write)
if sys.argv[2] == "set":
    import json
    spec = json.loads(open(sys.argv[3], encoding="utf-8").read())
    with outputs.OutputSet(spec["root"], ledger=spec["ledger"]) as out:
        for name, text in spec["files"].items():
            out.path(name).write_text(text, "utf-8")
        out.commit({})
    sys.exit(0)
from landmap.cli import main
sys.exit(main(sys.argv[2:]))
"""

SET_A = {
    "internal/cases.gpkg": "A cases",
    "public/map.html": "A map",
    "public/old/only-a.csv": "A only",
    "public/same.txt": "same",
    "public/ករណី.audit.json": "A audit",
}
SET_B = {
    "internal/cases.gpkg": "B cases",
    "public/map.html": "B map",
    "public/new/only-b.csv": "B only",
    "public/same.txt": "same",
    "public/ករណី.audit.json": "B audit",
}
USER_FILES = {"mine.txt": "a user's file", "public/notes.txt": "a user's note"}


@pytest.mark.parametrize(
    "when", [f"move-{n}" for n in range(len(SET_B))] + ["before-ledger", "after-ledger"]
)
def test_a_kill_during_the_swap_is_rolled_back_or_forward(tmp_path, when):
    from landmap.io.outputs import OutputSet

    root = tmp_path / "out"
    with OutputSet(root, ledger="outputs.json") as out:
        for name, text in SET_A.items():
            out.path(name).write_text(text, "utf-8")
        out.commit({})
    for name, text in USER_FILES.items():
        (root / name).write_text(text, "utf-8")
    spec = tmp_path / "set.json"
    spec.write_text(
        json.dumps({"root": str(root), "ledger": "outputs.json", "files": SET_B}), "utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-c", KILL_IN_SWAP, when, "set", str(spec)],
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    with OutputSet(root, ledger="outputs.json") as out:
        notes = out.notes
    assert any("interrupted" in note for note in notes), notes
    expected = {**(SET_B if when == "after-ledger" else SET_A), **USER_FILES}
    now = {rel: (root / rel).read_text("utf-8") for rel in files(root) if rel != "outputs.json"}
    assert now == expected
    ledger = json.loads((root / "outputs.json").read_text("utf-8"))
    assert {item["path"] for item in ledger["outputs"]} == set(
        SET_B if when == "after-ledger" else SET_A
    )
    assert sorted(p.name for p in root.iterdir()) == sorted(
        ["internal", "mine.txt", "outputs.json", "public"]
    )
    assert not [p for p in root.rglob("*") if p.is_dir() and not any(p.iterdir())]


@pytest.mark.slow
def test_a_build_killed_during_the_swap_is_rolled_back(project, baseline):
    from landmap.io.outputs import JOURNAL, OutputSet

    out = project.parent / "out"
    shutil.copytree(baseline, out)
    before = files(out)
    run = subprocess.run(
        [sys.executable, "-c", KILL_IN_SWAP, "move-12", "build", str(project), "-o", str(out)],
        cwd=project.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr[-3000:]
    assert (out / JOURNAL).is_file()  # killed half-way through the swap
    assert files(out) != before
    with OutputSet(out, ledger="manifest.json"):
        pass
    assert files(out) == before
    assert_complete(out)


def test_an_output_with_a_long_khmer_name_can_be_replaced(tmp_path):
    """Names of 250 bytes are fine on every common filesystem; the swap must not lengthen them."""
    from landmap.io.outputs import OutputSet

    name = "public/" + "ក" * 80 + ".json"  # 245 bytes in UTF-8
    for text in ("first", "second"):
        with OutputSet(tmp_path, ledger="outputs.json") as out:
            out.path(name).write_text(text, "utf-8")
            out.commit({})
        assert (tmp_path / name).read_text("utf-8") == text


def test_a_file_where_a_folder_goes_is_refused(tmp_path):
    from landmap.errors import ExportError
    from landmap.io.outputs import OutputSet

    (tmp_path / "public").write_text("a user's file called public", "utf-8")
    with OutputSet(tmp_path, ledger="outputs.json") as out:
        out.path("public/map.html").write_text("<p>map</p>", "utf-8")
        with pytest.raises(ExportError, match="public is in the way"):
            out.commit({})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


# -- 7: names ------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["build", "export"])
def test_a_layer_name_that_leaves_the_folder_is_refused(project, command):
    text = project.read_text("utf-8")
    project.write_text(text.replace('name = "cases"\n', 'name = "../../../cases"\n'), "utf-8")
    everything = project.parent.parent
    before = files(everything)
    options = ["--format", "geojson"] if command == "export" else []
    run = subprocess.run(
        [*LANDMAP, command, str(project), *options, "-o", "out/deep"],
        cwd=project.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    assert_one_line_error(run, "../../../cases")
    assert files(everything) == before


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("synthetic_cases", True),
        ("ករណី ២០២៤ (Ratanak Kiri)", True),
        ("ក" * 33, True),
        ("ក" * 34, False),
        ("../x", False),
        ("a/b", False),
        ("a\\b", False),
        (".hidden", False),
        ("C:x", False),
        ("x..y", False),
        ("", False),
        ("a\x00b", False),
    ],
)
def test_safe_names(name, ok):
    from landmap.errors import ExportError
    from landmap.io.outputs import safe_name

    if ok:
        assert safe_name(name) == name
    else:
        with pytest.raises(ExportError, match="cannot be used in a file name"):
            safe_name(name)


def test_an_export_name_that_leaves_the_folder_is_refused(project):
    everything = project.parent.parent
    before = files(everything)
    run = subprocess.run(
        [
            *LANDMAP,
            "export",
            "cases.csv",
            "--format",
            "geojson",
            "--name",
            "../../x",
            "-o",
            "out/deep",
        ],
        cwd=project.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )
    assert_one_line_error(run, "../../x")
    assert files(everything) == before


# -- 8: an interrupted export --------------------------------------------------------------------
def one_draw(out: Path) -> str:
    """Check that every file in ``out`` shows one masking draw; return its publication id."""
    import geopandas as gpd
    import pandas as pd

    audits = [json.loads(p.read_text("utf-8")) for p in sorted(out.glob("*.audit.json"))]
    assert len(audits) >= 3
    assert all("publication" in audit for audit in audits), "a draw cannot be told apart"
    draws = {audit["publication"] for audit in audits}
    assert len(draws) == 1, draws
    mapped = gpd.read_file(out / "small.geojson")
    mapped = mapped[mapped["layer"] == "cases"].drop_duplicates("case_id", keep=False)
    table = pd.read_excel(out / "small.xlsx", sheet_name="cases").drop_duplicates(
        "case_id", keep=False
    )
    points = mapped.set_index("case_id").geometry
    rows = table.set_index("case_id").loc[points.index]
    assert len(points) >= 30
    assert (abs(points.x - rows["longitude"]) < 1e-5).all()
    assert (abs(points.y - rows["latitude"]) < 1e-5).all()
    return draws.pop()


@pytest.mark.slow
def test_an_interrupted_export_leaves_one_draw_and_the_next_replaces_it(project):
    out = project.parent / "for-partners"
    command = [*LANDMAP, "export", str(project), "--format", "geojson,xlsx", "-o", str(out)]
    first = subprocess.run(
        command, cwd=project.parent, capture_output=True, text=True, check=False, timeout=TIMEOUT
    )
    assert first.returncode == 0, first.stderr[-3000:]
    visible = {rel: digest for rel, digest in files(out).items() if not rel.startswith(".")}
    draw = one_draw(out)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    def second_run_wrote() -> bool:
        if any(
            p.is_file() and p.name != ".landmap-staging"
            for p in out.parent.glob(".landmap-staging-*/**/*")
        ):
            return True
        return any(p.stat().st_mtime_ns != stamps.get(p.name) for p in out.iterdir() if p.is_file())

    kill_when(command, second_run_wrote, cwd=project.parent)
    assert {rel: digest for rel, digest in files(out).items() if not rel.startswith(".")} == visible
    assert one_draw(out) == draw
    # what the killed run staged is not even hidden in the folder: it was staged beside it
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert list(out.parent.glob(".landmap-staging-*"))
    third = subprocess.run(
        command, cwd=project.parent, capture_output=True, text=True, check=False, timeout=TIMEOUT
    )
    assert third.returncode == 0, third.stderr[-3000:]
    assert set(files(out)) == set(visible)
    assert not list(out.parent.glob(".landmap-staging-*"))  # the leftovers were removed
    assert one_draw(out) != draw
    ledger = json.loads((out / "small.manifest.json").read_text("utf-8"))
    assert {item["path"] for item in ledger["outputs"]} == set(visible) - {"small.manifest.json"}
