"""A cache of arrays computed from input files, keyed by the content of those files.

Some steps of the main job compute the same thing from the same file on every run (the forest
raster warped to Web Mercator for the interactive maps: seconds of decompressing and resampling
150 million pixels). Their results are kept in landmap's own cache folder, never in an output
folder, under a key made from the SHA-256 of the input files and every setting of the
computation, so a changed file or setting is computed again. Entries are plain NumPy arrays
(``.npz``, read with ``allow_pickle=False``); an unreadable entry is computed again.

The folder is ``$LANDMAP_CACHE`` if set (``off`` turns the cache off), else the user's cache
folder (``~/.cache/landmap``, ``%LOCALAPPDATA%/landmap/Cache``, ``~/Library/Caches/landmap``).

The folder is bounded: after each write, the entries used least recently (by modification
time, which a read refreshes) are removed until the entries take at most the limit
``cache_mb`` of :mod:`landmap.limits` (``LANDMAP_MAX_CACHE_MB``, default 1,000 MB). Only
landmap's own entries are ever removed: a file ``<kind>/<key>.npz`` whose stored key is its
own name. Anything else in the folder is left alone and not counted.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sys
import zipfile
from pathlib import Path

import numpy as np

from landmap.io.atomic import atomic_path
from landmap.limits import current

log = logging.getLogger(__name__)

#: Environment variable naming the cache folder (``off``: no cache).
CACHE_ENV = "LANDMAP_CACHE"
#: Name of the array in every entry holding the entry's key: how an entry is known as landmap's.
KEY_ARRAY = "landmap_cache_key"
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.npz")


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
    """Return the arrays stored under ``kind``/``key``, or ``None`` if there are none.

    A hit marks the entry as just used, so the bound removes it last.
    """
    path = _entry(kind, key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as entry:
            arrays = {name: entry[name] for name in entry.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        log.info("cache entry %s could not be read (%s); computing it again", path, err)
        return None
    if str(arrays.pop(KEY_ARRAY, "")) != key:
        return None  # not an entry of this version of landmap: computed and stored again
    with contextlib.suppress(OSError):
        os.utime(path)
    return arrays


def store_arrays(kind: str, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` under ``kind``/``key``, then keep the folder within its bound.

    Skipped if the cache folder is not writable.
    """
    path = _entry(kind, key)
    if path is None:
        return
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays, **{KEY_ARRAY: np.array(key)})
    except OSError as err:
        log.info("could not write the cache entry %s (%s); continuing without it", path, err)
        return
    prune()


def prune(*, limit_mb: float | None = None) -> list[Path]:
    """Remove the least recently used entries until the cache holds at most ``limit_mb``.

    Parameters
    ----------
    limit_mb
        The bound in megabytes (10^6 bytes); defaults to the limit ``cache_mb``
        (``LANDMAP_MAX_CACHE_MB``).

    Returns
    -------
    list of Path
        The entries removed, least recently used first.

    """
    folder = cache_dir()
    limit = (current("cache_mb") if limit_mb is None else limit_mb) * 1_000_000
    entries = sorted(_own_entries(folder)) if folder is not None else []
    total = sum(size for _, size, _ in entries)
    removed: list[Path] = []
    for _, size, path in entries:
        if total <= limit:
            break
        try:
            path.unlink()
        except FileNotFoundError:
            pass  # another landmap process removed it first
        except OSError as err:
            log.info("could not remove the cache entry %s (%s)", path, err)
            continue
        total -= size
        removed.append(path)
    if removed:
        log.info(
            "removed %d cache entries used least recently (cache bound %.0f MB)",
            len(removed),
            limit / 1_000_000,
        )
    return removed


def _own_entries(folder: Path) -> list[tuple[int, int, Path]]:
    """(last used, size, path) of every entry in ``folder`` that landmap wrote."""
    found = []
    kinds = (
        [k for k in folder.iterdir() if k.is_dir() and not k.is_symlink()]
        if folder.is_dir()
        else []
    )
    for kind in kinds:
        for path in kind.iterdir():
            if not _ENTRY_NAME.fullmatch(path.name) or path.is_symlink() or not path.is_file():
                continue
            if not _is_own(path):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:  # pruned by another landmap process meanwhile
                continue
            found.append((stat.st_mtime_ns, stat.st_size, path))
    return found


def _is_own(path: Path) -> bool:
    """Whether ``path`` is an entry landmap wrote: an array file holding its own name as key."""
    try:
        with np.load(path, allow_pickle=False) as entry:
            return KEY_ARRAY in entry.files and str(entry[KEY_ARRAY]) == path.stem
    except (OSError, ValueError, zipfile.BadZipFile):
        return False


__all__ = [
    "CACHE_ENV",
    "KEY_ARRAY",
    "cache_dir",
    "cache_key",
    "load_arrays",
    "prune",
    "store_arrays",
]
