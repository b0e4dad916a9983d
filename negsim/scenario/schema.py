"""The scenario format: validated, frozen pydantic models and the JSON Schema editors use.

Every uncertain number may be a distribution; which numbers may be, and their ranges, is
declared here once so validation, sampling and the JSON Schema agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    model_validator,
)
from pydantic_core import PydanticUndefined

from negsim.forum_rules import BLOC_RULES, FORUM_RULES
from negsim.tactics import TACTICS

# Numbers are read strictly: YAML gives real numbers, so `true`, '0.5' (quoted) or a date where a
# number belongs is a mistake to report, not a value to coerce; NaN and infinity never pass.
Real = Annotated[float, Strict(), AllowInfNan(False)]
Whole = Annotated[int, Strict()]


def _date_only(value: object) -> object:
    """YAML reads 2022-01-10 as a date; a bare number must not become a Unix timestamp."""
    if isinstance(value, (bool, int, float)):
        raise ValueError(f"expected a date like 2022-01-10, got {value!r}")
    return value


Date = Annotated[dt.date, BeforeValidator(_date_only)]


class Frozen(BaseModel):
    """Unknown keys are errors (a typo must not silently become a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Uniform(Frozen):
    uniform: tuple[Real, Real] = Field(description="[low, high]")

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        lo, hi = self.uniform
        if not lo < hi:
            raise ValueError(f"uniform needs low < high, got [{lo}, {hi}]")
        return self

    def support(self) -> tuple[float, float]:
        return self.uniform


class Triangular(Frozen):
    triangular: tuple[Real, Real, Real] = Field(description="[low, mode, high]")

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        lo, mode, hi = self.triangular
        if not (lo <= mode <= hi and lo < hi):
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high, got [{lo}, {mode}, {hi}]"
            )
        return self

    def support(self) -> tuple[float, float]:
        return self.triangular[0], self.triangular[2]


class Normal(Frozen):
    normal: tuple[Real, Annotated[Real, Field(gt=0)]] = Field(
        description="[mean, standard deviation]; draws are clipped to the field's range"
    )

    def support(self) -> tuple[float, float]:
        mean, sd = self.normal
        return mean - 8 * sd, mean + 8 * sd


class ChoiceSpec(Frozen):
    values: list[Real] = Field(min_length=2, max_length=64, description="the possible values")
    p: list[Annotated[Real, Field(ge=0)]] = Field(
        min_length=2, max_length=64, description="their probabilities, summing to 1"
    )

    @model_validator(mode="after")
    def _same_length_summing_to_one(self) -> ChoiceSpec:
        if len(self.values) != len(self.p):
            raise ValueError(f"choice has {len(self.values)} values but {len(self.p)} p")
        if abs(sum(self.p) - 1) > 1e-9:
            raise ValueError(f"choice p must sum to 1, got {sum(self.p):g}")
        return self


class Choice(Frozen):
    """A discrete uncertainty: one of ``values`` with probabilities ``p`` (a red line that may
    bend: ``{choice: {values: [0, 0.5], p: [0.7, 0.3]}}``)."""

    choice: ChoiceSpec = Field(description="{values: [...], p: [...]}")

    def support(self) -> tuple[float, float]:
        return min(self.choice.values), max(self.choice.values)


Dist = Uniform | Triangular | Normal | Choice
DISTS = (Uniform, Triangular, Normal, Choice)
MAX_EXCHANGES = 100  # per forum, given or computed from its hours
# Sizes beyond any security conference (the OSCE has 57 states): a run's arrays are actors x
# issues x linkages, so these bound its memory whatever a 2 MB file declares.
MAX_ACTORS = 500
MAX_PARTIES = 64
MAX_ISSUES = 50
MAX_LINKAGES = 20


def num(lo: float, hi: float, description: str = "", default: object = PydanticUndefined) -> Any:
    """A number or a distribution whose draws lie in [lo, hi]. Typed ``Any``, as pydantic's
    ``Field`` is, so it can stand as the default of a field of any annotated type."""
    return Field(
        default=default,
        description=f"{description} Range [{lo}, {hi}]; a number or a distribution "
        "({uniform: [lo, hi]}, {triangular: [lo, mode, hi]}, {normal: [mean, sd]}).",
        json_schema_extra={"minimum": lo, "maximum": hi},
    )


