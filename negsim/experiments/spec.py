"""Experiment files: which scenario, which inputs to vary, over which design, how many runs.

An experiment is a question put to a scenario ("does a shorter Russian patience matter more
than a less united NATO?"), so it is data in ``experiments/*.yaml`` beside the scenarios, read
by the same line-tracking YAML reader and held to the same rule: unknown keys are errors, and
every error names the file and line. Checks that depend on the design (a Sobol design cannot
take a list of values) are made here too, before anything runs or is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from negsim.errors import NegsimError
from negsim.figures import default_record, recordable
from negsim.outcomes import OUTCOMES
from negsim.scenario.load import explain
from negsim.scenario.schema import Normal, Real, Triangular, Uniform, Whole
from negsim.scenario.yamlio import Located, read_yaml

DESIGNS = ("grid", "monte_carlo", "latin_hypercube", "sobol", "morris")


def _recordable(name: object) -> object:
    """A ``record:`` name must name figures: checked against the registry when the file is read
    (not when this module was), so a figure registered later is recordable too."""
    known = recordable()
    if name not in known:
        expected = ", ".join(map(repr, known[:-1])) + f" or {known[-1]!r}"
        raise PydanticCustomError(
            "literal_error", "Input should be {expected}", {"expected": expected}
        )
    return name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Values(_Strict):
    """Discrete levels: every one of them in a grid, drawn evenly in the random designs."""

    values: list[Real] = Field(min_length=1)


class Range(_Strict):
    """A continuous interval: evenly spaced levels in a grid, uniform in the other designs."""

    range: tuple[Real, Real]
    levels: Annotated[Whole, Field(ge=2, le=1000)] | None = None


def _param_kind(value: object) -> str | None:
    if isinstance(value, dict) and value:
        key = next(iter(value))
        return key if key in {"values", "range", "uniform", "triangular", "normal"} else None
    if isinstance(value, BaseModel):
        return next(iter(type(value).model_fields))
    return None


Param = Annotated[
    Annotated[Values, Tag("values")]
    | Annotated[Range, Tag("range")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Normal, Tag("normal")],
    Discriminator(
        _param_kind,
        custom_error_type="parameter",
        custom_error_message="expected {values: [...]}, {range: [lo, hi]} or a distribution "
        "({uniform: [lo, hi]}, {triangular: [lo, mode, hi]}, {normal: [mean, sd]})",
    ),
]


class Experiment(_Strict):
    """One experiment file. Counts: a run is one simulation; a point is one set of inputs."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str
    scenario: str = Field(description="scenario file, relative to the experiment file")
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="scenario values fixed for the whole experiment (path -> YAML value)",
    )
    parameters: dict[str, Param] = Field(
        default_factory=dict, description="the uncertain inputs the design varies"
    )
    levers: dict[str, Param] = Field(
        default_factory=dict,
        description="the inputs a party chooses (policy levers), kept apart from the "
        "uncertain ones: a sweep's design varies them alike, the EMA Workbench adapter "
        "(negsim.ema) hands them over as levers",
    )
    design: Literal["grid", "monte_carlo", "latin_hypercube", "sobol", "morris"]
    levels: Annotated[Whole, Field(ge=2, le=1000)] | None = None
    points: Annotated[Whole, Field(ge=1)] | None = None
    samples: Annotated[Whole, Field(ge=1)] | None = None
    replications: Annotated[Whole, Field(ge=1)] = 1
    seed: Annotated[Whole, Field(ge=0)] = 0
    chunk: Annotated[Whole, Field(ge=1)] = 2000
    focus: str = Field(
        default="breakdown",
        description="what sensitivity indices and scenario discovery explain: an outcome "
        "class (agreement, partial, stalemate, breakdown) or ISSUE.agreed",
    )
    record: list[Annotated[str, BeforeValidator(_recordable)]] | None = None
    labels: dict[str, str] = Field(
        default_factory=dict, description="readable names of parameters for the plots"
    )
    posterior: str | None = Field(
        default=None,
        description="a calibration's folder (negsim calibrate --out), relative to the "
        "experiment file: the inputs the design does not set are drawn from its posterior",
    )

    @property
    def recorded(self) -> tuple[str, ...]:
        return default_record() if self.record is None else tuple(self.record)

    @property
    def swept(self) -> dict[str, Param]:
        """Every input the design sets: the uncertain parameters, then the levers."""
        return {**self.parameters, **self.levers}


MAX_RUNS = 50_000_000  # far beyond any sensible sweep: a typo (samples: 2**30) is caught early


