"""LoadReport: the account of every input row a loader saw.

Each input row (or feature) ends up ``loaded``, ``repaired`` or ``rejected``; flags (a probable
swapped coordinate, a duplicate id, an impossible date) are recorded on rows that were still
loaded. ``loaded + repaired + rejected == input_rows`` always holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

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
        One row per input record: ``row`` (1-based position in the input), ``status``,
        ``reason`` (why it was repaired or rejected, or flags on a loaded row; empty when
        nothing is to be said), ``id`` (the record's id where it has one).
    details
        Facts about the whole file: layer name, source CRS, encoding, column mapping used.
    """

    path: str
    kind: str
    rows: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"row": pd.Series(dtype="int64"), "status": pd.Series(dtype="string"),
             "reason": pd.Series(dtype="string"), "id": pd.Series(dtype="string")}
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

    def summary(self) -> str:
        """One line: counts by status."""
        return (
            f"{printable(self.path)} as {self.kind}: {self.input_rows} rows -> "
            f"{self.loaded} loaded, {self.repaired} repaired, {self.rejected} rejected "
            f"({self.flagged} flagged)"
        )

    def __str__(self) -> str:
        """Return the summary, then one line per row with something to say.

        Values from the file (ids, and the values quoted in reasons) are shown with control
        characters escaped (:func:`landmap.terminal.printable`): a case id holding an ANSI
        escape sequence or a line break cannot rewrite what the terminal shows.
        """
        lines = [self.summary()]
        noted = self.rows[self.rows["reason"].fillna("").ne("")]
        for rec in noted.itertuples(index=False):
            ident = f" [{printable(rec.id)}]" if isinstance(rec.id, str) and rec.id else ""
            lines.append(f"  row {rec.row}{ident}: {rec.status}: {printable(rec.reason)}")
        return "\n".join(lines)


def combine_reports(reports: list[LoadReport]) -> pd.DataFrame:
    """Stack several reports into one table (``file``, ``kind``, ``row``, ``status``...)."""
    if not reports:
        return LoadReport(path="", kind="").to_frame()
    return pd.concat([r.to_frame() for r in reports], ignore_index=True)


__all__ = ["STATUSES", "LoadReport", "Status", "combine_reports"]
