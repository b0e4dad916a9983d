"""Validated scenario -> index arrays and parameter arrays with a leading batch axis.

Both engines read only this: the Mesa agent model slices row ``[0]`` for one run, the batch
engine stacks many runs. Every distribution in the file is a *leaf* drawn once per run (shared by
all actors that inherit it) by inverse CDF from the run's uniform draws, so a run's parameters
depend only on its own generator, whatever batch it is computed in.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from negsim import tactics
from negsim.errors import NegsimError
from negsim.forum_rules import FORUM_RULES
from negsim.params import Params
from negsim.rules import Response
from negsim.scenario.resolve import (
    Resolved,
    Where,
    decisive_of,
    focus_of,
    group_members,
    members_of,
    resolve,
)
from negsim.scenario.schema import (
    DEFAULT_TACTIC,
    DISTS,
    RANGES,
    UP,
    Choice,
    Dist,
    Forum,
    Normal,
    Scenario,
    Triangular,
    Uniform,
)

# Per parameter array: the leaf column(s) that fill it (one column for a scalar array) and
# the element indices they fill, one index array per axis after the batch axis.
Scatter = dict[str, tuple[np.ndarray | np.intp, tuple[np.ndarray, ...]]]


@dataclass(frozen=True)
class Party:
    """One side at the table: a single actor, or a bloc speaking through its decision rule."""

    id: str
    name: str
    members: np.ndarray  # actor indices that make up this side at the table
    bloc: int | None = None  # bloc index when the party is a bloc
    rule: str = "actor"  # 'actor', or the bloc's decision rule
    bound_by: int | None = None  # bloc index whose consensus bound caps an actor party
    code: int = -1  # its place in Compiled.party_names (actors first, then blocs)


@dataclass(frozen=True)
class ForumSpec:
    id: str
    name: str
    date: str
    format: str
    exchanges: int
    decision_rule: str
    parties: tuple[Party, ...]
    participants: np.ndarray  # actor indices at the table (listed participants and the parties)
    required: np.ndarray  # actor indices whose acceptance an agreement needs
    agenda: np.ndarray  # bool (I,)
    chair: str | None
    agreement: str = "issues"  # issues | package
    deadline: float = math.inf  # the forum's own deadline in exchanges
    days: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (E,) day of each exchange
    voting: tuple[float, float] = (0.5, 0.5)  # shares of voters and of votes a proposal needs
    mediator: str = "nash"


@dataclass(frozen=True)
class BlocSpec:
    id: str
    members: np.ndarray
    rule: str
    chair: str | None


@dataclass(frozen=True)
class Leaf:
    """A distribution written at ``path``; its draw fills every (array, index) in targets."""

    path: str
    dist: Uniform | Triangular | Normal | Choice
    lo: float
    hi: float
    targets: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class Watch:
    """A response observation: in forum ``forum``, party ``by``'s answers to ``to``'s offers
    on the issues of ``mask``, compared with the Response ``code``."""

    index: int  # among the response observations
    forum: int
    by: int
    to: int
    mask: np.ndarray
    code: int


@dataclass(frozen=True)
class Compiled:
    scenario: Scenario
    issues: tuple[str, ...]
    clusters: tuple[str, ...]
    actors: tuple[str, ...]
    names: tuple[str, ...]
    blocs: tuple[BlocSpec, ...]
    forums: tuple[ForumSpec, ...]
    total_exchanges: int
    focal: int  # actor index whose progress, utility and position are reported
    bloc: int | None  # bloc index reported on (cohesion, bound), None where there is none
    lead: int  # actor index traced beside the focal actor
    core: np.ndarray  # bool (I,)
    status_quo: np.ndarray  # (I,) what stands without a deal
    deadline_days: float  # the calendar deadline in days from the first forum, inf if none
    party_names: tuple[str, ...]  # actors' names then blocs' ids: what Party.code indexes
    decisive: np.ndarray  # actor indices
    rule: np.ndarray  # (A,) concession rule ids
    link_gated: np.ndarray  # bool (A, K, I)
    link_on: np.ndarray  # bool (A, K, I)
    patience_on: np.ndarray  # bool (A, I)
    credited_on: np.ndarray  # bool (A, I): progress there counts with the actor's credit
    has_patience: np.ndarray  # bool (A,)
    decides: np.ndarray  # bool (A,): walking out is a decision (patience rule 'decision')
    base: dict[str, np.ndarray] = field(repr=False)
    leaves: tuple[Leaf, ...] = ()

    @functools.cached_property
    def watched(self) -> tuple[Watch, ...]:
        """The answers the response observations ask about, laid out per forum."""
        out = []
        forums = [f.id for f in self.forums]
        responses = [o for o in self.scenario.observations.values() if o.kind == "response"]
        for r, obs in enumerate(responses):
            # checks._observations made these present for a response observation
            assert obs.forum and obs.issue and obs.by and obs.to and obs.response
            f = forums.index(obs.forum)
            ids = [q.id for q in self.forums[f].parties]
            mask = cluster_mask([obs.issue], self.issues, self.clusters)
            code = int(Response[obs.response.upper()])
            out.append(Watch(r, f, ids.index(obs.by), ids.index(obs.to), mask, code))
        return tuple(out)

    @functools.cached_property
    def scatter(self) -> Scatter:
        """Where each leaf's value goes, computed once per compiled scenario."""
        return scatter_plan(self.leaves)

    @functools.cached_property
    def memo(self) -> dict[Any, Any]:
        """What other modules compute once per compiled scenario (the dynamics' forum
        layouts), kept with it so that it goes when the scenario goes."""
        return {}

    @functools.cached_property
    def mapping(self) -> Mapped:
        """The uniform and triangular leaves' columns and bounds, computed once per compiled
        scenario (a chunk's 228 leaves read one by one cost ~1 ms of Python)."""
        return mapping_plan(self.leaves)

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def n_issues(self) -> int:
        return len(self.issues)


