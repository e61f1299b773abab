"""Workshop answers that stay folded after *Run All*: the ``%%solution`` cell magic.

JupyterLab unfolds a cell's output whenever the cell runs, so an answer cell whose output was
folded in the notebook shows its result on the projector as soon as the trainer runs every
cell the day before. A cell starting with ``%%solution`` runs as usual, but its output goes
into a folded box ("Answer: click to show"): the room sees the box, not the answer, until the
trainer opens it.

Load it once per notebook with ``%load_ext landmap.widgets``.
"""

from __future__ import annotations

from typing import Any

from landmap.schema import LANGS, Lang
from landmap.widgets._view import _bilingual


def answer_box(*, lang: Lang = Lang.BOTH) -> tuple[Any, Any]:
    """Return ``(box, output)``: a folded box and the output area inside it.

    Parameters
    ----------
    lang
        Language of the box's title: ``"en"``, ``"km"`` or ``"both"``.

    Returns
    -------
    tuple
        An :class:`ipywidgets.Accordion` (folded) and the :class:`ipywidgets.Output` it holds.

    """
    import ipywidgets as w

    output = w.Output()
    title = _bilingual("Answer: click to show", "ចម្លើយ៖ ចុចដើម្បីបង្ហាញ", lang)
    box = w.Accordion(children=[output], titles=(title,), selected_index=None)
    box.add_class("lm-solution")
    return box, output


def solution(line: str, cell: str) -> None:
    """Run a cell and put everything it shows into a folded answer box.

    The magic's line may name the language of the box's title (``%%solution km``).
    """
    from IPython import get_ipython
    from IPython.display import display

    lang = line.strip() or Lang.BOTH
    if lang not in LANGS:
        lang = Lang.BOTH
    box, output = answer_box(lang=lang)  # type: ignore[arg-type]
    display(box)
    with output:
        result = get_ipython().run_cell(cell)
    result.raise_error()


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%solution`` (called by ``%load_ext landmap.widgets``)."""
    ipython.register_magic_function(solution, magic_kind="cell", magic_name="solution")


__all__ = ["answer_box", "load_ipython_extension", "solution"]
