"""The ``negsim`` command: run, validate and schema (sweep, plot and replay build on these).

Every mistake a user can make ends in one line on stderr and exit status 2; output files are
written to a temporary folder first and moved into place only when complete.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from negsim import __version__
from negsim.cliargs import EU_RUNS, add_engine_option, whole_number
from negsim.errors import NegsimError
from negsim.execution import IN_PROCESS_TASKS, RUNS_PER_TASK
from negsim.processes import collect_after_start, keep_freed_memory, started

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from negsim.model import NegotiationModel
    from negsim.report import RunsWriter
    from negsim.scenario.compile import Compiled
    from negsim.spool import RunTable, Spool


_positive, _seed = whole_number(1), whole_number(0)


class Parser(argparse.ArgumentParser):
    """Usage mistakes are one line and exit status 2, like every other negsim error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"negsim: error: {self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:

    parser = Parser(
        prog="negsim",
        description="Simulate negotiations between states, blocs and forums as an agent-based "
        "model and ask 'what if' (scenarios/baseline.yaml: the January 2022 security talks).",
    )
    parser.add_argument("--version", action="version", version=f"negsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run a scenario (Monte Carlo over its distributions)",
        description="Run a scenario N times and summarise the outcomes.",
    )
    run.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    run.add_argument("--runs", type=_positive, default=1000, help="number of runs (default 1000)")
    run.add_argument("--seed", type=_seed, default=0, help="root seed (default 0)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. actors.ACTOR.patience.rounds=1 "
        "(repeatable; VALUE is YAML, so {uniform: [1, 3]} works)",
    )
    run.add_argument(
        "--transcript",
        action="store_true",
        help="print the transcript of one run (run --run, default 0); with --json, it is "
        "the JSON object's 'transcript': {run, lines}",
    )
    run.add_argument(
        "--run",
        dest="run_index",
        type=_seed,
        default=0,
        metavar="K",
        help="which run --transcript shows (default 0)",
    )
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write runs.parquet (or .csv), summary.json and transcript.txt here",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="with --out: replace the files of an earlier run in DIR (never a sweep's)",
    )
    run.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="per-run table format for --out (default parquet)",
    )
    run.add_argument("--json", action="store_true", help="print one JSON object instead")
    run.add_argument(
        "--posterior",
        metavar="DIR",
        help="draw the uncertain inputs from a calibration's posterior (negsim calibrate --out "
        "DIR) instead of the prior; inputs it does not hold stay the prior's; prints both",
    )
    run.add_argument(
        "--eu-runs",
        type=_seed,
        default=EU_RUNS,
        metavar="N",
        help="runs the expected-utility forecast (fc.eu) is computed on, the first N "
        f"(default {EU_RUNS}; it costs about two to three concession runs each)",
    )
    add_engine_option(run)
    run.add_argument(
        "--workers",
        type=_positive,
        default=os.cpu_count() or 1,
        help="processes for large runs (default: all cores; runs up to "
        f"{IN_PROCESS_TASKS * RUNS_PER_TASK} stay in this process); results are the same for "
        "any number",
    )

    val = sub.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario "
        "files; prints one line per file, exit status 2 if any is invalid.",
    )
    val.add_argument("files", nargs="+", help="scenario YAML files")
    val.add_argument(
        "--all", action="store_true", help="list every problem of a file, one per line"
    )

    sub.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files (for editors).",
    )
    from negsim.experiments import cli as experiments_cli  # sweep, plot, replay

    scr = sub.add_parser(
        "screen",
        help="which uncertain inputs move the outcome (Morris elementary effects)",
        description="Rank every uncertain input by its influence on each outcome share and "
        "flag those with no effect. morris (default): SALib's Morris screening over every "
        "input's own distribution (--trajectories paths, each run's inputs all set by the "
        "design); extremes: each input fixed at the low and the high end of its range, the "
        "others drawn with common random numbers (--runs per end).",
    )
    scr.add_argument("scenario", help="scenario YAML file")
    scr.add_argument(
        "--method", choices=("morris", "extremes"), default="morris",
        help="morris (default) or extremes",
    )  # fmt: skip
    scr.add_argument(
        "--trajectories", type=_positive, default=60,
        help="morris: one-at-a-time paths, each (inputs + 1) runs (default 60)",
    )  # fmt: skip
    scr.add_argument(
        "--runs", type=_positive, default=500, help="extremes: runs per end (default 500)"
    )
    scr.add_argument("--seed", type=_seed, default=0, help="root seed (default 0)")
    scr.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario value first (repeatable)",
    )  # fmt: skip
    scr.add_argument("--top", type=_positive, default=20, help="inputs to list (default 20)")
    scr.add_argument("--out", help="write the whole table to this CSV file")
    scr.add_argument("--plot", help="draw the most influential inputs to this image (.png, .pdf)")

    cal = sub.add_parser(
        "calibrate",
        help="which settings of the uncertain inputs reproduce the documented record (ABC)",
        description="Approximate Bayesian computation over every uncertain input: runs from "
        "the prior (rejection), then ABC-SMC generations (Del Moral, Doucet & Jasra 2012) "
        "with a tolerance falling to 0 on the number of the scenario's observations a run "
        "violates. Writes posterior.parquet, manifest.json, narrowing.csv and plots into "
        "--out; generations are kept in --out/generations and the same command resumes.",
    )
    cal.add_argument("scenario", help="scenario YAML file with observations:")
    cal.add_argument("--out", required=True, help="folder for the posterior and its plots")
    cal.add_argument("--particles", type=_positive, default=1000, help="default 1000")
    cal.add_argument("--generations", type=_positive, default=5, help="SMC steps (default 5)")
    cal.add_argument("--seed", type=_seed, default=0, help="root seed (default 0)")
    cal.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario value first (repeatable)",
    )  # fmt: skip

    experiments_cli.add_parsers(sub)
    from negsim import view_cli

    view_cli.add_parser(sub)
    return parser


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP end negsim cleanly; the first one counts, and repeats
    while it cleans up (a terminal sends SIGHUP and then SIGTERM) are ignored. Raised where
    the main thread is, except inside the process pool's machinery (locks, threads), where
    it waits for the next safe point (a fraction of a second)."""
    from negsim.errors import Stopped
    from negsim.execution import SIGNALS

    caught: list[int] = []

    def handler(signum: int, frame: object) -> None:
        if caught:
            return
        caught.append(signum)
        if SIGNALS.depth:  # inside the pool's machinery: raised at its next safe point
            SIGNALS.pending = signum
            return
        raise KeyboardInterrupt if signum == signal.SIGINT else Stopped(signum)

    names = ("SIGINT", "SIGTERM", "SIGHUP")
    wanted = [getattr(signal, n) for n in names if hasattr(signal, n)]
    try:
        old = {s: signal.signal(s, handler) for s in wanted}
    except ValueError:  # not the main thread (negsim.cli.main called from a thread)
        yield
        return
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        SIGNALS.pending = None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    keep_freed_memory()
    with stopping_on_signals():
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "screen":
            return cmd_screen(args)
        if args.command == "calibrate":
            return cmd_calibrate(args)
        if args.command == "view":
            from negsim import view_cli

            return view_cli.command(args)
        if args.command == "schema":
            from negsim.scenario.schema import json_schema

            print(json.dumps(json_schema(), indent=2))
            return 0
        from negsim.experiments import cli as experiments_cli

        if args.command in experiments_cli.COMMANDS:
            return experiments_cli.dispatch(args)
    except NegsimError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        return exc.status  # type: ignore[attr-defined]
    except BrokenPipeError:  # e.g. `negsim run ... --json | head`: the reader left early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        name = signal.Signals(signum).name
        resume = getattr(exc, "resume", None)
        tail = (
            f"; the finished chunks are kept, complete the sweep with: {resume}" if resume else ""
        )
        print(f"negsim: interrupted by {name}{tail}", file=sys.stderr)
        return 128 + signum
    except OSError as exc:  # the environment, met somewhere no narrower handler names it
        from negsim.errors import os_failure

        print(f"negsim: error: {os_failure(exc, exc.filename or '?')}", file=sys.stderr)
        return 3
    return 2


def cmd_calibrate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from negsim import calibration, plots
    from negsim.scenario.compile import compile_scenario
    from negsim.scenario.load import load_scenario

    cp = compile_scenario(load_scenario(args.scenario, args.overrides))
    if not cp.scenario.observations:
        raise NegsimError(f"{args.scenario}: no observations: to calibrate on (see the README)")

    shown = []

    def show(g: calibration.Generation) -> None:
        shown.append(g)
        print(
            f"generation: at most {g.epsilon} observations violated, {g.accepted} of "
            f"{g.simulated} runs kept ({g.acceptance:.1%}), effective sample size {g.ess:.0f}"
        )

    out = Path(args.out)
    _check_out(out)
    prior, post, prior_ok = calibration.calibrate(
        cp, args.particles, args.generations, args.seed, progress=show,
        checkpoint=out / "generations",
    )  # fmt: skip
    if len(shown) < len(post.generations):
        kept = len(post.generations) - len(shown)
        print(f"({kept} generations resumed from {out / 'generations'}: the same as computed)")
    info = calibration.informativeness(cp, prior_ok)
    calibration.write(out, cp, post, prior, info)
    narrow = calibration.narrowing(prior, post)
    (out / "plots").mkdir(exist_ok=True)
    informed = list(narrow.loc[narrow["informed"], "input"])
    top = (informed or list(narrow["input"]))[:8]
    plots.posterior_marginals(prior, post, top, f"{cp.scenario.name}: prior and posterior").savefig(
        out / "plots" / "prior_posterior.png", dpi=110
    )
    plots.posterior_pairs(post, top[:4], f"{cp.scenario.name}: posterior, top inputs").savefig(
        out / "plots" / "posterior_pairs.png", dpi=110
    )
    print()
    print(calibration.render(info, narrow))
    print(f"\nposterior in {out}/ (posterior.parquet, manifest.json, narrowing.csv, plots/)")
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    from negsim import screening
    from negsim.scenario.compile import compile_scenario
    from negsim.scenario.load import load_scenario

    cp = compile_scenario(load_scenario(args.scenario, args.overrides))
    if not cp.leaves:
        print(f"{args.scenario}: no uncertain inputs to screen")
        return 0
    if args.method == "morris":
        table = screening.morris(cp, args.trajectories, args.seed)
        text = screening.render_morris(table.head(args.top))
    else:
        table = screening.extremes(cp, args.runs, args.seed)
        text = screening.render(table.head(args.top), args.runs)
    if args.out:
        table.to_csv(args.out, index=False)
    if args.plot:
        from negsim import plots

        name = cp.scenario.name
        plots.screening(table, args.method, f"{name}: which inputs move the outcome").savefig(
            args.plot, dpi=120
        )
    moving = screening.influential(table)
    print(text)
    print(
        f"\n{len(moving)} of {len(table)} uncertain inputs move some outcome share by "
        f"{screening.THRESHOLD} or more; {_count(int((table['effect'] == 0).sum()))} none at all"
    )
    return 0


def _count(n: int) -> str:
    return f"{n} moves" if n == 1 else f"{n} move"


def cmd_validate(args: argparse.Namespace) -> int:
    from negsim.scenario.compile import compile_scenario
    from negsim.scenario.load import load_scenario

    status = 0
    for file in args.files:
        try:
            cp = compile_scenario(load_scenario(file))
        except NegsimError as exc:
            listed = sorted(exc.problems, key=lambda e: (e.file or "", e.line or 0))
            for problem in listed if args.all else [exc]:
                print(f"negsim: error: {problem}", file=sys.stderr)
            status = 2
            continue
        print(
            f"{file}: ok ({cp.n_actors} actors, {cp.n_issues} issues, {len(cp.forums)} "
            f"rounds, {len(cp.leaves)} uncertain values)"
        )
    return status


def cmd_run(args: argparse.Namespace) -> int:
    from negsim.errors import os_failure
    from negsim.folders import locked
    from negsim.report import RunsWriter
    from negsim.scenario.compile import compile_scenario
    from negsim.scenario.load import resolved_raw, validate

    raw, loc = resolved_raw(args.scenario, args.overrides)
    cp = compile_scenario(validate(raw, loc, str(args.scenario)))
    if args.out is None:
        check_room(cp, args.runs, None, 1 + (args.posterior is not None))
        return _run(args, cp, None)
    from negsim.experiments.prepare import scenario_sha256
    from negsim.experiments.storage import versions

    provenance = {  # summary.json only: what made these runs, to repeat or compare them
        "overrides": list(args.overrides),
        "scenario_sha256": scenario_sha256(raw),
        "versions": versions(),
    }
    _check_out(args.out, args.force)
    check_room(cp, args.runs, args.out, 1 + (args.posterior is not None))
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_failure(exc, args.out) from None
    with locked(args.out, "run"):
        _check_out(args.out, args.force)  # again, under the lock: another may have started
        with RunsWriter(args.out, args.format, provenance, raw) as writer:
            return _run(args, cp, writer)


def _run(args: argparse.Namespace, cp: Compiled, writer: RunsWriter | None) -> int:
    """Run, stream the table to ``writer`` (if any), print the summary. The columns the
    summary reads are spooled to disk part by part and read back a few at a time, so memory
    follows the part, not the job (see :mod:`negsim.spool`). With ``--posterior`` the table
    written is the posterior's; the prior's is kept beside it in the summary only."""
    from negsim.report import forecast_doc, report_failures, run_line, summary_text

    transcript: dict | None = None
    model = None
    if args.transcript:
        model = _transcribed(cp, args)
        lines = [*model.transcript, run_line(model)]
        if args.json:  # stdout stays one JSON document: the transcript goes inside it
            transcript = {"run": args.run_index, "lines": lines}
        else:
            print("\n".join(lines))
            print()
    with _spool_folder(writer) as folder:
        started = time.perf_counter()
        table = _spooled(args, cp, folder, writer if args.posterior is None else None)
        elapsed = time.perf_counter() - started
        prior = None
        if args.posterior is not None:
            prior, table = table, _from_posterior(cp, args, folder, writer)
        doc = summary_doc(cp, table, args, elapsed)
        if prior is not None:
            doc["prior"] = summary_doc(cp, prior, args, elapsed)["outcomes"]
        side = side_by_side(cp, table, args)
        doc.update(forecast_doc(side, min(args.runs, args.eu_runs)))
        if writer is not None:
            told = (model or _transcribed(cp, args)).transcript  # run K once, not twice
            writer.finish(doc, told, {"forecasts.png": forecast_plot(cp, side)})
        if args.json:
            if transcript is not None:
                doc["transcript"] = transcript
            print(json.dumps(doc, indent=2))
        elif not args.transcript or args.runs > 1:
            print(summary_text(cp, table, doc))
            if prior is not None:
                print(_side_by_side(doc, args.posterior))
        return 1 if report_failures(table) else 0


@contextmanager
def _spool_folder(writer: RunsWriter | None) -> Iterator[Path]:
    """Where the summary's columns are spooled: the writer's own temporary folder (removed
    with it), else a temporary folder of the system's (``TMPDIR``), removed at the end."""
    if writer is not None:
        yield writer.tmp
        return
    import shutil
    import tempfile

    from negsim.errors import os_failure

    try:
        folder = tempfile.mkdtemp(prefix="negsim-run-")
    except OSError as exc:
        raise os_failure(exc, Path(tempfile.gettempdir())) from None
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SPOOL_FULL = "free some space there, or set TMPDIR to a folder on a disk with room"


