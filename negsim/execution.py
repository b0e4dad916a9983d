"""Where runs are executed: the one policy and machinery behind ``negsim run`` and ``sweep``.

Both commands split their runs into *tasks* (contiguous ranges of run indices), hand the tasks
to a ``concurrent.futures.Executor`` made here (serial in this process, local processes, or a
Dask cluster) and collect one result per task. A run's result depends only on its index and
the root seed, never on how runs are grouped, so every choice made here changes speed and
memory, not results.

The chunk-size policy, two sizes for two different costs:

``RUNS_PER_CALL``
    runs per vectorised engine call, inside a task. Small enough that the engine's arrays stay
    in cache and memory grows with it rather than with the task; big enough to amortise
    numpy's per-call overhead. A call that raises is retried run by run, so it is also the
    most work a failing run makes us redo.
``RUNS_PER_TASK``
    runs per task sent to an executor. A task pays for pickling, a round trip to a worker and
    (for a sweep) a chunk file, so it holds a few calls' worth of runs; small enough that
    workers stay evenly loaded and an interrupted sweep loses little. It is also the default
    ``chunk`` of an experiment file (:mod:`negsim.experiments.spec` keeps the same number).

``IN_PROCESS_TASKS`` is when ``negsim run`` does not start processes at all: starting workers
(each imports negsim, Mesa and pandas) costs more than a few tasks take.

This module imports nothing of negsim but its errors, so the runner and the experiments can
both import it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, TypeVar

from negsim.errors import NegsimError

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

ENGINES = ("batch", "agent")  # the vectorised engine, and the Mesa agent model (the reference)
RUNS_PER_CALL = 512
RUNS_PER_TASK = 2000
STOP_WAIT = 5.0  # seconds a stopped pool's workers and threads get to wind down
ABANDONED: list[threading.Thread] = []  # pool threads a stop could not wait for (see stop)
IN_PROCESS_TASKS = 4
# imported by the forkserver before it forks workers: the modules that hold worker functions,
# and the guard that has the kernel stop the forkserver with the main process
WORKER_MODULES = ("negsim._forkserver_guard", "negsim.experiments.execute", "negsim.runner")
LOST = (
    "its worker process died abruptly twice (killed by a signal, e.g. the out-of-memory "
    "killer, or exited without a word)"
)


class _Signals:
    """A stop signal that arrived while the main thread was inside the pool's machinery
    (its locks and threads): raised at the next safe point, never in the middle of it."""

    depth = 0
    pending: int | None = None


SIGNALS = _Signals()


@contextmanager
def deferring_signals() -> Iterator[None]:
    SIGNALS.depth += 1
    try:
        yield
    finally:
        SIGNALS.depth -= 1


def check_signals() -> None:
    """Raise the stop signal that arrived while deferred, if one did."""
    signum, SIGNALS.pending = SIGNALS.pending, None
    if signum is not None:
        import signal

        from negsim.errors import Stopped

        raise KeyboardInterrupt if signum == signal.SIGINT else Stopped(signum)


T = TypeVar("T")
R = TypeVar("R")


def task_ranges(n_runs: int, per_task: int = RUNS_PER_TASK) -> list[range]:
    """Runs 0 .. n_runs - 1 as tasks: task i holds runs i * per_task .. (i + 1) * per_task - 1
    (a resumed sweep finds its finished chunk files by that numbering)."""
    return [range(i, min(i + per_task, n_runs)) for i in range(0, n_runs, per_task)]


def local_workers(n_tasks: int, workers: int | None) -> int:
    """How many local processes ``negsim run`` uses for ``n_tasks`` tasks: none beyond this one
    for a small job (see IN_PROCESS_TASKS), and never more processes than tasks."""
    if n_tasks <= IN_PROCESS_TASKS:
        return 1
    return min(workers or os.cpu_count() or 1, n_tasks)


class SerialExecutor(Executor):
    """Runs each task at submission, in this process: the reference for determinism tests."""

    def submit(self, fn: Callable, /, *args: object, **kwargs: object) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut


def process_context(preload: tuple[str, ...] = WORKER_MODULES) -> BaseContext:
    """forkserver where available: workers start from a clean server that has negsim imported
    already (fast, and safe while this process runs threads), whatever the global start
    method is (importing Mesa sets it to spawn)."""
    import multiprocessing  # here, not above: the CLI imports this module for its constants

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return multiprocessing.get_context("spawn")  # macOS/Windows
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    return ctx


@contextmanager
def make_executor(
    workers: int | None = None, scheduler: str | None = None, executor: Executor | None = None
) -> Iterator[Executor]:
    """Serial (1 worker), local processes (``workers``, default all cores) or a Dask cluster
    (``scheduler``, an address). A caller's own ``executor`` is used as it is, and left open."""
    n = workers or os.cpu_count() or 1
    if executor is not None:
        yield executor
    elif scheduler:
        with _dask(scheduler) as dask:
            yield dask
    elif n == 1:
        yield SerialExecutor()
    else:
        pool = LocalPool(n)
        try:
            yield pool
        except BaseException:
            pool.stop()  # interrupted or failed: do not wait for the chunks still running
            raise
        pool.shutdown(wait=True, cancel_futures=True)