def cluster_mask(
    names: list[str], issues: tuple[str, ...], clusters: tuple[str, ...]
) -> np.ndarray:
    """Which issues the names (issue ids or clusters) cover (I,)."""
    return np.array([i in names or c in names for i, c in zip(issues, clusters, strict=True)])


class _Params:
    """Collects constant values into arrays and distributions into leaves."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.leaves: dict[str, tuple[Dist, float, float, list]] = {}

    def new(self, name: str, shape: tuple[int, ...], fill: float = 0.0) -> None:
        self.arrays[name] = np.full((1, *shape), fill, dtype=float)

    def put(
        self, name: str, index: tuple[int, ...], value: float | Dist, where: Where, field_name: str
    ) -> None:
        if isinstance(value, DISTS):
            path = ".".join(map(str, where))
            lo, hi = RANGES[field_name]
            entry = self.leaves.setdefault(path, (value, lo, hi, []))
            entry[3].append((name, index))
            value = _central(value, lo, hi)
        self.arrays[name][(0, *index)] = float(value)


def _central(d: Uniform | Triangular | Normal | Choice, lo: float, hi: float) -> float:
    """A representative value (used until sampled; e.g. for the 'central' run)."""
    if isinstance(d, Uniform):
        return sum(d.uniform) / 2
    if isinstance(d, Triangular):
        return d.triangular[1]
    if isinstance(d, Choice):  # the most likely value
        return d.choice.values[max(range(len(d.choice.p)), key=d.choice.p.__getitem__)]
    return min(max(d.normal[0], lo), hi)


@dataclass(frozen=True)
class _Layout:
    """Names and indices every part of the compiler needs."""

    s: Scenario
    issues: tuple[str, ...]
    clusters: tuple[str, ...]
    actors: tuple[str, ...]
    idx: dict[str, int]
    groups: dict[str, list[str]]

    def mask(self, names: list[str]) -> np.ndarray:
        return cluster_mask(names, self.issues, self.clusters)


@dataclass
class _ActorTables:
    """The per-actor index arrays that are not sampled numbers."""

    rule: np.ndarray  # (A,) tactic ids
    link_gated: np.ndarray  # (A, K, I)
    link_on: np.ndarray  # (A, K, I)
    patience_on: np.ndarray  # (A, I)
    credited_on: np.ndarray  # (A, I) issues whose progress counts with the actor's credit
    has_patience: np.ndarray  # (A,)
    decides: np.ndarray  # (A,) its patience is a decision, not a count of rounds


PER_ACTOR_NUMBERS = (
    "capability",
    "reciprocity",
    "cohesion_susceptibility",
    "wedge_susceptibility",
    "wedge",
    "patience_rounds",
    "progress_required",
)


DECISION_NUMBERS = (
    "outside_option", "discount", "hope", "learning", "expected_wait", "confidence",
    "deadline_days", "credit",
)  # fmt: skip


def compile_scenario(s: Scenario) -> Compiled:
    """Lay a validated scenario out as arrays (checks have already passed)."""
    issues = tuple(s.issues)
    actors = tuple(s.actors)
    groups = group_members(s)
    lay = _Layout(
        s,
        issues,
        tuple(s.issues[i].cluster for i in issues),
        actors,
        {a: k for k, a in enumerate(actors)},
        groups,
    )
    fields = resolve(s, groups)
    k_max = max([1, *(len(f[("linkage",)][0]) for f in fields.values() if ("linkage",) in f)])
    p = _new_params(lay, k_max)
    tables = _ActorTables(
        np.zeros(len(actors), dtype=np.int8),
        np.zeros((len(actors), k_max, len(issues)), dtype=bool),
        np.zeros((len(actors), k_max, len(issues)), dtype=bool),
        np.zeros((len(actors), len(issues)), dtype=bool),
        np.zeros((len(actors), len(issues)), dtype=bool),
        np.zeros(len(actors), dtype=bool),
        np.zeros(len(actors), dtype=bool),
    )
    for a, f in fields.items():
        _actor(lay, lay.idx[a], f, p, tables)
    p.arrays["side"] = np.array([[1.0 if fields[a][("side",)][0] in UP else -1.0 for a in actors]])
    blocs = _blocs(lay, p)
    forums = tuple(_forum(lay, fid, fs, blocs) for fid, fs in _schedule(s))
    leaves = tuple(
        Leaf(path, d, lo, hi, tuple(t)) for path, (d, lo, hi, t) in sorted(p.leaves.items())
    )
    bloc_idx = {b: q for q, b in enumerate(s.blocs)}
    focal, bloc, lead = focus_of(s)
    assert focal is not None and lead is not None  # checks: the outcomes name both
    return Compiled(
        scenario=s,
        issues=issues,
        clusters=lay.clusters,
        actors=actors,
        names=tuple(s.actors[a].name for a in actors),
        blocs=blocs,
        forums=forums,
        total_exchanges=sum(f.exchanges for f in forums),
        focal=lay.idx[focal],
        bloc=bloc_idx[bloc] if bloc else None,
        lead=lay.idx[lead],
        core=np.array([c == s.outcomes.core for c in lay.clusters]),
        status_quo=np.array([s.issues[i].status_quo for i in issues]),
        deadline_days=_deadline_days(s),
        party_names=(
            *(s.actors[a].name for a in actors),
            *(_bloc_name(b) for b in s.blocs),
        ),
        decisive=np.array(
            [lay.idx[a] for a in members_of(s, decisive_of(s), groups)], dtype=np.intp
        ),
        rule=tables.rule,
        link_gated=tables.link_gated,
        link_on=tables.link_on,
        patience_on=tables.patience_on,
        credited_on=tables.credited_on,
        has_patience=tables.has_patience,
        decides=tables.decides,
        base=p.arrays,
        leaves=leaves,
    )


def _new_params(lay: _Layout, k_max: int) -> _Params:
    """Arrays for every parameter, holding the scenario-wide numbers already."""
    n_a, n_i, s = len(lay.actors), len(lay.issues), lay.s
    p = _Params()
    for name in ("ideal", "reservation", "salience"):
        p.new(name, (n_a, n_i))
    p.new("beta", (n_a,), fill=1.0)  # read only by tactics that declare an exponent
    for name in PER_ACTOR_NUMBERS:
        p.new(name, (n_a,))
    p.new("votes", (n_a,))
    p.new("outside_option", (n_a,), fill=-1.0)  # no outside option: staying always wins
    p.new("discount", (n_a,), fill=1.0)
    p.new("limit", (n_a, n_i))  # where none is given, the reservation's own draw: no bending
    p.new("hope", (n_a,), fill=1.0)
    p.new("learning", (n_a,))
    p.new("expected_wait", (n_a,), fill=30.0)
    p.new("confidence", (n_a,), fill=1.0)
    p.new("deadline_days", (n_a,))  # 0: the scenario's deadline
    p.new("credit", (n_a,))
    p.new("link_threshold", (n_a, k_max))
    p.new("bloc_cohesion", (len(s.blocs),))
    p.new("horizon", ())
    p.new("tolerance", ())
    p.put("horizon", (), s.rules.horizon, ("rules", "horizon"), "horizon")
    p.put("tolerance", (), s.outcomes.tolerance, ("outcomes", "tolerance"), "tolerance")
    return p


def _actor(lay: _Layout, k: int, f: Resolved, p: _Params, t: _ActorTables) -> None:
    """One actor's resolved fields into its row of every array."""
    for j, iid in enumerate(lay.issues):
        for name in ("ideal", "reservation", "salience"):
            value, where = f[("positions", iid, name)]
            p.put(name, (k, j), value, where, name)
        limit = f.get(("positions", iid, "limit"))
        if limit is None:  # the same draw as the reservation: it does not bend
            p.put("limit", (k, j), *f[("positions", iid, "reservation")], "reservation")
        else:
            p.put("limit", (k, j), *limit, "limit")
    for name in ("capability", "cohesion_susceptibility", "wedge_susceptibility", "wedge"):
        if (name,) in f:
            p.put(name, (k,), *f[(name,)], name)
    if ("votes",) in f:
        p.arrays["votes"][0, k] = float(f[("votes",)][0])
    else:  # votes follow capability, the same draw where capability is uncertain
        p.put("votes", (k,), *f[("capability",)], "capability")
    for name in ("beta", "reciprocity"):  # a tactic without an exponent has no beta
        if ("concession", name) in f:
            p.put(name, (k,), *f[("concession", name)], name)
    t.rule[k] = tactics.ids()[f.get(("concession", "rule"), (DEFAULT_TACTIC, ()))[0]]
    if ("linkage",) in f:
        links, where = f[("linkage",)]
        for q, link in enumerate(links):
            t.link_gated[k, q] = lay.mask(link.gated)
            t.link_on[k, q] = lay.mask(link.unlocked_by)
            p.put("link_threshold", (k, q), link.threshold, (*where, q, "threshold"), "threshold")
    if ("patience",) in f:
        pat, where = f[("patience",)]
        t.has_patience[k] = True
        t.patience_on[k] = lay.mask(pat.judged_on)
        t.credited_on[k] = lay.mask(pat.credited)
        t.decides[k] = pat.kind == "decision"
        for name, value, key, field_name in (
            ("patience_rounds", pat.rounds, "rounds", "patience"),
            ("progress_required", pat.progress_required, "progress_required", "progress_required"),
            *((n, getattr(pat, n), n, n) for n in DECISION_NUMBERS),
        ):
            if value is not None:
                p.put(name, (k,), value, (*where, key), field_name)


