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
import math
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


START = 5.0  # seconds: the longest a process puts off its collections
_deferred = threading.Event()  # this process put off its collections until it has started
_resuming = threading.Lock()  # the first chunk's end and the time limit may come at once
_limit: list[threading.Timer] = []  # the command's time limit, cancelled once it is not needed


def collect_after_start(within: float | None = START) -> None:
    """Put off the cyclic garbage collector until the process has started: imported numpy,
    pandas and numba and loaded the compiled kernel. Each import leaves thousands of
    objects that live for good, and the collector traverses them again and again as they
    age through its generations: a quarter of a cold ``negsim run``'s CPU (2.3 -> 1.7 s
    here, medians of five), in collections that find next to nothing. Reference counting
    still frees everything else at once. :func:`started` ends it after the process's first
    chunk of runs; :func:`resume` after ``within`` seconds in any case (a command that runs
    no chunk, or the minute of a first compilation, whose garbage has cycles). Called first
    by the command line, and by the forkserver before its imports, with no timer (a thread
    would be in every fork of it): its workers inherit the setting, and their watch thread
    keeps the time limit."""
    if gc.isenabled():
        gc.disable()
        _deferred.set()
        if within is not None:
            timer = threading.Timer(within, resume)
            timer.daemon = True
            _limit.append(timer)
            timer.start()


def started() -> None:
    """The process has started (its first chunk of runs is done): what is tracked now is
    frozen out of every later collection (the modules and the kernel, with the few hundred
    objects of garbage among them, 648 on a cold ``negsim run``: a collection to find them
    would cost 0.1 s), and the collector runs again. Only where :func:`collect_after_start`
    put it off: a library user's own setting is left alone."""
    _resume(freeze=True)


def resume() -> None:
    """The time limit: the collector runs again, nothing frozen (the process may be in the
    middle of a compilation, whose garbage would be kept for good)."""
    _resume(freeze=False)


def _resume(freeze: bool) -> None:
    with _resuming:
        if not _deferred.is_set():
            return
        _deferred.clear()
        for timer in _limit:
            timer.cancel()
        _limit.clear()
        if freeze:
            gc.freeze()
        gc.enable()


def _watch(pid: int, start: str | None, parent: int) -> None:
    """A worker's watch: it exits once the main process is gone, and it keeps the worker's
    time limit on putting off collections (see :func:`collect_after_start`)."""
    limit = time.monotonic() + START
    while True:
        time.sleep(POLL)
        if os.getppid() != parent or not alive(pid, start):
            os._exit(1)
        if time.monotonic() > limit:
            resume()
            limit = math.inf  # once: after it, the collector is the worker's as usual


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
