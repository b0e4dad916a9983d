"""The compiled model: one exchange of a forum for a batch of runs (numba, cached).

See :mod:`negsim.kernel.exchange`; :mod:`negsim.dynamics` drives it. The kernel is compiled
on a machine's first use (about a minute) and loaded from numba's cache after; a person
waiting at a terminal is told so (:func:`first_use`).
"""

from __future__ import annotations

import sys
import threading

NOTICE_AFTER = 3.0  # seconds before a first call is taken to be compiling
_done = threading.Event()  # the whole exchange has run once in this process
_told = threading.Event()  # the user has been told it is compiling


def first_use() -> threading.Timer | None:
    """Before the kernel's first call in a process: a timer that tells an interactive user,
    on stderr, that the model is being compiled if the call takes longer than NOTICE_AFTER
    (cancel it when the call returns). None after the first call, or without a terminal."""
    if _done.is_set() or not sys.stderr.isatty():
        return None
    timer = threading.Timer(NOTICE_AFTER, _notice)
    timer.daemon = True
    timer.start()
    return timer


def ran(timer: threading.Timer | None, whole: bool = False) -> None:
    """After a kernel call: a pending notice is not needed; ``whole``: the exchange itself
    ran, so everything is compiled."""
    if timer is not None:
        timer.cancel()
    if whole:
        _done.set()


def _notice() -> None:
    if not (_done.is_set() or _told.is_set()):
        _told.set()
        print(
            "negsim: compiling the model for this machine (first use only, a minute or two)...",
            file=sys.stderr,
            flush=True,
        )