def _blocs(lay: _Layout, p: _Params) -> tuple[BlocSpec, ...]:
    s = lay.s
    chair_of = {c.bloc: cid for cid, c in s.chairs.items() if c.bloc}
    out = []
    for q, (b, spec) in enumerate(s.blocs.items()):
        p.put("bloc_cohesion", (q,), spec.cohesion, ("blocs", b, "cohesion"), "cohesion")
        members = np.array([lay.idx[a] for a in lay.groups[spec.members]], dtype=np.intp)
        out.append(BlocSpec(b, members, spec.decision_rule, chair_of.get(b)))
    return tuple(out)


def _deadline_days(s: Scenario) -> float:
    """Days from the first forum to the calendar deadline, or inf: time counts in exchanges."""
    if s.rules.deadline is None:
        return math.inf
    return float(max((s.rules.deadline - _schedule(s)[0][1].date).days, 1))


def _schedule(s: Scenario) -> list:
    """Forums in date order (stable: file order on ties)."""
    return sorted(s.forums.items(), key=lambda kv: kv[1].date)


def _bloc_name(bloc: str) -> str:
    """How output names a bloc: a short id as an acronym (nato -> NATO), a long one as is."""
    return bloc.upper() if len(bloc) <= 5 else bloc


def _party(lay: _Layout, fs: Forum, pid: str, seated: set[str]) -> Party:
    """One side at the table: an actor (perhaps bound by a bloc), or a bloc's seated members
    who are not also the other side."""
    s, bloc_idx = lay.s, {b: q for q, b in enumerate(lay.s.blocs)}
    if pid in s.actors:
        bound = fs.bound_by.get(pid)
        return Party(
            pid,
            s.actors[pid].name,
            np.array([lay.idx[pid]]),
            bound_by=bloc_idx[bound] if bound else None,
            code=lay.idx[pid],
        )
    others = set(members_of(s, [o for o in fs.parties if o != pid], lay.groups))
    mem = [a for a in members_of(s, [pid], lay.groups) if a in seated and a not in others]
    return Party(
        pid,
        _bloc_name(pid),
        np.array([lay.idx[a] for a in mem], dtype=np.intp),
        bloc=bloc_idx[pid],
        rule=s.blocs[pid].decision_rule,
        code=len(lay.actors) + bloc_idx[pid],
    )


