"""``negsim sweep | plot | replay | inputs``: the experiment and results-folder commands.

Kept apart from :mod:`negsim.cli` so the main CLI only needs two hooks (:func:`add_parsers`
and :func:`dispatch`); what both share is in :mod:`negsim.cliargs`, so this module does not
import the main CLI back. Errors are NegsimErrors, which the main CLI turns into one line and
exit status 2.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from negsim.cliargs import add_engine_option, whole_number
from negsim.errors import BusyError, FaultError, NegsimError

COMMANDS = ("sweep", "plot", "replay", "inputs")


_count, _index = whole_number(1), whole_number(0)


DISCOVER_HELP = (
    "scenario discovery (PRIM): which inputs and ranges make OUTCOME likely; OUTCOME is "
    "agreement, partial, stalemate, breakdown or ISSUE.agreed"
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add sweep, plot and replay to the main parser's subcommands."""
    sw = sub.add_parser(
        "sweep",
        help="run an experiment (a design of runs over scenario inputs)",
        description="Run an experiment file: every run of its design, in chunks, over serial, "
        "local-process or Dask workers. Results land in OUT as they finish; an interrupted "
        "sweep is completed with --resume.",
    )
    sw.add_argument("experiment", help="experiment YAML file, e.g. experiments/linkage.yaml")
    sw.add_argument("--out", type=Path, required=True, metavar="DIR", help="results folder")
    sw.add_argument(
        "--workers",
        type=_count,
        default=None,
        metavar="N",
        help="local worker processes (default: all cores; 1 runs in this process)",
    )
    sw.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs negsim[dask])",
    )
    sw.add_argument("--chunk", type=_count, metavar="N", help="runs per task (default: file's)")
    sw.add_argument("--resume", action="store_true", help="complete an interrupted sweep in OUT")
    sw.add_argument(
        "--force",
        action="store_true",
        help="write into OUT even if it holds other results (negsim's own files are replaced)",
    )
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.add_argument("--no-plots", action="store_true", help="do not write OUT/plots")
    sw.add_argument("--discover", metavar="OUTCOME", help=DISCOVER_HELP)
    add_engine_option(sw)

    pl = sub.add_parser(
        "plot",
        help="(re)draw the figures of a finished sweep",
        description="Write PNG and SVG figures of the sweep in OUT to OUT/plots.",
    )
    pl.add_argument("out", type=Path, metavar="OUT", help="results folder of 'negsim sweep'")
    pl.add_argument("--discover", metavar="OUTCOME", help=DISCOVER_HELP)

    rp = sub.add_parser(
        "replay",
        help="re-run one run of a sweep in the agent model and print its transcript",
        description="Re-run run K of the sweep in OUT alone, in the Mesa agent model, with "
        "the inputs the design gave it; print its transcript and check its outcome against "
        "the stored one.",
    )
    rp.add_argument("out", type=Path, metavar="OUT", help="results folder of 'negsim sweep'")
    rp.add_argument("--run", type=_index, required=True, metavar="K", help="global run index")

    ip = sub.add_parser(
        "inputs",
        help="regenerate the sampled inputs of a results folder's runs, exactly",
        description="Result tables do not store each run's sampled inputs (most of their "
        "bytes); they are a function of the scenario as run, the seed, the run's index and "
        "its design values, which the folder keeps. This draws them again, bit for bit: one "
        "row per run, 'run' and one 'in:PATH' column per uncertain input.",
    )
    ip.add_argument(
        "out", type=Path, metavar="DIR", help="results folder of 'negsim sweep' or 'run --out'"
    )
    ip.add_argument(
        "--to",
        type=Path,
        metavar="FILE",
        help="where to write them, .parquet or .csv (default DIR/inputs.parquet)",
    )


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "sweep":
        return cmd_sweep(args)
    if args.command == "plot":
        return cmd_plot(args)
    if args.command == "inputs":
        return cmd_inputs(args)
    return cmd_replay(args)


