"""Validated scenario -> index arrays and parameter arrays with a leading batch axis.

Both engines read only this: the Mesa agent model slices row ``[0]`` for one run, the batch
engine stacks many runs. Every distribution in the file is a *leaf* drawn once per run (shared by
all actors that inherit it) by inverse CDF from the run's uniform draws, so a run's parameters
depend only on its own generator, whatever batch it is computed in.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from negsim import tactics
from negsim.forum_rules import FORUM_RULES
from negsim.params import Params
from negsim.scenario.resolve import Where, group_members, members_of, resolve
from negsim.scenario.schema import DEFAULT_TACTIC, RANGES, Normal, Scenario, Triangular, Uniform


@dataclass(frozen=True)
class Party:
    """One side at the table: a single actor, or a bloc speaking through its decision rule."""

    id: str
    name: str
    members: np.ndarray  # actor indices that make up this side at the table
    bloc: int | None = None  # bloc index when the party is a bloc
    rule: str = "actor"  # actor | consensus | majority
    bound_by: int | None = None  # bloc index whose consensus bound caps an actor party


@dataclass(frozen=True)
class ForumSpec:
    id: str
    name: str
    date: str
    format: str
    exchanges: int
    decision_rule: str
    parties: tuple[Party, Party]
    participants: np.ndarray  # actor indices that act: the parties' members, sorted
    required: np.ndarray  # actor indices whose acceptance an agreement needs
    agenda: np.ndarray  # bool (I,)
    chair: str | None


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
    dist: Uniform | Triangular | Normal
    lo: float
    hi: float
    targets: tuple[tuple[str, tuple[int, ...]], ...]


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
    russia: int
    west: int  # bloc index reported on
    west_lead: int  # actor index traced beside Russia
    core: np.ndarray  # bool (I,)
    decisive: np.ndarray  # actor indices
    rule: np.ndarray  # (A,) concession rule ids
    link_gated: np.ndarray  # bool (A, K, I)
    link_on: np.ndarray  # bool (A, K, I)
    patience_on: np.ndarray  # bool (A, I)
    has_patience: np.ndarray  # bool (A,)
    base: dict[str, np.ndarray] = field(repr=False)
    leaves: tuple[Leaf, ...] = ()

    @functools.cached_property
    def scatter(self) -> dict[str, tuple[np.ndarray, tuple[np.ndarray, ...]]]:
        """Where each leaf's value goes, computed once per compiled scenario."""
        return scatter_plan(self.leaves)

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def n_issues(self) -> int:
        return len(self.issues)


def _mask(names: list[str], issues: tuple[str, ...], clusters: tuple[str, ...]) -> np.ndarray:
    return np.array([i in names or c in names for i, c in zip(issues, clusters, strict=True)])


