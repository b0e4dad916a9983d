"""negsim as a model of the EMA Workbench (exploratory modelling and analysis).

The EMA Workbench (Kwakkel 2017) samples a model's *uncertainties* (what nobody controls) and
*levers* (what a party chooses), runs one experiment per sample and analyses the outcomes
(PRIM, CART, feature scoring, robust optimisation). This module makes a negsim scenario such a
model: its uncertain inputs (the compiled scenario's sampled leaves, or a chosen few) become
uncertainties, an experiment file's ``levers:`` become levers, and an experiment's outcomes are
outcome shares. One EMA experiment fixes the exposed inputs at the sampled values and runs
negsim's batch engine ``runs_per_experiment`` times, every input it does not expose drawn from
its own distribution, from a seed derived from the root seed and the experiment's values: the
same experiment gives the same shares in any order, process or evaluator::

    import negsim.ema
    from ema_workbench import perform_experiments

    m = negsim.ema.model("scenarios/baseline.yaml", outcomes=["breakdown"],
                         runs_per_experiment=100, uncertainties=[...paths...])
    experiments, outcomes = perform_experiments(m, scenarios=negsim.ema.sample(m, 200))

The EMA Workbench is optional (``pip install 'negsim[ema]'``) and imported only when a model is
made; without it a one-line error names the extra to install.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from negsim.errors import NegsimError
from negsim.outcomes import OUTCOMES
from negsim.workbench import available, workbench

__all__ = [
    "available", "discover", "from_experiment", "model", "perform", "sample", "workbench",
]  # fmt: skip

SAMPLE_TAG = 0x656D61  # "ema": the sample's seed stream, apart from every run's


def name_of(path: str) -> str:
    """An EMA name for a scenario path: EMA names are Python identifiers, paths are dotted."""
    return path.replace(".", "__")


@dataclass(frozen=True)
class Input:
    """One exposed input: its scenario path and how a unit-cube coordinate maps to a value
    (the scenario's own distribution, or an experiment's range or values)."""

    path: str
    spec: Any  # a scenario distribution, or an experiment's Values / Range / distribution
    lo: float
    hi: float

    @property
    def name(self) -> str:
        return name_of(self.path)

    def value(self, u: np.ndarray) -> np.ndarray:
        from negsim.experiments.designs import from_unit
        from negsim.experiments.spec import Range, Values
        from negsim.scenario.compile import Leaf, inverse_cdf

        if isinstance(self.spec, Values | Range):
            return from_unit(self.spec, u)
        return inverse_cdf(Leaf(self.path, self.spec, self.lo, self.hi, ()), u)

    def parameter(self) -> Any:
        """The EMA parameter matched to the input's support: a real interval, a run of whole
        numbers, or a set of values (a choice or a values list)."""
        em = workbench()
        from scipy import stats
        from scipy.stats.distributions import rv_frozen

        from negsim.experiments.spec import Range, Values
        from negsim.scenario.schema import Normal, Triangular, Uniform

        s, name, var = self.spec, self.name, self.path
        levels = s.values if isinstance(s, Values) else _choices(s)
        if levels is not None:
            first, last = int(min(levels)), int(max(levels))
            if all(float(v).is_integer() for v in levels) and sorted(levels) == [
                *range(first, last + 1)
            ]:
                return em.IntegerParameter(name, first, last, variable_name=var)
            return em.CategoricalParameter(name, sorted(set(levels)), variable_name=var)
        if isinstance(s, Range | Uniform):
            lo, hi = s.range if isinstance(s, Range) else s.uniform
            return em.RealParameter(
                name, float(max(lo, self.lo)), float(min(hi, self.hi)), variable_name=var
            )
        dist: rv_frozen  # a triangular or a truncated normal one
        if isinstance(s, Triangular):
            a, c, b = s.triangular
            dist = stats.triang((c - a) / (b - a), loc=a, scale=b - a)
        else:
            assert isinstance(s, Normal)
            mean, sd = s.normal  # clipped to the field's range, as negsim draws it
            lo, hi = max(self.lo, mean - 8 * sd), min(self.hi, mean + 8 * sd)
            dist = stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)
        return em.RealParameter.from_dist(name, dist, variable_name=var)


def _choices(spec: Any) -> list[float] | None:
    """A choice's values (EMA samples them evenly; negsim's own sample keeps the weights)."""
    from negsim.scenario.schema import Choice

    return list(spec.choice.values) if isinstance(spec, Choice) else None


class Experiment:
    """The function an EMA model calls: one EMA experiment = ``runs`` negsim runs with the
    exposed inputs fixed, returning each outcome's share (picklable, for EMA's parallel
    evaluators)."""

    def __init__(
        self, scenario: Any, outcomes: Sequence[str], runs: int, seed: int, engine: str
    ) -> None:
        self.scenario, self.outcomes, self.runs = scenario, tuple(outcomes), int(runs)
        self.seed, self.engine = int(seed), engine

    def seed_for(self, fixed: dict[str, float]) -> int:
        """A run seed from the root seed and the experiment's values (not its position)."""
        digest = hashlib.sha256(json.dumps(sorted(fixed.items())).encode()).digest()
        words = np.frombuffer(digest[:16], dtype=np.uint32).tolist()
        return int(np.random.SeedSequence([self.seed, *words]).generate_state(1)[0])

    def __call__(self, **values: Any) -> dict[str, float]:
        from negsim.api import run
        from negsim.experiments.analysis import indicator

        fixed = {path: float(v) for path, v in values.items()}
        result = run(self.scenario, self.runs, self.seed_for(fixed), self.engine, fixed=fixed)
        frame = result.frame
        if "error" in frame:  # shares over the completed runs, as negsim run gives them
            frame = frame[frame["error"].fillna("").eq("")]
        return {
            name_of(o): float(indicator(frame, o).mean()) if len(frame) else float("nan")
            for o in self.outcomes
        }


