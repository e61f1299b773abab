"""The line of a table or key in a project file's TOML text (tomllib does not report lines)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


class _Locator:
    """Finds the line of a table or key in the TOML text (tomllib does not report lines)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, bool, str]] = []  # (0-based line, is_array, name)
        for n, line in enumerate(self.lines):
            m = self._HEADER.match(line)
            if m:
                self.headers.append((n, m.group(1) == "[[", m.group(2).replace(" ", "")))

    def _block(self, section: str, index: int | None) -> tuple[int, int] | None:
        if section == "":
            end = self.headers[0][0] if self.headers else len(self.lines)
            return 0, end
        seen = -1
        for pos, (n, is_array, name) in enumerate(self.headers):
            if name != section or is_array != (index is not None):
                continue
            seen += 1
            if index is not None and seen != index:
                continue
            end = len(self.lines)
            for m, _, other in self.headers[pos + 1 :]:
                if not other.startswith(section + "."):
                    end = m
                    break
            return n, end
        return None

    def line(self, section: str, *, index: int | None = None, key: str | None = None) -> int | None:
        """1-based line of ``key`` in the table (or of the table's header), or ``None``."""
        if section == "" and key:
            for n, _, name in self.headers:  # a top-level key written as a table header
                if name == key or name.startswith(key + "."):
                    return n + 1
        block = self._block(section, index)
        if block is None:
            return None
        start, end = block
        found = start
        for part in (key or "").split(".") if key else []:
            word = re.escape(part)
            pattern = re.compile(rf'(^|[{{,\s])"?{word}"?\s*=|^\s*\[[^\]]*\b{word}\]')
            for n in range(found, end):
                if pattern.search(self.lines[n]):
                    found = n
                    break
        return found + 1