def _days(s: Scenario, fs: Forum, n: int, start: dt.date) -> np.ndarray:
    """The calendar day (from the first forum) of each of a forum's ``n`` exchanges: a meeting
    spends its hours, a written phase (or any forum given ``days``) spreads over its days."""
    offset = (fs.date - start).days
    if fs.days is not None:
        return offset + fs.days * np.arange(1, n + 1) / n
    step = 0.0 if fs.format == "written" else s.rules.hours_per_exchange / 24
    return offset + step * np.arange(1, n + 1)


def _forum(lay: _Layout, fid: str, fs: Forum, blocs: tuple[BlocSpec, ...]) -> ForumSpec:
    s = lay.s
    seated = set(members_of(s, fs.participants or list(fs.parties), lay.groups))
    parties = [_party(lay, fs, pid, seated) for pid in fs.parties]
    for party in parties:
        seated |= {lay.actors[m] for m in party.members}
    required = FORUM_RULES[fs.decision_rule].required(
        parties, {lay.idx[a] for a in seated}, [b.members for b in blocs]
    )
    exchanges = fs.exchanges
    if not exchanges:
        if fs.format == "written":
            exchanges = 1
        else:
            assert fs.hours is not None  # checks: a meeting needs 'hours' or 'exchanges'
            exchanges = max(1, math.ceil(fs.hours / s.rules.hours_per_exchange))
    return ForumSpec(
        fid,
        fs.name,
        fs.date.isoformat(),
        fs.format,
        exchanges,
        fs.decision_rule,
        tuple(parties),
        np.array(sorted(lay.idx[a] for a in seated), dtype=np.intp),  # all at the table
        np.array(sorted(required), dtype=np.intp),
        lay.mask(fs.agenda) if fs.agenda else np.ones(len(lay.issues), dtype=bool),
        fs.chair,
        fs.agreement,
        float(fs.deadline) if fs.deadline else math.inf,
        _days(s, fs, exchanges, _schedule(s)[0][1].date),
        (fs.voting.members, fs.voting.weight)
        if fs.voting
        else FORUM_RULES[fs.decision_rule].default_voting,
        fs.mediator,
    )