# Ranges for every number a scenario may hold; the loader checks values and supports against them.
RANGES: dict[str, tuple[float, float]] = {
    "ideal": (0.0, 1.0),
    "reservation": (0.0, 1.0),
    "salience": (0.0, 1.0),
    "capability": (0.0, 1.0),
    "beta": (0.01, 50.0),
    "reciprocity": (0.0, 1.0),
    "threshold": (0.0, 1.0),
    "patience": (0.0, 50.0),
    "progress_required": (0.0, 1.0),
    "cohesion_susceptibility": (0.0, 1.0),
    "wedge_susceptibility": (0.0, 1.0),
    "wedge": (0.0, 1.0),
    "cohesion": (0.0, 1.0),
    "tolerance": (0.0, 0.5),
    "horizon": (1.0, 1000.0),
    "outside_option": (-1.0, 1.0),
    "discount": (0.5, 1.0),
    "limit": (0.0, 1.0),
    "hope": (0.0, 1.0),
    "learning": (0.0, 1.0),
    "expected_wait": (0.1, 3650.0),
    "confidence": (0.1, 100.0),
    "deadline_days": (1.0, 3650.0),
    "credit": (0.0, 1.0),
}


def _number_kind(value: object) -> str | None:
    if isinstance(value, dict):
        return next(iter(value)) if len(value) == 1 and next(iter(value)) in DIST_KINDS else None
    if isinstance(value, DISTS):
        return next(iter(type(value).model_fields))
    return "number"


DIST_KINDS = ("uniform", "triangular", "normal", "choice")