def model(
    scenario: Any,
    outcomes: Sequence[str] = OUTCOMES,
    runs_per_experiment: int = 100,
    *,
    seed: int = 0,
    uncertainties: Sequence[str] | None = None,
    levers: Sequence[str] = (),
    engine: str = "batch",
    name: str | None = None,
) -> Any:
    """An ``ema_workbench.Model`` of a scenario (a file or a :class:`negsim.Scenario`).

    ``uncertainties`` are the uncertain inputs exposed to EMA (paths from
    ``Scenario.inputs``; None: every one but the levers) and ``levers`` those a party
    chooses; each keeps its distribution's support (a choice becomes a categorical or integer
    parameter). ``outcomes`` are outcome classes or ``ISSUE.agreed``, each an EMA outcome
    holding its share of the experiment's runs."""
    from negsim.api import Scenario, load

    s = scenario if isinstance(scenario, Scenario) else load(scenario)
    leaves = {leaf.path: leaf for leaf in s.compiled.leaves}
    chosen = list(levers) + list(uncertainties if uncertainties is not None else leaves)
    unknown = [p for p in chosen if p not in leaves]
    if unknown:
        from negsim.runner import check_fixed

        check_fixed(s.compiled, dict.fromkeys(unknown, 0.0))
    unc = [p for p in (uncertainties if uncertainties is not None else leaves) if p not in levers]
    made = {p: Input(p, leaves[p].dist, leaves[p].lo, leaves[p].hi) for p in chosen}
    return _model(s, [made[p] for p in unc], [made[p] for p in levers], outcomes,
                  runs_per_experiment, seed, engine, name or s.name)  # fmt: skip


def from_experiment(
    file: str | Path,
    outcomes: Sequence[str] | None = None,
    runs_per_experiment: int | None = None,
    *,
    seed: int | None = None,
    engine: str = "batch",
) -> Any:
    """An EMA model of an experiment file: its ``parameters:`` as uncertainties and its
    ``levers:`` as levers, over their ranges, values or distributions; its ``set:`` applied;
    every other input drawn per run. Defaults: the file's ``focus``, ``replications`` runs per
    experiment and ``seed``."""
    from negsim.api import Scenario
    from negsim.experiments.prepare import prepare

    prep = prepare(file)
    exp, leaves = prep.exp, {leaf.path: leaf for leaf in prep.compiled.leaves}

    def inputs(section: dict[str, Any]) -> list[Input]:
        return [
            Input(p, spec, leaves[p].lo if p in leaves else -np.inf,
                  leaves[p].hi if p in leaves else np.inf)
            for p, spec in section.items()
            if p in leaves  # a one-value list is set in the scenario, not varied
        ]  # fmt: skip

    s = Scenario(prep.scenario_file, prep.compiled)
    return _model(
        s, inputs(exp.parameters), inputs(exp.levers), outcomes or (exp.focus,),
        runs_per_experiment or exp.replications, exp.seed if seed is None else seed, engine,
        exp.name,
    )  # fmt: skip


