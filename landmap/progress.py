"""Progress for long work: a line per step with its time, and a bar where the size is known.

The command line shows progress on standard error (``-q`` turns it off); a notebook shows it
under the cell (``tqdm`` draws its bar as a widget there). A script that imports landmap shows
nothing unless it asks (``with show_progress(): ...``). Progress never goes into an output file.

Library code reports through :func:`current`, so that a step deep inside a call (the files of
the leak check, the polygons of the raster statistics) needs no extra argument::

    for item in current().bar(items, total=len(items), desc="leak check"):
        ...
    with current().step("exports"):
        ...
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")

#: Work smaller than this is not given a bar (it would flash and vanish).
MIN_BAR_ITEMS = 20


class Progress:
    """Where progress goes, and whether it is shown.

    Parameters
    ----------
    enabled
        Show progress at all.
    stream
        Where lines and bars go (standard error when ``None``).
    bars
        Draw bars (``tqdm``) for work of known size; lines only when ``False``.

    """

    def __init__(
        self, *, enabled: bool = True, stream: IO[str] | None = None, bars: bool = True
    ) -> None:
        self.enabled = enabled
        self.stream = stream
        self.bars = bars
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}

    @property
    def _out(self) -> IO[str]:
        return self.stream if self.stream is not None else sys.stderr

    def line(self, text: str) -> None:
        """Write one line of progress (nothing when disabled)."""
        if self.enabled:
            print(text, file=self._out, flush=True)  # noqa: T201

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time a step; when it ends, write ``[name] 1.2 s`` (``failed after`` if it raised).

        The wall time goes to ``seconds[name]``, the processor time of this process to
        ``cpu_seconds[name]``.
        """
        start, cpu = time.perf_counter(), time.process_time()
        self.line(f"[{name}] ...")
        ok = False
        try:
            yield
            ok = True
        finally:
            took = time.perf_counter() - start
            self.seconds[name] = round(took, 2)
            self.cpu_seconds[name] = round(time.process_time() - cpu, 2)
            self.line(f"[{name}] {took:.1f} s" if ok else f"[{name}] failed after {took:.1f} s")

    def bar(
        self, items: Iterable[T], *, total: int | None = None, desc: str = "", unit: str = "it"
    ) -> Iterable[T]:
        """Return ``items``, drawn as a progress bar when shown and the size is known."""
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        if not (self.enabled and self.bars and total is not None and total >= MIN_BAR_ITEMS):
            return items
        from tqdm.auto import tqdm

        return tqdm(
            items,
            total=total,
            desc=desc,
            unit=unit,
            file=self._out,
            leave=False,
            mininterval=0.5,
            dynamic_ncols=True,
        )


def _in_notebook() -> bool:
    """Return whether this code runs in a Jupyter kernel (not merely with ipykernel imported)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


_CURRENT: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "landmap_progress", default=None
)


def current() -> Progress:
    """Return the progress in force: the one set by :func:`use`, else shown in a notebook only."""
    progress = _CURRENT.get()
    if progress is None:
        progress = Progress(enabled=_in_notebook())
    return progress


@contextlib.contextmanager
def use(progress: Progress) -> Iterator[Progress]:
    """Make ``progress`` the one :func:`current` returns inside the block."""
    token = _CURRENT.set(progress)
    try:
        yield progress
    finally:
        _CURRENT.reset(token)


def show_progress(*, enabled: bool = True) -> contextlib.AbstractContextManager[Progress]:
    """Show (or hide, ``enabled=False``) progress on standard error inside a ``with`` block.

    Examples
    --------
    >>> with show_progress(enabled=False) as progress:
    ...     progress.enabled
    False

    """
    return use(Progress(enabled=enabled))


__all__ = ["MIN_BAR_ITEMS", "Progress", "current", "show_progress", "use"]