def design_problems(e: Experiment) -> list[tuple[tuple[str, ...], str]]:
    """Combinations the schema cannot see, each as (path in the file, message)."""
    out: list[tuple[tuple[str, ...], str]] = []
    needs = {"monte_carlo": "points", "latin_hypercube": "points", "sobol": "samples"}
    needs["morris"] = "samples"
    for key in ("points", "samples"):
        if getattr(e, key) is not None and needs.get(e.design) != key:
            out.append(((key,), f"'{key}' does not apply to a {e.design} design"))
    want = needs.get(e.design)
    if want and getattr(e, want) is None:
        out.append((("design",), f"a {e.design} design needs '{want}'"))
    if e.levels is not None and e.design not in ("grid", "morris"):
        out.append((("levels",), f"'levels' applies to grid and morris designs, not {e.design}"))
    if e.design == "sobol" and e.samples and e.samples & (e.samples - 1):
        out.append((("samples",), f"a sobol design needs a power of 2 samples, got {e.samples}"))
    if not e.swept and e.design != "monte_carlo":
        out.append((("parameters",), f"a {e.design} design needs at least one parameter"))
    if e.design == "sobol" and len(e.swept) < 2:
        out.append((("parameters",), "a sobol design needs at least two parameters"))
    for section, params in (("parameters", e.parameters), ("levers", e.levers)):
        out += [p for path, v in params.items() for p in _param_problems(e, section, path, v)]
    named = [("set", p) for p in e.set] + [("parameters", p) for p in e.parameters]
    named += [("levers", p) for p in e.levers]
    for n, (section, path) in enumerate(named):
        for other_section, other in named[:n]:
            if path == other or path.startswith(other + ".") or other.startswith(path + "."):
                out.append(
                    (
                        (section, path),
                        f"overlaps {other_section}.{other}: one scenario value would be set "
                        "twice (the later silently winning)",
                    )
                )
    for path in e.labels:
        if path not in e.swept:
            out.append((("labels", path), "a label for a path that is not a parameter or lever"))
    if e.focus not in OUTCOMES and not re.fullmatch(r"[A-Za-z0-9_]+\.agreed", e.focus):
        out.append((("focus",), f"focus is one of {', '.join(OUTCOMES)} or ISSUE.agreed"))
    return out


def _param_problems(
    e: Experiment, section: str, path: str, p: object
) -> list[tuple[tuple[str, ...], str]]:
    """What is wrong with one parameter or lever under the experiment's design."""
    out: list[tuple[tuple[str, ...], str]] = []
    where = (section, path)
    if not re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*", path):
        out.append((where, f"a {section[:-1]} is a dotted scenario path, e.g. blocs.BLOC.cohesion"))
    if isinstance(p, Range) and not p.range[0] < p.range[1]:
        out.append(((*where, "range"), f"empty range [{p.range[0]}, {p.range[1]}]"))
    if isinstance(p, Values) and e.design in ("sobol", "morris"):
        out.append(
            (where, f"a {e.design} design needs a range or a distribution, not a values list")
        )
    if isinstance(p, Range) and p.levels is not None and e.design != "grid":
        out.append(((*where, "levels"), "'levels' of a parameter applies to grid designs"))
    if isinstance(p, Uniform | Triangular | Normal) and e.design == "grid":
        out.append((where, "a grid needs values or a range (with levels), not a distribution"))
    return out


def _is_tag(part: object) -> bool:
    return isinstance(part, str) and (
        part in {"values", "range", "uniform", "triangular", "normal", "int", "str"}
        or part.startswith(("function-", "tagged-union", "literal"))
    )


def read_experiment(file: str | Path) -> tuple[Experiment, Located]:
    """Read and check an experiment file; any problem is a NegsimError naming file and line."""
    name = str(file)
    data, loc = read_yaml(file)
    if not isinstance(data, dict):
        raise NegsimError("an experiment file must be a mapping", name, 1)
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as exc:
        where, msg = explain(exc.errors()[0], Experiment)
        if len(where) > 3 and where[0] in ("parameters", "levers") and where[2] == where[3]:
            where = (*where[:2], *where[3:])  # the union's tag, then the field of that name
        f, line = loc.where(where)
        raise NegsimError(msg, f or name, line, ".".join(map(str, where)) or None) from None
    problems = design_problems(exp)
    if problems:
        where, msg = problems[0]
        f, line = loc.where(where)
        raise NegsimError(msg, f or name, line, ".".join(where))
    return exp, loc
