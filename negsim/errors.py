"""One error type for everything a user can get wrong, so the CLI can report it in one line."""

from __future__ import annotations

import errno
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


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main process like Ctrl-C's KeyboardInterrupt, so the
    same cleanup runs: workers stopped, finished chunks kept. Exit status 128 + signum."""

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class FaultError(NegsimError):
    """The environment failed, not the input: the disk is full, a folder is read-only or
    forbidden. Exit status 3 (see the README's table of exit statuses)."""

    status = 3


class BusyError(FaultError):
    """The output folder is in use by another negsim process (its lock is held). Exit 4."""

    status = 4


class ClusterError(FaultError):
    """The Dask scheduler cannot be reached. Exit 5."""

    status = 5


NegsimError.status = 2  # type: ignore[attr-defined]

_FULL = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up"}
_FULL[errno.EFBIG] = "the file is larger than this process may write (a file-size limit)"
_DENIED = {errno.EACCES: "permission denied", errno.EPERM: "operation not permitted"}
_DENIED[errno.EROFS] = "the file system is read-only"


def os_failure(exc: OSError, path: object, full: str | None = None) -> FaultError:
    """An OSError met while writing ``path`` as one line: what happened and what to do
    (``full``: what to do when the disk is full, where it is not the output folder's)."""
    code = exc.errno
    if code is None:  # pyarrow puts the errno in the text only
        found = re.search(r"\[Errno (\d+)\]", str(exc))
        code = int(found.group(1)) if found else None
    if code in _FULL:
        what, todo = _FULL[code], full or "free some space or choose another --out"
    elif code in _DENIED:
        what, todo = _DENIED[code], "choose a folder you may write, or change its permissions"
    else:
        what, todo = exc.strerror or str(exc), "check the folder and try again"
    return FaultError(f"cannot write: {what}; {todo}", str(path))