def _model(
    s: Any,
    unc: list[Input],
    lev: list[Input],
    outcomes: Sequence[str],
    runs: int,
    seed: int,
    engine: str,
    name: str,
) -> Any:
    em = workbench()
    from negsim.experiments.prepare import focus_problem
    from negsim.figures import recordable

    for o in outcomes:
        problem = focus_problem(o, s.issues, recordable())
        if problem:
            raise NegsimError(f"outcomes: {problem}")
    ident = "".join(c for c in name if c.isascii() and c.isalnum())  # EMA 2.5: letters, digits
    ident = ident if ident[:1].isalpha() else f"negsim{ident}"
    m = em.Model(ident, function=Experiment(s, outcomes, runs, seed, engine))
    m.uncertainties = [i.parameter() for i in unc]
    m.levers = [i.parameter() for i in lev]
    m.outcomes = [em.ScalarOutcome(name_of(o), variable_name=name_of(o)) for o in outcomes]
    m.negsim_inputs = {i.name: i for i in (*unc, *lev)}  # how sample() maps the unit cube
    return m


def sample(m: Any, n: int, seed: int = 0, kind: str = "uncertainties") -> list[Any]:
    """``n`` Latin-hypercube samples of a model's uncertainties (or levers), as EMA scenarios
    (policies): seeded by a numpy Generator, with each input's own distribution, so the same
    seed gives the same experiments under every EMA version."""
    from scipy.stats import qmc

    em = workbench()
    params = list(getattr(m, kind))
    if not params or n < 1:
        return []
    rng = np.random.default_rng(np.random.SeedSequence([seed, SAMPLE_TAG]))
    unit = qmc.LatinHypercube(d=len(params), rng=rng).random(n)
    cols = {p.name: m.negsim_inputs[p.name].value(unit[:, j]) for j, p in enumerate(params)}
    point = getattr(em, "Sample", None) or (em.Scenario if kind == "uncertainties" else em.Policy)
    whole = [isinstance(p, em.IntegerParameter) and not isinstance(p, em.CategoricalParameter)
             for p in params]  # fmt: skip
    rows = [
        {p.name: (int if w else float)(cols[p.name][k]) for p, w in zip(params, whole, strict=True)}
        for k in range(n)
    ]
    return [point(f"{kind[0]}{k}", **row) for k, row in enumerate(rows)]


def perform(m: Any, experiments: int, seed: int = 0, policies: int = 0) -> tuple[Any, dict]:
    """Run ``experiments`` sampled scenarios (times ``policies`` sampled lever settings, if
    any) through EMA's sequential evaluator: ``(experiments table, outcomes by name)``."""
    em = workbench()
    scenarios = sample(m, experiments, seed)
    chosen = sample(m, policies, seed + 1, "levers") if policies else 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return em.perform_experiments(m, scenarios=scenarios, policies=chosen)


def discover(
    m: Any,
    experiments: Any,
    outcomes: dict[str, np.ndarray],
    focus: str,
    above: float = 0.5,
    min_coverage: float = 0.5,
    seed: int = 0,
) -> Any:
    """Scenario discovery over EMA experiments of a negsim model: which ranges of its exposed
    inputs (and only those) make the share of ``focus`` exceed ``above``: PRIM (with pasting,
    the trajectory, box limits and quasi-p values), CART and feature scores, as a
    :class:`negsim.experiments.discovery.Discovery` whose inputs are named by scenario path."""
    from negsim.experiments.discovery import analyse

    names = [p.name for p in (*m.uncertainties, *m.levers)]
    paths = {n: m.negsim_inputs[n].path for n in names}
    x = experiments[names].astype(float).rename(columns=paths)
    key = name_of(focus)
    if key not in outcomes:
        raise NegsimError(f"discover: {focus!r} is not an outcome of this model")
    y = np.asarray(outcomes[key], dtype=float) > above
    return analyse(x, y, f"{focus} share > {above:g}", min_coverage, seed=seed, unit="experiments")
