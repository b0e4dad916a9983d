"""One error type for everything a user can get wrong, so the CLI can report it in one line."""

from __future__ import annotations

import re

# Characters that would break the one-line report: C0/C1 controls and Unicode line separators
# (str.splitlines() splits on \x1c-\x1e, \x85, \u2028 and \u2029 as well as \n and \r).
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """``text`` with every control character escaped, so it prints as exactly one line.

    Messages quote user input (ids, keys, file names); a key containing a line break must not
    turn one error into two lines.
    """
    return _BREAKS.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


class NegsimError(Exception):
    """A user-facing error: names the file, the line where known, and the rule broken.

    The CLI turns it into ``error: FILE:LINE: PATH: rule`` and exit status 2; nothing else
    a user can cause should escape as a traceback.
    """

    def __init__(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        self.problems: list[NegsimError] = [self]  # every problem found, this one first
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        elif self.line:
            where = f"line {self.line}: "
        at = f"{self.path}: " if self.path else ""
        return one_line(f"{where}{at}{self.message}")
