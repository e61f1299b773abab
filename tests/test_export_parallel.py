"""Exports drawn in a second process, and the cache of results keyed by input content."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio
from _projects import DATA, eviction_project
from rasterio.transform import from_origin

from landmap.errors import DataValueError, ExportError
from landmap.io import cache
from landmap.render import parallel
from landmap.render.maps import raster_layer as raster_module
from landmap.render.parallel import PROCESSES_ENV, Background

needs_fork = pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2, reason="no fork here"
)


@pytest.fixture
def one_thread(monkeypatch):
    """These calls are trivial, so they may fork from the test runner's threaded worker."""
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)


def _pid() -> int:
    return os.getpid()


def _fail() -> None:
    raise DataValueError("no such colour", path="x.toml", fix="pick another")


def _die() -> None:
    os._exit(3)


def _sleep_then_write(path: Path) -> None:
    time.sleep(30)
    path.write_text("late", "utf-8")


@needs_fork
def test_background_runs_in_another_process_and_returns_its_result(one_thread):
    with Background(_pid) as job:
        assert job.result() != os.getpid()


@needs_fork
def test_background_error_is_raised_here_with_its_type_and_message(one_thread):
    with Background(_fail) as job, pytest.raises(DataValueError) as err:
        job.result()
    assert "x.toml" in str(err.value) and "pick another" in str(err.value)


@needs_fork
def test_background_that_dies_is_an_export_error(one_thread):
    with Background(_die) as job, pytest.raises(ExportError, match="exit code 3"):
        job.result()


@needs_fork
def test_leaving_early_stops_the_second_process(tmp_path, one_thread):
    target = tmp_path / "late.txt"
    start = time.monotonic()
    with pytest.raises(RuntimeError), Background(_sleep_then_write, target):
        raise RuntimeError("a step failed")
    assert time.monotonic() - start < 20
    assert not target.exists()


def test_no_fork_from_a_process_with_other_threads():
    """A fork copies other threads' locks held; the briefing drawn in such a child crashed
    (exit -11) when the export ran inside a threaded process."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not parallel.forking()
        with Background(_pid) as job:
            assert job.result() == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_one_process_when_asked(monkeypatch):
    monkeypatch.setenv(PROCESSES_ENV, "1")
    with Background(_pid) as job:
        assert job.result() == os.getpid()


def test_cache_round_trip_and_off(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    key = cache.cache_key("test", 1, 2.5)
    assert cache.load_arrays("t", key) is None
    cache.store_arrays("t", key, {"a": np.arange(5), "b": np.array([[1.5, 2.0]])})
    got = cache.load_arrays("t", key)
    assert got is not None and got["a"].tolist() == [0, 1, 2, 3, 4]
    assert got["b"].tolist() == [[1.5, 2.0]]
    assert cache.cache_key("test", 1, 2.5) == key != cache.cache_key("test", 1, 2.6)
    (tmp_path / "t" / f"{key}.npz").write_bytes(b"not a zip")
    assert cache.load_arrays("t", key) is None  # unreadable: computed again
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    assert cache.cache_dir() is None
    cache.store_arrays("t", key, {"a": np.arange(2)})
    assert cache.load_arrays("t", key) is None


def _raster(path: Path, value: int) -> Path:
    data = np.zeros((200, 300), dtype=np.uint8)
    data[50:150, 100:250] = value
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=300,
        height=200,
        count=1,
        dtype="uint8",
        crs="EPSG:32648",
        nodata=0,
        transform=from_origin(480000, 1300000, 30, 30),
    ) as dst:
        dst.write(data, 1)
    return path


def test_warped_raster_is_read_back_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(raster_module, "_WARPED", {})
    tif = _raster(tmp_path / "forest.tif", 1)
    first = raster_module.raster_layer(tif, classes={1: ("Forest", "#1b7a3a")})
    entries = list((tmp_path / "cache" / "raster-warp").glob("*.npz"))
    assert len(entries) == 1
    raster_module._WARPED.clear()
    calls = []
    monkeypatch.setattr(raster_module, "_warp", lambda *a, **k: calls.append(a))
    again = raster_module.raster_layer(tif, classes={1: ("Forest", "#1b7a3a")})
    assert calls == []  # read back, not warped again
    assert again.overlay.url == first.overlay.url and again.bounds == first.bounds
    # another content is another key: warped again
    monkeypatch.undo()
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    raster_module._WARPED.clear()
    _raster(tmp_path / "forest.tif", 2)
    raster_module.raster_layer(tif, classes={2: ("Forest", "#1b7a3a")})
    assert len(list((tmp_path / "cache" / "raster-warp").glob("*.npz"))) == 2


@pytest.fixture(scope="module")
def small_project(tmp_path_factory) -> Path:
    """The eviction sites, the communes, community forests and a forest raster, small."""
    more = f"""
[[layers]]
name = "community_forests"
kind = "areas"
path = "{DATA}/community_forests.geojson"
area_kind = "community forest"

[raster.forest]
path = "{DATA}/FNF_mask_exercise.tif"
kind = "classified"
classes = {{ "0" = "non_forest", "1" = "forest" }}
"""
    return eviction_project(
        tmp_path_factory.mktemp("small"), more=more, formats=["geojson", "kml", "xlsx", "gpkg"]
    )


def _build(project: Path, out: Path) -> list[str]:
    from landmap.pipeline import build

    lines: list[str] = []
    build(project, out_dir=out, seed=7, say=lines.append)
    return lines


@needs_fork
def test_the_build_writes_the_same_files_in_one_process_and_in_two(
    small_project, tmp_path, monkeypatch
):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    _build(small_project, tmp_path / "two")
    monkeypatch.setenv(PROCESSES_ENV, "1")
    _build(small_project, tmp_path / "one")
    one = sorted(
        p.relative_to(tmp_path / "one").as_posix()
        for p in (tmp_path / "one").rglob("*")
        if p.is_file()
    )
    two = sorted(
        p.relative_to(tmp_path / "two").as_posix()
        for p in (tmp_path / "two").rglob("*")
        if p.is_file()
    )
    assert one == two
    assert {
        "public/landmap-public.png",
        "public/landmap-public.pdf",
        "public/landmap-public.xlsx",
        "public/landmap-public.gpkg",
        "public/tables/forest_cover_community_forests.csv",
    } <= set(one)
    for name in one:  # the tables computed in the second process are the same
        if name.endswith(".csv"):
            assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    ledger = json.loads((tmp_path / "two" / "manifest.json").read_text("utf-8"))
    listed = json.dumps(ledger)
    assert "landmap-public.png" in listed and "landmap-public.xlsx" in listed


def _broken_drawing(*args, **kwargs):
    raise ExportError("the drawing failed on purpose")


@needs_fork
def test_a_failure_in_the_second_process_fails_the_build_and_publishes_nothing(
    small_project, tmp_path, monkeypatch
):
    import multiprocessing

    from landmap.render import bundle

    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(bundle, "briefing_maps", _broken_drawing)
    with pytest.raises(ExportError, match="failed on purpose"):
        _build(small_project, tmp_path / "out")
    assert not (tmp_path / "out" / "public").exists()
    assert not (tmp_path / "out" / "manifest.json").exists()
    assert multiprocessing.active_children() == []
