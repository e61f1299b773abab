"""Run landmap commands on a small, really full disk; print what happened as JSON.

Run by tests/test_disk_errors.py inside a private mount namespace (``unshare -m``), so the
tmpfs it mounts is seen by no other process and vanishes with it:

    python _full_disk.py MOUNTPOINT SIZE[:LEAVE] WORKDIR -- ARGS... [-- ARGS...]

Each ``ARGS`` is one landmap command run in ``WORKDIR``, where ``@`` stands for the mount
point. Before the first command the disk is empty; before each later one it is filled to the
last byte, then ``LEAVE`` bytes are given back (so that a command fails half-way through).
For every command the result holds its exit status, its stderr, and the SHA-256 of every file
on the disk before and after it (minus the filler).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path


def snapshot(root: Path) -> dict[str, str]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("filler"):
            files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def fill(root: Path, leave: int) -> None:
    block = b"\0" * 4096
    fd = os.open(root / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while os.write(fd, block):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    if leave:
        filler = root / "filler"
        os.truncate(filler, max(0, filler.stat().st_size - leave))
        return
    # what tmpfs keeps back for the metadata of a file: fill that too
    for i in range(64):
        try:
            (root / f"filler-{i}").write_bytes(b"\0" * 512)
        except OSError:
            break


def main() -> int:
    mount, size, workdir, *rest = sys.argv[1:]
    size, _, leave = size.partition(":")
    commands, current = [], None
    for arg in rest:
        if arg == "--":
            current = []
            commands.append(current)
        else:
            current.append(arg)
    root = Path(mount)
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", mount], check=True
    )
    landmap = Path(sys.executable).parent / "landmap"
    results = []
    for i, args in enumerate(commands):
        if i:
            fill(root, int(leave or 0))
        before = snapshot(root)
        proc = subprocess.run(
            [str(landmap), *(a.replace("@", mount) for a in args)],
            capture_output=True,
            text=True,
            cwd=workdir,
            env=dict(os.environ),
            check=False,
        )
        results.append(
            {
                "args": args,
                "returncode": proc.returncode,
                "stdout": proc.stdout,
                "stderr": proc.stderr,
                "before": before,
                "after": snapshot(root),
            }
        )
    print(json.dumps(results))  # noqa: T201 - the report to the test
    return 0


if __name__ == "__main__":
    sys.exit(main())
