r"""Text from data, made safe to print on a terminal.

A value in a case file is written by whoever filled in the form. Printed as it is, an ANSI
escape sequence in a ``case_id`` can clear the screen, move the cursor back over a line and
write a fake "0 rejected", or change the colours of everything after it; a carriage return
can overwrite the start of a line; a right-to-left override can make ``exe.txt`` read as
``txt.exe``. :func:`printable` shows such characters as Python escapes (``\\x1b``,
``\\u202e``) and leaves every other character, Khmer included, as it is.
"""

from __future__ import annotations

import io
import re
from typing import TextIO

#: C0 and C1 control characters, DEL, the Unicode line and paragraph separators, and the
#: bidirectional embedding, override and isolate controls. Zero-width (non-)joiners and the
#: zero-width space stay: Khmer text uses them.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_CONTROL}]")
#: The same, less the line feed and the tab.
_LINE_SAFE = re.compile("[\x00-\x08\x0b-\x1f" + _CONTROL[len("\x00-\x1f") :] + "]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    r"""Return ``str(text)`` with control characters shown as escapes, on one line.

    Examples
    --------
    >>> printable("C-1\x1b[2J\rrow 1: OK\n")
    'C-1\\x1b[2J\\rrow 1: OK\\n'
    >>> printable("ភូមិ ១")
    'ភូមិ ១'

    """
    return _UNSAFE.sub(_escape, str(text))


def printable_lines(text: object) -> str:
    r"""Like :func:`printable`, but keep line feeds and tabs (for text landmap laid out).

    Examples
    --------
    >>> printable_lines("a\tb\nc\x1b[31m")
    'a\tb\nc\\x1b[31m'

    """
    return _LINE_SAFE.sub(_escape, str(text))


class EscapingWriter(io.TextIOBase):
    """A text stream that passes everything to ``stream`` through :func:`printable_lines`.

    The command line writes through it, so that a data value that reached an output line by a
    path that forgot to escape it still cannot drive the terminal.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:  # noqa: D102 - io.TextIOBase
        self._stream.write(printable_lines(text))
        return len(text)

    def flush(self) -> None:  # noqa: D102
        self._stream.flush()

    def writable(self) -> bool:  # noqa: D102
        return True

    def isatty(self) -> bool:  # noqa: D102
        return self._stream.isatty()

    @property
    def encoding(self) -> str:  # noqa: D102
        return getattr(self._stream, "encoding", "utf-8")

    def fileno(self) -> int:  # noqa: D102
        return self._stream.fileno()


__all__ = ["EscapingWriter", "printable", "printable_lines"]
