"""Running the installed ``landmap`` command as a user does, and judging what it printed.

Used by the regression tests of clear errors and by the fuzzing harness: every run is a real
process of the console script installed beside the test interpreter, with its own memory cap.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANDMAP = Path(sys.executable).parent / "landmap"
#: Address space each run may use: far above what a small input needs, far below what a
#: runaway read (a zip bomb, a header of millions of columns) would take. Address space, not
#: memory in use: thread stacks and malloc arenas count too (see ``environment``).
MEMORY_CAP = 6_000_000_000


def _cap_memory() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def environment(**extra: str) -> dict[str, str]:
    """The environment of a run: this one, a private matplotlib cache, no colour."""
    env = dict(os.environ)
    env.setdefault("MPLBACKEND", "Agg")
    env["NO_COLOR"] = "1"
    env.setdefault("MALLOC_ARENA_MAX", "4")  # one 64 MB arena per thread adds up on many cores
    env.update(extra)
    return env


def landmap(
    *args: object,
    cwd: Path | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
    cap_memory: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``landmap ARGS...``; return the finished process (text output)."""
    if not LANDMAP.exists():
        raise AssertionError(f"{LANDMAP} is missing: install the package (make test does)")
    return subprocess.run(
        [*prefix, str(LANDMAP), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env or environment(),
        preexec_fn=_cap_memory if cap_memory and not prefix else None,
        check=False,
    )


def problems(proc: subprocess.CompletedProcess[str], command: str) -> list[str]:
    """What is wrong with how a run ended (empty when it exited 0, or 2 with one clean line).

    A clean failure is exit status 2 and exactly one line on stderr,
    ``landmap COMMAND: error: ...``, with no traceback and no raw control character.
    """
    found = []
    text = proc.stdout + proc.stderr
    if "Traceback (most recent call last)" in text:
        found.append("a traceback was printed")
    raw = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    if raw:
        found.append(f"raw control characters reached the terminal: {sorted(set(raw))!r}")
    if "Warning:" in proc.stderr or "Warning 1:" in proc.stderr or "ERROR 1:" in proc.stderr:
        found.append("a library warning leaked into the output")
    if proc.returncode == 0:
        return found
    lines = proc.stderr.strip().splitlines()
    if proc.returncode != 2:
        found.append(f"exit status {proc.returncode} (expected 0, or 2 for a user mistake)")
    if len(lines) != 1:
        found.append(f"{len(lines)} lines on stderr (expected one)")
    elif not lines[0].startswith(f"landmap {command}: error: "):
        found.append(f"stderr does not start with 'landmap {command}: error: '")
    return found


def assert_clean(proc: subprocess.CompletedProcess[str], command: str) -> None:
    """Fail with the run's output unless it ended cleanly (see :func:`problems`)."""
    found = problems(proc, command)
    assert not found, (
        f"{'; '.join(found)}\n--- stdout ---\n{proc.stdout[-3000:]}\n"
        f"--- stderr ---\n{proc.stderr[-3000:]}"
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], command: str) -> str:
    """Assert the run failed cleanly with exit status 2; return the error line."""
    assert_clean(proc, command)
    assert proc.returncode == 2, f"expected an error, got status 0:\n{proc.stdout[-2000:]}"
    return proc.stderr.strip()
