"""Which uncertain inputs move the outcome: one-at-a-time elementary effects at the extremes.

Each uncertain input is fixed at the low and at the high end of its documented range while
every other input is drawn from its prior with common random numbers (the same runs, the same
seeds, so the two batches differ in that one input only). The effect of an input on an outcome
share is the difference of the share between the two ends: an elementary effect over the whole
range (Morris 1991, with one step of full width from a random base point per run), averaged over
the runs. An input whose effects are all below the threshold moves nothing the analyst reads.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from negsim.outcomes import OUTCOMES
from negsim.runner import run_many
from negsim.scenario.compile import Compiled, Leaf
from negsim.scenario.schema import Normal

THRESHOLD = 0.02  # an outcome share moving less than this over an input's range is no effect


def support(leaf: Leaf) -> tuple[float, float]:
    """The documented range of an uncertain input (a normal: mean +- 2 sd, within the field)."""
    d = leaf.dist
    if isinstance(d, Normal):  # its support is wide: screen the bulk of its draws
        lo, hi = d.normal[0] - 2 * d.normal[1], d.normal[0] + 2 * d.normal[1]
    else:
        lo, hi = d.support()
    return max(lo, leaf.lo), min(hi, leaf.hi)


def shares(cp: Compiled, runs: int, seed: int, fixed: dict[str, float]) -> pd.Series:
    """Outcome shares over ``runs`` runs with ``fixed`` inputs (the rest from the prior)."""
    frame = run_many(cp, range(runs), seed, fixed={k: np.full(runs, v) for k, v in fixed.items()})
    counts = frame.frame["outcome"].astype(str).value_counts(normalize=True)
    return pd.Series({o: float(counts.get(o, 0.0)) for o in OUTCOMES})


def extremes(
    cp: Compiled,
    runs: int = 1000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per uncertain input: its range and the change of each outcome share from its
    low to its high end (signed), with ``effect`` the largest absolute change; most influential
    first."""
    rows = []
    for j, leaf in enumerate(cp.leaves):
        lo, hi = support(leaf)
        delta = shares(cp, runs, seed, {leaf.path: hi}) - shares(cp, runs, seed, {leaf.path: lo})
        rows.append({"input": leaf.path, "low": lo, "high": hi, **delta.to_dict()})
        if progress:
            progress(j + 1, len(cp.leaves))
    table = pd.DataFrame(rows, columns=["input", "low", "high", *OUTCOMES])
    table["effect"] = table[list(OUTCOMES)].abs().max(axis=1)
    return table.sort_values("effect", ascending=False, kind="stable").reset_index(drop=True)


def influential(table: pd.DataFrame, threshold: float = THRESHOLD) -> pd.DataFrame:
    """The inputs that move some outcome share by at least ``threshold``."""
    return table[table["effect"] >= threshold - 1e-12]


def render(table: pd.DataFrame, runs: int) -> str:
    """The ranked table as text: each input's range and the change of each share from its low
    to its high end; '(no effect)' where nothing moves."""
    head = f"{'input':<56}{'low':>7}{'high':>7}" + "".join(f"{o:>11}" for o in OUTCOMES)
    lines = [f"change of each outcome share from low to high ({runs} runs each end)", "", head]
    for row in table.itertuples(index=False):
        cells = "".join(f"{getattr(row, o):>+11.3f}" for o in OUTCOMES)
        flag = "  (no effect)" if row.effect == 0 else ""
        lines.append(f"{row.input[:55]:<56}{row.low:>7.3g}{row.high:>7.3g}{cells}{flag}")
    return "\n".join(lines)