Number = Annotated[
    Annotated[Real, Tag("number")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[Choice, Tag("choice")],
    Discriminator(
        _number_kind,
        custom_error_type="number_or_distribution",
        custom_error_message="expected a number or one of {uniform: [lo, hi]}, "
        "{triangular: [lo, mode, hi]}, {normal: [mean, sd]}, {choice: {values: [...], p: [...]}}",
    ),
]


class Issue(Frozen):
    """One dimension of the negotiation, on a scale from 0 to 1 whose ends ``scale`` names."""

    name: str
    status_quo: Real = Field(
        default=0.0,
        ge=0,
        le=1,
        description="the value that stands if nothing is agreed: progress is utility gained "
        "over it",
    )
    cluster: str = Field(description="e.g. core, arms_control, principles, western")
    scale: dict[Real, str] = Field(description="what 0, 0.5 and 1 mean, in words")
    articles: list[str] = Field(default_factory=list, description="draft treaty articles")
    actual: Real | None = Field(
        default=None,
        ge=0,
        le=1,
        description="the documented outcome on this scale, where one is known: drawn beside "
        "the forecasts (say where it comes from in source)",
    )
    source: str


TACTIC_NAMES = tuple(TACTICS)
DEFAULT_TACTIC = "boulware"  # an actor whose groups name no tactic
BLOC_RULE_NAMES = tuple(BLOC_RULES)
FORUM_RULE_NAMES = tuple(FORUM_RULES)


def _exponents(registry: dict) -> str:
    """The beta field's description: each tactic's own range, from the registry."""
    ranged = [
        f"{n} {t.beta_range[0]:g}-{t.beta_range[1]:g}" for n, t in registry.items() if t.beta_range
    ]
    bare = [n for n, t in registry.items() if not t.beta_range]
    return (
        f"Time exponent of a time-dependent tactic, within its own range ({', '.join(ranged)}); "
        f"{' and '.join(bare)} take none."
    )


def _menu(registry: dict) -> str:
    """A field's description from the registry: every allowed name and what it does."""
    return " | ".join(f"{name}: {cls.description}" for name, cls in registry.items())


class Position(Frozen):
    ideal: Number | None = num(0, 1, "Most preferred value on the issue scale.", None)
    reservation: Number | None = num(
        0, 1, "Furthest the actor will go; equal to ideal on a red line.", None
    )
    salience: Number | None = num(0, 1, "How much the issue matters to the actor.", None)
    limit: Number | None = num(
        0,
        1,
        "How far its reservation may bend under its bloc's cohesion and the other side's wedge "
        "(a red line that may bend); default: the reservation itself, no bending.",
        None,
    )
    source: str | None = Field(default=None, description="seed file(s) and what they document")


class Concession(Frozen):
    """Time-dependent tactic (Faratin et al. 1998) plus reciprocity (tit-for-tat)."""

    rule: Literal[TACTIC_NAMES] | None = Field(  # type: ignore[valid-type]
        default=None, description=_menu(TACTICS)
    )
    beta: Number | None = num(0.01, 50, _exponents(TACTICS), None)
    reciprocity: Number | None = num(
        0, 1, "Share of the other side's last concession matched.", None
    )
    source: str | None = None


class Linkage(Frozen):
    """No movement on ``gated`` until the other side moved ``threshold`` on ``unlocked_by``."""

    gated: list[str] = Field(min_length=1, description="issue ids or cluster names held back")
    unlocked_by: list[str] = Field(
        min_length=1, description="issue ids or cluster names whose progress unlocks them"
    )
    threshold: Number = num(0, 1, "Required progress of the other side, 0..1.")
    source: str | None = None


class Patience(Frozen):
    """Whether to stay at the table. ``rule: decision`` (the default): after every exchange
    the actor compares the deal it expects before its deadline, discounted, with its outside
    option, learning from the offers it sees how likely the other side is to move (Fearon
    1995; a Gamma-Poisson belief on the rate of concessions). ``rule: rounds``, the special
    case kept from the first version: it walks out after ``rounds`` rounds short of
    ``progress_required``. Without ``rule``, a patience giving ``rounds`` is the rounds rule."""

    rule: Literal["rounds", "decision"] | None = Field(
        default=None,
        description="decision (default): walk out when the outside option beats the expected, "
        "discounted deal (Fearon 1995); rounds: walk out after `rounds` rounds short of "
        "`progress_required` (the default only where `rounds` is given)",
    )
    rounds: Number | None = num(0, 50, "Rounds without sufficient progress tolerated.", None)
    progress_required: Number | None = num(
        0, 1, "Progress on ``judged_on`` that counts as progress.", None
    )
    outside_option: Number | None = num(
        -1,
        1,
        "What walking out is worth, on the scale of progress: 0 the status quo, 1 its ideal "
        "on the judged issues, below 0 worse than the status quo.",
        None,
    )
    discount: Number | None = num(
        0.5, 1, "Per-day discount factor of a deal reached later (1: no discounting).", None
    )
    hope: Number | None = num(
        0,
        1,
        "decision: the progress it believes the other side could still give (its belief "
        "about the other side's reserved value); default 1, everything it asks.",
        None,
    )
    learning: Number | None = num(
        0,
        1,
        "decision: how fast its hope falls toward what it is offered: the share of the gap "
        "closed each day (aspiration learning); default 0, it keeps its hope.",
        None,
    )
    expected_wait: Number | None = num(
        0.1,
        3650,
        "decision: days it expects to wait, before seeing any offer, for the other side's "
        "next real concession (the prior mean of the Gamma-Poisson belief); default 30.",
        None,
    )
    confidence: Number | None = num(
        0.1,
        100,
        "decision: how firmly it holds that expectation, in concessions' worth of evidence "
        "(the prior's shape); default 1.",
        None,
    )
    deadline_days: Number | None = num(
        1,
        3650,
        "decision: days from the first forum it gives the talks; default the scenario's "
        "deadline (or its horizon).",
        None,
    )
    credited: list[str] = Field(
        default_factory=list,
        description="issue ids or clusters whose progress counts too, weighted by `credit`",
    )
    credit: Number | None = num(
        0, 1, "Weight of progress on `credited` against `judged_on` (1: the same).", None
    )
    judged_on: list[str] = Field(min_length=1, description="issue ids or clusters judged")
    source: str | None = None

    @property
    def kind(self) -> str:
        """The rule in force: as written, else rounds where ``rounds`` is given."""
        if self.rule is not None:
            return self.rule
        return "rounds" if self.rounds is not None else "decision"

    @model_validator(mode="after")
    def _what_the_rule_needs(self) -> Patience:
        need = ("rounds", "progress_required") if self.kind == "rounds" else ("outside_option",)
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"patience with rule {self.kind} needs {' and '.join(missing)}")
        if self.credited and self.credit is None:
            raise ValueError("patience with credited issues needs credit")
        other = ROUNDS_FIELDS if self.kind == "decision" else DECISION_FIELDS
        unread = [k for k in other if getattr(self, k) not in (None, [])]
        if unread:
            raise ValueError(
                f"patience with rule {self.kind} does not read {', '.join(unread)} "
                f"(fields of the {'rounds' if self.kind == 'decision' else 'decision'} rule)"
            )
        return self


