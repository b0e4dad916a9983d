"""negsim benchmark: engines side by side, memory of a streamed sweep, scaling with size.

Run:  python benchmarks/bench.py            (about 10 minutes on 2 cores)
      python benchmarks/bench.py --quick    (smaller counts, about a minute)

Prints runs per second of (a) Mesa's own ``mesa.batch_run`` on our agent model, (b) our agent
model one run at a time, (c) the batch engine in one process and (d) over all cores (both as
``negsim run`` runs them, without the ``in:`` columns its tables do not keep), (e) the
compiled dynamics alone, with the ratios measured in this same process; the peak resident
memory of the user commands at a million runs; the cold start; and how time grows when
actors, issues and exchanges are doubled in turn. Timings on a shared
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

from negsim import dynamics, expected_utility
from negsim.execution import RUNS_PER_CALL
from negsim.model import NegotiationModel
from negsim.processes import keep_freed_memory
from negsim.runner import run_many, run_parallel
from negsim.scenario.compile import Compiled, compile_scenario, draw
from negsim.scenario.load import read_raw, validate

COLD_STARTS = 5  # fresh processes timed for the cold start
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
    # (c) and (d) as `negsim run` runs them: no `in:` columns (regenerable from the seed)
    _, t_c = timed(run_many, cp, range(n_batch), 0, "batch", repeat=3, inputs=False)
    _, t_d = timed(run_parallel, str(BASELINE), (), range(n_parallel), 0, inputs=False)
    params = draw(cp, range(RUNS_PER_CALL), 0)[1]
    calls = max(n_batch // RUNS_PER_CALL, 1)
    _, t_e = timed(lambda: [dynamics.simulate(cp, params) for _ in range(calls)], repeat=3)
    rows = [
        ("(a) mesa.batch_run, agent model", n_agent, t_a),
        ("(b) agent model, one run at a time", n_agent, t_b),
        ("(c) batch engine, 1 process", n_batch, t_c),
        (f"(d) batch engine, {os.cpu_count()} processes", n_parallel, t_d),
        ("(e) the dynamics alone, 1 process", calls * RUNS_PER_CALL, t_e),
    ]
    for name, n, t in rows:
        print(f"{name:<38}{n:>9,} runs {t:>8.2f} s {rate(n, t):>10,.0f} runs/s")
    ra = rate(n_agent, t_a)
    print(
        f"ratio (c)/(a): {rate(n_batch, t_c) / ra:,.0f}x (target 300x)   (d)/(a): "
        f"{rate(n_parallel, t_d) / ra:,.0f}x   (b)/(a): {rate(n_agent, t_b) / ra:.2f}x"
    )
    print(
        f"per core end to end (c): {rate(n_batch, t_c):,.0f} runs/s (target 20,000); the "
        f"dynamics (e): {1e6 * t_e / (calls * RUNS_PER_CALL):.0f} us a run, the rest of (c) "
        f"(drawing inputs, figures, the table without `in:` columns): "
        f"{1e6 * (t_c / n_batch - t_e / (calls * RUNS_PER_CALL)):.0f} us a run"
    )
    per_100k = 100_000 / rate(n_parallel, t_d)
    print(
        f"100,000 baseline runs: {per_100k:.1f} s on {os.cpu_count()} cores "
        f"(target < 60 s); 1,000,000 runs: {10 * per_100k:.0f} s (moonshot: 60 s)"
    )


# The main process's peak: its own memory's high-water mark (VmHWM). Not ru_maxrss: Linux
# carries a parent's peak over to a child through fork and exec, so a command started by a
# benchmark that had grown to 2.6 GiB reported 2.6 GiB (seen in a full run of this script).
MEASURE = """
import resource, sys, time
from negsim.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
took = time.perf_counter() - start
try:
    hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")]
    own = int(hwm[0].split()[1]) / 1024
except (OSError, IndexError):  # not Linux: the kernel's count, the parent's peak included
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"@@ {code} {took:.3f} {own:.0f}", file=sys.stderr)
"""

ONE_POINT = """name: bench_one_point
description: every run at one design point, to measure a sweep's memory
scenario: {scenario}
parameters:
  actors.russia.patience.outside_option: {{values: [0.2]}}