class _Params:
    """Collects constant values into arrays and distributions into leaves."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.leaves: dict[str, tuple[object, float, float, list]] = {}

    def new(self, name: str, shape: tuple[int, ...], fill: float = 0.0) -> None:
        self.arrays[name] = np.full((1, *shape), fill, dtype=float)

    def put(
        self, name: str, index: tuple[int, ...], value: object, where: Where, field_name: str
    ) -> None:
        if isinstance(value, (Uniform, Triangular, Normal)):
            path = ".".join(map(str, where))
            lo, hi = RANGES[field_name]
            entry = self.leaves.setdefault(path, (value, lo, hi, []))
            entry[3].append((name, index))
            value = _central(value, lo, hi)
        self.arrays[name][(0, *index)] = float(value)


def _central(d: Uniform | Triangular | Normal, lo: float, hi: float) -> float:
    """A representative value (used until sampled; e.g. for the 'central' run)."""
    if isinstance(d, Uniform):
        return sum(d.uniform) / 2
    if isinstance(d, Triangular):
        return d.triangular[1]
    return min(max(d.normal[0], lo), hi)


def compile_scenario(s: Scenario) -> Compiled:
    """Lay a validated scenario out as arrays (checks have already passed)."""
    issues = tuple(s.issues)
    clusters = tuple(s.issues[i].cluster for i in issues)
    actors = tuple(s.actors)
    idx = {a: k for k, a in enumerate(actors)}
    groups = group_members(s)
    fields = resolve(s, groups)
    n_a, n_i = len(actors), len(issues)
    k_max = max([len(f[("linkage",)][0]) for f in fields.values() if ("linkage",) in f] or [0])
    k_max = max(k_max, 1)

    p = _Params()
    for name in ("ideal", "reservation", "salience"):
        p.new(name, (n_a, n_i))
    p.new("beta", (n_a,), fill=1.0)  # read only by tactics that declare an exponent
    for name in (
        "capability",
        "reciprocity",
        "cohesion_susceptibility",
        "wedge_susceptibility",
        "wedge",
        "patience_rounds",
        "progress_required",
    ):
        p.new(name, (n_a,))
    p.new("link_threshold", (n_a, k_max))
    p.new("bloc_cohesion", (len(s.blocs),))
    p.new("horizon", ())
    p.new("tolerance", ())
    p.put("horizon", (), s.rules.horizon, ("rules", "horizon"), "horizon")
    p.put("tolerance", (), s.outcomes.tolerance, ("outcomes", "tolerance"), "tolerance")

    rule = np.zeros(n_a, dtype=np.int8)
    link_gated = np.zeros((n_a, k_max, n_i), dtype=bool)
    link_on = np.zeros((n_a, k_max, n_i), dtype=bool)
    patience_on = np.zeros((n_a, n_i), dtype=bool)
    has_patience = np.zeros(n_a, dtype=bool)
    side = {}
    for a, f in fields.items():
        k = idx[a]
        side[a] = f[("side",)][0]
        for j, iid in enumerate(issues):
            for name in ("ideal", "reservation", "salience"):
                value, where = f[("positions", iid, name)]
                p.put(name, (k, j), value, where, name)
        for name in ("capability", "cohesion_susceptibility", "wedge_susceptibility"):
            p.put(name, (k,), *f[(name,)], name)
        if ("wedge",) in f:
            p.put("wedge", (k,), *f[("wedge",)], "wedge")
        if ("concession", "beta") in f:  # tactics without an exponent take none
            p.put("beta", (k,), *f[("concession", "beta")], "beta")
        if ("concession", "reciprocity") in f:
            p.put("reciprocity", (k,), *f[("concession", "reciprocity")], "reciprocity")
        rule[k] = tactics.ids()[f.get(("concession", "rule"), (DEFAULT_TACTIC, ()))[0]]
        if ("linkage",) in f:
            links, where = f[("linkage",)]
            for q, link in enumerate(links):
                link_gated[k, q] = _mask(link.gated, issues, clusters)
                link_on[k, q] = _mask(link.unlocked_by, issues, clusters)
                p.put(
                    "link_threshold", (k, q), link.threshold, (*where, q, "threshold"), "threshold"
                )
        if ("patience",) in f:
            pat, where = f[("patience",)]
            has_patience[k] = True
            patience_on[k] = _mask(pat.judged_on, issues, clusters)
            p.put("patience_rounds", (k,), pat.rounds, (*where, "rounds"), "patience")
            p.put(
                "progress_required",
                (k,),
                pat.progress_required,
                (*where, "progress_required"),
                "progress_required",
            )
    p.arrays["side"] = np.array([[1.0 if side[a] == "west" else -1.0 for a in actors]])

    blocs = []
    bloc_idx = {b: q for q, b in enumerate(s.blocs)}
    chair_of = {c.bloc: cid for cid, c in s.chairs.items() if c.bloc}
    for q, (b, spec) in enumerate(s.blocs.items()):
        p.put("bloc_cohesion", (q,), spec.cohesion, ("blocs", b, "cohesion"), "cohesion")
        members = np.array([idx[a] for a in groups[spec.members]], dtype=np.intp)
        blocs.append(BlocSpec(b, members, spec.decision_rule, chair_of.get(b)))

    forums = []
    ordered = sorted(s.forums.items(), key=lambda kv: kv[1].date)  # stable: file order on ties
    for fid, fs in ordered:
        participants = members_of(s, fs.participants or list(fs.parties), groups)
        part_set = set(participants)
        parties: list[Party] = []
        for pid in fs.parties:
            other = next(o for o in fs.parties if o != pid)
            other_members = set(members_of(s, [other], groups))
            if pid in s.actors:
                bound = fs.bound_by.get(pid)
                parties.append(
                    Party(
                        pid,
                        s.actors[pid].name,
                        np.array([idx[pid]]),
                        bound_by=bloc_idx[bound] if bound else None,
                    )
                )
            else:
                mem = [
                    a
                    for a in members_of(s, [pid], groups)
                    if a in part_set and a not in other_members
                ]
                parties.append(
                    Party(
                        pid,
                        pid.upper() if len(pid) <= 5 else pid,
                        np.array([idx[a] for a in mem], dtype=np.intp),
                        bloc=bloc_idx[pid],
                        rule=s.blocs[pid].decision_rule,
                    )
                )
        for party in parties:
            part_set |= {actors[m] for m in party.members}
        required = FORUM_RULES[fs.decision_rule].required(
            parties, {idx[a] for a in part_set}, [b.members for b in blocs]
        )
        exchanges = fs.exchanges or (
            1
            if fs.format == "written"
            else max(1, math.ceil(fs.hours / s.rules.hours_per_exchange))
        )
        agenda = _mask(fs.agenda, issues, clusters) if fs.agenda else np.ones(n_i, dtype=bool)
        forums.append(
            ForumSpec(
                fid,
                fs.name,
                fs.date.isoformat(),
                fs.format,
                exchanges,
                fs.decision_rule,
                (parties[0], parties[1]),
                np.unique(np.concatenate([p.members for p in parties])).astype(np.intp),
                np.array(sorted(required), dtype=np.intp),
                agenda,
                fs.chair,
            )
        )

    leaves = tuple(
        Leaf(path, d, lo, hi, tuple(t)) for path, (d, lo, hi, t) in sorted(p.leaves.items())
    )
    return Compiled(
        scenario=s,
        issues=issues,
        clusters=clusters,
        actors=actors,
        names=tuple(s.actors[a].name for a in actors),
        blocs=tuple(blocs),
        forums=tuple(forums),
        total_exchanges=sum(f.exchanges for f in forums),
        russia=idx[s.outcomes.russia],
        west=bloc_idx[s.outcomes.west],
        west_lead=idx[s.outcomes.west_lead],
        core=np.array([c == s.outcomes.core for c in clusters]),
        decisive=np.array(
            [idx[a] for a in members_of(s, s.outcomes.decisive, groups)], dtype=np.intp
        ),
        rule=rule,
        link_gated=link_gated,
        link_on=link_on,
        patience_on=patience_on,
        has_patience=has_patience,
        base=p.arrays,
        leaves=leaves,
    )


def inverse_cdf(leaf: Leaf, u: np.ndarray) -> np.ndarray:
    """Map uniform draws to the leaf's distribution (vectorised; clipped to the field range)."""
    d = leaf.dist
    if isinstance(d, Uniform):
        lo, hi = d.uniform
        x = lo + u * (hi - lo)
    elif isinstance(d, Triangular):
        a, c, b = d.triangular
        f = (c - a) / (b - a)
        x = np.where(
            u < f, a + np.sqrt(u * (b - a) * (c - a)), b - np.sqrt((1 - u) * (b - a) * (b - c))
        )
    else:
        mean, sd = d.normal
        x = mean + sd * ndtri(np.clip(u, 1e-12, 1 - 1e-12))
    return np.clip(x, leaf.lo, leaf.hi)


