"""Which uncertain inputs move the outcome: elementary effects (Morris 1991), two ways.

:func:`morris` is the standard screening design, through SALib: ``trajectories`` random
one-at-a-time paths across a grid of ``levels`` quantiles of every input's own distribution,
so each step changes one input and the change of each outcome indicator over that step is its
elementary effect; ``mu*`` (the mean absolute effect, per whole range of the input) ranks the
inputs, ``sigma`` says how much the effect depends on the others. Every input of a run is set
by the design and the dynamics draw nothing, so neighbouring points differ in that one input
only: common random numbers in the strongest sense.

:func:`extremes`: each uncertain input is fixed at the low and at the high end of its
documented range while every other input is drawn from its prior with common random numbers
(the same runs, the same seeds, so the two batches differ in that one input only). The
effect of an input on an outcome share is the difference of the share between the two ends:
an elementary effect over the whole range (one step of full width from a random base point
per run), averaged over the runs. An input whose effects are all below the threshold moves
nothing the analyst reads.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from negsim.outcomes import OUTCOMES
from negsim.runner import run_many
from negsim.scenario.compile import Compiled, Leaf, inverse_cdf
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
        lines.append(f"{str(row.input)[:55]:<56}{row.low:>7.3g}{row.high:>7.3g}{cells}{flag}")
    return "\n".join(lines)


LEVELS = 4  # Morris's grid: the 1/8, 3/8, 5/8 and 7/8 quantiles' neighbourhood (SALib's own)


def morris(cp: Compiled, trajectories: int = 60, seed: int = 0) -> pd.DataFrame:
    """One row per uncertain input: ``mu*`` and ``sigma`` of its elementary effects on each
    outcome share (columns ``OUTCOME`` = mu*, ``OUTCOME.sigma``), with ``effect`` the largest
    mu*; most influential first. ``trajectories`` x (inputs + 1) runs in one batch."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    names = [leaf.path for leaf in cp.leaves]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    rng = np.random.default_rng([seed, 0x5C7EE2])
    unit = sample.sample(problem, trajectories, num_levels=LEVELS, seed=rng)
    fixed = {leaf.path: inverse_cdf(leaf, unit[:, j]) for j, leaf in enumerate(cp.leaves)}
    frame = run_many(cp, range(len(unit)), seed, fixed=fixed).frame
    outcome = frame["outcome"].astype(str).to_numpy()
    table = pd.DataFrame({"input": names})
    for o in OUTCOMES:
        y = (outcome == o).astype(float)
        si = analyze.analyze(problem, unit, y, num_levels=LEVELS, seed=rng)
        table[o] = np.asarray(si["mu_star"], dtype=float)
        table[f"{o}.sigma"] = np.asarray(si["sigma"], dtype=float)
        table[f"{o}.conf"] = np.asarray(si["mu_star_conf"], dtype=float)
    table["effect"] = table[list(OUTCOMES)].max(axis=1)
    table.attrs["runs"] = len(unit)
    return table.sort_values("effect", ascending=False, kind="stable").reset_index(drop=True)


def render_morris(table: pd.DataFrame) -> str:
    """The ranked Morris table as text: mu* (and sigma) of each outcome share per input."""
    head = f"{'input':<56}" + "".join(f"{o:>17}" for o in OUTCOMES)
    lines = [
        f"Morris elementary effects over {table.attrs.get('runs', '?')} runs: mu* (sigma) of "
        "each outcome share, per whole range of the input",
        "",
        head,
    ]
    for row in table.to_dict("records"):
        cells = "".join(f"{row[o]:>9.3f} ({row[o + '.sigma']:.2f})" for o in OUTCOMES)
        flag = "  (no effect)" if row["effect"] == 0 else ""
        lines.append(f"{row['input'][:55]:<56}{cells}{flag}")
    return "\n".join(lines)