def cmd_sweep(args: argparse.Namespace) -> int:
    from negsim.experiments.sweep import SweepOptions, print_overview, run_experiment

    options = SweepOptions(
        out=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        chunk=args.chunk,
        resume=args.resume,
        force=args.force,
        quiet=args.quiet,
        engine=args.engine,
        discover=args.discover,
        columns=("run",),  # the overview reads its own few columns, not the whole table
    )
    try:
        run_experiment(args.experiment, options)
    except FaultError as exc:
        if (args.out / "manifest.json").is_file() and not isinstance(exc, BusyError):
            exc.message += f"; what finished is kept: {resume_command(args)}"
        raise
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP: the CLI says how to go on
        if (args.out / "manifest.json").is_file():
            exc.resume = resume_command(args)  # type: ignore[attr-defined]
        raise
    from negsim.experiments.render import sweep_layout
    from negsim.experiments.storage import load_results, read_manifest

    manifest = read_manifest(args.out) or {}
    design = [f"design:{p}" for p in manifest["parameters"]]
    table = load_results(args.out, columns=["run", "point", "outcome", "error", *design])
    print_overview(table, manifest["experiment"]["name"], sweep_layout(manifest))
    print(f"results in {args.out}/ (runs.parquet, summary.csv, manifest.json)")
    if not args.no_plots or args.discover:
        _plots(args.out, args.discover, draw=not args.no_plots)
    from negsim.report import report_failures

    return 1 if report_failures(table) else 0


def resume_command(args: argparse.Namespace) -> str:
    """The command that completes this sweep, for the user to copy."""
    words = ["negsim", "sweep", str(args.experiment), "--out", str(args.out), "--resume"]
    if args.engine != "batch":
        words += ["--engine", args.engine]
    return shlex.join(words)


def _plots(out: Path, discover: str | None, draw: bool = True) -> None:
    from negsim.experiments.render import write_plots

    if discover:
        _check_focus(out, discover)
    from negsim.experiments.storage import load_results
    from negsim.outcomes import failed

    if failed(load_results(out, columns=["run", "error"])).all():
        print("no figures and no discovery: every run failed (see the error column)")
        return
    if draw:
        written = write_plots(out, discover)
        figures = sorted({p.stem for p in written if p.suffix == ".png"})
        print(f"figures in {out}/plots/: {', '.join(figures)}")
    elif discover:
        from negsim.experiments.render import discovery_outputs
        from negsim.experiments.storage import load_results

        discovery_outputs(out, load_results(out), discover, "sweep")
    if discover:
        print((out / "discovery.txt").read_text(), end="")


def _check_focus(out: Path, focus: str) -> None:
    from negsim.experiments.spec import OUTCOMES
    from negsim.experiments.storage import read_manifest

    issues = (read_manifest(out) or {}).get("issues", [])
    if focus in OUTCOMES or (focus.endswith(".agreed") and focus[:-7] in issues):
        return
    raise NegsimError(
        f"--discover takes one of {', '.join(OUTCOMES)} or ISSUE.agreed with an issue of the "
        f"scenario ({', '.join(issues)}), not {focus!r}"
    )


def cmd_plot(args: argparse.Namespace) -> int:
    from negsim.experiments.storage import load_results

    load_results(args.out, columns=["run"])  # a clear error for a folder not finished
    _plots(args.out, args.discover)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from negsim.experiments.replay import replay

    lines, stored, replayed = replay(args.out, args.run)
    print("\n".join(lines))
    print()
    if stored == replayed:
        print(f"run {args.run}: {replayed} (the same as the sweep's stored outcome)")
        return 0
    print(
        f"run {args.run}: the replay ends in {replayed}, but the sweep stored {stored}: "
        "the results were made by another version of negsim or another engine",
        file=sys.stderr,
    )
    return 1


def cmd_inputs(args: argparse.Namespace) -> int:
    from negsim.experiments.storage import write_atomic, write_parquet_parts
    from negsim.inputs import chunks, stored

    source = stored(args.out)
    to = args.to or args.out / "inputs.parquet"
    if to.suffix not in (".parquet", ".csv"):
        raise NegsimError("must end in .parquet or .csv", str(to), path="--to")
    if to.suffix == ".parquet":
        write_parquet_parts(to, chunks(source), compact=False)  # exact: float64
    else:

        def write(tmp: Path) -> None:
            with tmp.open("w", newline="") as fh:
                for i, frame in enumerate(chunks(source)):
                    frame.to_csv(fh, index=False, header=i == 0, float_format="%.17g")

        write_atomic(to, write)
    print(f"{len(source.runs):,} runs x {len(source.cp.leaves)} inputs -> {to}")
    return 0
