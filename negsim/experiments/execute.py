"""Running a design's runs in chunks over any ``concurrent.futures.Executor``.

A chunk is a contiguous range of global run indices; run ``k`` is replication ``k % R`` of
design point ``k // R`` and draws from run generator ``k`` of the experiment's root seed, so its
result does not depend on the chunk size, the number of workers or the executor (serial, local
processes or Dask). Workers receive a picklable :class:`ChunkJob` and return a table; they
compile the scenario once per process and keep it. Only the parent writes files, so a Dask
worker on another machine needs no shared disk.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from negsim.errors import NegsimError
from negsim.figures import recorded
from negsim.runner import process_context, run_many
from negsim.scenario.compile import Compiled, compile_scenario
from negsim.scenario.load import validate
from negsim.scenario.yamlio import Located

WHO = ("russia", "lead", "bloc")  # trajectory rows: Russia, the west's lead, the bloc's bound


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs for runs ``start`` to ``stop - 1``; small and picklable."""

    index: int
    start: int
    stop: int
    raw: dict  # the scenario as run
    key: str  # its sha256: the per-process compile cache key
    seed: int
    replications: int
    names: tuple[str, ...]  # design parameters
    values: np.ndarray  # design values of points point0, point0 + 1, ...
    point0: int
    swept: tuple[str, ...]  # parameters passed to the engine as fixed values
    record: tuple[str, ...]
    engine: str = "batch"


_COMPILED: dict[str, Compiled] = {}


def compiled_for(key: str, raw: dict) -> Compiled:
    """Compile once per process: a worker runs many chunks of the same scenario. (Safe under
    Dask's threads: the worst case compiles twice.)"""
    cp = _COMPILED.get(key)
    if cp is None:
        cp = compile_scenario(validate(raw, Located(), "scenario"))
        _COMPILED.clear()
        _COMPILED[key] = cp
    return cp


def run_chunk(job: ChunkJob) -> pd.DataFrame:
    """The worker function: simulate the chunk's runs and return their rows."""

    cp = compiled_for(job.key, job.raw)
    runs = np.arange(job.start, job.stop, dtype=np.int64)
    point = runs // job.replications
    values = job.values[point - job.point0]
    fixed = {p: values[:, job.names.index(p)] for p in job.swept}
    res = run_many(cp, runs, job.seed, engine=job.engine, chunk=len(runs), fixed=fixed)
    return result_rows(cp, res.frame, res.summary, job, point, values)


def result_rows(
    cp: Compiled,
    frame: pd.DataFrame,
    summary: dict[str, np.ndarray],
    job: ChunkJob,
    point: np.ndarray,
    values: np.ndarray,
) -> pd.DataFrame:
    """The runner's table with the design's columns in front, trimmed to what is recorded."""
    head = pd.DataFrame(
        {
            "point": point.astype(np.int64),
            "replication": (frame["run"].to_numpy() % job.replications).astype(np.int64),
            "run": frame["run"].to_numpy(),
            "seed": np.full(len(frame), job.seed, dtype=np.int64),
            **{f"design:{n}": values[:, j] for j, n in enumerate(job.names)},
        }
    )
    drop = []
    rec = set(job.record)
    for col in frame.columns:
        if not recorded(col, rec):
            drop.append(col)
    body = frame.drop(columns=["run", *drop])
    parts = [head, body]
    if "trajectory" in rec:
        parts.append(trajectory_columns(cp, summary["trajectory"]))
    return pd.concat(parts, axis=1)


def trajectory_columns(cp: Compiled, traj: np.ndarray) -> pd.DataFrame:
    """(runs, forums, 3, issues) -> columns ``traj:FORUM:WHO:ISSUE`` (float32; NaN after a
    breakdown): wide, so a run's trajectory is one row and chunks stay independent."""
    cols = {}
    for f, forum in enumerate(cp.forums):
        for w, who in enumerate(WHO):
            for i, issue in enumerate(cp.issues):
                cols[f"traj:{forum.id}:{who}:{issue}"] = traj[:, f, w, i].astype(np.float32)
    return pd.DataFrame(cols)


# -- executors ------------------------------------------------------------------------------


class SerialExecutor(Executor):
    """Runs each task at submission, in this process: the reference for determinism tests."""

    def submit(self, fn: Callable, /, *args: object, **kwargs: object) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """Local processes, started the way every negsim process pool is (see process_context)."""
    ctx = process_context(("negsim.experiments.execute", "negsim.runner"))
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


@contextmanager
def make_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    """Serial (1 worker), local processes (``workers``, default all cores) or a Dask cluster."""
    if scheduler:
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
        return
    n = workers or os.cpu_count() or 1
    if n == 1:
        yield SerialExecutor()
        return
    pool = _process_pool(n)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def capacity(executor: Executor) -> int:
    """How many chunks to keep in flight: enough to keep every worker busy, few enough that an
    interruption loses little and memory stays bounded."""
    n = getattr(executor, "_max_workers", None)
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            n = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        except Exception:  # pragma: no cover - informational only
            n = None
    return max(2 * (n or 1), 2)


def run_jobs(
    executor: Executor,
    jobs: Iterable[ChunkJob],
    on_done: Callable[[ChunkJob, pd.DataFrame], None],
    progress: object | None = None,
) -> None:
    """Submit jobs, a bounded number at a time; hand each finished table to ``on_done`` (in
    completion order: where a result lands is decided by its run indices, not its timing)."""
    queue = iter(jobs)
    in_flight: dict[Future, ChunkJob] = {}
    limit = capacity(executor)

    def fill() -> None:
        while len(in_flight) < limit:
            job = next(queue, None)
            if job is None:
                return
            in_flight[executor.submit(run_chunk, job)] = job

    try:
        fill()
        while in_flight:
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: in_flight[f].index):
                job = in_flight.pop(fut)
                on_done(job, fut.result())
                if progress is not None:
                    progress.update(job.stop - job.start)  # type: ignore[attr-defined]
            fill()
    finally:
        for fut in in_flight:
            fut.cancel()


def progress_bar(total: int, done: int, label: str, quiet: bool) -> object:
    """A tqdm bar on stderr (runs done, rate, time left); silent when piped or with --quiet."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=done,
        unit="run",
        desc=label,
        file=sys.stderr,
        disable=quiet or not sys.stderr.isatty(),
        dynamic_ncols=True,
        smoothing=0.1,
    )
