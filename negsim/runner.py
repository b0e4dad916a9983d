"""Runs of a scenario -> result tables, through either engine, serially or in processes.

The batch engine is the default for many runs; the agent model is the reference, used for
transcripts and replay, and selectable everywhere so the two can be compared. Work is done in
vectorised calls of ``RUNS_PER_CALL`` runs, so memory grows with the call and not with the
number of runs; how runs are spread over processes is :mod:`negsim.execution`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from negsim import dynamics
from negsim.execution import (
    ENGINES,
    RUNS_PER_CALL,
    RUNS_PER_TASK,
    local_workers,
    make_executor,
    run_tasks,
    task_ranges,
)
from negsim.figures import failed_summary, summarize, table
from negsim.processes import started
from negsim.scenario.compile import Compiled, check_fixed, compile_scenario, draw
from negsim.scenario.load import load_scenario
from negsim.state import RunState


@dataclass
class Results:
    frame: pd.DataFrame
    summary: dict[str, np.ndarray]
    engine: str


def _stack(states: list[RunState]) -> RunState:
    return RunState(
        **{
            k: np.concatenate([getattr(s, k) for s in states])
            for k in RunState.__dataclass_fields__
        }
    )


@dataclass
class _Chunk:
    """Runs simulated but not yet tabled: a table is built once for all a call's chunks
    (pandas spends ~3 ms on a table whatever its length, and as much again concatenating
    tables: a 2,000-run task spent 19 ms on its four chunks' tables, 4 ms on one)."""

    runs: np.ndarray
    values: np.ndarray | None  # the leaf values, where the table keeps the ``in:`` columns
    summary: dict[str, np.ndarray]
    errors: list[str] | None  # what each run raised; None: every run completed
    engine: str


def _tabled(cp: Compiled, parts: list[_Chunk]) -> Results:
    """One result table for chunks, in their order."""

    def joined(arrays: list[np.ndarray]) -> np.ndarray:
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    runs = joined([p.runs for p in parts])
    values = None if parts[0].values is None else joined([p.values for p in parts])  # type: ignore[misc]
    summary = {k: joined([p.summary[k] for p in parts]) for k in parts[0].summary}
    errors = None
    if any(p.errors is not None for p in parts):
        errors = [e for p in parts for e in (p.errors or [""] * len(p.runs))]
    return Results(table(cp, summary, runs, values, errors), summary, parts[0].engine)


def iter_runs(
    cp: Compiled,
    runs: np.ndarray | range,
    seed: int,
    engine: str = "batch",
    chunk: int = RUNS_PER_CALL,
    fixed: dict[str, np.ndarray] | None = None,
    extra: tuple[str, ...] = (),
    inputs: bool = True,
) -> Iterator[Results]:
    """Results chunk by chunk, in run order: for streaming to disk.

    ``fixed`` (leaf path -> one value per run) is how an experimental design sets inputs. A
    chunk that raises is run again run by run, so only the runs that fail are lost; their
    rows carry the error and the seed, and the batch goes on. ``extra`` names the figures on
    demand to compute too (see :func:`negsim.figures.registry.computed`). ``inputs``: the
    table has the sampled inputs' ``in:`` columns (``negsim run`` keeps none of them: they
    are most of a row, and workers would pickle them for nothing).
    """
    for parts in _chunks(cp, runs, seed, engine, chunk, fixed, extra, inputs):
        yield _tabled(cp, parts)


def _chunks(
    cp: Compiled,
    runs: np.ndarray | range,
    seed: int,
    engine: str,
    chunk: int,
    fixed: dict[str, np.ndarray] | None,
    extra: tuple[str, ...],
    inputs: bool,
) -> Iterator[list[_Chunk]]:
    """:func:`iter_runs`'s chunks before their tables: one, or a failed chunk's runs one by
    one."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {ENGINES}")
    check_fixed(cp, fixed or {})
    runs = np.asarray(runs, dtype=np.int64)
    fixed = {
        k: np.broadcast_to(np.asarray(v, dtype=float), len(runs)) for k, v in (fixed or {}).items()
    }
    for start in range(0, len(runs), chunk):
        part = slice(start, start + chunk)
        sub = {k: v[part] for k, v in fixed.items()}
        try:
            done = [_chunk(cp, runs[part], seed, engine, sub, extra, inputs)]
        except Exception:
            done = []
            for i, k in enumerate(runs[part]):
                one = {p: v[i : i + 1] for p, v in sub.items()}
                try:
                    done.append(_chunk(cp, runs[part][i : i + 1], seed, engine, one, extra, inputs))
                except Exception as exc:
                    done.append(_failed(cp, int(k), seed, engine, one, exc, extra, inputs))
        started()  # all is imported and loaded: the collector may run (negsim.processes)
        yield done


def _chunk(
    cp: Compiled,
    runs: np.ndarray,
    seed: int,
    engine: str,
    fixed: dict[str, np.ndarray],
    extra: tuple[str, ...] = (),
    inputs: bool = True,
) -> _Chunk:
    values, params = draw(cp, runs, seed, fixed)
    if engine == "batch":
        st = dynamics.simulate(cp, params)
    else:
        models = [
            _agent_model()(cp, int(k), seed, transcript=False, params=params.runs(slice(i, i + 1)))
            for i, k in enumerate(runs)
        ]
        st = _stack([m.run().state for m in models])
    summary = summarize(cp, params, st, extra)
    return _Chunk(runs, values if inputs else None, summary, None, engine)


def _failed(
    cp: Compiled,
    run: int,
    seed: int,
    engine: str,
    fixed: dict[str, np.ndarray],
    exc: Exception,
    extra: tuple[str, ...] = (),
    inputs: bool = True,
) -> _Chunk:
    message = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:500]
    return _failed_chunk(cp, [run], seed, engine, fixed, message, extra, inputs)


def failed_results(
    cp: Compiled,
    runs: np.ndarray | list[int],
    seed: int,
    engine: str,
    fixed: dict[str, np.ndarray],
    reason: str,
    extra: tuple[str, ...] = (),
    inputs: bool = True,
) -> Results:
    """Rows for runs that produced nothing (they raised, or their worker died): their inputs
    where they can be drawn (``inputs``), every figure missing, and the reason in ``error``."""
    return _tabled(cp, [_failed_chunk(cp, runs, seed, engine, fixed, reason, extra, inputs)])


def _failed_chunk(
    cp: Compiled,
    runs: np.ndarray | list[int],
    seed: int,
    engine: str,
    fixed: dict[str, np.ndarray],
    reason: str,
    extra: tuple[str, ...],
    inputs: bool,
) -> _Chunk:
    runs = np.asarray(runs, dtype=np.int64)
    values = None
    if inputs:
        try:
            values = draw(cp, runs, seed, fixed)[0]
        except Exception:
            values = np.full((len(runs), len(cp.leaves)), np.nan)
    summary = failed_summary(cp, len(runs), extra)
    return _Chunk(runs, values, summary, [reason] * len(runs), engine)


def concat(parts: list[Results]) -> Results:
    if not parts:
        raise ValueError("no runs")
    summary = {k: np.concatenate([p.summary[k] for p in parts]) for k in parts[0].summary}
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    return Results(frame, summary, parts[0].engine)


def run_many(
    cp: Compiled,
    runs: np.ndarray | range,
    seed: int,
    engine: str = "batch",
    chunk: int = RUNS_PER_CALL,
    fixed: dict[str, np.ndarray] | None = None,
    extra: tuple[str, ...] = (),
    inputs: bool = True,
) -> Results:
    """Runs ``runs`` (indices into the seed's run sequence) of a compiled scenario, in one
    table (built once, not a chunk at a time: see :class:`_Chunk`)."""
    chunks = _chunks(cp, runs, seed, engine, chunk, fixed, extra, inputs)
    parts = [c for done in chunks for c in done]
    if not parts:
        raise ValueError("no runs")
    return _tabled(cp, parts)


_COMPILED: dict[tuple[str, tuple[str, ...]], Compiled] = {}
KEEP_COMPILED = 8  # scenarios a process keeps compiled


def _compiled(path: str, overrides: tuple[str, ...]) -> Compiled:
    """Each worker process compiles a scenario once, however many chunks it runs; the process
    that started the job has it already (:func:`stream_parallel` puts it here), so tasks it
    runs itself neither read nor validate the file again (a fifth of a cold small run)."""
    key = (path, overrides)
    if key not in _COMPILED:
        while len(_COMPILED) >= KEEP_COMPILED:
            del _COMPILED[next(iter(_COMPILED))]  # the oldest
        _COMPILED[key] = compile_scenario(load_scenario(path, list(overrides)))
    return _COMPILED[key]


def _work(
    path: str,
    overrides: tuple[str, ...],
    seed: int,
    engine: str,
    inputs: bool,
    task: tuple[int, np.ndarray],
) -> Results:
    """The worker function of :func:`stream_parallel`: one task, ``(index, runs)``."""
    return run_many(_compiled(path, overrides), task[1], seed, engine, inputs=inputs)


def stream_parallel(
    path: str,
    overrides: tuple[str, ...],
    runs: np.ndarray | range,
    seed: int,
    on_part: Callable[[Results], None],
    engine: str = "batch",
    workers: int | None = None,
    executor: Executor | None = None,
    per_task: int = RUNS_PER_TASK,
    compiled: Compiled | None = None,
    inputs: bool = True,
) -> None:
    """Runs ``runs`` in tasks of ``per_task`` runs over ``executor`` (default: up to
    ``workers`` local processes, none for a small job; see
    :func:`negsim.execution.local_workers`) and hands each task's results to ``on_part`` in
    run order, keeping none: memory holds the tasks in flight, not the job. Workers get the
    scenario's path, not its arrays, and compile it once each; ``compiled`` is the caller's
    own compilation of that path and those overrides, used by tasks run in this process;
    ``inputs``: the parts have the ``in:`` columns (see :func:`iter_runs`)."""
    if compiled is not None:
        _COMPILED.pop((path, tuple(overrides)), None)
        _COMPILED[(path, tuple(overrides))] = compiled  # the newest: a stale one is replaced
    runs = np.asarray(runs, dtype=np.int64)
    tasks = [(i, runs[r.start : r.stop]) for i, r in enumerate(task_ranges(len(runs), per_task))]
    pending: dict[int, Results] = {}  # finished out of order; at most the tasks in flight
    handed = 0
    work = partial(_work, path, tuple(overrides), seed, engine, inputs)

    def done(task: tuple[int, np.ndarray], res: Results) -> None:
        nonlocal handed
        pending[task[0]] = res
        while handed in pending:
            on_part(pending.pop(handed))
            handed += 1

    def lost(task: tuple[int, np.ndarray], reason: str) -> Results:
        cp = _compiled(path, tuple(overrides))
        return failed_results(cp, task[1], seed, engine, {}, reason, inputs=inputs)

    with make_executor(local_workers(len(tasks), workers), executor=executor) as pool:
        run_tasks(pool, work, tasks, done, lost)


def run_parallel(
    path: str,
    overrides: tuple[str, ...],
    runs: np.ndarray | range,
    seed: int,
    engine: str = "batch",
    workers: int | None = None,
    executor: Executor | None = None,
    per_task: int = RUNS_PER_TASK,
    inputs: bool = True,
) -> Results:
    """The same results as :func:`run_many`, through :func:`stream_parallel`, held whole (a
    job too large for that goes through a :class:`negsim.spool.Spool`)."""
    parts: list[Results] = []
    stream_parallel(
        path, overrides, runs, seed, parts.append, engine, workers, executor, per_task,
        inputs=inputs,
    )  # fmt: skip
    return concat(parts)


def _agent_model() -> type:
    """The Mesa model class, imported only when the agent engine runs (Mesa is slow to load
    and the batch engine never needs it)."""
    from negsim.model import NegotiationModel

    return NegotiationModel