ROUNDS_FIELDS = ("rounds", "progress_required")
DECISION_FIELDS = (
    "outside_option", "discount", "hope", "learning", "expected_wait", "confidence",
    "deadline_days", "credited", "credit",
)  # fmt: skip


UP = ("up", "west")  # sides that concede toward 1


class ActorFields(Frozen):
    """Fields an actor has and a group may give as defaults."""

    side: Literal["up", "down", "west", "east"] | None = Field(
        default=None,
        description="which way it concedes: up toward 1, down toward 0 ('west' and 'east' are "
        "the same, as the first case names them)",
    )
    capability: Number | None = num(0, 1, "Weight in forecasts and bloc medians.", None)
    votes: Real | None = Field(
        default=None, ge=0, description="votes under a weighted rule; default: its capability"
    )
    positions: dict[str, Position] = Field(default_factory=dict)
    concession: Concession | None = None
    linkage: list[Linkage] | None = Field(default=None, max_length=MAX_LINKAGES)
    patience: Patience | None = None
    cohesion_susceptibility: Number | None = num(0, 1, "How strongly it drifts to its bloc.", None)
    wedge_susceptibility: Number | None = num(
        0, 1, "How far the other side's wedge pulls it.", None
    )
    wedge: Number | None = num(0, 1, "Strength of the wedge pressure it exerts on blocs.", None)
    source: str | None = None


class Actor(ActorFields):
    name: str


class Group(Frozen):
    members: list[str] = Field(min_length=1, description="actor ids or other group ids")
    defaults: ActorFields = Field(default_factory=ActorFields)
    description: str | None = None


class Chair(Frozen):
    name: str
    role: str
    bloc: str | None = None
    source: str | None = None


class Bloc(Frozen):
    members: str = Field(description="the group whose members make up the bloc")
    decision_rule: Literal[BLOC_RULE_NAMES] = Field(  # type: ignore[valid-type]
        default="consensus", description=_menu(BLOC_RULES)
    )
    cohesion: Number = num(0, 1, "Pull of members toward the bloc position per exchange.")
    source: str | None = None


class Voting(Frozen):
    """A proposal passes when its supporters reach both shares (EU Council style)."""

    members: Real = Field(default=0.5, ge=0, le=1, description="share of the voters")
    weight: Real = Field(default=0.5, ge=0, le=1, description="share of the voters' votes")
    source: str | None = None


class Forum(Frozen):
    name: str
    date: Date
    format: Literal["meeting", "written"] = "meeting"
    hours: Real | None = Field(default=None, gt=0)
    exchanges: Whole | None = Field(default=None, ge=1, le=MAX_EXCHANGES)
    decision_rule: Literal[FORUM_RULE_NAMES] = Field(  # type: ignore[valid-type]
        description=_menu(FORUM_RULES)
    )
    parties: list[str] = Field(
        min_length=2,
        max_length=MAX_PARTIES,
        description="the sides at the table, two or more: actor or bloc ids, in speaking order",
    )
    agreement: Literal["issues", "package"] = Field(
        default="issues",
        description="issues: each issue is agreed on its own; package: the agenda's issues are "
        "agreed together or not at all",
    )
    deadline: Whole | None = Field(
        default=None,
        ge=1,
        le=MAX_EXCHANGES,
        description="the forum's own deadline in exchanges: time-dependent tactics reach their "
        "reservation by then (besides the scenario's horizon)",
    )
    days: Real | None = Field(
        default=None,
        gt=0,
        le=3660,
        description="calendar days the forum takes (a written phase); default: its hours",
    )
    voting: Voting | None = Field(
        default=None, description="thresholds of a majority or qualified_majority rule"
    )
    mediator: Literal["nash", "weighted_median"] = Field(
        default="nash",
        description="what the chair proposes under the mediator rule: nash (the Nash "
        "bargaining solution over the parties' utilities) or weighted_median (capability x "
        "salience weighted median of the participants' positions)",
    )
    participants: list[str] | None = Field(
        default=None,
        min_length=1,
        description="actor/group ids at the table; default: the parties' members",
    )
    bound_by: dict[str, str] = Field(
        default_factory=dict, description="actor id -> bloc whose consensus bounds it"
    )
    chair: str | None = None
    agenda: list[str] | None = Field(
        default=None, min_length=1, description="issue ids or clusters; default: every issue"
    )
    source: str | None = None