def _spool(folder: Path, writer: RunsWriter | None, name: str = "spool.parquet") -> Spool:
    """The spool of the summary's columns in ``folder``, each part also to ``writer``."""
    from negsim.figures import summarised
    from negsim.spool import Spool

    advice = None if writer is not None else SPOOL_FULL  # --out: the output's own disk
    also = writer.append if writer is not None else None
    return Spool(folder, summarised, name, also, advice)


def _spooled(
    args: argparse.Namespace, cp: Compiled, folder: Path, writer: RunsWriter | None
) -> RunTable:
    """The runs of ``args`` (``cp``: its scenario, compiled), over the workers, through
    :func:`_spool`."""
    from negsim.runner import stream_parallel

    with _spool(folder, writer) as spool:
        stream_parallel(
            str(args.scenario), tuple(args.overrides), range(args.runs), args.seed,
            lambda part: spool.append(part.frame), engine=args.engine, workers=args.workers,
            compiled=cp, inputs=False,  # neither the spool nor runs.parquet keeps them
        )  # fmt: skip
        return spool.close()


def check_room(cp: Compiled, runs: int, out: Path | None, spools: int = 1) -> None:
    """Refuse, before the first run, a job whose tables cannot fit on the disk: the
    ``spools`` of the columns the summary reads (two with --posterior: the prior's and the
    posterior's; in ``out``, else the system's temporary folder) and, with --out, the run
    table. Memory holds a part and a few columns, not the table: both are written part by
    part. The estimate is from a sample table's size in memory, above its size on disk."""
    import shutil
    import tempfile

    import numpy as np

    from negsim.errors import FaultError
    from negsim.figures import failed_summary, summarised, table
    from negsim.folders import size_text

    n = min(runs, 1000)
    sample = table(cp, failed_summary(cp, n), np.arange(n), np.zeros((n, len(cp.leaves))))
    sizes = sample.memory_usage(index=False, deep=True)
    per_run = spools * float(sizes[[summarised(c) for c in sample.columns]].sum()) / n
    if out is not None:
        per_run += float(sizes[[not c.startswith("in:") for c in sample.columns]].sum()) / n
    target = out if out is not None else Path(tempfile.gettempdir())
    where = next(p for p in (target, *target.parents) if p.exists())
    usage = shutil.disk_usage(where)
    free = usage.free if usage.total else None  # /proc, /sys: no disk to measure
    need = per_run * runs
    if free is not None and need > free:
        raise FaultError(
            f"{runs:,} runs need about {size_text(need)} ({per_run:,.0f} bytes a run), "
            f"and {size_text(free)} are free on the disk of {where}"
            + ("" if out is not None else " (the summary's spool: TMPDIR chooses it)")
            + "; run fewer (at 100,000 runs a share's 95% interval is already within 0.003)",
            path="--runs",
        )


