"""The Python API: load a scenario, change its values, run it, sweep it — from a notebook.

The command line and this module share every step (the loader, ``--set``'s rules and
messages, the engines, the run table and its shares), so a number got here is the number
``negsim run`` prints, and a mistake raises the :class:`~negsim.errors.NegsimError` whose one
line the command would print::

    import negsim

    s = negsim.load("scenarios/baseline.yaml")
    s2 = s.with_values({"actors.russia.patience.outside_option": 0.3})
    result = negsim.run(s2, runs=1000, seed=0)
    result.shares()              # outcome shares over the completed runs (a pandas Series)
    result.frame                 # one row per run (a pandas DataFrame)
    print("\\n".join(result.transcript(0)))

Runs go through one process (:func:`negsim.runner.run_many`): the results are the same as
with any number of processes (a property the suite tests), so only the time differs.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from negsim.errors import NegsimError
from negsim.execution import ENGINES
from negsim.scenario.compile import Compiled, compile_scenario
from negsim.scenario.load import load_scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Result", "Scenario", "load", "run", "sweep"]

Values = Mapping[str, Any]


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated and compiled scenario, and how it was got (file, ``--set``
    overrides, Python values), so that a changed copy is loaded the same way and a run can be
    repeated from its description alone. Immutable: :meth:`with_values` returns a new one."""

    path: Path
    compiled: Compiled = field(repr=False)
    overrides: tuple[str, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.compiled.scenario.name

    @property
    def description(self) -> str:
        return self.compiled.scenario.description

    @property
    def issues(self) -> tuple[str, ...]:
        """Issue ids, in the order of the run table's columns."""
        return self.compiled.issues

    @property
    def actors(self) -> tuple[str, ...]:
        """Actor ids (every actor the scenario declares, at the table or not)."""
        return self.compiled.actors

    @property
    def inputs(self) -> tuple[str, ...]:
        """The uncertain inputs' paths (each a distribution in the file): what ``fixed=`` of
        :func:`run` and a sweep's parameters may set, and what :meth:`with_values` may fix."""
        return tuple(leaf.path for leaf in self.compiled.leaves)

    def with_values(self, values: Values) -> Scenario:
        """A copy with ``values`` (dotted path -> Python value: a number, a list, a mapping
        such as ``{"uniform": [0.1, 0.3]}``) set in the file's data before validation, as
        ``--set`` does. A misspelt or unknown path raises :class:`NegsimError` at once, with
        ``--set``'s message, rather than leaving a value that silently changes nothing."""
        merged = {**self.values, **{k: _plain(v) for k, v in values.items()}}
        return _load(self.path, self.overrides, merged)


def load(path: str | Path, overrides: Sequence[str] | Values | None = None) -> Scenario:
    """Load a scenario file (with ``extends:``), as ``negsim run`` does.

    ``overrides`` are ``--set`` strings (``["actors.russia.patience.rounds=1"]``, values in
    YAML) or a mapping of paths to Python values (as :meth:`Scenario.with_values` takes).
    """
    if overrides is None:
        return _load(Path(path), (), {})
    if isinstance(overrides, Mapping):
        return _load(Path(path), (), {k: _plain(v) for k, v in overrides.items()})
    if isinstance(overrides, str):
        raise NegsimError("overrides must be a list of 'PATH=VALUE' strings or a mapping")
    return _load(Path(path), tuple(overrides), {})


def _load(path: Path, overrides: tuple[str, ...], values: dict[str, Any]) -> Scenario:
    compiled = compile_scenario(load_scenario(path, overrides, values))
    return Scenario(path, compiled, overrides, values)


def _plain(value: Any) -> Any:
    """Python values as YAML would give them: numpy scalars and arrays, tuples -> plain
    numbers and lists (the schema validates plain data)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Result:
    """The runs of :func:`run`: the run table and what is read from it.

    Shares are over the runs that completed; a run that raised has its error in the table's
    ``error`` column and is counted in ``summary["failed"]``, never as an outcome.
    """

    scenario: Scenario
    frame: pd.DataFrame = field(repr=False)
    seed: int
    engine: str
    fixed: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> int:
        return len(self.frame)

    @property
    def summary(self) -> dict[str, Any]:
        """The document ``negsim run --json`` prints, less what only the command knows (the
        processes used, the time taken, the forecasts of the other models): scenario, file,
        runs, seed, engine, outcome shares, per-issue shares and agreed values, failures."""
        from negsim.outcomes import distribution

        return {
            "scenario": self.scenario.name,
            "file": str(self.scenario.path),
            "runs": self.runs,
            "seed": self.seed,
            "engine": self.engine,
            **distribution(self.frame, self.scenario.issues),
        }

    def shares(self) -> pd.Series:
        """Share of each outcome class (agreement, partial, stalemate, breakdown) among the
        completed runs, indexed by class."""
        import pandas as pd

        from negsim.outcomes import OUTCOMES

        out = self.summary["outcomes"]
        return pd.Series([out[o] for o in OUTCOMES], index=list(OUTCOMES), name="share")

    def issue_shares(self) -> pd.DataFrame:
        """Per issue (rows), the share of completed runs in which it ended agreed, open or in
        deadlock (columns)."""
        import pandas as pd

        from negsim.outcomes import IssueStatus

        issues = self.summary["issues"]
        cols = [s.label for s in IssueStatus]
        return pd.DataFrame(
            [[issues[i][c] for c in cols] for i in self.scenario.issues],
            index=list(self.scenario.issues),
            columns=cols,
        )

    def transcript(self, k: int = 0) -> list[str]:
        """Run ``k`` replayed in the agent model, as readable lines: every offer and response,
        then the run's outcome — the lines ``negsim run --transcript --run K`` prints."""
        from negsim.model import NegotiationModel
        from negsim.report import run_line

        if not 0 <= k < self.runs:
            raise NegsimError(f"run {k} is not among this result's runs (0 to {self.runs - 1})")
        fixed = {p: float(v[k]) for p, v in self.fixed.items()}
        model = NegotiationModel(self.scenario.compiled, k, self.seed, fixed=fixed).run()
        return [*model.transcript, run_line(model)]


def run(
    scenario: Scenario | str | Path,
    runs: int = 1000,
    seed: int = 0,
    engine: str = "batch",
    fixed: Mapping[str, Any] | None = None,
) -> Result:
    """Run a scenario (or a scenario file) ``runs`` times from root seed ``seed``.

    Run k's numbers depend only on (seed, k), so the result equals ``negsim run --runs N
    --seed S`` and each run can be replayed with :meth:`Result.transcript`. ``fixed`` sets
    uncertain inputs (paths from :attr:`Scenario.inputs`) to one value, or one value per run,
    as an experimental design does; an unknown path raises :class:`NegsimError` at once.
    """
    from negsim.runner import check_fixed, run_many

    s = scenario if isinstance(scenario, Scenario) else load(scenario)
    if engine not in ENGINES:
        raise NegsimError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 1:
        raise NegsimError(f"runs must be a whole number of at least 1, got {runs!r}")
    check_fixed(s.compiled, fixed or {})
    per_run = {p: _per_run(p, v, int(runs)) for p, v in (fixed or {}).items()}
    results = run_many(s.compiled, range(int(runs)), int(seed), engine, fixed=per_run or None)
    return Result(s, results.frame, int(seed), results.engine, per_run)


def _per_run(path: str, value: Any, runs: int) -> np.ndarray:
    """One value for every run, or one per run."""
    try:
        return np.broadcast_to(np.asarray(value, dtype=float), (runs,))
    except (TypeError, ValueError):
        raise NegsimError(
            f"fixed: {path}: expected one number or {runs} numbers (one per run)"
        ) from None


def sweep(
    experiment: str | Path | Mapping[str, Any],
    out: str | Path | None = None,
    *,
    base: str | Path | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Run an experiment (a file, or its content as a mapping) and return its run table.

    A thin wrapper over :func:`negsim.experiments.run_experiment`; ``options`` are
    :class:`~negsim.experiments.SweepOptions` fields (``workers=``, ``resume=``, ...), and
    ``out`` the folder the sweep is written to (None: in memory only).

    In a file, ``scenario:`` is relative to the file. A mapping has no file, so its relative
    ``scenario:`` is taken relative to ``base`` (default: the current folder, where a
    notebook usually sits), made absolute, and the mapping is written as YAML to a temporary
    file that the sweep reads and that is removed afterwards.
    """
    from negsim.experiments import run_experiment

    if not isinstance(experiment, Mapping):
        return run_experiment(experiment, out=out, **options)
    import yaml

    doc = copy.deepcopy(dict(experiment))
    scenario = doc.get("scenario")
    if isinstance(scenario, str) and not Path(scenario).is_absolute():
        doc["scenario"] = str((Path(base or Path.cwd()) / scenario).resolve())
    with tempfile.TemporaryDirectory(prefix="negsim-sweep-") as tmp:
        name = str(doc.get("name") or "experiment")
        file = Path(tmp) / f"{Path(name).name or 'experiment'}.yaml"
        file.write_text(yaml.safe_dump(_plain(doc), sort_keys=False), encoding="utf-8")
        return run_experiment(file, out=out, **options)
