"""Output folders: one writer at a time, and what negsim may touch in them.

A folder that ``negsim sweep`` or ``negsim run --out`` writes holds a lock file, ``.negsim.lock``,
with the owner's pid (and, on Linux, the process's start time, so a reused pid is not taken for
the owner). A second negsim that finds the lock held by a live process refuses (exit status 4);
a lock whose owner is gone (killed, the machine restarted) is stale and taken over.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from negsim.errors import BusyError, os_failure
from negsim.processes import alive, start_time

LOCK = ".negsim.lock"


def size_text(n: float) -> str:
    """Bytes for a message: GiB, or MiB below one."""
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def _alive(owner: dict) -> bool:
    pid = owner.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    return alive(pid, owner.get("start"))


def _read_owner(path: Path) -> dict:
    try:
        owner = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


@contextmanager
def locked(folder: Path, command: str) -> Iterator[None]:
    """Hold ``folder``'s lock for the duration; refuse if another live negsim holds it."""
    path = folder / LOCK
    me = {"pid": os.getpid(), "start": start_time(os.getpid()), "command": command}
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            owner = _read_owner(path)
            if owner and _alive(owner):
                raise BusyError(
                    f"in use by negsim process {owner['pid']} ({owner.get('command', '?')}); "
                    f"wait for it to finish or stop it (its lock is {LOCK})",
                    str(folder),
                ) from None
            path.unlink(missing_ok=True)  # stale: its owner is gone
            continue
        except OSError as exc:
            raise os_failure(exc, folder) from None
        try:
            os.write(fd, json.dumps(me).encode())
        except OSError as exc:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise os_failure(exc, folder) from None
        os.close(fd)
        break
    else:  # pragma: no cover - a race lost three times over
        raise BusyError("another negsim keeps taking its lock", str(folder))
    try:
        yield
    finally:
        if _read_owner(path).get("pid") == os.getpid():
            path.unlink(missing_ok=True)
