"""Command-line pieces shared by ``negsim`` and its experiment commands.

Apart from :mod:`negsim.cli` so that :mod:`negsim.experiments.cli`, which the main CLI imports
to add sweep, plot and replay, can use them without importing the main CLI back.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from negsim.execution import ENGINES

EU_RUNS = 200  # runs `negsim run` forecasts with the expected-utility model by default: here,
# so that building the parser does not load the model (numpy, the scenario compiler)


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum``, or a clear usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be at least {minimum}, got {value}"
                if minimum
                else f"must be 0 or more, got {value}"
            )
        return value

    return parse


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    """``--engine``, the same for ``run`` and ``sweep``: results can be compared across them."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=ENGINES[0],
        help="vectorised batch engine (default) or the Mesa agent model (slow)",
    )
