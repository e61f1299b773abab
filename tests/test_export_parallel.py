"""Exports drawn in a second process, and the cache of results keyed by input content."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from landmap.errors import DataValueError, ExportError
from landmap.export import parallel
from landmap.export.parallel import PROCESSES_ENV, Background
from landmap.io import cache
from landmap.maps import raster_layer as raster_module

needs_fork = pytest.mark.skipif(not parallel.forking(), reason="no fork here")


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
def test_background_runs_in_another_process_and_returns_its_result():
    with Background(_pid) as job:
        assert job.result() != os.getpid()


@needs_fork
def test_background_error_is_raised_here_with_its_type_and_message():
    with Background(_fail) as job, pytest.raises(DataValueError) as err:
        job.result()
    assert "x.toml" in str(err.value) and "pick another" in str(err.value)


@needs_fork
def test_background_that_dies_is_an_export_error():
    with Background(_die) as job, pytest.raises(ExportError, match="exit code 3"):
        job.result()


@needs_fork
def test_leaving_early_stops_the_second_process(tmp_path):
    target = tmp_path / "late.txt"
    start = time.monotonic()
    with pytest.raises(RuntimeError), Background(_sleep_then_write, target):
        raise RuntimeError("a step failed")
    assert time.monotonic() - start < 20
    assert not target.exists()


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
    with rasterio.open(path, "w", driver="GTiff", width=300, height=200, count=1,
                       dtype="uint8", crs="EPSG:32648", nodata=0,
                       transform=from_origin(480000, 1300000, 30, 30)) as dst:
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
