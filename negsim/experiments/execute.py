"""A sweep's chunk: the task a worker runs, and the table it returns.

A chunk is a contiguous range of global run indices, one task of :mod:`negsim.execution`; run
``k`` is replication ``k % R`` of design point ``k // R`` and draws from run generator ``k`` of
the experiment's root seed, so its result does not depend on the chunk size, the number of
workers or the executor (serial, local processes or Dask). Workers receive a picklable
:class:`ChunkJob` and return a table; they compile the scenario once per process and keep it.
Only the parent writes files, so a Dask worker on another machine needs no shared disk.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from negsim.figures import recorded
from negsim.runner import failed_results, run_many
from negsim.scenario.compile import Compiled, compile_scenario
from negsim.scenario.load import validate
from negsim.scenario.yamlio import Located

WHO = ("focal", "lead", "bloc")  # trajectory rows: the focal actor, the lead, the bloc bound


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
    posterior: str | None = None  # posterior.parquet the non-design inputs are drawn from


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


def _layout(
    job: ChunkJob, cp: Compiled | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The chunk's runs, their design points and values, and the values the engine fixes:
    the design's, and for the other inputs, where the experiment names a posterior, run k's
    particle (drawn as ``negsim run --posterior`` draws it)."""
    runs = np.arange(job.start, job.stop, dtype=np.int64)
    point = runs // job.replications
    values = job.values[point - job.point0]
    fixed = {p: values[:, job.names.index(p)] for p in job.swept}
    if cp is not None:
        fixed = with_posterior(cp, runs, job.seed, fixed, job.posterior)
    return runs, point, values, fixed


def with_posterior(
    cp: Compiled,
    runs: np.ndarray,
    seed: int,
    fixed: dict[str, np.ndarray],
    posterior: str | None,
) -> dict[str, np.ndarray]:
    """The values a sweep's engine fixes: the design's (``fixed``), and where the experiment
    names a posterior (posterior.parquet), run k's particle for every other input."""
    if posterior is None:
        return fixed
    from negsim.calibration import posterior_fixed

    drawn = posterior_fixed(_posterior_table(posterior), cp, runs, seed)
    return {**drawn, **fixed}  # the design's own values win


@functools.lru_cache(maxsize=2)
def _posterior_table(path: str) -> pd.DataFrame:
    """A posterior read once per process (every chunk of a sweep draws from it)."""
    return pd.read_parquet(path)


def run_chunk(job: ChunkJob) -> pd.DataFrame:
    """The worker function: simulate the chunk's runs and return their rows."""
    cp = compiled_for(job.key, job.raw)
    runs, point, values, fixed = _layout(job, cp)
    res = run_many(cp, runs, job.seed, engine=job.engine, fixed=fixed, extra=job.record)
    return result_rows(cp, res.frame, res.summary, job, point, values)


def failed_chunk(cp: Compiled, job: ChunkJob, reason: str) -> pd.DataFrame:
    """The chunk's rows when its worker died twice: every run failed, with the reason."""
    runs, point, values, fixed = _layout(job, cp)
    res = failed_results(cp, runs, job.seed, job.engine, fixed, reason, job.record)
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