class LocalPool(Executor):
    """A process pool whose workers stop with this process (see :mod:`negsim.processes`),
    that can be stopped at once, and restarted after a worker died (BrokenProcessPool)."""

    def __init__(self, workers: int) -> None:
        self._max_workers = workers
        self._pool = self._new()

    def _new(self) -> Executor:
        from concurrent.futures import ProcessPoolExecutor

        from negsim.processes import start_time, worker_init

        me = os.getpid()
        return ProcessPoolExecutor(
            max_workers=self._max_workers,
            mp_context=process_context(),
            initializer=worker_init,
            initargs=(me, start_time(me)),
        )

    def submit(self, fn: Callable, /, *args: object, **kwargs: object) -> Future:
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def stop(self) -> None:
        """Terminate the workers now (their running chunks are lost; finished ones are kept).

        Waits a bounded time only: a worker terminated while it was sending its result leaves
        the pool's reader thread blocked on a half-read message for good (the parent holds
        both ends of that pipe, so no end of file comes), and waiting for it would hang the
        stop. Such a thread is noted in :data:`ABANDONED`; the command line then leaves
        without joining it (``negsim.cli.entry``)."""
        procs = list((getattr(self._pool, "_processes", None) or {}).values())
        manager = getattr(self._pool, "_executor_manager_thread", None)  # shutdown drops it
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + STOP_WAIT  # one wait for all, however many workers
        for proc in procs:
            proc.join(timeout=max(deadline - time.monotonic(), 0.0))
        if manager is not None:
            manager.join(timeout=max(deadline - time.monotonic(), 0.0))
            if manager.is_alive():
                ABANDONED.append(manager)

    def restart(self) -> None:
        self.stop()
        self._pool = self._new()

    def lost_worker(self) -> bool:
        """Whether a worker has died. The pool finds out by itself unless the worker died
        while sending its result: then the pool's reader thread waits for the rest of the
        message for good and no future ever completes (CPython's ProcessPoolExecutor; seen
        when a worker was killed as the OOM killer would). Workers never leave otherwise."""
        procs = (getattr(self._pool, "_processes", None) or {}).values()
        return any(proc.exitcode is not None for proc in list(procs))


def check_scheduler(address: str, timeout: float = 3.0) -> None:
    """Before anything is written: the address parses, something listens there, and it
    greets as a Dask scheduler does (it speaks first, a short length-prefixed frame; a web
    server says nothing, and Dask's client would wait on it or read its bytes as a length)."""
    import re
    import socket

    found = re.fullmatch(r"(tcp://)?\[?([A-Za-z0-9_.:-]+?)\]?:(\d{1,5})/?", address.strip())
    if not found or not 0 < int(found.group(3)) < 65536:
        if re.match(r"[a-z]+://", address) and not address.startswith("tcp://"):
            return  # tls://, ucx://, inproc://: Dask's own client checks those
        raise NegsimError(
            f"expected an address like tcp://HOST:8786, got {address!r}", path="--scheduler"
        )
    host, port = found.group(2), int(found.group(3))
    from negsim.errors import ClusterError

    try:
        conn = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise ClusterError(
            f"cannot reach a Dask scheduler at {address} ({exc.strerror or exc}); start it, "
            "or check the address",
            path="--scheduler",
        ) from None
    head = b""
    with conn:
        conn.settimeout(timeout)
        try:
            while len(head) < 8 and (more := conn.recv(8 - len(head))):
                head += more
        except OSError:
            pass
    if len(head) < 8 or int.from_bytes(head, "little") > 2**26:
        raise ClusterError(
            f"something listens at {address}, but it does not answer as a Dask scheduler "
            "does; check the address (the scheduler's port, often 8786, not its dashboard's)",
            path="--scheduler",
        )