design: grid
replications: {n}
seed: 0
chunk: 20000
"""


def _tree(pid: int) -> list[int]:
    """pid and all its descendants now (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def user_command(argv: list[str]) -> tuple[int, float, float, float, float]:
    """A negsim command exactly as the entry point runs it, in a fresh process: (exit code,
    seconds, peak RSS of its main process (its VmHWM), and, sampled every 0.1 s,
    the peak of its largest other process and of the whole tree's sum, MiB)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", MEASURE, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    worker = total = 0.0
    while proc.poll() is None:
        pids = _tree(proc.pid)
        rss = [_rss_mib(p) for p in pids]
        worker = max(worker, max(rss[1:], default=0.0))
        total = max(total, sum(rss))
        time.sleep(0.1)
    err = proc.stderr.read() if proc.stderr else ""
    tail = [ln for ln in err.splitlines() if ln.startswith("@@ ")]
    if not tail:
        raise RuntimeError(f"negsim {' '.join(argv)} failed:\n{err[-2000:]}")
    code, took, own = tail[-1].split()[1:4]
    return int(code), float(took), float(own), worker, total


def memory(
    n: int, only: tuple[str, ...] = ("run", "run --out", "sweep", "sweep --no-plots")
) -> None:
    """Peak memory and bytes per run of the user commands at n runs, each in a fresh process."""
    print(f"== memory and files: {n:,} baseline runs through the user commands, fresh processes ==")
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "one_point.yaml"
        exp.write_text(ONE_POINT.format(scenario=BASELINE, n=n))
        run = ["run", str(BASELINE), "--runs", str(n), "--eu-runs", "0", "--json"]
        cases = [
            ("negsim run", run),
            ("negsim run --out", [*run, "--out", f"{tmp}/run"]),
            ("negsim sweep (one point)", ["sweep", str(exp), "--out", f"{tmp}/sw", "--quiet"]),
            (
                "negsim sweep --no-plots",
                ["sweep", str(exp), "--out", f"{tmp}/np", "--quiet", "--no-plots"],
            ),
        ]
        print("command                      s     runs/s   peak RSS MiB: main  worker    all")
        for label, argv in cases:
            if label.removeprefix("negsim ").removesuffix(" (one point)") not in only:
                continue
            code, took, own, worker, total = user_command(argv)
            print(
                f"{label:<25}{took:>7.1f}{rate(n, took):>11,.0f}{own:>19,.0f}{worker:>8,.0f}"
                f"{total:>7,.0f}" + ("" if code == 0 else f"  (exit {code})")
            )
        print("target: each process under 1,024 MiB")
        for label, path in (("run --out", "run"), ("sweep", "sw")):
            if label not in only:
                continue
            size = (Path(tmp) / path / "runs.parquet").stat().st_size
            print(f"runs.parquet of {label}: {size / n:,.0f} bytes a run (target <= 300)")


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


def cold_start() -> None:
    """A first command's cost: CPU of a cold `negsim run --runs 1000` in a fresh process, and
    the import profile's total (python -X importtime) of what it loads."""
    print("== cold start: negsim run scenarios/baseline.yaml --runs 1000, a fresh process ==")
    argv = ["-m", "negsim.cli", "run", str(BASELINE), "--runs", "1000", "--json"]
    # as on a user's machine: bytecode cached (a first run writes it), whatever this shell says
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, *argv], capture_output=True, check=True, env=env)
    cpus = []
    for _ in range(COLD_STARTS):  # a fresh process each; the median, as the machine is shared
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, *argv], capture_output=True, check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    cpu = float(np.median(cpus))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    rows = [ln.split("|") for ln in done.stderr.splitlines() if ln.startswith("import time:")]
    own = sum(int(r[0].split(":")[1]) for r in rows[1:] if r[0].split(":")[1].strip().isdigit())
    heavy = sorted(
        ((int(r[1]), r[2].strip()) for r in rows[1:] if r[1].strip().isdigit()), reverse=True
    )
    top = ", ".join(f"{name.strip()} {us / 1e6:.2f} s" for us, name in heavy[:4] if name[0] != " ")
    spread = f"{min(cpus):.2f}-{max(cpus):.2f}"
    print(
        f"CPU (user + sys) {cpu:.2f} s, the median of {COLD_STARTS} ({spread}; target < 1.5 s); "
        f"imports {own / 1e6:.2f} s in all"
    )
    print(f"largest top-level imports (cumulative): {top}")
    loaded = "mesa" in done.stderr.split("import time:", 1)[-1]
    print(f"Mesa imported on the batch path: {'yes' if loaded else 'no'}")
    cp = compile_scenario(validate(*read_raw(BASELINE), str(BASELINE)))
    _, took = timed(expected_utility.run_forecasts, cp, range(200), 0, repeat=3)
    print(f"expected-utility forecast (negsim run's first 200 runs): {took / 0.2:.2f} ms a run")


