"""A form to say which column of a file is which: one dropdown per canonical column.

The dropdowns start at the loaders' own guess (:func:`landmap.io.suggest.suggest_columns`), so a
file whose columns are all recognised needs no change; a researcher corrects the rest by picking
from the file's own column names, then saves the mapping into a project file. It reads CSV and
XLSX the way the loaders do, so no spreadsheet needs converting first.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from landmap.io.suggest import ColumnMapping, suggest_columns
from landmap.schema import Lang, label, vocabulary
from landmap.widgets._view import _bilingual

#: Canonical keys whose heading has another name in the vocabulary.
_HEADING = {"type": "case_type", "granted": "granted", "level": "kind"}


def _heading(key: str, kind: str, lang: Lang) -> str:
    term = _HEADING.get(key, key)
    if key == "type" and kind != "cases":
        term = "kind"
    if term in vocabulary()["heading"]:
        return label("heading", term, lang)
    return key


class ColumnForm:
    """Dropdowns mapping a file's columns onto the canonical columns; save to a project file.

    Parameters
    ----------
    source
        A CSV, XLSX or vector file.
    kind
        ``"cases"`` (default), ``"areas"``, ``"concessions"`` or ``"boundaries"``.
    project
        The project file the "Save" button writes into (created when missing).
    name
        The layer's name in the project file (default: the kind).
    sheet
        Sheet of a workbook (default: the first).
    lang
        ``"en"``, ``"km"`` or ``"both"``.

    Attributes
    ----------
    dropdowns
        ``{key: ipywidgets.Dropdown}``: set a ``value`` (a column name, or ``None``) from code.
    save_button, status
        The "Save" button and the line that says what was written.
    widget
        The whole form (displayed when the form is the last value of a cell).

    """

    def __init__(
        self,
        source: str | os.PathLike[str],
        *,
        kind: str = "cases",
        project: str | os.PathLike[str] | None = None,
        name: str | None = None,
        sheet: str | None = None,
        lang: Lang = Lang.BOTH,
    ) -> None:
        import ipywidgets as w

        self.source = Path(source)
        self.kind = kind
        self.project = None if project is None else Path(project)
        self.name = name or kind
        self.sheet = sheet
        self.lang: Lang = lang
        self.suggestion: ColumnMapping = suggest_columns(source, kind, layer=sheet)
        none_label = label("heading", "not_in_file", lang)
        options: list[tuple[str, str | None]] = [(none_label, None)]
        for col in self.suggestion.file_columns:
            sample = ", ".join(self.suggestion.samples.get(col, []))
            options.append((f"{col}  ·  {sample}" if sample else col, col))
        self.dropdowns: dict[str, Any] = {}
        rows = [
            w.HBox(
                [
                    w.HTML(
                        f"<b>{html.escape(label('heading', 'your_column', lang))}</b>",
                        layout=w.Layout(width="36%"),
                    ),
                ]
            )
        ]
        for key, col in self.suggestion.mapping.items():
            drop = w.Dropdown(options=options, value=col, layout=w.Layout(width="60%"))
            self.dropdowns[key] = drop
            note = self.suggestion.guessed.get(key)
            text = html.escape(_heading(key, kind, lang))
            if note:
                text += (
                    f"<br><small style='color:#a04000'>"
                    f"{html.escape(label('heading', 'guess', lang))} ({html.escape(note)})"
                    "</small>"
                )
            rows.append(
                w.HBox(
                    [w.HTML(text, layout=w.Layout(width="36%")), drop],
                    layout=w.Layout(width="100%", align_items="center"),
                )
            )
        self.save_button = w.Button(
            description=label("heading", "save_mapping", lang),
            icon="save",
            button_style="primary",
            layout=w.Layout(width="auto"),
        )
        self.status = w.HTML()
        self.save_button.on_click(lambda _b: self._on_save())
        title = _bilingual(f"Columns of {self.source.name}", f"ជួរឈរនៃ {self.source.name}", lang)
        self.widget = w.VBox(
            [
                w.HTML(f"<h4>{html.escape(title)}</h4>"),
                *rows,
                w.HBox([self.save_button]),
                self.status,
            ],
            layout=w.Layout(width="100%", max_width="900px"),
        )

    @property
    def mapping(self) -> ColumnMapping:
        """The form's current choices as a :class:`~landmap.io.suggest.ColumnMapping`."""
        chosen = {key: drop.value for key, drop in self.dropdowns.items()}
        # a column the loaders would find by themselves, set to "not in my file" on purpose
        cleared = {
            key for key, col in chosen.items() if col is None and self.suggestion.mapping.get(key)
        }
        return ColumnMapping(
            self.suggestion.source,
            self.kind,
            self.suggestion.file_columns,
            chosen,
            {},
            self.suggestion.samples,
            cleared,
        )

    @property
    def columns(self) -> dict[str, str]:
        """``{canonical: your column}`` as chosen: pass it as ``columns=`` to a loader."""
        return self.mapping.columns

    def save(self, project: str | os.PathLike[str] | None = None) -> Path:
        """Write the chosen mapping into the project file (see :meth:`ColumnMapping.save`).

        Parameters
        ----------
        project
            The project file; defaults to the one the form was made with.

        Returns
        -------
        pathlib.Path
            The project file, absolute.

        Raises
        ------
        ProjectError
            If no project file was named, or it cannot be updated.

        """
        from landmap.errors import ProjectError

        target = Path(project) if project is not None else self.project
        if target is None:
            raise ProjectError(
                "no project file to save the column mapping into",
                fix="give project= when making the form, or to save()",
            )
        written = self.mapping.save(target, name=self.name).resolve()
        self.status.value = html.escape(
            _bilingual(f"Saved in {written}", f"បានរក្សាទុកក្នុង {written}", self.lang)
        )
        return written

    def load(self, **options: Any) -> Any:
        """Load the file with the chosen mapping (the kind's loader; options passed on).

        Returns
        -------
        landmap.io.load.Loaded

        """
        from landmap.io.load import load

        if self.sheet is not None:
            options.setdefault("layer", self.sheet)
        return load(self.source, self.kind, columns=self.columns, **options)

    def _on_save(self) -> None:
        from landmap.errors import LandmapError

        try:
            self.save()
        except LandmapError as err:  # shown in the form, not lost
            self.status.value = f"<b>{html.escape(str(err))}</b>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def column_form(
    source: str | os.PathLike[str],
    *,
    kind: str = "cases",
    project: str | os.PathLike[str] | None = None,
    name: str | None = None,
    sheet: str | None = None,
    lang: Lang = Lang.BOTH,
) -> ColumnForm:
    """Build a :class:`ColumnForm` (displayed when it is the last value of a notebook cell).

    Examples
    --------
    >>> form = column_form("register.xlsx", project="my-project.toml")  # doctest: +SKIP
    >>> cases, report = form.load()  # doctest: +SKIP

    """
    return ColumnForm(source, kind=kind, project=project, name=name, sheet=sheet, lang=lang)


__all__ = ["ColumnForm", "column_form"]