@contextmanager
def _dask(scheduler: str) -> Iterator[Executor]:
    """An executor on the Dask cluster at ``scheduler``; a clear error without Dask or cluster."""
    try:
        from distributed import Client
    except ImportError:
        raise NegsimError(
            "--scheduler needs Dask: pip install 'negsim[dask]'", path="--scheduler"
        ) from None
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as exc:
        raise NegsimError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
    try:
        yield client.get_executor()
    finally:
        client.close()


def describe(workers: int | None, scheduler: str | None, executor: Executor | None) -> str:
    """The executor :func:`make_executor` makes of these arguments, in words (for manifests)."""
    if executor is not None:
        return type(executor).__name__
    if scheduler:
        return f"dask {scheduler}"
    return "serial" if workers == 1 else f"processes ({workers or 'all cores'})"


def capacity(executor: Executor) -> int:
    """How many tasks to keep in flight: enough to keep every worker busy, few enough that an
    interruption loses little and memory stays bounded."""
    n = getattr(executor, "_max_workers", None)
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            n = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        except Exception:  # pragma: no cover - informational only
            n = None
    return max(2 * (n or 1), 2)


def run_tasks(
    executor: Executor,
    fn: Callable[[T], R],
    tasks: Iterable[T],
    on_done: Callable[[T, R], None],
    on_lost: Callable[[T, str], R] | None = None,
) -> None:
    """``fn(task)`` for every task, a bounded number at a time; hand each result to ``on_done``
    in completion order (tasks that finish together: in submission order). Where a result
    belongs is the caller's to decide from its task, never from its timing.

    When a worker process dies (BrokenProcessPool) and the executor can restart, the tasks
    that were in flight are run again one at a time on a fresh pool, so the one that kills
    its worker is known; dying a second time, its result is ``on_lost(task, reason)`` (e.g.
    its runs recorded as failed) and the rest go on."""
    from concurrent.futures.process import BrokenProcessPool

    queue = iter(tasks)
    in_flight: dict[Future, tuple[int, T]] = {}
    limit = capacity(executor)
    submitted = 0
    restart = getattr(executor, "restart", None)
    lost = getattr(executor, "lost_worker", None) or (lambda: False)  # see LocalPool's

    def fill() -> bool:
        """Keep ``limit`` tasks in flight; False if the pool broke while submitting."""
        nonlocal submitted
        while len(in_flight) < limit:
            check_signals()
            task = next(queue, None)
            if task is None:
                return True
            try:
                fut = executor.submit(fn, task)
            except (BrokenProcessPool, EOFError, ConnectionError):  # the forkserver died too
                held.append(task)
                return False
            in_flight[fut] = (submitted, task)
            submitted += 1
        return True

    def alone(task: T) -> None:
        try:
            fut = executor.submit(fn, task)
            while not fut.done():
                wait([fut], timeout=0.2)
                check_signals()
                if not fut.done() and lost():
                    raise BrokenProcessPool(LOST)
            result = fut.result()
        except BrokenProcessPool:
            restart()  # type: ignore[misc]
            result = on_lost(task, LOST)  # type: ignore[misc]
        on_done(task, result)

    held: list[T] = []  # a task whose submission found the pool broken
    # a serial executor computes in this thread, where a signal may be raised at once; a
    # pool's locks and threads are here, so a signal waits for the next check
    guard = nullcontext() if isinstance(executor, SerialExecutor) else deferring_signals()
    try:
        with guard:
            ok = fill()
            while in_flight or held:
                broken = not ok
                if in_flight:
                    done, _ = wait(list(in_flight), timeout=0.2, return_when=FIRST_COMPLETED)
                    check_signals()
                    for fut in sorted(done, key=lambda f: in_flight[f][0]):
                        if isinstance(fut.exception(), BrokenProcessPool):
                            broken = True
                            continue
                        _, task = in_flight.pop(fut)
                        on_done(task, fut.result())
                    broken = broken or (bool(in_flight) and lost())
                if broken:
                    if restart is None or on_lost is None:
                        raise BrokenProcessPool(LOST)
                    suspects = [t for _, t in sorted(in_flight.values(), key=lambda v: v[0])]
                    suspects += held
                    in_flight.clear()
                    held.clear()
                    restart()
                    for task in suspects:
                        alone(task)
                ok = fill()
    except Exception:
        check_signals()  # a stop signal, if one came, is what caused the error: say that
        raise
    finally:
        for fut in in_flight:
            fut.cancel()