def profile(cp: Compiled, n: int) -> None:
    print(f"== where the batch engine's time goes ({n:,} runs, cProfile, top 8) ==")
    prof = cProfile.Profile()
    prof.runcall(run_many, cp, range(n), 0)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(8)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    print("\n".join(lines[start : start + 9]))


def phases(cp: Compiled, n: int) -> None:
    """The kernel's time by phase: the exchange run phase by phase from Python, block by
    block as the kernel runs them, each call timed less an empty call's dispatch."""
    import inspect
    import re

    from negsim.kernel import exchange as kernel

    names = re.findall(r"^\s+(_\w+)\(", inspect.getsource(kernel.exchange.py_func), re.M)
    took = dict.fromkeys(names, 0.0)

    def by_phase(*arrays: object) -> None:  # the kernel's (P, S, T, F, W, O)
        given = dict(zip("PSTFWO", arrays, strict=True))
        state, work = given["S"], given["W"]
        n_b, block = state.c.shape[0], work.x.shape[0]
        for b0 in range(0, n_b, block):
            b1 = min(b0 + block, n_b)
            for name in names:
                fn = getattr(kernel, name)
                args = [given[a] for a in inspect.signature(fn.py_func).parameters if a in given]
                t0 = time.perf_counter()
                fn(*args, b0, b1)
                t1 = time.perf_counter()
                fn(*args, b1, b1)
                took[name] += (t1 - t0) - (time.perf_counter() - t1)

    params = draw(cp, range(n), 0)[1]
    whole = kernel.exchange
    kernel.exchange = by_phase
    try:
        dynamics.simulate(cp, params)
    finally:
        kernel.exchange = whole
    total = sum(took.values())
    print(f"== the kernel's exchange by phase ({n:,} runs, {total / n * 1e6:.0f} us a run) ==")
    for name, t in sorted(took.items(), key=lambda kv: -kv[1]):
        print(f"{name:<12}{t / n * 1e6:>7.1f} us a run {100 * t / total:>5.1f}%")


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
        "--memory-commands",
        default="run,run --out,sweep,sweep --no-plots",
        help="which user commands the memory section measures (comma-separated)",
    )
    ap.add_argument(
        "--only",
        choices=("engines", "scaling", "profile", "start", "memory"),
        help="run one section",
    )
    args = ap.parse_args(argv)
    q = args.quick
    kept = keep_freed_memory()  # as negsim's command line and its workers do
    print(f"allocator: freed memory kept for reuse (glibc mallopt): {'yes' if kept else 'no'}")
    n_memory = args.memory_runs or (100_000 if q else 1_000_000)
    if args.only == "memory":
        memory(n_memory, tuple(args.memory_commands.split(",")))
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
        phases(cp, 2_048 if q else 8_192)
    if args.only in (None, "start"):
        cold_start()
    if args.only is None:
        sys.stdout.flush()
        memory(n_memory)  # each command in a fresh process: peak RSS is a lifetime figure
    return 0


if __name__ == "__main__":
    sys.exit(main())
