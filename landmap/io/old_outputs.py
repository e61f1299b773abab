"""Leftovers of older landmap versions beside an output folder, and their removal.

landmap 0.1.0 staged a build beside its output folder; a killed build left that folder behind.
Today's staging folder carries a marker file and is cleaned up by
:class:`landmap.io.outputs.OutputSet` itself.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

_OLD_STAGING = re.compile(r"^\.(?P<name>.+)\.partial-[A-Za-z0-9_]{8}$")


def remove_old_staging(out: Path) -> list[str]:
    """Remove staging folders that landmap 0.1.0 left beside the output folder ``out`` when killed.

    Only folders named ``.<output>.partial-XXXXXXXX`` that hold nothing but landmap's own
    ``internal``, ``public`` and ``manifest.json`` are removed.

    Returns
    -------
    list of str
        One line per folder removed (for the log).
    """
    done = []
    for folder in out.parent.glob(f".{out.name}.partial-*"):
        match = _OLD_STAGING.match(folder.name)
        if (
            match
            and match["name"] == out.name
            and folder.is_dir()
            and {p.name for p in folder.iterdir()} <= {"internal", "public", "manifest.json"}
        ):
            shutil.rmtree(folder)
            done.append(f"removed {folder.name}, left by an interrupted build")
    return done
