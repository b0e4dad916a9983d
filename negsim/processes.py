"""Worker processes never outlive the negsim that started them.

A worker of the local process pool is a child of multiprocessing's forkserver, which is a child
of the main process; each worker also holds the pipe that keeps the forkserver (and the
resource tracker) alive. So when the main process dies without cleaning up (SIGKILL, a crash,
the OOM killer), nothing would tell the workers, and they would keep the forkserver running.
Two guards, either enough: on Linux the kernel kills the forkserver when the main process dies
and a worker when the forkserver dies (``PR_SET_PDEATHSIG``); everywhere, a worker's watch
thread checks a few times a second that the main process is still there and exits if not.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from pathlib import Path

POLL = 0.25  # seconds between a worker's checks that the main process lives


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None where unknown; with
    the pid it names a process, so a reused pid is not taken for the one that is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def alive(pid: int, start: str | None = None) -> bool:
    """Whether process ``pid`` (started at ``start``, if known) runs: not gone, not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True  # no /proc (macOS): the signal test is all there is
    if state in ("Z", "X"):
        return False
    return start is None or start_time(pid) == start


def die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        pass


# glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
KEEP = 32 * 2**20  # bytes: glibc's largest mmap threshold; a chunk's arrays are smaller


def keep_freed_memory() -> bool:
    """Linux/glibc: keep memory a batch frees in the process for the next chunk to reuse.

    By default glibc serves every allocation over 128 kB (a chunk's (B, A, I) arrays, numpy's
    temporaries) from fresh pages and hands them back to the kernel when freed, so each
    chunk faults them in again, page by page (16,384 baseline runs: 210,000 page faults, 57,000
    with these settings, about 7% less CPU a run). The pages stay mapped and are reused, so
    the process holds what its largest chunk needed (at a million runs every process stayed
    under 1 GiB). Called by the command line and in each worker; a library user may call it
    too. True where it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    done = [mallopt(option, KEEP) for option in (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_TOP_PAD)]
    return all(done)


START = 5.0  # seconds: the longest a command's process puts off its collections
_deferred = threading.Event()  # this process put off its collections until it has started


def collect_after_start(within: float | None = START) -> None:
    """Put off the cyclic garbage collector until the process has started: imported numpy,
    pandas and numba and loaded the compiled kernel. Each import leaves thousands of
    objects that live for good, and the collector traverses them again and again as they
    age through its generations: a quarter of a cold ``negsim run``'s CPU (2.3 -> 1.7 s
    here), in collections that find next to nothing. Reference counting still frees
    everything else at once. :func:`started` ends it, after a process's first chunk of
    runs, and in any case ``within`` seconds (a command that runs no chunk: a calibration,
    the viewer's server). Called first by the command line, and by the forkserver before
    its imports with no time limit (a timer's thread would be in every fork of it): its
    workers inherit the setting until their own first chunk."""
    if gc.isenabled():
        gc.disable()
        _deferred.set()
        if within is not None:
            timer = threading.Timer(within, started)
            timer.daemon = True
            timer.start()


def started() -> None:
    """The process has started (its first chunk of runs is done, or its command is): the
    objects alive now are frozen out of every later collection (they are the modules and
    the kernel), and the collector runs again. Only where :func:`collect_after_start` put
    it off: a library user's own setting is left alone."""
    if _deferred.is_set():
        _deferred.clear()
        gc.freeze()
        gc.enable()


def _watch(pid: int, start: str | None, parent: int) -> None:
    while True:
        time.sleep(POLL)
        if os.getppid() != parent or not alive(pid, start):
            os._exit(1)


def worker_init(main_pid: int, main_start: str | None) -> None:
    """Initializer of every local worker: the main process alone answers Ctrl-C and a closed
    terminal (it stops the workers), and the worker exits if the main process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    die_with_parent()
    keep_freed_memory()
    if not alive(main_pid, main_start):  # it died before this worker got going
        os._exit(1)
    parent = os.getppid()
    threading.Thread(target=_watch, args=(main_pid, main_start, parent), daemon=True).start()
