"""Experiment file -> everything a sweep needs, checked before a single run or file is made.

How a design sets an input: each swept path is written into the raw scenario as a uniform
distribution over the values the design may give it (so the scenario's own validation checks
that range against the field's allowed range), the scenario is compiled, and the design's value
for each run is passed to the engine as a *fixed* value of that leaf. Every other uncertain
input keeps being drawn from the run's own generator.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from negsim.errors import NegsimError
from negsim.experiments.designs import Design, design_size, make_design, sweep_bounds
from negsim.experiments.spec import MAX_RUNS, OUTCOMES, Experiment, Values, read_experiment
from negsim.figures import recorded
from negsim.scenario.compile import Compiled, compile_scenario
from negsim.scenario.load import apply_set, read_raw, validate
from negsim.scenario.yamlio import Located


@dataclass(frozen=True)
class Prepared:
    """A checked experiment: its design, the scenario it runs and the hashes that name it."""

    exp: Experiment
    file: Path
    scenario_file: Path
    raw: dict  # the scenario as run: merged, with `set` and the swept ranges applied
    compiled: Compiled
    design: Design
    swept: tuple[str, ...]  # parameters passed to the engine as fixed leaf values
    scenario_sha256: str
    experiment_sha256: str
    posterior: str | None = None  # the posterior.parquet the inputs come from, if any

    @property
    def n_runs(self) -> int:
        return self.design.n_points * self.exp.replications


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_sha256(raw: dict) -> str:
    """The hash of a scenario as run: its data after every override, in canonical JSON (a
    sweep's manifest and ``negsim run --out``'s summary.json both record it)."""
    return sha256(canonical_json(raw))


def _exists(raw: dict, parts: list[str]) -> bool:
    node: Any = raw
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _assign(raw: dict, loc: Located, path: str, value: Any, where: tuple[str, int | None]) -> None:
    """Set one scenario value, naming the experiment file and line if the path is wrong."""
    file, line = where
    if not _exists(raw, path.split(".")):
        parts = path.split(".")
        depth = next(n for n in range(len(parts) + 1) if not _exists(raw, parts[: n + 1]))
        under = ".".join(parts[:depth]) or "the scenario"
        raise NegsimError(
            f"no '{parts[depth]}' under '{under}' in the scenario (a typo, or a value the "
            "scenario inherits from a group: vary the group's default instead)",
            file,
            line,
            path,
        )
    try:
        apply_set(raw, loc, f"{path}={json.dumps(value)}")
    except NegsimError as exc:
        raise NegsimError(exc.message.removeprefix("--set "), file, line, path) from None
    key = tuple(int(p) if p.isdigit() else p for p in path.split("."))
    loc.lines[key] = (file, line or 0)  # errors in the swept value point at the experiment


def focus_problem(focus: str, issues: tuple[str, ...], record: tuple[str, ...]) -> str | None:
    """Why the outcome ``focus`` cannot be explained from a sweep's table, or None: it names
    no outcome class or issue, or the columns it needs are not recorded. Checked before the
    first run, so a typo in ``focus:`` or ``--discover`` costs nothing."""
    if focus in OUTCOMES:
        column = "outcome"
    elif focus.endswith(".agreed") and focus.removesuffix(".agreed") in issues:
        column = f"{focus.removesuffix('.agreed')}.status"
    else:
        return (
            f"{focus!r} is neither an outcome class ({', '.join(OUTCOMES)}) nor ISSUE.agreed "
            f"with an issue of the scenario ({', '.join(issues)})"
        )
    if not recorded(column, set(record)):
        return f"{focus!r} needs the column {column!r}, which the experiment's record: omits"
    return None


def prepare(file: str | Path) -> Prepared:
    """Read the experiment and its scenario, apply it, compile, and build the design."""
    file = Path(file)
    exp, eloc = read_experiment(file)
    name = str(file)
    scenario_file = file.parent / exp.scenario
    if not scenario_file.exists():
        _, line = eloc.where(("scenario",))
        raise NegsimError(f"scenario file not found: {scenario_file}", name, line, "scenario")
    raw, loc = read_raw(scenario_file)
    raw = copy.deepcopy(raw)
    for path, value in exp.set.items():
        _assign(raw, loc, path, value, eloc.where(("set", path)))  # type: ignore[arg-type]
    swept = []
    for path, param in exp.swept.items():
        where = eloc.where(("parameters" if path in exp.parameters else "levers", path))
        if isinstance(param, Values) and sweep_bounds(param) is None:
            _assign(raw, loc, path, param.values[0], where)  # type: ignore[arg-type]
            continue
        bounds = sweep_bounds(param)
        value = {"uniform": list(bounds)} if bounds else param.model_dump(mode="json")
        _assign(raw, loc, path, value, where)  # type: ignore[arg-type]
        swept.append(path)
    compiled = compile_scenario(validate(raw, loc, str(scenario_file)))
    leaves = {leaf.path for leaf in compiled.leaves}
    for path in swept:
        if path not in leaves:
            f, line = eloc.where(("parameters" if path in exp.parameters else "levers", path))
            raise NegsimError(
                "no actor, bloc or rule of the scenario uses this value", f, line, path
            )
    problem = focus_problem(exp.focus, compiled.issues, exp.recorded)
    if problem:
        f, line = eloc.where(("focus",))
        raise NegsimError(problem, f, line, "focus")
    n = design_size(exp) * exp.replications
    if n > MAX_RUNS:
        raise NegsimError(f"{n:,} runs; at most {MAX_RUNS:,} in one experiment", name)
    design = make_design(exp)
    scenario_sha = scenario_sha256(raw)
    # an experiment without levers hashes as before levers existed (its sweeps still resume)
    ident = exp.model_dump(
        mode="json", exclude={"chunk"} | ({"levers"} if not exp.levers else set())
    )
    posterior, posterior_sha = _posterior(file, exp, eloc)
    exp_sha = sha256(
        canonical_json({"experiment": ident, "scenario": scenario_sha, "posterior": posterior_sha})
    )
    return Prepared(
        exp, file, scenario_file, raw, compiled, design, tuple(swept), scenario_sha, exp_sha,
        posterior,
    )  # fmt: skip


def _posterior(file: Path, exp: Experiment, eloc: Any) -> tuple[str | None, str | None]:
    """The posterior file an experiment draws from and its digest (so a sweep resumed over
    another calibration is another experiment), or None."""
    if exp.posterior is None:
        return None, None
    table = file.parent / exp.posterior / "posterior.parquet"
    if not table.is_file():
        f, line = eloc.where(("posterior",))
        raise NegsimError(
            f"no posterior.parquet in {file.parent / exp.posterior} (negsim calibrate --out)",
            f, line, "posterior",
        )  # fmt: skip
    return str(table.resolve()), hashlib.sha256(table.read_bytes()).hexdigest()
