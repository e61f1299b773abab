"""A read-only output folder and a full disk: one line from build, export and check.

No mocks: the read-only folder is refused by the kernel (the command runs as the ``nobody``
user when the tests run as root, for whom permissions do not stop writes), and so is a really
read-only filesystem; the full disk is a small tmpfs filled to the last byte, mounted in a
private mount namespace (``unshare -m``) so that no other process sees it and it vanishes with
the command. The previous outputs must survive the failed run unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from _cli import ROOT, assert_one_line_error, environment, landmap
from _projects import cases_and_concessions

pytestmark = pytest.mark.slow

PROJECT = cases_and_concessions("disk", formats=["gpkg"])


@pytest.fixture
def shared_dir():
    """A folder every user may read (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="landmap-disk-", dir="/tmp"))
    folder.chmod(0o755)
    (folder / "cases.csv").write_text(
        "case_id,date,type,latitude,longitude\n"
        "D-1,2023-01-05,eviction,11.52,104.92\n"
        "D-2,2023-02-11,land grab,11.55,104.95\n"
        "D-3,2023-03-09,eviction,11.58,104.97\n",
        "utf-8",
    )
    gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Alpha Agro"], "kind": ["ELC"]},
        geometry=[shapely.box(104.85, 11.45, 105.25, 11.65)],
        crs="EPSG:4326",
    ).to_file(folder / "concessions.geojson")
    (folder / "project.toml").write_text(PROJECT, "utf-8")
    home = folder / "home"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    for path in folder.iterdir():
        if path.is_file():
            path.chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def as_another_user() -> list[str]:
    """The prefix that runs a command as ``nobody`` when we are root (else: as ourselves)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run a command as nobody")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


def user_env(folder: Path) -> dict[str, str]:
    return environment(HOME=str(folder / "home"), MPLCONFIGDIR=str(folder / "home" / "mpl"))


COMMANDS = {
    "check": ["check", "cases.csv", "--report", "{out}/report.csv", "--output", "{out}/c.gpkg"],
    "export": ["export", "project.toml", "--format", "gpkg,geojson", "-o", "{out}/export"],
    "build": ["build", "project.toml", "-o", "{out}/build"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_read_only_folder_is_one_line(shared_dir, command):
    """The folder exists but may not be written to: EACCES, one line naming it."""
    locked = shared_dir / "locked"
    locked.mkdir()
    (locked / "keep.txt").write_text("a file of the user's", "utf-8")
    locked.chmod(0o555)
    args = [a.format(out=locked) for a in COMMANDS[command]]
    proc = landmap(
        *args, cwd=shared_dir, env=user_env(shared_dir), prefix=as_another_user(), timeout=600
    )
    line = assert_one_line_error(proc, command)
    assert "Permission denied" in line and str(locked) in line, line
    assert sorted(p.name for p in locked.iterdir()) == ["keep.txt"]


def run_in_namespace(size: str, workdir: Path, *commands: list[str]) -> list[dict]:
    """Run landmap commands on a fresh tmpfs of ``size`` (see tests/_full_disk.py)."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to mount a private tmpfs")
    mount = workdir / "disk"
    unshare = ["unshare", "-m", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare.insert(1, "-r")  # an unprivileged user namespace, where we may mount
    args = [str(mount), size, str(workdir)]
    for command in commands:
        args += ["--", *command]
    proc = subprocess.run(
        [*unshare, sys.executable, str(ROOT / "tests" / "_full_disk.py"), *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=environment(),
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"could not mount a private tmpfs (this test needs root or unprivileged "
            f"user namespaces): {proc.stderr.strip()[-500:]}"
        )
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    ("command", "leave"),
    [
        ("check", 0),
        ("check", 40_000),
        ("export", 0),
        ("export", 60_000),
        ("build", 0),
        ("build", 300_000),
        ("build", 1_200_000),
    ],
)
def test_full_disk_is_one_line_and_keeps_the_old_outputs(shared_dir, command, leave):
    """A first run fills part of a small disk; the second finds it full, or fills it up half-way
    through, and says so in one line; the first run's outputs are all still there."""
    args = [a.format(out="@") for a in COMMANDS[command]]
    first, second = run_in_namespace(f"24m:{leave}", shared_dir, args, args)
    assert first["returncode"] == 0, first["stderr"]
    assert first["after"], "the first run wrote nothing"
    line = assert_one_line_error(
        subprocess.CompletedProcess(
            second["args"], second["returncode"], second["stdout"], second["stderr"]
        ),
        command,
    )
    assert "No space left on device" in line or "the disk is full" in line, line
    for name, digest in second["before"].items():  # the previous outputs, untouched
        assert second["after"].get(name) == digest, f"{name} changed or vanished"


def test_read_only_filesystem_is_one_line(shared_dir):
    """A disk mounted read-only (EROFS), which no permission can override."""
    script = (
        "mount -t tmpfs -o size=4m tmpfs {d} && mount -o remount,ro {d} && "
        "{landmap} build project.toml -o {d}/out"
    )
    disk = shared_dir / "ro"
    disk.mkdir()
    unshare = ["unshare", "-m", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare.insert(1, "-r")
    proc = subprocess.run(
        [
            *unshare,
            "sh",
            "-c",
            script.format(d=disk, landmap=Path(sys.executable).parent / "landmap"),
        ],
        capture_output=True,
        text=True,
        cwd=shared_dir,
        env=environment(),
        timeout=600,
        check=False,
    )
    if "mount:" in proc.stderr:
        pytest.fail(f"could not mount a read-only tmpfs: {proc.stderr.strip()}")
    line = assert_one_line_error(proc, "build")
    assert "Read-only file system" in line and str(disk) in line, line