def side_by_side(cp: Compiled, table: RunTable, args: argparse.Namespace) -> pd.DataFrame:
    """The four forecasts per issue; the expected-utility model on the first ``--eu-runs``."""
    from negsim import expected_utility
    from negsim.figures.data import forecasts

    eu = expected_utility.run_forecasts(cp, range(min(args.runs, args.eu_runs)), args.seed)
    actual = {i: cp.scenario.issues[i].actual for i in cp.issues}
    return forecasts(table, cp.issues, eu, actual)


def forecast_plot(cp: Compiled, side: pd.DataFrame) -> Figure:
    from negsim import plots

    return plots.forecasts(side, f"{cp.scenario.name}: forecasts per issue")


def _transcribed(cp: Compiled, args: argparse.Namespace) -> NegotiationModel:
    """Run ``--run K`` in the agent model for its transcript (Mesa loads only for this)."""
    from negsim.model import NegotiationModel

    fixed = None
    if getattr(args, "posterior", None) is not None:  # run K's particle, as in the table
        picked = _posterior_fixed(cp, args, range(args.run_index, args.run_index + 1))
        fixed = {k: float(v[0]) for k, v in picked.items()}
    return NegotiationModel(cp, args.run_index, args.seed, fixed=fixed).run()


def _from_posterior(
    cp: Compiled, args: argparse.Namespace, folder: Path, writer: RunsWriter | None
) -> RunTable:
    """The runs again with their inputs from the posterior, in this process, part by part to
    ``writer`` (if any) and to a spool of their own, as :func:`_spooled` does the prior's."""
    from negsim.runner import iter_runs

    fixed = _posterior_fixed(cp, args, range(args.runs))  # a few inputs a run, not a table
    with _spool(folder, writer, "posterior-spool.parquet") as spool:
        parts = iter_runs(cp, range(args.runs), args.seed, args.engine, fixed=fixed, inputs=False)
        for part in parts:
            spool.append(part.frame)
        return spool.close()


