"""A cache of arrays computed from input files, keyed by the content of those files.

Some steps of the main job compute the same thing from the same file on every run (the forest
raster warped to Web Mercator for the interactive maps: seconds of decompressing and resampling
150 million pixels). Their results are kept in landmap's own cache folder, never in an output
folder, under a key made from the SHA-256 of the input files and every setting of the
computation, so a changed file or setting is computed again. Entries are plain NumPy arrays
(``.npz``, read with ``allow_pickle=False``); an unreadable entry is computed again.

The folder is ``$LANDMAP_CACHE`` if set (``off`` turns the cache off), else the user's cache
folder (``~/.cache/landmap``, ``%LOCALAPPDATA%/landmap/Cache``, ``~/Library/Caches/landmap``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import zipfile
from pathlib import Path

import numpy as np

from landmap.io.atomic import atomic_path

log = logging.getLogger(__name__)

#: Environment variable naming the cache folder (``off``: no cache).
CACHE_ENV = "LANDMAP_CACHE"


def cache_dir() -> Path | None:
    """Return landmap's cache folder, or ``None`` when the cache is turned off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None and value.strip():
        return None if value.strip().lower() in ("off", "0", "no") else Path(value).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "landmap" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "landmap"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "landmap"


def cache_key(*parts: object) -> str:
    """Return a key for ``parts`` (file digests and settings, each with a stable ``repr``)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _entry(kind: str, key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / kind / f"{key}.npz"


def load_arrays(kind: str, key: str) -> dict[str, np.ndarray] | None:
    """Return the arrays stored under ``kind``/``key``, or ``None`` if there are none."""
    path = _entry(kind, key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as entry:
            return {name: entry[name] for name in entry.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        log.info("cache entry %s could not be read (%s); computing it again", path, err)
        return None


def store_arrays(kind: str, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` under ``kind``/``key`` (skipped if the cache folder is not writable)."""
    path = _entry(kind, key)
    if path is None:
        return
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    except OSError as err:
        log.info("could not write the cache entry %s (%s); continuing without it", path, err)


__all__ = ["CACHE_ENV", "cache_dir", "cache_key", "load_arrays", "store_arrays"]
