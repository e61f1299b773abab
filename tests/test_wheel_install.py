"""landmap installed as a wheel (``pip install .``, not editable) works from any folder.

The wheel is built from a copy of the package sources (so nothing is written into the checkout),
installed with ``--no-deps`` into a fresh virtual environment whose dependencies come from the
test environment (a ``.pth`` file: nothing is downloaded, the test runs offline), and the
``landmap`` command it installs runs the demo project from a temporary folder. Everything it
needs at run time (styles, vocabulary, fonts, communes, briefing background) must therefore come
from the installed package, not from the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("landmap", "pyproject.toml", "README.md", "THIRD_PARTY_LICENSES.md")
#: Variables that could point an installed landmap back at the checkout or the system's fonts.
_UNSET = ("LANDMAP_DATA", "LANDMAP_KHMER_FONT", "PYTHONPATH")

pytestmark = pytest.mark.slow


def _copy_sources(dest: Path) -> Path:
    dest.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    return dest


def _pip(*args: str, cwd: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=_env(),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def _fresh_venv(where: Path, install: str, cwd: Path) -> Path:
    """A new virtual environment with landmap installed from ``install``, deps from this one."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / ("Scripts" if os.name == "nt" else "bin") / "python"
    _pip(
        "--python",
        str(python),
        "install",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        install,
        cwd=cwd,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    # after the install: pip must not see (or touch) the test environment's own landmap
    (Path(site.stdout.strip()) / "landmap-test-dependencies.pth").write_text(
        "\n".join(ours) + "\n", "utf-8"
    )
    return python


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    return {**env, **extra}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """landmap's wheel, built from a copy of the sources (offline: no build isolation)."""
    work = tmp_path_factory.mktemp("wheel")
    src = _copy_sources(work / "src")
    _pip(
        "wheel",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        "-w",
        str(work / "dist"),
        f".{os.sep}src",
        cwd=work,
    )
    assert src.is_dir()
    (built,) = (work / "dist").glob("landmap-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict[str, Path]:
    """A fresh virtual environment with the wheel installed, and a folder far from the checkout."""
    work = tmp_path_factory.mktemp("venv")
    python = _fresh_venv(work / "venv", str(wheel), cwd=work)
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return {"python": python, "landmap": python.with_name("landmap"), "cwd": elsewhere}


def test_the_wheel_carries_every_resource(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    resources = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "landmap" / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert len(resources) > 40
    missing = sorted(set(resources) - names)
    assert missing == [], f"package data missing from the wheel: {missing}"
    assert "landmap/py.typed" in names
    assert not [n for n in names if n.startswith(("data/", "tests/", "landmap/data/"))]


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    out = subprocess.run(
        [
            str(installed["python"]),
            "-c",
            "import landmap, landmap.render.fonts as f; print(landmap.__file__); "
            "print(f.khmer_font_path())",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=installed["cwd"],
        env=_env(LANDMAP_NO_SYSTEM_FONTS="1"),
    )
    package, font = out.stdout.split("\n")[:2]
    assert Path(package).is_relative_to(installed["python"].parent.parent)
    assert not Path(package).is_relative_to(ROOT)
    assert "fontpkg_noto_sans_khmer" in font


def test_build_from_another_folder_with_no_project_says_where_the_demo_is(installed):
    run = subprocess.run(
        [str(installed["landmap"]), "build"],
        capture_output=True,
        text=True,
        check=False,
        cwd=installed["cwd"],
        env=_env(),
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "data/demo.toml" in lines[0] and "--project" in lines[0]
    assert "landmap source folder" in lines[0]


def test_installed_from_a_source_folder_the_message_names_its_demo(wheel, tmp_path):
    """``pip install .`` records the source folder (PEP 610): the message names the demo in it.

    The wheel is installed, then its ``direct_url.json`` says what ``pip install <folder>``
    writes (a folder install builds the same wheel, but needs setuptools inside the new
    environment, which this offline test cannot install).
    """
    src = tmp_path / "landmap-src"
    (src / "data").mkdir(parents=True)
    shutil.copy2(ROOT / "data" / "demo.toml", src / "data" / "demo.toml")
    python = _fresh_venv(tmp_path / "venv", str(wheel), cwd=tmp_path)
    (record,) = {
        p.resolve()
        for p in (tmp_path / "venv").glob(
            "lib*/python*/site-packages/landmap-*.dist-info/direct_url.json"
        )
    }  # lib64 -> lib
    assert "archive_info" in json.loads(record.read_text("utf-8"))
    record.write_text(json.dumps({"url": src.as_uri(), "dir_info": {}}), "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run(
        [str(python.with_name("landmap")), "build"],
        capture_output=True,
        text=True,
        check=False,
        cwd=elsewhere,
        env=_env(),
    )
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    demo = src / "data" / "demo.toml"
    assert f"the demo project is {demo}" in run.stderr
    assert f"landmap build --project {demo}" in run.stderr


def test_demo_build_from_the_installed_wheel_in_another_folder(installed, tmp_path):
    out = tmp_path / "out"
    run = subprocess.run(
        [
            str(installed["landmap"]),
            "build",
            "--project",
            str(ROOT / "data" / "demo.toml"),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=installed["cwd"],
        env=_env(LANDMAP_NO_SYSTEM_FONTS="1"),
    )
    said = run.stdout + run.stderr
    assert run.returncode == 0, said[-4000:]
    assert "leak check clean" in run.stdout
    assert "Traceback" not in said
    assert "missing" not in said.lower() and "not found" not in said.lower(), said[-4000:]
    assert not list(installed["cwd"].iterdir())  # nothing written where it was run
    # nothing left out of the briefing map for want of a file: the background came along
    provenance = json.loads(
        (out / "public" / "landmap-public.pdf.provenance.json").read_text("utf-8")
    )
    assert not [
        o
        for o in provenance["omitted"]
        if o.startswith(("province background", "hillshade", "Khmer script"))
    ], provenance["omitted"]
    sources = "; ".join(provenance["sources"])
    assert "Relief: USGS" in sources and "geoBoundaries" in sources  # the bundled background
    # the demo's maps are bilingual: each carries the Khmer web font installed with landmap
    for folder in ("public", "internal"):
        assert 'id="landmap-khmer-font"' in (out / folder / "map.html").read_text("utf-8")
    _assert_masked_points_stay_in_their_communes(out)


def _assert_masked_points_stay_in_their_communes(out: Path) -> None:
    communes = gpd.read_file(ROOT / "landmap" / "resources" / "boundaries" / "communes.geojson")
    communes = communes[["shapeID", "geometry"]]

    def commune_of(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
        joined = gpd.sjoin(frame[["case_id", "geometry"]], communes, predicate="within", how="left")
        return joined.drop_duplicates("case_id").set_index("case_id")["shapeID"]

    for layer in ("synthetic_cases", "eviction_sites"):
        public = gpd.read_file(out / "public" / "landmap-public.gpkg", layer=layer)
        internal = gpd.read_file(out / "internal" / "landmap-internal.gpkg", layer=layer)
        moved = public[public["published_location"].str.startswith("moved")]
        assert len(moved) > 50
        pairs = (
            commune_of(moved)
            .to_frame("public")
            .join(commune_of(internal).rename("true"), how="inner")
        )
        pairs = pairs[pairs["true"].notna()]
        assert len(pairs) > 50
        assert pairs["public"].notna().all()
        assert (pairs["public"] == pairs["true"]).all(), pairs[pairs["public"] != pairs["true"]]
        # and they were moved: the public file does not hold the true points
        true = internal.drop_duplicates("case_id").set_index("case_id").geometry
        shown = moved.drop_duplicates("case_id").set_index("case_id").geometry
        assert not shown.geom_equals(true.reindex(shown.index)).any()
