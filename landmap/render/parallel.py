"""Run one export in a second process while this one goes on with the next.

The main job writes its briefing map (drawing and 300-dpi saving, several seconds of one
processor) and its data files (as long again), which share no files: on a machine with two or
more processors they are written at the same time. The second process is a fork of this one, so
it gets its arguments without pickling them — a :class:`~landmap.privacy.PublishedLayer` is
deliberately not rebuildable outside the privacy gate — and only the result (a list of paths) or
the error comes back. Elsewhere than on Linux, on one processor, or when
``LANDMAP_PROCESSES=1``, the work is done in this process when its result is asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from landmap.errors import ExportError

T = TypeVar("T")

#: Environment variable: ``1`` runs every export in this process, one after the other.
PROCESSES_ENV = "LANDMAP_PROCESSES"


def forking() -> bool:
    """Return whether exports may run in a forked second process here.

    Only from a process with one thread: a fork copies the memory of every thread but runs only
    the caller, so a lock another thread held (in GDAL, FreeType, the allocator) stays locked in
    the child, which may hang or crash while drawing. A Jupyter kernel and a test runner's
    worker have threads of their own; there everything runs in this process.
    """
    if os.environ.get(PROCESSES_ENV, "").strip() == "1":
        return False
    # macOS can fork, but system libraries there may crash in a forked child: Linux only
    return (
        sys.platform.startswith("linux")
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )


def _child(send: Any, func: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> None:
    try:
        outcome: tuple[bool, Any] = (True, func(*args, **kwargs))
    except BaseException as err:  # noqa: BLE001 - handed to the parent, which raises it
        outcome = (False, err)
    try:
        send.send(outcome)
    except (pickle.PicklingError, TypeError, AttributeError):
        send.send((False, ExportError(f"{type(outcome[1]).__name__}: {outcome[1]}")))
    send.close()


class Background:
    """A call started in a second process; :meth:`result` waits for it.

    Use as a context manager: leaving the block early (an error in this process) stops the
    second process, so that nothing is left writing into the folder.

    Parameters
    ----------
    func
        What to call; its result must pickle (paths, tables), its arguments need not.
    *args, **kwargs
        Its arguments.

    Examples
    --------
    >>> with Background(sum, [1, 2, 3]) as job:
    ...     job.result()
    6

    """

    def __init__(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> None:
        self._call = (func, args, kwargs)
        self._process: Any = None
        self._receive: Any = None
        if forking():
            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_child,
                args=(send, func, args, kwargs),
                daemon=True,
                name=f"landmap-{func.__name__}",
            )
            self._process.start()
            send.close()

    def result(self) -> Any:
        """Wait for the call and return its result, or raise its error here."""
        func, args, kwargs = self._call
        if self._process is None:
            return func(*args, **kwargs)
        try:
            ok, value = self._receive.recv()
        except EOFError:
            self._process.join()
            raise ExportError(
                f"{func.__name__} stopped without a result (exit code {self._process.exitcode})",
                fix=f"run again with {PROCESSES_ENV}=1 to do every export in one process",
            ) from None
        finally:
            self._receive.close()
        self._process.join()
        self._process = None
        if ok:
            return value
        raise value

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:  # left early: stop it, wait until it has stopped
            self._process.terminate()
            self._process.join()
            self._process = None
            self._receive.close()


__all__ = ["Background", "PROCESSES_ENV", "forking"]
