"""The model's dynamics, written once: the forum schedule, one exchange, the judgement.

:func:`steps` is the order of events over a batch of B runs; the batch engine drains it for
thousands of runs at once, the Mesa model advances it one exchange per ``step()`` with B = 1
and turns the records it yields into the transcript. Neither engine computes a step of its
own: each exchange is one call of the compiled kernel (:mod:`negsim.kernel.exchange`), which
does the whole exchange run by run; this module lays out each forum's table for it once.

One exchange: every party states its offer (a bloc through its rule, an actor bound by a bloc
no further than that bloc's consensus bound) → each seated actor notes the best value it has
been offered on each issue and the utility that gains it over the status quo → linkage lets
it concede on held-back issues only as far as it has gained on the issues that unlock them →
the forum's rule puts a proposal to the table, each consulted actor accepts or not (inside its
reservation and at least as good as its current aspiration), and the rule decides whether it
passes, issue by issue or as a package → each seated actor concedes by its tactic → bloc
members drift toward their bloc and the facing actors' wedge. Between forums: the judgement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from negsim import kernel as compiled
from negsim import rules, tactics
from negsim.forum_rules import BLOC_RULES, FORUM_RULES, flat
from negsim.kernel import choice
from negsim.kernel import exchange as kernel
from negsim.kernel import table as layout
from negsim.params import Params
from negsim.scenario.compile import Compiled, ForumSpec
from negsim.state import RunState


def span(actors: np.ndarray | int) -> np.ndarray | int | slice:
    """``actors`` as a slice where they are consecutive (a bloc's members usually are), so
    that selecting them from a (B, A, ...) array is a view, not a copy: the gather of a
    bloc's members was a third of the batch's Python-side time. The same values either way."""
    if isinstance(actors, np.ndarray) and actors.ndim == 1 and len(actors) > 1:
        first, last = int(actors[0]), int(actors[-1])
        if last - first == len(actors) - 1 and bool((np.diff(actors) == 1).all()):
            return slice(first, last + 1)
    return actors


def direction(members: np.ndarray, params: Params, n_issues: int) -> np.ndarray:
    """Which way a set of actors concedes (B, I): their declared side, capability-weighted."""
    at = span(members)
    w = params.capability[:, at]
    side = (params.side[:, at] * w).sum(axis=1)
    return np.repeat(np.where(side >= 0, 1.0, -1.0)[:, None], n_issues, axis=1)


def bloc_bound(cp: Compiled, bloc: int, x: np.ndarray, dirn: np.ndarray) -> np.ndarray:
    """The consensus bound of a whole bloc over positions ``x`` (B, A, I), members at the
    table or not: :func:`negsim.forum_rules.consensus_bound` of the members' values, read
    in place rather than gathered."""
    x = np.ascontiguousarray(x, dtype=float)
    out = np.empty((x.shape[0], x.shape[2]))
    d = np.ascontiguousarray(np.broadcast_to(dirn, out.shape), dtype=float)
    choice.consensus_over(x, x, x, _members(cp, bloc), d, False, out)
    return out


def _members(cp: Compiled, bloc: int) -> np.ndarray:
    """A bloc's members as the compiled functions take them."""
    return np.asarray(cp.blocs[bloc].members, dtype=np.int64)


@dataclass
class Table:
    """A forum laid out for a batch: who sits and who is consulted, each party's members and
    rule, as the kernel reads them (``arrays``). ``seated`` marks who is at the table
    (observes, concedes, votes); the others are consulted only (an actor's binding bloc)."""

    forum: ForumSpec
    index: int  # the forum's place in the schedule
    idx: np.ndarray  # (P,) actor indices
    seated: np.ndarray  # (P,) bool
    local: tuple[np.ndarray, ...]  # each party's members, as positions in idx
    dirs: tuple[np.ndarray, ...]  # (B, I) each party's direction of concession
    params: Params
    state: RunState
    arrays: Any  # kernel.table.TableArrays
    kernel_params: Any  # kernel.table.ParamArrays of ``params``, made once for the forum
    scratch: Any  # kernel.table.Scratch: every exchange of the forum writes before it reads

    @property
    def p(self) -> Params:
        """The table's actors' parameters, with their reservations as they stand now."""
        return replace(
            self.params.actors(self.idx), reservation=self.state.reservation[:, self.idx]
        )


@dataclass(frozen=True)
class Exchange:
    """What one exchange did, for the transcript (responses only when asked for)."""

    table: Table
    number: int  # 1-based within the forum
    offers: tuple[np.ndarray, ...]  # (B, I) each party's offer
    proposal: np.ndarray  # (B, I) what was put to the table
    live: np.ndarray  # (B, I) issues on the table, not yet agreed
    agreed: np.ndarray  # (B, I) agreed in this exchange
    blocker: np.ndarray  # (B, I) who refused the proposal (party code), -1 where none
    x: np.ndarray  # (B, P, I) positions when the offers were made (no rows unless recording)
    responses: np.ndarray | None  # (B, parties, P, I) each actor's answer to each offer
    seen: np.ndarray | None  # (B, P, K) progress each linkage saw (zeros where none)
    verdict: Judgement | None = None  # who decided to walk out at the end of this exchange


@dataclass(frozen=True)
class Judgement:
    """A judgement, after an exchange (``number``) or a forum (0): who walked out, and on
    what progress."""

    forum: ForumSpec
    index: int
    number: int
    judged: np.ndarray  # (B, A) progress each actor judged (NaN: it does not judge now)
    out: np.ndarray  # (B, A) walked out now
    expected: np.ndarray  # (B, A) what staying is worth to it (a decision's basis)


def open_table(cp: Compiled, f: int, params: Params, st: RunState, bends: np.ndarray) -> Table:
    """Lay forum f out for the kernel: its actors, parties, rules and bounds, once
    (``bends``: :func:`_bends` of ``params``, computed once for the whole schedule)."""
    forum, fixed = cp.forums[f], _layout(cp, f)
    idx, local = fixed["idx"], fixed["local"]
    dirs = tuple(direction(party.members, params, cp.n_issues) for party in forum.parties)
    t = _arrays(cp, forum, fixed, params, st, dirs, bends)
    work, p = layout.scratch(t, params.n_runs, cp.n_issues), layout.params_arrays(params)
    tab = Table(forum, f, idx.astype(np.intp), fixed["seated"], local, dirs, params, st, t, p, work)
    timer = compiled.first_use()
    kernel.open_levels(layout.state_arrays(st), t, work)
    compiled.ran(timer)
    return tab


def _arrays(
    cp: Compiled,
    forum: ForumSpec,
    fixed: dict[str, Any],
    params: Params,
    st: RunState,
    dirs: tuple[np.ndarray, ...],
    bends: np.ndarray,
) -> Any:
    """The table's arrays: the forum's own (:func:`_layout`) and this batch's."""
    parties, idx = forum.parties, fixed["idx"]
    n_b, n_k = params.n_runs, len(parties)
    caps = np.zeros((n_b, n_k, cp.n_issues))
    for k, (q, d) in enumerate(zip(parties, dirs, strict=True)):
        if q.bound_by is not None:
            caps[:, k] = bloc_bound(cp, q.bound_by, st.reservation, d)
    local = fixed["local"]
    flex = [q.bloc is not None and bends[idx[m]].any() for q, m in zip(parties, local, strict=True)]
    return layout.TableArrays(
        **{k: v for k, v in fixed.items() if k in layout.TableArrays._fields},
        bends=np.array(flex, dtype=bool),
        caps=caps,
        dirs=np.stack([d[:, 0] for d in dirs], 1),
        moved=np.zeros((n_b, n_k)),
    )


def _layout(cp: Compiled, f: int) -> dict[str, Any]:
    """Forum f's table arrays that depend on the scenario alone, made once per compiled
    scenario (~0.3 ms a forum, at every chunk, before): the kernel never writes them."""
    key = ("table", f)
    if key not in cp.memo:
        cp.memo[key] = _lay_out(cp, f)
    return cp.memo[key]


def _lay_out(cp: Compiled, f: int) -> dict[str, Any]:
    forum = cp.forums[f]
    parties = forum.parties
    idx = np.union1d(forum.participants, forum.required).astype(np.int64)
    seated = np.isin(idx, forum.participants)
    local = tuple(np.searchsorted(idx, party.members) for party in parties)
    party_of = np.full(len(idx), -1, dtype=np.int64)
    for k, m in enumerate(local):
        party_of[m] = k
    members, starts = flat(local)
    bound = [
        np.searchsorted(idx, cp.blocs[q.bound_by].members) if q.bound_by is not None else
        np.zeros(0, np.int64) for q in parties
    ]  # fmt: skip
    bmembers, bstarts = flat(bound)
    rule = FORUM_RULES[forum.decision_rule]
    watched = [w for w in cp.watched if w.forum == f]

    def ints(values: list[int]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    return dict(
        idx=idx, seated=seated, local=local, party_of=party_of,
        tactic=np.asarray(_tactic_kinds())[cp.rule[idx]],
        linked=seated & cp.link_gated[idx].any(axis=(1, 2)), decider=seated & cp.decides[idx],
        kinds=ints([BLOC_RULES[q.rule].kernel if q.bloc is not None else -1 for q in parties]),
        starts=starts, members=members, codes=ints([q.code for q in parties]),
        bloc=ints([-1 if q.bloc is None else q.bloc for q in parties]),
        bind_kind=ints([-1 if q.bound_by is None else BLOC_RULES[cp.blocs[q.bound_by].rule].kernel
                        for q in parties]),
        bstarts=bstarts, bmembers=bmembers,
        bcodes=ints([-1 if q.bound_by is None else cp.n_actors + q.bound_by for q in parties]),
        has_cap=np.array([q.bound_by is not None for q in parties]),
        agenda=np.ascontiguousarray(forum.agenda),
        sq=np.ascontiguousarray(cp.status_quo, dtype=float),
        days=np.asarray(forum.days, dtype=float), link_gated=np.ascontiguousarray(cp.link_gated),
        link_on=np.ascontiguousarray(cp.link_on), patience_on=np.ascontiguousarray(cp.patience_on),
        credited_on=np.ascontiguousarray(cp.credited_on),
        grid=np.linspace(0, 1, rule.grid), sweeps=rule.sweeps,
        w_by=ints([w.by for w in watched]), w_to=ints([w.to for w in watched]),
        w_code=ints([w.code for w in watched]), w_index=ints([w.index for w in watched]),
        w_mask=np.array([w.mask for w in watched], dtype=bool).reshape(len(watched), cp.n_issues),
    )  # fmt: skip


def _tactic_kinds() -> list[int]:
    """Each registered tactic's kernel family, by compiled rule id."""
    return [cls.kernel for cls in tactics.TACTICS.values()]


def _bends(params: Params) -> np.ndarray:
    """Whether each actor's reservation may bend (A,): its limit lies beyond its reservation
    in some run. A bloc's flag is its members' (for the batch: where no limit does, the
    kernel skips the bending, which would leave every reservation where it is)."""
    return (params.limit != params.reservation).any(axis=(0, 2))


def exchange(cp: Compiled, tab: Table, st: RunState, t: int, number: int, record: bool) -> Exchange:
    """One exchange at time ``t`` (exchanges since the start): offers, progress, linkage,
    proposal and decision, concession, cohesion, the decision to leave, in that order."""
    forum, arrays = tab.forum, tab.arrays
    rule = FORUM_RULES[forum.decision_rule]
    n_b, n_i = tab.params.n_runs, cp.n_issues
    scalars = layout.Scalars(
        tab.index, number, t, record, rule.proposal_kind(forum.mediator), rule.decides,
        rule.offered == "proposal", forum.agreement == "package", float(forum.voting[0]),
        float(forum.voting[1]), float(forum.deadline), float(cp.deadline_days),
        float(cp.scenario.rules.hours_per_exchange),
    )  # fmt: skip
    out = layout.outputs(n_b, cp.n_actors, arrays, n_i, record)
    timer = compiled.first_use()
    kernel.exchange(tab.kernel_params, layout.state_arrays(st), arrays, scalars, tab.scratch, out)
    compiled.ran(timer, whole=True)
    verdict = None
    if arrays.decider.any():
        verdict = Judgement(forum, tab.index, number, out.judged, out.out, out.expected)
    offers = tuple(out.offers[:, k] for k in range(len(forum.parties)))
    return Exchange(
        tab, number, offers, out.proposal, out.live, out.ok, out.blocker,
        out.x, out.responses if record else None,
        out.seen if record else None, verdict,
    )  # fmt: skip


def judge(
    cp: Compiled, params: Params, st: RunState, f: int, active: np.ndarray, t: int
) -> Judgement:
    """Between rounds, each actor with a patience of rounds at the table counts the round
    against it if its progress fell short, and walks out once it has spent more rounds than
    its patience short of the progress it requires (the first version's rule, kept as a
    special case: it counts meetings, so it depends on how the calendar is cut)."""
    part = np.zeros(cp.n_actors, dtype=bool)
    part[cp.forums[f].participants] = True
    judged = np.zeros(st.strikes.shape)
    out = np.zeros(st.strikes.shape, dtype=bool)
    p = layout.params_arrays(params)
    kernel.judge(
        st.prog, p.ideal, p.salience, np.ascontiguousarray(cp.status_quo, dtype=float),
        np.ascontiguousarray(cp.patience_on), p.progress_required, p.patience_rounds,
        st.strikes, cp.has_patience & ~cp.decides, part, np.ascontiguousarray(active), judged,
        out, st.broke, st.broke_in, f,
    )  # fmt: skip
    return Judgement(cp.forums[f], f, 0, judged, out, np.full(judged.shape, np.nan))


def positions(params: Params, st: RunState, actors: np.ndarray | int) -> np.ndarray:
    """Where the runs' concession levels put ``actors`` now: (B, len(actors), I), or (B, I)
    for one actor (the others' positions are not computed)."""
    at = span(actors)
    return rules.position(params.ideal[:, at], st.reservation[:, at], st.c[:, at])


def trajectory_point(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    """The focal actor's position, the lead's, and the reported bloc's bound: (B, 3, I)."""
    focal = positions(params, st, cp.focal)
    lead = positions(params, st, cp.lead)
    if cp.bloc is None:
        bound = np.full_like(focal, np.nan)
    else:
        members = _members(cp, cp.bloc)
        dirn = direction(members, params, cp.n_issues)
        bound = np.empty_like(focal)  # consensus_bound(positions(...)), in one pass
        ideal = np.ascontiguousarray(params.ideal)
        choice.consensus_over(st.reservation, ideal, st.c, members, dirn, True, bound)
    return np.stack([focal, lead, bound], axis=1)


def steps(
    cp: Compiled, params: Params, st: RunState, record: bool = False
) -> Iterator[Exchange | Judgement]:
    """The schedule, in order: every exchange of every forum, then that forum's judgement.

    Advancing the iterator advances the runs in ``st``; a run that broke down stays frozen.
    """
    t, bends = 0, _bends(params)
    for f, forum in enumerate(cp.forums):
        tab = open_table(cp, f, params, st, bends)
        for e in range(forum.exchanges):
            t += 1
            yield exchange(cp, tab, st, t, e + 1, record)
        through = ~st.broke  # at the table to the forum's end (it may walk out after it)
        st.rounds += through
        verdict = judge(cp, params, st, f, through, t)
        point = trajectory_point(cp, params, st)
        st.trajectory[:, f] = np.where(through[:, None, None], point, np.nan)
        yield verdict


def simulate(cp: Compiled, params: Params) -> RunState:
    """Run every forum of the schedule for a batch of sampled parameter sets."""
    st = RunState.start(cp, params)
    for _ in steps(cp, params, st):
        pass
    return st
