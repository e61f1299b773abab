"""Atomic file writes: write to a temporary file beside the target, then rename.

An interrupted export never leaves a half-written file under the target name.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from landmap.provenance import public_record


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success.

    Parameters
    ----------
    target
        The final path. Its parent folder is created if needed.
    suffix
        Suffix of the temporary file (defaults to the target's, so GDAL drivers that look at the
        extension pick the right format).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("done")
    >>> out.read_text()
    'done'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.",
        suffix=suffix if suffix is not None else target.suffix,
        dir=target.parent,
    )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # let the writer create it: some GDAL drivers refuse to overwrite
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
        for sidecar in tmp.parent.glob(tmp.name + "-*"):  # GPKG -wal/-shm/-journal
            sidecar.unlink()


def low_space_note(path: str | os.PathLike[str], *, below: int = 10_000_000) -> str:
    """Return ``" (the disk is full: N bytes free)"`` when little space is left near ``path``.

    GDAL reports a full disk in its own words ("no such table: gpkg_contents", "could not
    add feature"); a writer that catches such an error adds this note, so that the user
    learns the real cause. Empty when there is space, or when it cannot be told.

    Examples
    --------
    >>> import tempfile
    >>> low_space_note(tempfile.gettempdir(), below=0)
    ''

    """
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    return f" (the disk is full: {free:,} bytes free)" if free < below else ""


def write_json(target: str | os.PathLike[str], body: object) -> Path:
    """Write ``body`` as indented UTF-8 JSON (Khmer as it is, not escaped), atomically.

    Values JSON does not know (dates, paths) are written as their text. Returns the path.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = write_json(pathlib.Path(tempfile.mkdtemp()) / "a.json", {"ខេត្ត": "កំពត"})
    >>> print(path.read_text("utf-8"))
    {
      "ខេត្ត": "កំពត"
    }

    """
    out = Path(target)
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False, default=str), "utf-8")
    return out


def write_provenance(
    record: dict[str, Any], target: str | os.PathLike[str], *, public: bool = True
) -> Path:
    """Write ``record`` as ``<target>.provenance.json`` beside an output and return its path.

    ``public=True`` (the default, the safe side) writes :func:`public_record`; outputs kept in
    the office pass ``public=False`` for the full record.
    """
    body = public_record(record) if public else record
    return write_json(str(target) + ".provenance.json", body)