def inverse_cdf(leaf: Leaf, u: np.ndarray) -> np.ndarray:
    """Map uniform draws to the leaf's distribution (vectorised; clipped to the field range)."""
    d = leaf.dist
    if isinstance(d, Uniform):
        lo, hi = d.uniform
        x = lo + u * (hi - lo)
    elif isinstance(d, Triangular):
        x = triangular(u, *d.triangular)
    elif isinstance(d, Choice):  # value k where u falls in the k-th probability interval
        cum = np.cumsum(d.choice.p)
        k = np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(cum) - 1)
        x = np.asarray(d.choice.values, dtype=float)[k]
    else:
        mean, sd = d.normal
        from scipy.special import ndtri  # only where a scenario has a normal (a slow import)

        x = mean + sd * ndtri(np.clip(u, 1e-12, 1 - 1e-12))
    return np.clip(x, leaf.lo, leaf.hi)


def triangular(u: np.ndarray, a: Any, c: Any, b: Any) -> np.ndarray:
    """The triangular distribution's inverse CDF (low ``a``, mode ``c``, high ``b``: numbers,
    or arrays broadcast against ``u``): one leaf's or many leaves' at once, in the same
    operations."""
    return np.where(
        u < (c - a) / (b - a),
        a + np.sqrt(u * (b - a) * (c - a)),
        b - np.sqrt((1 - u) * (b - a) * (b - c)),
    )