def uniforms(compiled: Compiled, seeds: np.ndarray | list[int], root: int) -> np.ndarray:
    """One row of uniform draws per run, from that run's own generator.

    Run k's generator is ``SeedSequence(root, spawn_key=(k,))``: the k-th child that
    ``SeedSequence(root).spawn`` would give, so run k is the same alone or in any batch.
    """
    n = len(compiled.leaves)
    out = np.empty((len(seeds), n))
    for row, k in enumerate(seeds):
        rng = run_generator(root, int(k))
        out[row] = rng.random(n)
    return out


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
    paths = {leaf.path for leaf in compiled.leaves}
    unknown = sorted(set(fixed) - paths)
    if unknown:
        raise KeyError(f"not an uncertain value of this scenario: {', '.join(unknown)}")
    out = np.empty_like(u)
    for j, leaf in enumerate(compiled.leaves):
        if leaf.path in fixed:
            out[:, j] = np.clip(np.asarray(fixed[leaf.path], dtype=float), leaf.lo, leaf.hi)
        else:
            out[:, j] = inverse_cdf(leaf, u[:, j])
    return out


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
        params[name][(slice(None), *index)] = values[:, cols]
    return Params(**params)


def scatter_plan(leaves: tuple[Leaf, ...]) -> dict[str, tuple[np.ndarray, tuple[np.ndarray, ...]]]:
    """For each parameter array: which leaf fills which element."""
    by_name: dict[str, list[tuple[int, tuple[int, ...]]]] = {}
    for j, leaf in enumerate(leaves):
        for name, index in leaf.targets:
            by_name.setdefault(name, []).append((j, index))
    plan = {}
    for name, items in by_name.items():
        cols = np.array([j for j, _ in items], dtype=np.intp)
        ndim = len(items[0][1])
        index = tuple(np.array([ix[d] for _, ix in items], dtype=np.intp) for d in range(ndim))
        plan[name] = (cols[0] if ndim == 0 else cols, index)  # a scalar has a single leaf
    return plan
