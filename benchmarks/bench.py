"""negsim benchmark: engines side by side, memory of a streamed sweep, scaling with size.

Run:  python benchmarks/bench.py            (about 10 minutes on 2 cores)
      python benchmarks/bench.py --quick    (smaller counts, about a minute)

Prints runs per second of (a) Mesa's own ``mesa.batch_run`` on our agent model, (b) our agent
model one run at a time, (c) the batch engine in one process and (d) over all cores, with the
ratios measured in this same process; peak resident memory of a sweep streamed to Parquet;
and how time grows when actors, issues and exchanges are doubled in turn. Timings on a shared
machine are noisy: compare the ratios, and rerun when the machine is busy.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import mesa
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from negsim.execution import process_context
from negsim.model import NegotiationModel
from negsim.runner import iter_runs, run_many, run_parallel
from negsim.scenario.compile import Compiled, compile_scenario
from negsim.scenario.load import read_raw, validate

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def timed(fn, *args, repeat: int = 1, **kwargs) -> tuple[object, float]:
    """The best of ``repeat`` timings: on a shared machine the minimum is the least noisy."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return out, best


def mesa_batch_run(cp: Compiled, n: int) -> None:
    """Mesa's own runner on our agent model: the yardstick, used as its docs show."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 'iterations' on Mesa >= 3.4
        mesa.batch_run(
            NegotiationModel,
            parameters={"scenario": [cp], "run": range(n), "seed": [0], "transcript": [False]},
            iterations=1,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )


def engines(cp: Compiled, n_agent: int, n_batch: int, n_parallel: int) -> None:
    print(
        f"== engines on the baseline, best of 3 for (a)-(c) ({cp.n_actors} actors, "
        f"{cp.n_issues} issues, "
        f"{cp.total_exchanges} exchanges), {os.cpu_count()} cores, "
        f"mesa {mesa.__version__}, numpy {np.__version__} =="
    )
    _, t_a = timed(mesa_batch_run, cp, n_agent, repeat=3)
    _, t_b = timed(run_many, cp, range(n_agent), 0, "agent", repeat=3)
    _, t_c = timed(run_many, cp, range(n_batch), 0, "batch", repeat=3)
    _, t_d = timed(run_parallel, str(BASELINE), (), range(n_parallel), 0)
    rows = [
        ("(a) mesa.batch_run, agent model", n_agent, t_a),
        ("(b) agent model, one run at a time", n_agent, t_b),
        ("(c) batch engine, 1 process", n_batch, t_c),
        (f"(d) batch engine, {os.cpu_count()} processes", n_parallel, t_d),
    ]
    for name, n, t in rows:
        print(f"{name:<38}{n:>9,} runs {t:>8.2f} s {rate(n, t):>10,.0f} runs/s")
    ra = rate(n_agent, t_a)
    print(
        f"ratio (c)/(a): {rate(n_batch, t_c) / ra:,.0f}x   (d)/(a): "
        f"{rate(n_parallel, t_d) / ra:,.0f}x   (b)/(a): {rate(n_agent, t_b) / ra:.2f}x"
    )
    per_100k = 100_000 / rate(n_parallel, t_d)
    print(
        f"100,000 baseline runs: {per_100k:.1f} s on {os.cpu_count()} cores "
        f"(target < 60 s); 1,000,000 runs: {10 * per_100k:.0f} s (moonshot: 60 s)"
    )


def _stream_worker(args: tuple[str, np.ndarray]) -> tuple[bytes, float]:
    """Run one task's chunks; return them as Arrow IPC bytes and this worker's peak RSS."""
    path, runs = args
    from negsim.runner import _compiled

    tables = [
        pa.Table.from_pandas(p.frame, preserve_index=False)
        for p in iter_runs(_compiled(path, ()), runs, 0)
    ]
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, tables[0].schema) as w:
        for t in tables:
            w.write_table(t)
    return sink.getvalue().to_pybytes(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(n: int, workers: int) -> None:
    """Stream n runs to Parquet chunk by chunk; report peak RSS of this process and workers."""
    print(f"== memory: {n:,} baseline runs streamed to Parquet, {workers} worker processes ==")
    per_task = 16_384
    tasks = [(str(BASELINE), np.arange(i, min(i + per_task, n))) for i in range(0, n, per_task)]
    from concurrent.futures import ProcessPoolExecutor

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "runs.parquet"
        start = time.perf_counter()
        writer = None
        rows, child = 0, 0.0
        with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:
            for blob, rss in pool.map(_stream_worker, tasks):  # in run order, as chunks land
                child = max(child, rss)
                table = pa.ipc.open_stream(blob).read_all()
                writer = writer or pq.ParquetWriter(out, table.schema)
                writer.write_table(table)
                rows += table.num_rows
        writer.close()
        took = time.perf_counter() - start
        size = out.stat().st_size
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rows written {rows:,}, Parquet {size / 2**20:,.0f} MiB, {took:.0f} s "
        f"({rate(rows, took):,.0f} runs/s)"
    )
    print(
        f"peak RSS: main process {own:,.0f} MiB, largest worker {child:,.0f} MiB "
        f"(target < 1,536 MiB)"
    )


def _double(raw: dict, what: str) -> dict:
    raw = copy.deepcopy(raw)
    if what == "issues":
        for iid in list(raw["issues"]):
            raw["issues"][f"{iid}_2"] = raw["issues"][iid]
        holders = (
            [raw.get("defaults", {})]
            + [g.get("defaults", {}) for g in raw["groups"].values()]
            + list(raw["actors"].values())
        )
        for h in holders:
            for iid, pos in list(h.get("positions", {}).items()):
                h["positions"][f"{iid}_2"] = pos
    elif what == "actors":
        for aid in list(raw["actors"]):
            twin = copy.deepcopy(raw["actors"][aid])
            twin["name"] += " (twin)"
            raw["actors"][f"{aid}_2"] = twin
            for g in raw["groups"].values():
                if aid in g["members"]:
                    g["members"].append(f"{aid}_2")
    elif what == "exchanges":
        base = compile_scenario(validate(copy.deepcopy(raw), read_raw(BASELINE)[1], "x"))
        for f in base.forums:
            raw["forums"][f.id]["exchanges"] = 2 * f.exchanges
    return raw


def scaling(n: int) -> None:
    print(f"== scaling: batch engine, 1 process, {n:,} runs each ==")
    raw, loc = read_raw(BASELINE)
    base_rate = None
    for what in ("baseline", "actors", "issues", "exchanges"):
        doubled = raw if what == "baseline" else _double(raw, what)
        cp = compile_scenario(validate(doubled, loc, str(BASELINE)))
        run_many(cp, range(64), 0)  # warm up
        _, t = timed(run_many, cp, range(n), 0)
        r = rate(n, t)
        base_rate = base_rate or r
        label = "baseline" if what == "baseline" else f"2x {what}"
        print(
            f"{label:<14}{cp.n_actors:>4} actors {cp.n_issues:>3} issues "
            f"{cp.total_exchanges:>3} exchanges {r:>9,.0f} runs/s   time x{base_rate / r:.2f}"
        )


def profile(cp: Compiled, n: int) -> None:
    print(f"== where the batch engine's time goes ({n:,} runs, cProfile, top 8) ==")
    prof = cProfile.Profile()
    prof.runcall(run_many, cp, range(n), 0)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(8)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    print("\n".join(lines[start : start + 9]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller counts (about a minute)")
    ap.add_argument(
        "--memory-runs",
        type=int,
        default=None,
        help="runs streamed in the memory test (default 1,000,000; --quick 100,000)",
    )
    ap.add_argument(
        "--only", choices=("engines", "scaling", "profile", "memory"), help="run one section"
    )
    args = ap.parse_args(argv)
    q = args.quick
    n_memory = args.memory_runs or (100_000 if q else 1_000_000)
    if args.only == "memory":
        memory(n_memory, os.cpu_count() or 1)
        return 0
    cp = compile_scenario(validate(*read_raw(BASELINE), str(BASELINE)))
    if args.only in (None, "engines"):
        engines(
            cp,
            n_agent=30 if q else 200,
            n_batch=5_000 if q else 40_000,
            n_parallel=20_000 if q else 100_000,
        )
    if args.only in (None, "scaling"):
        scaling(2_000 if q else 10_000)
    if args.only in (None, "profile"):
        profile(cp, 5_000 if q else 20_000)
    if args.only is None:
        # peak RSS is a lifetime figure: measure the streamed sweep in a fresh process
        sys.stdout.flush()
        subprocess.run(
            [sys.executable, __file__, "--only", "memory", "--memory-runs", str(n_memory)],
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
