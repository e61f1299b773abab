"""One way to take a layer (frame, loader result or path) and one way to hash a file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import geopandas as gpd
import pytest

from landmap.io.load import Loaded, layer_data, load
from landmap.privacy.gate import layer_kind
from landmap.provenance import file_sha256

ROOT = Path(__file__).resolve().parent.parent
ELC = ROOT / "data" / "cam-elc-complete.geojson"


def test_a_path_a_loaded_result_and_a_frame_give_the_same_layer():
    loaded = load(ELC, "concessions")
    assert isinstance(loaded, Loaded)
    from_path = layer_data(ELC, "concessions")
    assert layer_data(loaded) is loaded.data
    assert layer_data(loaded.data) is loaded.data
    assert isinstance(from_path, gpd.GeoDataFrame)
    assert from_path.drop(columns="geometry").equals(loaded.data.drop(columns="geometry"))
    assert layer_data(str(ELC)) == str(ELC)  # without a kind a path stays a path
    assert layer_kind(loaded) == "concessions"  # the privacy gate takes a Loaded as well


def test_file_sha256_matches_hashlib_and_rereads_a_rewritten_file(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * 3_000_000)
    first = file_sha256(path)
    assert first == hashlib.sha256(path.read_bytes()).hexdigest()
    stat = path.stat()
    path.write_bytes(b"b" * 3_000_000)  # same size, same modification time
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file_sha256(path) == first  # the cache cannot see this change...
    assert file_sha256(path, cache=False) == hashlib.sha256(b"b" * 3_000_000).hexdigest()


def test_file_sha256_of_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        file_sha256(tmp_path / "missing", cache=False)