def uniforms(compiled: Compiled, seeds: np.ndarray | Sequence[int], root: int) -> np.ndarray:
    """One row of uniform draws per run, from that run's own generator.

    Run k's generator is ``SeedSequence(root, spawn_key=(k,))``: the k-th child that
    ``SeedSequence(root).spawn`` would give, so run k is the same alone or in any batch. The
    draws are computed by :mod:`negsim.kernel.seeds`, numpy's arithmetic compiled for a whole
    batch (a test holds them equal to :func:`run_generator`'s, bit for bit).
    """
    from negsim.kernel import seeds as compiled_seeds  # numba: not for validate and schema

    return compiled_seeds.uniforms(root, np.asarray(seeds, dtype=np.int64), len(compiled.leaves))


def run_generator(root: int, k: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(root, spawn_key=(k,))))


def leaf_values(
    compiled: Compiled, u: np.ndarray, fixed: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """The value of every leaf for each run (B, L): the inputs a sweep table records.

    ``fixed`` maps leaf paths to values chosen by an experimental design (one per run); the
    other leaves are drawn from the run's own uniforms, so fixing one input leaves the draws
    of all others unchanged.
    """
    fixed = fixed or {}
    paths = {leaf.path for leaf in compiled.leaves} if fixed else set()
    unknown = sorted(set(fixed) - paths)
    if unknown:
        raise KeyError(f"not an uncertain value of this scenario: {', '.join(unknown)}")
    out = np.empty_like(u)
    plan = compiled.mapping
    out[:, plan.uniform] = np.clip(plan.lo + u[:, plan.uniform] * plan.width, *plan.clip)
    if len(plan.triangular):  # inverse_cdf's arithmetic, element by element, all at once
        x = triangular(u[:, plan.triangular], *plan.tri)
        out[:, plan.triangular] = np.clip(x, *plan.tri_clip)
    for j in plan.other:
        out[:, j] = inverse_cdf(compiled.leaves[j], u[:, j])
    for j, leaf in enumerate(compiled.leaves if fixed else ()):
        if leaf.path in fixed:
            out[:, j] = np.clip(np.asarray(fixed[leaf.path], dtype=float), leaf.lo, leaf.hi)
    return out


@dataclass(frozen=True)
class Mapped:
    """Which leaves map their uniforms in one array operation each (:func:`leaf_values`):
    the uniform ones (columns, low, width and clip bounds), the triangular ones (columns,
    low, mode, high and clip bounds), and the others' columns (one :func:`inverse_cdf` call
    each)."""

    uniform: np.ndarray
    lo: np.ndarray
    width: np.ndarray
    clip: tuple[np.ndarray, np.ndarray]
    triangular: np.ndarray
    tri: tuple[np.ndarray, np.ndarray, np.ndarray]
    tri_clip: tuple[np.ndarray, np.ndarray]
    other: tuple[int, ...]


def mapping_plan(leaves: tuple[Leaf, ...]) -> Mapped:
    """:class:`Mapped` for a scenario's leaves."""

    def columns(kind: type) -> np.ndarray:
        return np.array([j for j, f in enumerate(leaves) if isinstance(f.dist, kind)], np.intp)

    def bounds(cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.array([leaves[j].lo for j in cols]), np.array([leaves[j].hi for j in cols])

    uni, tri = columns(Uniform), columns(Triangular)
    lo, hi = (np.array([leaves[j].dist.uniform[k] for j in uni], float) for k in (0, 1))
    abc = tuple(np.array([leaves[j].dist.triangular[k] for j in tri], float) for k in range(3))
    other = tuple(j for j, f in enumerate(leaves) if not isinstance(f.dist, Uniform | Triangular))
    return Mapped(uni, lo, hi - lo, bounds(uni), tri, abc, bounds(tri), other)  # type: ignore[arg-type]


def check_fixed(cp: Compiled, fixed: Mapping[str, object], what: str = "fixed: ") -> None:
    """A fixed path (a design's, the API's ``fixed=``, a Mesa model parameter) that is no
    uncertain input is the caller's mistake, not a failed run: it is raised before any run
    (otherwise every run would be stored as failed, and the shares over the completed runs
    would quietly be those of none). ``what`` names the argument in the message."""
    paths = [leaf.path for leaf in cp.leaves]
    unknown = [p for p in fixed if p not in set(paths)]
    if unknown:
        close = difflib.get_close_matches(unknown[0], paths, n=1, cutoff=0.75)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise NegsimError(
            f"{what}not an uncertain value of scenario '{cp.scenario.name}': "
            f"{', '.join(unknown)}{hint}"
        )


def draw(
    compiled: Compiled,
    runs: np.ndarray | list[int],
    seed: int,
    fixed: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, Params]:
    """The one way runs get their parameters: run k's own uniforms, a design's fixed values,
    the leaf values a table records (B, L) and the parameter arrays the dynamics read."""
    values = leaf_values(compiled, uniforms(compiled, runs, seed), fixed)
    return values, fill(compiled, values)


def fill(compiled: Compiled, values: np.ndarray) -> Params:
    """Parameter arrays from leaf values (B, L): one vectorised scatter per array."""
    b = values.shape[0]
    params = {k: np.repeat(v, b, axis=0) for k, v in compiled.base.items()}
    for name, (cols, index) in compiled.scatter.items():
        at: tuple[slice | np.ndarray, ...] = (slice(None), *index)
        params[name][at] = values[:, cols]
    return Params(**params)


def scatter_plan(leaves: tuple[Leaf, ...]) -> Scatter:
    """For each parameter array: which leaf fills which element."""
    by_name: dict[str, list[tuple[int, tuple[int, ...]]]] = {}
    for j, leaf in enumerate(leaves):
        for name, index in leaf.targets:
            by_name.setdefault(name, []).append((j, index))
    plan: Scatter = {}
    for name, items in by_name.items():
        cols = np.array([j for j, _ in items], dtype=np.intp)
        ndim = len(items[0][1])
        where = tuple(np.array([ix[d] for _, ix in items], dtype=np.intp) for d in range(ndim))
        plan[name] = (cols[0] if ndim == 0 else cols, where)  # a scalar has a single leaf
    return plan