def _posterior_fixed(cp: Compiled, args: argparse.Namespace, runs: range) -> dict:
    """Each run's inputs drawn from the calibration's posterior (``--posterior DIR``)."""
    from pathlib import Path

    from negsim.calibration import posterior_fixed, read

    folder = Path(args.posterior)
    if not (folder / "posterior.parquet").is_file():
        raise NegsimError(
            "--posterior: no posterior.parquet here (negsim calibrate --out)", str(folder)
        )
    return posterior_fixed(read(folder), cp, runs, args.seed)


def _side_by_side(doc: dict, folder: str) -> str:
    """The outcome shares under the prior and under the calibrated posterior."""
    lines = ["", f"outcome       prior  posterior   (posterior: {folder})"]
    for o, share in doc["outcomes"].items():
        lines.append(f"{o:<12}{doc['prior'][o]:>7.3f}{share:>11.3f}")
    return "\n".join(lines)


def summary_doc(cp: Compiled, table: RunTable, args: argparse.Namespace, elapsed: float) -> dict:
    from negsim.outcomes import distribution

    dist = distribution(table, cp.issues)
    return {
        "scenario": cp.scenario.name,
        "file": str(args.scenario),
        "runs": args.runs,
        "seed": args.seed,
        "engine": args.engine,
        "workers": args.workers,
        **dist,
        "seconds": round(elapsed, 3),
        **_posterior_source(args),
    }


