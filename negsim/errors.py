"""One error type for everything a user can get wrong, so the CLI can report it in one line."""

from __future__ import annotations


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
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        elif self.line:
            where = f"line {self.line}: "
        at = f"{self.path}: " if self.path else ""
        return f"{where}{at}{self.message}"
