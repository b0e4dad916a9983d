"""A whole sweep: check the experiment, run its chunks, keep them on disk, assemble the tables.

Order of events, chosen so that a mistake costs nothing and an interruption costs little: the
experiment, scenario and results folder are all checked before anything is written; chunk files
appear one by one as they finish; the final tables are assembled from the chunk files only
when every chunk is there, so a resumed sweep ends with the same bytes an uninterrupted one
would have written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from negsim.errors import NegsimError, os_failure
from negsim.execution import (
    check_scheduler,
    describe,
    make_executor,
    run_tasks,
    task_ranges,
)
from negsim.experiments import storage
from negsim.experiments.execute import ChunkJob, failed_chunk, progress_bar, run_chunk
from negsim.experiments.prepare import Prepared, focus_problem, prepare
from negsim.figures.data import Layout
from negsim.folders import locked, size_text


def jobs_for(prep: Prepared, chunk: int, skip: set[int], engine: str) -> list[ChunkJob]:
    """Chunk jobs for every chunk not yet done (chunk i holds runs i*chunk .. (i+1)*chunk-1)."""
    reps = prep.exp.replications
    jobs = []
    for i, task in enumerate(task_ranges(prep.n_runs, chunk)):
        if i in skip:
            continue
        p0, p1 = task.start // reps, (task.stop - 1) // reps + 1
        jobs.append(
            ChunkJob(
                index=i,
                start=task.start,
                stop=task.stop,
                raw=prep.raw,
                key=prep.scenario_sha256,
                seed=prep.exp.seed,
                replications=reps,
                names=prep.design.names,
                values=prep.design.values[p0:p1],
                point0=p0,
                swept=prep.swept,
                record=prep.exp.recorded,
                engine=engine,
                posterior=prep.posterior,
            )
        )
    return jobs


def manifest_doc(prep: Prepared, chunk: int, engine: str, executor: str, started: str) -> dict:
    cp = prep.compiled
    return {
        "format": "negsim-sweep/1",
        "status": "running",
        "experiment": prep.exp.model_dump(mode="json"),
        "experiment_file": str(prep.file),
        "experiment_sha256": prep.experiment_sha256,
        "scenario_file": str(prep.scenario_file),
        "scenario_name": cp.scenario.name,
        "scenario_sha256": prep.scenario_sha256,
        "versions": storage.versions(),
        "seed": prep.exp.seed,
        "design": prep.design.kind,
        "parameters": list(prep.design.names),
        "swept": list(prep.swept),
        "posterior": prep.posterior,  # posterior.parquet the other inputs are drawn from
        "counts": {
            "points": prep.design.n_points,
            "replications": prep.exp.replications,
            "runs": prep.n_runs,
            "chunk": chunk,
            "chunks": len(task_ranges(prep.n_runs, chunk)),
        },
        "engine": engine,
        "executor": executor,
        "issues": list(cp.issues),
        "forums": [{"id": f.id, "name": f.name, "date": f.date} for f in cp.forums],
        "trajectory_sides": {
            "focal": cp.names[cp.focal],
            "lead": cp.names[cp.lead],
            "bloc": "none" if cp.bloc is None else f"{cp.party_names[cp.n_actors + cp.bloc]} bound",
        },
        "started": started,
        "finished": None,
        "chunks": {},  # index -> sha256, rows, experiment hash and engine of its file
    }


@dataclass(frozen=True)
class SweepOptions:
    """How to run an experiment: where to, on what, and what to return.

    With ``out``, results are written there (see :mod:`negsim.experiments.storage`) and the
    table returned is the one on disk; ``resume`` completes an interrupted sweep there and
    ``force`` replaces what is there. ``executor`` (any concurrent.futures.Executor) overrides
    ``workers`` and ``scheduler`` (see :func:`negsim.execution.make_executor`). ``chunk`` is
    runs per task (default: the experiment file's). ``trajectories`` joins the per-forum
    positions to the table returned.
    """

    out: str | Path | None = None
    workers: int | None = 1
    scheduler: str | None = None
    executor: Executor | None = None
    chunk: int | None = None
    resume: bool = False
    force: bool = False
    quiet: bool = True
    plots: bool = False
    engine: str = "batch"
    trajectories: bool = False
    discover: str | None = None
    columns: tuple[str, ...] | None = None  # of the table returned (default: all)


def run_experiment(
    path: str | Path, options: SweepOptions | None = None, **fields: Any
) -> pd.DataFrame:
    """Run an experiment file; return its run table (one row per run, sorted by run).

    ``fields`` are SweepOptions fields by name, for short calls from notebooks and tests:
    ``run_experiment(path, out="out/pc", workers=2)`` is
    ``run_experiment(path, SweepOptions(out="out/pc", workers=2))``; given both, the fields
    override the options.
    """
    opts = replace(options or SweepOptions(), **fields)
    prep = prepare(path)
    if opts.discover:
        problem = focus_problem(opts.discover, prep.compiled.issues, prep.exp.recorded)
        if problem:
            raise NegsimError(f"--discover: {problem}")
    if opts.scheduler and opts.executor is None:
        check_scheduler(opts.scheduler)
    if opts.out is None:
        return _in_memory(prep, opts)
    check_room(prep, opts, Path(opts.out))
    return _on_disk(prep, opts, Path(opts.out))


def check_room(prep: Prepared, opts: SweepOptions, out: Path) -> None:
    """Refuse, before anything is written, a sweep whose results cannot fit on the disk:
    the chunks and then the final tables (about as large again), estimated from a sample
    table of the rows this experiment records."""
    import shutil

    from negsim.errors import FaultError

    job = jobs_for(prep, min(prep.n_runs, 500), set(), opts.engine)[0]
    sample = failed_chunk(prep.compiled, job, "")
    per_run = float(sample.memory_usage(index=False, deep=True).sum()) / len(sample)
    need = 2 * per_run * prep.n_runs
    where = next(p for p in (out, *out.parents) if p.exists())
    usage = shutil.disk_usage(where)
    if usage.total and need > usage.free:  # (a pseudo file system, /proc or /sys, has none)
        raise FaultError(
            f"{prep.n_runs:,} runs need about {size_text(need)} on disk ({per_run:,.0f} "
            f"bytes a run, chunks and final tables), and {size_text(usage.free)} are free "
            f"there; free space, choose another --out, or record fewer figures (record:)",
            str(out),
        )


def _in_memory(prep: Prepared, opts: SweepOptions) -> pd.DataFrame:
    """Every chunk, kept in memory and assembled as it would be on disk."""
    frames: dict[int, pd.DataFrame] = {}
    size = opts.chunk or prep.exp.chunk
    _execute(prep, opts, size, set(), lambda job, frame: frames.__setitem__(job.index, frame))
    table = storage.assemble([frames[i] for i in sorted(frames)])
    runs, traj = storage.split_trajectories(table)
    if opts.trajectories and traj is not None:
        return runs.merge(traj, on="run", validate="1:1")
    return runs


def _on_disk(prep: Prepared, opts: SweepOptions, out: Path) -> pd.DataFrame:
    """The sweep in ``out``: started, resumed, or already complete (then only read back)."""
    storage.check_out(out, prep.experiment_sha256, opts.resume, opts.force)  # before mkdir
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_failure(exc, out) from None
    with locked(out, "sweep"):
        # checked again under the lock: another sweep may have changed the folder meanwhile
        manifest = storage.check_out(out, prep.experiment_sha256, opts.resume, opts.force)
        if opts.force:
            storage.clear(out)
        _write_sweep(prep, opts, out, manifest)
        if opts.plots:
            from negsim.experiments.render import write_plots

            write_plots(out)
    columns = list(opts.columns) if opts.columns else None
    return storage.load_results(out, opts.trajectories, columns)


def _write_sweep(prep: Prepared, opts: SweepOptions, out: Path, manifest: dict | None) -> None:
    """Run the chunks not yet on disk (all, or a resume's missing ones); assemble the tables."""
    if manifest and manifest.get("status") == "complete":
        return  # only read back
    # a resumed sweep keeps the first attempt's chunk size: its chunk files stay valid
    size = manifest["counts"]["chunk"] if manifest else opts.chunk or prep.exp.chunk
    started = manifest["started"] if manifest else storage.now()
    executor = describe(opts.workers, opts.scheduler, opts.executor)
    doc = manifest_doc(prep, size, opts.engine, executor, started)
    if manifest:
        kept, notes = storage.verified_chunks(
            out, manifest, prep.experiment_sha256, opts.engine, doc["counts"]["chunks"]
        )
        doc["chunks"] = kept
        if notes:
            more = f" and {len(notes) - 3} more" if len(notes) > 3 else ""
            print(
                f"negsim: recomputing {len(notes)} chunk file(s) that failed their check: "
                + "; ".join(notes[:3])
                + more,
                file=sys.stderr,
            )
    done = {int(i) for i in doc["chunks"]}
    storage.write_yaml(out / "scenario.yaml", prep.raw)
    storage.write_json(out / "manifest.json", doc)

    def keep(job: ChunkJob, frame: pd.DataFrame) -> None:
        entry = storage.write_chunk(out, job.index, frame, prep.experiment_sha256, opts.engine)
        doc["chunks"][str(job.index)] = entry
        storage.write_json(out / "manifest.json", doc)

    _execute(prep, opts, size, done, keep)
    finish(out, prep, doc)


def _execute(
    prep: Prepared,
    opts: SweepOptions,
    size: int,
    skip: set[int],
    keep: Callable[[ChunkJob, pd.DataFrame], None],
) -> None:
    """Run every chunk not in ``skip`` on the executor ``opts`` asks for; hand each chunk's
    table to ``keep`` as it lands, then count it on the progress bar."""
    jobs = jobs_for(prep, size, skip, opts.engine)
    done_runs = prep.n_runs - sum(j.stop - j.start for j in jobs)
    bar = progress_bar(prep.n_runs, done_runs, prep.exp.name, opts.quiet)

    def on_done(job: ChunkJob, frame: pd.DataFrame) -> None:
        keep(job, frame)
        bar.update(job.stop - job.start)  # type: ignore[attr-defined]

    try:
        with make_executor(opts.workers, opts.scheduler, opts.executor) as executor:
            run_tasks(
                executor,
                run_chunk,
                jobs,
                on_done,
                lambda j, why: failed_chunk(prep.compiled, j, why),
            )
    finally:
        bar.close()  # type: ignore[attr-defined]


def finish(out: Path, prep: Prepared, doc: dict) -> None:
    """Every chunk is on disk: write the final tables, then drop the chunks. Streamed: the
    tables are appended to chunk by chunk, and the per-point summary then reads the run table
    back a column at a time, so memory follows the chunk and one column, not the sweep."""
    from negsim.experiments.analysis import point_summary
    from negsim.spool import RunTable

    n = doc["counts"]["chunks"]
    has_traj = False

    def runs_parts() -> Iterator[pd.DataFrame]:
        nonlocal has_traj
        for frame in storage.read_chunks(out, n):
            runs, traj = storage.split_trajectories(frame)
            has_traj = traj is not None
            yield runs

    def traj_parts() -> Iterator[pd.DataFrame]:
        for frame in storage.read_chunks(out, n):
            yield storage.split_trajectories(frame)[1]  # type: ignore[misc]

    storage.write_parquet_parts(out / "runs.parquet", runs_parts())
    if has_traj:
        storage.write_parquet_parts(out / "trajectories.parquet", traj_parts())
    summary = point_summary(RunTable(path=out / "runs.parquet"), list(prep.design.names))
    if len(summary) != prep.design.n_points:
        raise RuntimeError("chunk files do not cover the sweep exactly")  # pragma: no cover
    storage.write_atomic(out / "summary.csv", lambda p: summary.to_csv(p, index=False))
    done = {**doc, "status": "complete", "finished": storage.now()}
    storage.write_json(out / "manifest.json", done)
    storage.drop_chunks(out, doc)


def overview(table: pd.DataFrame, layout: Layout) -> tuple[pd.DataFrame, str]:
    """What ``negsim sweep`` prints, as the design allows: over a grid, each outcome's lowest
    and highest share across the design points (a grid's levels are no population to pool);
    otherwise the pooled share with its 95% interval (Wilson for independent runs, a
    bootstrap over the design's points or blocks). Returns (rows, what the numbers are)."""
    from negsim.figures.data import interval_note, outcome_hits, outcome_shares, point_shares

    if layout.grid(table):
        per = point_shares(table, outcome_hits(table), layout)
        rows = per.groupby("target", sort=False)["share"].agg(["min", "max"])
        rows = rows.reset_index().rename(columns={"target": "outcome"})
        points = table["point"].nunique()
        return rows, f"lowest and highest share over the grid's {points} design points"
    return outcome_shares(table, layout), f"pooled share; {interval_note(table, layout)}"


def print_overview(
    table: pd.DataFrame, name: str, layout: Layout, file: TextIO | None = None
) -> None:
    """The few lines ``negsim sweep`` prints: outcome shares as :func:`overview` gives them."""
    from negsim.outcomes import failed

    out = file or sys.stdout
    bad = failed(table)
    if bad.all():
        first = table["error"].iloc[0] if len(table) else "no runs"
        print(f"{name}: all {len(table)} runs failed; the first: {first}", file=out)
        return
    rows, what = overview(table, layout)
    print(f"{name}: {len(table)} runs ({what}; summary.csv has each point)", file=out)
    for row in rows.itertuples():
        if "min" in rows:
            print(f"  {row.outcome:<10} {row.min:6.3f} - {row.max:.3f}", file=out)
        else:
            print(f"  {row.outcome:<10} {row.share:6.3f}  [{row.lo:.3f}, {row.hi:.3f}]", file=out)