def _posterior_source(args: argparse.Namespace) -> dict:
    """Where ``--posterior`` drew the inputs from: with the seed, what names every run's
    inputs (``negsim inputs`` reads it)."""
    if getattr(args, "posterior", None) is None:
        return {}
    return {"posterior": str((Path(args.posterior) / "posterior.parquet").resolve())}


def _check_out(out: Path, force: bool = False) -> None:
    """``run --out`` writes runs.parquet, summary.json and transcript.txt: never into a sweep's
    folder, whose runs.parquet (and replay, plot) it would silently replace, and into an
    earlier run's folder only with ``--force``, so a result is not lost by a repeated command."""
    if out.exists() and not out.is_dir():
        raise NegsimError("--out must be a folder, and this is a file", str(out))
    if (out / "manifest.json").exists():
        raise NegsimError(
            "holds the results of a sweep (manifest.json), which run --out would overwrite; "
            "choose another folder",
            str(out),
        )
    from negsim.report import RUN_FILES

    earlier = [f for f in RUN_FILES if (out / f).exists()]
    if earlier and not force:
        raise NegsimError(
            f"holds an earlier run ({earlier[0]}); give --force to replace it, or choose "
            "another folder",
            str(out),
        )


def entry() -> NoReturn:
    """The ``negsim`` command, in a process of its own (:func:`main` runs it in a caller's).
    Where a stopped process pool left a thread it could not wait for (see
    ``LocalPool.stop``), it leaves at once (:func:`_leave_at_once`): the interpreter's exit
    would join that thread, which is blocked for good."""
    from negsim.execution import ABANDONED

    collect_after_start()  # the command's own process: no collections while it starts
    try:
        code = main()
    finally:
        started()
    if any(t.is_alive() for t in ABANDONED):
        _leave_at_once(code)
    sys.exit(code)


def _leave_at_once(code: int) -> NoReturn:
    """Leave with ``code`` once the output is flushed, skipping the interpreter's exit.
    That skips multiprocessing's exit handlers too, so the ones that unlink the pool's named
    semaphores are run first (without them its resource tracker reports them as leaked, on
    the user's stderr), and its temporary folder (the forkserver's socket) is removed:
    multiprocessing does that last, after joins that could block. Only for a process about
    to end: the folder is the whole process's."""
    from multiprocessing import util

    # what the interpreter's exit runs first: the semaphores' unlinks, the queues' closes
    util._run_finalizers(0)  # type: ignore[attr-defined]
    for finalizer in list(util._finalizer_registry.values()):  # type: ignore[attr-defined]
        if finalizer._callback is util._remove_temp_dir:  # type: ignore[attr-defined]
            finalizer()  # removes it, and unregisters it (it runs once)
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError):  # a reader that left early (| head)
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
