"""LoadReport: the account of every input row a loader saw, and of every input column.

Each input row (or feature) ends up ``loaded``, ``repaired`` or ``rejected``; flags (a probable
swapped coordinate, a duplicate id, an impossible date) are recorded on rows that were still
loaded. ``loaded + repaired + rejected == input_rows`` always holds. Rows of a spreadsheet (CSV
or XLSX) are numbered as the spreadsheet shows them: the header is row 1.

Each input column is listed with the canonical column it became, or "kept as is"; a canonical
column that stayed empty although a column looks like it is a warning in the summary line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from landmap.schema import label
from landmap.terminal import printable

Status = Literal["loaded", "repaired", "rejected"]
STATUSES: tuple[Status, ...] = ("loaded", "repaired", "rejected")


@dataclass
class LoadReport:
    """What happened to every row of one input file.

    Attributes
    ----------
    path
        The file that was read.
    kind
        The canonical layer kind it was loaded as.
    rows
        One row per input record: ``row`` (its row in a spreadsheet, header = row 1; the
        1-based feature number in other files), ``status``, ``reason`` (why it was repaired or
        rejected, or flags on a loaded row; empty when nothing is to be said), ``id`` (the
        record's id where it has one).
    details
        Facts about the whole file: layer name, source CRS, encoding, column mapping used
        (``columns``), the fate of every input column (``input_columns``, see :attr:`columns`)
        and ``warnings``.
    """

    path: str
    kind: str
    rows: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "row": pd.Series(dtype="int64"),
                "status": pd.Series(dtype="string"),
                "reason": pd.Series(dtype="string"),
                "id": pd.Series(dtype="string"),
            }
        )
    )
    details: dict[str, object] = field(default_factory=dict)

    @property
    def input_rows(self) -> int:
        """Number of records in the input."""
        return len(self.rows)

    def count(self, status: Status) -> int:
        """Return the number of input records with the given status."""
        return int((self.rows["status"] == status).sum())

    @property
    def loaded(self) -> int:
        """Records loaded unchanged (possibly with flags)."""
        return self.count("loaded")

    @property
    def repaired(self) -> int:
        """Records loaded after a repair (geometry made valid, coordinates swapped back...)."""
        return self.count("repaired")

    @property
    def rejected(self) -> int:
        """Records that did not make it into the layer, each with a reason."""
        return self.count("rejected")

    @property
    def flagged(self) -> int:
        """Loaded or repaired records that carry a warning in ``reason``."""
        kept = self.rows["status"] != "rejected"
        return int((kept & self.rows["reason"].fillna("").ne("")).sum())

    def is_complete(self) -> bool:
        """Whether loaded + repaired + rejected equals the number of input rows."""
        return self.loaded + self.repaired + self.rejected == self.input_rows

    def to_frame(self) -> pd.DataFrame:
        """Return one row per input record.

        Columns: ``file``, ``kind``, ``row``, ``status``, ``reason`` and ``id``.
        """
        frame = self.rows.copy()
        frame.insert(0, "kind", self.kind)
        frame.insert(0, "file", self.path)
        return frame

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_frame` as UTF-8 CSV and return the path.

        The file starts with a byte-order mark, so that Excel shows Khmer text correctly, and
        no value from the input can run as a spreadsheet formula.
        """
        from landmap.io.cells import write_csv

        return write_csv(self.to_frame(), path)

    @property
    def columns(self) -> pd.DataFrame:
        """One row per input column: ``column``, ``became`` and ``how``.

        ``became`` is the canonical column it filled (``case_id``, ``date``...), a coordinate
        role (``latitude``, ``longitude``, ``geopoint``...), or empty when the column was kept
        as it is (under its own name, after the canonical columns). ``how`` says how it was
        recognised (``your mapping``, ``recognised name``, ``known dataset: ...``) or why it
        was kept (``row number``, ``kept as is (personal: phone number)``).
        """
        records = [dict(r) for r in self.details.get("input_columns", [])]  # type: ignore[union-attr]
        roles = self.details.get("coordinate_roles") or {}
        for record in records:
            if record["became"] == "coordinates":
                record["became"] = str(roles.get(record["column"], "coordinates"))  # type: ignore[union-attr]
        frame = pd.DataFrame(records, columns=["column", "became", "how"])
        return frame.astype("string")

    @property
    def warnings(self) -> list[str]:
        """What the summary line warns about: likely missed columns, generated case ids."""
        out = [str(w) for w in self.details.get("warnings", [])]  # type: ignore[union-attr]
        note = str(self.details.get("id", ""))
        if self.kind == "cases" and note.startswith("generated"):
            out.append(f"case ids {note}")
        return out

    def summary(self, *, command_line: bool = False) -> str:
        """One line: counts by status, then the warnings.

        Parameters
        ----------
        command_line
            Name options as the ``landmap`` command spells them (``--column``,
            ``--fix-swapped``) rather than as Python arguments.

        """
        line = (
            f"{printable(self.path)} as {self.kind}: {self.input_rows} rows -> "
            f"{self.loaded} loaded, {self.repaired} repaired, {self.rejected} rejected "
            f"({self.flagged} flagged)"
        )
        warnings = self.warnings
        if warnings:
            line += "; WARNING: " + "; WARNING: ".join(printable(w) for w in warnings)
        return for_command_line(line) if command_line else line

    def text(self, *, command_line: bool = False) -> str:
        """Return the summary line and one line per row with something to say.

        Values from the file (ids, and the values quoted in reasons) are shown with control
        characters escaped (:func:`landmap.terminal.printable`): a case id holding an ANSI
        escape sequence or a line break cannot rewrite what the terminal shows.

        Parameters
        ----------
        command_line
            As for :meth:`summary`.

        """
        lines = [self.summary()]
        noted = self.rows[self.rows["reason"].fillna("").ne("")]
        for rec in noted.itertuples(index=False):
            ident = f" [{printable(rec.id)}]" if isinstance(rec.id, str) and rec.id else ""
            lines.append(f"  row {rec.row}{ident}: {rec.status}: {printable(rec.reason)}")
        text = "\n".join(lines)
        return for_command_line(text) if command_line else text

    def __str__(self) -> str:
        return self.text()

    def problems(self, *, lang: Literal["en", "km", "both"] = "en") -> pd.DataFrame:
        """Return the rows to send back to the field team, as a table a reader can follow.

        Parameters
        ----------
        lang
            Language of the headers and of the "what happened" column.

        Returns
        -------
        pandas.DataFrame
            One row per rejected, repaired or flagged record, in file order, indexed by the
            row number a spreadsheet shows: the record's id, what happened and why.

        Examples
        --------
        >>> report = LoadReport("cases.csv", "cases", rows=pd.DataFrame(
        ...     {"row": [2, 3], "status": ["loaded", "rejected"],
        ...      "reason": [None, "no coordinates"], "id": ["C1", "C2"]}))
        >>> table = report.problems()
        >>> table.index.tolist(), table.iloc[0].tolist()
        ([3], ['C2', 'Rejected', 'no coordinates'])

        """
        rows = self.rows
        noted = rows[rows["status"].ne("loaded") | rows["reason"].fillna("").ne("")]
        what = noted["status"].map(lambda s: label("load_status", str(s), lang)).astype("string")
        flagged = noted["status"].eq("loaded")
        what[flagged] = label("load_status", "flagged", lang)
        id_head = {
            "cases": "case_id",
            "areas": "area_id",
            "concessions": "concession_id",
            "boundaries": "boundary_id",
        }.get(self.kind, "id")
        table = pd.DataFrame(
            {
                label("heading", id_head, lang): noted["id"].astype("string").fillna(""),
                label("heading", "what_happened", lang): what,
                label("heading", "why", lang): noted["reason"].astype("string").fillna(""),
            }
        )
        table.index = pd.Index(
            noted["row"].astype("int64").to_numpy(), name=label("heading", "row", lang)
        )
        return table


#: Python spellings of loader options and the command line's own (``landmap check``).
_OPTIONS = {
    "fix_swapped": "--fix-swapped",
    "utm_zone": "--utm-zone",
    "crs": "--crs",
    "encoding": "--encoding",
    "layer": "--layer",
}
_COMMAND_LINE = (
    (re.compile(r"load with fix_swapped=True"), "run again with --fix-swapped"),
    (re.compile(r"\bfix_swapped=True"), "--fix-swapped"),
    (re.compile(r"columns=\{'([^']+)': '((?:[^'\\]|\\.)*)'\}"), r"--column \1='\2'"),
    (re.compile(r"columns=\{\.\.\.\}"), "--column NAME=COLUMN"),
    # "utm_zone='48N'" -> "--utm-zone '48N'"; a bare "encoding=" -> "--encoding"
    (
        re.compile(r"\b(utm_zone|crs|encoding|layer)=(?=[\w'\"])"),
        lambda m: _OPTIONS[m.group(1)] + " ",
    ),
    (re.compile(r"\b(utm_zone|crs|encoding|layer)=\s?"), lambda m: _OPTIONS[m.group(1)]),
    (re.compile(r"(--[a-z-]+) \(or \1\)"), r"\1"),
)


def for_command_line(text: str) -> str:
    """Rewrite Python option names in a message as the ``landmap`` command spells them.

    Examples
    --------
    >>> for_command_line("load with fix_swapped=True to swap it back")
    'run again with --fix-swapped to swap it back'
    >>> for_command_line("map it with columns={'date': 'Date of incident'}")
    "map it with --column date='Date of incident'"
    >>> for_command_line("pass utm_zone='48N' or crs='EPSG:32648'; or the right encoding=, e.g.")
    "pass --utm-zone '48N' or --crs 'EPSG:32648'; or the right --encoding, e.g."

    """
    for pattern, replacement in _COMMAND_LINE:
        text = pattern.sub(replacement, text)
    return text


def combine_reports(reports: list[LoadReport]) -> pd.DataFrame:
    """Stack several reports into one table (``file``, ``kind``, ``row``, ``status``...)."""
    if not reports:
        return LoadReport(path="", kind="").to_frame()
    return pd.concat([r.to_frame() for r in reports], ignore_index=True)


__all__ = ["STATUSES", "LoadReport", "Status", "combine_reports", "for_command_line"]
