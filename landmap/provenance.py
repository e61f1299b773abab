"""Provenance: what every analysis result and export records about how it was made.

A provenance record holds the inputs (path and SHA-256), the landmap version, the CRS used for
measurements, the parameters and the time. It travels in ``DataFrame.attrs["provenance"]`` and
is written as JSON beside every exported table or map.

Beside a public output the record is cut to what a stranger may read (:func:`public_record`):
inputs by file name only, with no folder (a staff member's user name), no SHA-256 and no size
(which would identify the register). The full record stays in the internal folder and in the
build's manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
from functools import lru_cache
from pathlib import Path, PureWindowsPath
from typing import Any

import pandas as pd


@lru_cache(maxsize=256)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    return _sha256(path)


def _sha256(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_sha256(path: str | os.PathLike[str], *, cache: bool = True) -> str:
    """Return the SHA-256 of a file.

    Parameters
    ----------
    path
        The file.
    cache
        Reuse the digest of a file whose path, size and modification time are unchanged (for
        inputs, hashed by every step that records them); ``False`` reads the file again (for a
        file this run is writing).

    """
    if not cache:
        return _sha256(path)
    p = Path(path)
    st = p.stat()
    return _sha256_cached(str(p.resolve()), st.st_size, st.st_mtime_ns)


def make_provenance(
    *,
    inputs: list[str | os.PathLike[str]] | None = None,
    crs: str | None = None,
    parameters: dict[str, Any] | None = None,
    operation: str | None = None,
) -> dict[str, Any]:
    """Build a provenance record.

    Parameters
    ----------
    inputs
        Files the result was computed from; each is hashed (a GDAL ``/vsizip/`` path is hashed
        through its archive).
    crs
        The CRS every length and area was measured in.
    parameters
        The parameters of the operation (JSON-serialisable).
    operation
        A short name of what was computed.
    """
    from landmap import __version__

    records = []
    for item in inputs or []:
        path = str(item)
        real = path
        if real.startswith("/vsizip/"):
            real = real.removeprefix("/vsizip/").split(".zip", 1)[0] + ".zip"
        entry: dict[str, Any] = {"path": path}
        if Path(real).is_file():
            entry["sha256"] = file_sha256(real)
            entry["bytes"] = Path(real).stat().st_size
        records.append(entry)
    return {
        "operation": operation,
        "landmap_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "crs": crs,
        "parameters": parameters or {},
        "inputs": records,
        "python": platform.python_version(),
    }


def attach(frame: pd.DataFrame, record: dict[str, Any]) -> pd.DataFrame:
    """Attach a provenance record to a result table as ``frame.attrs["provenance"]``."""
    frame.attrs["provenance"] = record
    return frame


def _file_name(text: str) -> str:
    path = text.removeprefix("/vsizip/")
    return PureWindowsPath(path).name if "\\" in path else Path(path).name


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, str) and ("/" in value or "\\" in value):
        return _file_name(value)
    return value


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """Return the part of a provenance record that may go beside a public output.

    Examples
    --------
    >>> record = {"inputs": [{"path": "/home/staff/cases/register.xlsx", "sha256": "ab",
    ...                       "bytes": 10}], "parameters": {"project": "/srv/landmap/p.toml"}}
    >>> public_record(record)
    {'inputs': [{'name': 'register.xlsx'}], 'parameters': {'project': 'p.toml'}}

    """
    out = {k: _scrub(v) for k, v in record.items() if k != "inputs"}
    if "inputs" in record:
        out = {
            "inputs": [
                {"name": _file_name(str(item.get("path", "")))} for item in record["inputs"]
            ],
            **out,
        }
    return out


__all__ = [
    "attach",
    "file_sha256",
    "make_provenance",
    "public_record",
]
