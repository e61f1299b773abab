"""landmap's cache folder: entries keyed by content, bounded in size, least recently used out."""

from __future__ import annotations

import os

import numpy as np
import pytest

from landmap.errors import DataValueError
from landmap.io import cache

KB = 1000


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv("LANDMAP_MAX_CACHE_MB", raising=False)
    return tmp_path / "cache"


def store(name: str, size: int, *, at: int) -> str:
    """Store an entry of about ``size`` bytes, last used at time ``at`` (seconds)."""
    key = cache.cache_key(name)
    cache.store_arrays("test", key, {"a": np.zeros(size, dtype=np.uint8)})
    path = cache.cache_dir() / "test" / f"{key}.npz"
    if path.exists():
        os.utime(path, (at, at))
    return key


def keys(folder) -> set[str]:
    return {p.stem for p in (folder / "test").glob("*.npz")}


def test_round_trip_and_a_miss(folder):
    key = store("a", 10, at=1_000)
    assert cache.load_arrays("test", key)["a"].tolist() == [0] * 10  # no key array returned
    assert set(cache.load_arrays("test", key)) == {"a"}
    assert cache.load_arrays("test", cache.cache_key("other")) is None


def test_the_least_recently_used_entries_go_first_past_the_bound(folder, monkeypatch):
    monkeypatch.setenv("LANDMAP_MAX_CACHE_MB", "1")
    first = store("first", 400 * KB, at=1_000)
    second = store("second", 400 * KB, at=2_000)
    assert keys(folder) == {first, second}  # 0.8 MB: within the bound
    assert cache.load_arrays("test", first) is not None  # a read: first is now the newest
    third = store("third", 400 * KB, at=3_000)
    assert keys(folder) == {first, third}
    assert sum(p.stat().st_size for p in (folder / "test").iterdir()) <= 1_000_000


def test_an_entry_larger_than_the_bound_is_not_kept(folder, monkeypatch):
    monkeypatch.setenv("LANDMAP_MAX_CACHE_MB", "1")
    store("huge", 1_500 * KB, at=1_000)
    assert keys(folder) == set()


def test_only_landmaps_own_entries_are_removed_or_counted(folder):
    key = store("mine", 50 * KB, at=1_000)
    kind = folder / "test"
    notes = folder / "notes.txt"
    notes.write_text("a user's file in the cache folder", "utf-8")
    lookalike = kind / f"{'0' * 64}.npz"  # a name like an entry's, but not written by landmap
    np.savez(lookalike, a=np.zeros(50 * KB, dtype=np.uint8))
    renamed = kind / f"{'1' * 64}.npz"  # an entry copied under another name
    renamed.write_bytes((kind / f"{key}.npz").read_bytes())
    other = kind / "data.npz"
    np.savez(other, a=np.zeros(50 * KB, dtype=np.uint8))
    for path in (lookalike, renamed, other, notes):
        os.utime(path, (10, 10))  # older than the entry
    removed = cache.prune(limit_mb=0.06)  # the others alone would be over it
    assert removed == []
    removed = cache.prune(limit_mb=0.01)
    assert removed == [kind / f"{key}.npz"]
    assert all(p.exists() for p in (lookalike, renamed, other, notes))


def test_an_entry_of_another_version_is_a_miss(folder):
    key = cache.cache_key("old")
    (folder / "test").mkdir(parents=True)
    np.savez(folder / "test" / f"{key}.npz", a=np.ones(3))  # no key array: written before
    assert cache.load_arrays("test", key) is None
    assert cache.prune(limit_mb=0) == []  # not recognisably landmap's: left alone


def test_a_bad_bound_is_a_clear_error(folder, monkeypatch):
    monkeypatch.setenv("LANDMAP_MAX_CACHE_MB", "lots")
    with pytest.raises(DataValueError, match="LANDMAP_MAX_CACHE_MB='lots' is not a positive"):
        store("a", 10, at=1_000)


def test_no_cache_folder_no_pruning(monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    cache.store_arrays("test", cache.cache_key("a"), {"a": np.zeros(3)})
    assert cache.prune(limit_mb=0) == []
