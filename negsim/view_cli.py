"""``negsim view``'s arguments and command, kept apart so the CLI imports nothing heavy."""

from __future__ import annotations

import argparse
import sys

from negsim.cliargs import whole_number


def add_parser(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser(
        "view",
        help="an interactive page in the browser (Mesa's SolaraViz; the 'viz' extra)",
        description="Serve Mesa's SolaraViz page of a scenario: the forums exchange by "
        "exchange (positions, the bloc's bound, offers), the transcript, sliders for the main "
        "uncertain inputs and the outcome distribution of a batch at the sliders' values. "
        "Needs the 'viz' extra; the page needs no network.",
    )
    v.add_argument("scenario", help="scenario YAML file")
    v.add_argument("--port", type=whole_number(1), default=8765, help="default 8765")
    v.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    v.add_argument(
        "--input", dest="inputs", action="append", default=[], metavar="PATH",
        help="an uncertain input with a slider (repeatable; default: the top 4 by Morris mu*)",
    )  # fmt: skip
    v.add_argument("--run", type=whole_number(0), default=0, help="run replayed (default 0)")
    v.add_argument("--seed", type=whole_number(0), default=0, help="root seed (default 0)")
    v.add_argument("--runs", type=whole_number(1), default=300, help="batch size (default 300)")
    v.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario value first (repeatable)",
    )  # fmt: skip


def command(args: argparse.Namespace) -> int:
    """Check the extra, load the scenario, pick the sliders, then serve until stopped."""
    from dataclasses import replace

    import negsim
    from negsim.view import ViewConfig, choose_sliders
    from negsim.view_page import check_extra, serve

    check_extra()
    scenario = negsim.load(args.scenario, args.overrides or None)
    if not args.inputs:
        print("negsim view: ranking the inputs (Morris, a few seconds)...", file=sys.stderr)
    sliders = choose_sliders(scenario.compiled, tuple(args.inputs))
    config = ViewConfig(args.scenario, tuple(args.overrides), tuple(args.inputs), args.run,
                        args.seed, args.runs)  # fmt: skip
    return serve(replace(config, sliders=sliders), host=args.host, port=args.port)
