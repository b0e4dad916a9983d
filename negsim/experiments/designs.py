"""Experimental designs: the table of input values (one row per design point) a sweep runs.

The random designs (Monte Carlo, Latin hypercube, Sobol, Morris) are drawn on the unit cube from
a generator of their own, keyed to the experiment's seed but never to a run's generator, and then
mapped to each parameter's values: so the design is reproducible from the seed and choosing it
does not shift the draws of the inputs the design leaves alone. Sampling is delegated to
scipy.stats.qmc and SALib; Sobol and Morris designs keep their unit-cube coordinates and the
SALib "problem", which their analysis needs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from negsim.experiments.spec import Experiment, Range, Values
from negsim.scenario.compile import Leaf, inverse_cdf

DESIGN_TAG = 0x64657369  # "desi": the design's seed stream, apart from every run's
DEFAULT_LEVELS = 5
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Design:
    """The points of a design: ``values[p, d]`` is parameter ``names[d]`` at point ``p``."""

    kind: str
    names: tuple[str, ...]
    values: np.ndarray
    unit: np.ndarray | None = None  # unit-cube coordinates (Sobol, Morris) for SALib analysis
    problem: dict | None = None  # SALib problem over the unit cube
    levels: int | None = None  # Morris grid levels

    @property
    def n_points(self) -> int:
        return self.values.shape[0]


def design_rng(seed: int) -> np.random.Generator:
    """The design's own generator: entropy (seed, tag) is disjoint from run k's (seed, key k)."""
    return np.random.default_rng(np.random.SeedSequence([seed, DESIGN_TAG]))


def analysis_seed(seed: int) -> int:
    """A positive seed for SALib's bootstrap (it falls back to global state on seed 0)."""
    return int(np.random.SeedSequence([seed, DESIGN_TAG, 1]).generate_state(1)[0]) + 1


def grid_levels(param: object, default: int | None) -> np.ndarray:
    """The levels a grid takes for one parameter: its values, or evenly spaced over its range."""
    if isinstance(param, Values):
        return np.asarray(param.values, dtype=float)
    assert isinstance(param, Range)
    n = param.levels or default or DEFAULT_LEVELS
    return np.linspace(param.range[0], param.range[1], n)


def from_unit(param: object, u: np.ndarray) -> np.ndarray:
    """Map unit-cube coordinates to a parameter's values (uniform over a range, inverse CDF
    for a distribution, evenly over a values list)."""
    u = np.asarray(u, dtype=float)
    if isinstance(param, Values):
        v = np.asarray(param.values, dtype=float)
        return v[np.minimum((u * len(v)).astype(int), len(v) - 1)]
    if isinstance(param, Range):
        lo, hi = param.range
        return lo + u * (hi - lo)
    return inverse_cdf(Leaf("", param, -np.inf, np.inf, ()), u)  # type: ignore[arg-type]


def make_design(exp: Experiment) -> Design:
    """The design an experiment file describes (shapes: points x parameters)."""
    names = tuple(exp.swept)  # the uncertain parameters, then the levers
    params = list(exp.swept.values())
    d = len(names)
    if exp.design == "grid":
        axes = [grid_levels(p, exp.levels) for p in params]
        values = np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, d)
        return Design("grid", names, values)
    if d == 0:  # plain Monte Carlo over the scenario's own distributions
        return Design(exp.design, names, np.empty((exp.points or 1, 0)))
    problem = {"num_vars": d, "names": list(names), "bounds": [[0.0, 1.0]] * d}
    if exp.design == "monte_carlo":
        assert exp.points is not None  # spec: this design needs 'points'
        unit = design_rng(exp.seed).random((exp.points, d))
    elif exp.design == "latin_hypercube":
        assert exp.points is not None  # spec: this design needs 'points'
        unit = qmc.LatinHypercube(d=d, rng=design_rng(exp.seed)).random(exp.points)
    elif exp.design == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(
            problem, exp.samples, calc_second_order=False, seed=design_rng(exp.seed)
        )
    else:
        from SALib.sample import morris

        levels = exp.levels or MORRIS_LEVELS
        unit = morris.sample(problem, exp.samples, num_levels=levels, seed=design_rng(exp.seed))
        values = np.column_stack([from_unit(p, unit[:, j]) for j, p in enumerate(params)])
        return Design("morris", names, values, unit, problem, levels)
    values = np.column_stack([from_unit(p, unit[:, j]) for j, p in enumerate(params)])
    keep = exp.design in ("sobol",)
    return Design(exp.design, names, values, unit if keep else None, problem if keep else None)


def design_size(exp: Experiment) -> int:
    """How many points the design will have, computed without building it."""
    d = len(exp.swept)
    if exp.design == "grid":
        return math.prod(len(grid_levels(p, exp.levels)) for p in exp.swept.values())
    if exp.design == "sobol":
        return (exp.samples or 0) * (d + 2)
    if exp.design == "morris":
        return (exp.samples or 0) * (d + 1)
    return exp.points or 1


def sweep_bounds(param: object) -> tuple[float, float] | None:
    """The interval a parameter's values span: written into the scenario as a uniform leaf so
    validation checks it against the field's range. ``None`` when it takes a single value."""
    if isinstance(param, Values):
        lo, hi = min(param.values), max(param.values)
        return None if lo == hi else (lo, hi)
    if isinstance(param, Range):
        return param.range
    return None  # a distribution is written as itself