class Rules(Frozen):
    horizon: Number = num(
        1,
        1000,
        "Exchanges until the actors' deadline (time-dependent "
        "tactics reach their reservation there).",
    )
    hours_per_exchange: Real = Field(default=1.5, gt=0)
    deadline: Date | None = Field(
        default=None,
        description="a calendar deadline: when given, tactics count time in days from the first "
        "forum to it (a three-week written phase passes three weeks), not in exchanges",
    )
    source: str | None = None


class Outcomes(Frozen):
    tolerance: Number = num(0, 0.5, "Offers this close count as meeting.")
    core: str = Field(default="core", description="the cluster whose agreement is 'agreement'")
    focal: str | None = Field(
        default=None,
        description="the actor whose core progress, utility and position are reported; "
        "default: the first actor in decisive",
    )
    bloc: str | None = Field(
        default=None,
        description="the bloc whose cohesion and bound are reported; default: the first bloc "
        "in decisive, if any",
    )
    lead: str | None = Field(
        default=None,
        description="the actor traced beside the focal actor; default: the first actor that "
        "faces it in the schedule",
    )
    russia: str | None = Field(default=None, description="the old name of focal")
    west: str | None = Field(default=None, description="the old name of bloc")
    west_lead: str | None = Field(default=None, description="the old name of lead")
    decisive: list[str] | None = Field(
        default=None,
        min_length=1,
        description="actors/groups whose reservations must overlap for an issue to count as "
        "open rather than deadlocked; default: every forum's parties",
    )


class Observation(Frozen):
    """A documented event, a predicate over a run's record that calibration holds runs to.

    ``agreed``: an issue (or any issue of a cluster) was agreed in ``forum`` (``expect``
    true) or not (false). ``at_table``: the run was still going after ``forum`` (no party had
    walked out). ``moved``: the reported bloc's consensus bound on the issue (or on every
    issue of the cluster) moved toward the other side in ``forum`` by more than the
    tolerance. ``holds``: the reported bloc's consensus on the issue held to the end.
    ``response``: in ``forum``, every answer of party ``by`` (every member, for a bloc) to
    party ``to``'s offers on the issue (or cluster) was ``response`` (accept, defer, reject or
    walk_out)."""

    kind: Literal["agreed", "at_table", "moved", "holds", "response"]
    forum: str | None = Field(default=None, description="forum id (every kind but holds)")
    issue: str | None = Field(default=None, description="issue id or cluster (not at_table)")
    by: str | None = Field(default=None, description="response: the answering party")
    to: str | None = Field(default=None, description="response: the offering party")
    response: Literal["accept", "defer", "reject", "walk_out"] | None = Field(
        default=None, description="response: the answer every one of its answers was"
    )
    expect: bool = Field(description="whether the event happened")
    source: str = Field(min_length=1, description="seed file(s) and what they document")

    @model_validator(mode="after")
    def _what_the_kind_needs(self) -> Observation:
        if self.kind != "holds" and self.forum is None:
            raise ValueError(f"an observation of kind {self.kind} needs a forum")
        if self.kind != "at_table" and self.issue is None:
            raise ValueError(f"an observation of kind {self.kind} needs an issue")
        if self.kind == "at_table" and self.issue is not None:
            raise ValueError("an observation of kind at_table takes no issue")
        needs = [k for k in ("by", "to", "response") if getattr(self, k) is None]
        if self.kind == "response" and needs:
            raise ValueError(f"an observation of kind response needs {' and '.join(needs)}")
        if self.kind != "response" and len(needs) < 3:
            raise ValueError(f"by, to and response belong to kind response, not {self.kind}")
        return self


class Scenario(Frozen):
    name: str
    description: str = ""
    extends: str | None = None
    issues: dict[str, Issue] = Field(min_length=1, max_length=MAX_ISSUES)
    defaults: ActorFields = Field(default_factory=ActorFields)
    groups: dict[str, Group] = Field(default_factory=dict)
    actors: dict[str, Actor] = Field(min_length=2, max_length=MAX_ACTORS)
    chairs: dict[str, Chair] = Field(default_factory=dict)
    blocs: dict[str, Bloc] = Field(default_factory=dict)
    forums: dict[str, Forum] = Field(min_length=1)
    rules: Rules
    outcomes: Outcomes  # no default: 'tolerance' has none, so Outcomes() cannot be built
    observations: dict[str, Observation] = Field(
        default_factory=dict, description="documented events, by id, for calibration"
    )


def json_schema() -> dict:
    """The JSON Schema of a scenario file, for editors (``negsim schema``)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "negsim scenario"
    return schema
