"""The model's dynamics, written once: the forum schedule, one exchange, the judgement.

Every function works on arrays with a leading batch axis (B runs). :func:`steps` is the order
of events; the batch engine drains it for thousands of runs at once, the Mesa model advances
it one exchange per ``step()`` with B = 1 and turns the records it yields into the transcript.
Neither engine computes a step of its own.

One exchange: parties state offers (a bloc through its rule, an actor bound by a bloc no
further than every member accepts) → each actor notes the other side's offer and its progress
→ linkage opens or holds issues → agreement where the forum's rule finds the offers meeting
inside every required reservation → each actor concedes by its tactic → bloc members drift
toward their bloc and the other side's wedge. Between forums: the judgement (patience).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from negsim import rules, tactics
from negsim.forum_rules import BLOC_RULES, FORUM_RULES, consensus_bound
from negsim.params import Params
from negsim.scenario.compile import Compiled, ForumSpec, Party
from negsim.state import RunState


def party_direction(p: Party, params: Params, n_issues: int) -> np.ndarray:
    """Which way the party concedes (B, I): its members' declared side, capability-weighted.

    West-side actors concede up the scale, east-side actors down; the loader has checked
    every reservation lies on that side of its ideal.
    """
    w = params.capability[:, p.members]
    side = (params.side[:, p.members] * w).sum(axis=1)
    return np.repeat(np.where(side >= 0, 1.0, -1.0)[:, None], n_issues, axis=1)


def bloc_bound(cp: Compiled, bloc: int, x: np.ndarray, dirn: np.ndarray) -> np.ndarray:
    """The consensus bound of a whole bloc over positions ``x`` (members at the table or not)."""
    return consensus_bound(x[:, cp.blocs[bloc].members], dirn)


@dataclass
class Table:
    """A forum prepared for a batch: the participants' rows, gathered once per forum.

    Only the actors at the table act, so Geneva costs two actors' work, not fifty-nine.
    ``c``, ``first`` and ``prog`` are the participants' working state, scattered back into
    the run state when the forum closes.
    """

    forum: ForumSpec
    index: int  # the forum's place in the schedule
    idx: np.ndarray  # participants (actor indices)
    local: tuple[np.ndarray, np.ndarray]  # each party's members, as positions in idx
    p: Params  # the participants' parameters
    rule: np.ndarray  # (P,) tactic ids
    linked: np.ndarray  # participants with a linkage
    dirs: tuple[np.ndarray, np.ndarray]
    caps: tuple[np.ndarray | None, np.ndarray | None]
    lo: np.ndarray  # acceptable range of the required actors (B, I)
    hi: np.ndarray
    spans: tuple[rules.Span | None, rules.Span | None]
    c: np.ndarray
    first: np.ndarray
    prog: np.ndarray


@dataclass(frozen=True)
class Exchange:
    """What one exchange did, for the transcript (responses only when asked for)."""

    table: Table
    number: int  # 1-based within the forum
    offers: tuple[np.ndarray, np.ndarray]  # (B, I) each party's offer
    live: np.ndarray  # (B, I) issues on the table, not yet agreed
    agreed: np.ndarray  # (B, I) agreed in this exchange
    value: np.ndarray  # (B, I) the value they meet at
    x: np.ndarray  # (B, P, I) participants' positions when the offers were made
    responses: np.ndarray | None  # (B, P, I) each participant's answer to the offer it faced
    seen: np.ndarray | None  # (B, P, K) progress each linkage saw (zeros where none)


@dataclass(frozen=True)
class Judgement:
    """The judgement after a forum: who walked out, and on what progress."""

    forum: ForumSpec
    index: int
    judged: np.ndarray  # (B, A) progress each actor judged
    out: np.ndarray  # (B, A) walked out now


def open_table(cp: Compiled, f: int, params: Params, st: RunState) -> Table:
    forum = cp.forums[f]
    idx = forum.participants
    pa, pb = forum.parties
    local = (np.searchsorted(idx, pa.members), np.searchsorted(idx, pb.members))
    p = params.actors(idx)
    dirs = tuple(party_direction(party, params, cp.n_issues) for party in forum.parties)
    caps = tuple(
        None if party.bound_by is None else bloc_bound(cp, party.bound_by, params.reservation, d)
        for party, d in zip(forum.parties, dirs, strict=True)
    )
    req = forum.required
    lo, hi = rules.acceptable_range(params.ideal[:, req], params.reservation[:, req])
    spans = tuple(
        rules.span(p.ideal[:, m], p.reservation[:, m]) if party.bloc is not None else None
        for party, m in zip(forum.parties, local, strict=True)
    )
    return Table(
        forum,
        f,
        idx,
        local,
        p,
        cp.rule[idx],
        np.flatnonzero(cp.link_gated[idx].any(axis=(1, 2))),
        dirs,  # type: ignore[arg-type]
        caps,  # type: ignore[arg-type]
        lo,
        hi,
        spans,  # type: ignore[arg-type]
        st.c[:, idx],
        st.first_other[:, idx],
        st.prog[:, idx],
    )


def close_table(tab: Table, st: RunState) -> None:
    st.c[:, tab.idx], st.first_other[:, tab.idx], st.prog[:, tab.idx] = tab.c, tab.first, tab.prog


def offer(tab: Table, side: int, x: np.ndarray) -> np.ndarray:
    """What a party states: a bloc through its rule, an actor within its bloc's bound."""
    party, m = tab.forum.parties[side], tab.local[side]
    if party.bloc is not None:
        return BLOC_RULES[party.rule].offer(x[:, m], tab.p.capability[:, m], tab.dirs[side])
    own = x[:, m[0]]
    cap = tab.caps[side]
    return own if cap is None else rules.bounded(own, cap, tab.dirs[side])


def exchange(
    cp: Compiled, tab: Table, st: RunState, active: np.ndarray, t: int, number: int, record: bool
) -> Exchange:
    """One exchange at time ``t`` (exchanges since the start): offers, progress, linkage,
    agreement, concession, cohesion, in that order."""
    forum, p = tab.forum, tab.p
    ma, mb = tab.local
    x = rules.position(p.ideal, p.reservation, tab.c)
    offers = (offer(tab, 0, x), offer(tab, 1, x))
    live = forum.agenda[None, :] & ~st.agreed & active[:, None]  # (B, I)
    sees = np.broadcast_to(live[:, None, :], tab.c.shape)

    other = np.empty_like(x)
    other[:, ma] = offers[1][:, None, :]
    other[:, mb] = offers[0][:, None, :]
    tab.first = np.where(sees & np.isnan(tab.first), other, tab.first)
    new_prog = np.where(sees, rules.progress(other, tab.first, p.ideal), tab.prog)
    step = new_prog - tab.prog
    tab.prog = new_prog
    may, seen = _linkage(cp, tab, record)

    ok, value = FORUM_RULES[forum.decision_rule].agree(
        *offers, p.tolerance[:, None], tab.lo, tab.hi
    )
    ok &= live
    st.value = np.where(ok, value, st.value)
    st.agreed |= ok

    t_frac = t / p.horizon[:, None, None]
    s = tactics.TacticInput(tab.c, t_frac, p.beta[:, :, None], p.reciprocity[:, :, None], step)
    tab.c = rules.concede(tab.c, tactics.targets(tab.rule, s), may & sees)
    tab.c = _cohere(tab, live)
    responses = rules.respond(other, p.ideal, x, p.reservation, ~may) if record else None
    return Exchange(tab, number, offers, live, ok, value, x, responses, seen)


def _linkage(cp: Compiled, tab: Table, record: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Issues each participant may move on, and (when recording) what each linkage saw."""
    p, linked = tab.p, tab.linked
    may = np.ones(tab.c.shape, dtype=bool)
    seen = np.zeros((*tab.c.shape[:2], cp.link_gated.shape[1])) if record else None
    if len(linked):
        gated = cp.link_gated[tab.idx][linked][None]
        on = cp.link_on[tab.idx][linked][None]
        may[:, linked], got = rules.linkage_open(
            tab.prog[:, linked], p.salience[:, linked], gated, on, p.link_threshold[:, linked]
        )
        if seen is not None:
            seen[:, linked] = got
    return may, seen


def _cohere(tab: Table, live: np.ndarray) -> np.ndarray:
    """Bloc members drift toward their bloc; a facing actor's wedge pulls the susceptible."""
    p, c = tab.p, tab.c
    x = rules.position(p.ideal, p.reservation, c)
    parties = tab.forum.parties
    for side, (party, other) in enumerate((parties, parties[::-1])):
        if party.bloc is None:
            continue
        m, lead = tab.local[side], tab.local[1 - side][0]
        xm = x[:, m]
        mean = rules.weighted_mean(xm, p.capability[:, m])
        xm = rules.drift(
            xm,
            mean[:, None, :],
            p.bloc_cohesion[:, party.bloc, None, None],
            p.cohesion_susceptibility[:, m, None],
        )
        if other.bloc is None:
            xm = rules.drift(
                xm,
                x[:, lead][:, None, :],
                p.wedge[:, lead, None, None],
                p.wedge_susceptibility[:, m, None],
            )
        c[:, m] = np.where(live[:, None, :], rules.settle(xm, tab.spans[side]), c[:, m])
    return c


def judge(cp: Compiled, params: Params, st: RunState, f: int, active: np.ndarray) -> Judgement:
    """Between rounds: an actor out of patience without progress leaves the process."""
    part = np.zeros(cp.n_actors, dtype=bool)
    part[cp.forums[f].participants] = True
    judged = rules.weighted(st.prog, params.salience, cp.patience_on[None])
    short = cp.has_patience[None] & part[None] & (judged < params.progress_required - rules.EPS)
    st.strikes += short & active[:, None]
    out = cp.has_patience[None] & (st.strikes > params.patience_rounds + rules.EPS)
    out &= active[:, None]
    st.broke |= out.any(axis=1)
    return Judgement(cp.forums[f], f, judged, out)


def trajectory_point(cp: Compiled, params: Params, x: np.ndarray) -> np.ndarray:
    """The focal actor's position, the other side's lead's, and its bloc's bound: (B, 3, I)."""
    focal = x[:, cp.russia]
    lead = x[:, cp.west_lead]
    west = Party(cp.blocs[cp.west].id, "", cp.blocs[cp.west].members, bloc=cp.west)
    bound = bloc_bound(cp, cp.west, x, party_direction(west, params, cp.n_issues))
    return np.stack([focal, lead, bound], axis=1)


def steps(
    cp: Compiled, params: Params, st: RunState, record: bool = False
) -> Iterator[Exchange | Judgement]:
    """The schedule, in order: every exchange of every forum, then that forum's judgement.

    Advancing the iterator advances the runs in ``st``; a run that broke down stays frozen.
    """
    t = 0
    for f, forum in enumerate(cp.forums):
        active = ~st.broke
        tab = open_table(cp, f, params, st)
        for e in range(forum.exchanges):
            t += 1
            done = exchange(cp, tab, st, active, t, e + 1, record)
            if e == forum.exchanges - 1:
                close_table(tab, st)
            yield done
        st.rounds += active
        verdict = judge(cp, params, st, f, active)
        x = rules.position(params.ideal, params.reservation, st.c)
        point = trajectory_point(cp, params, x)
        st.trajectory[:, f] = np.where(active[:, None, None], point, np.nan)
        yield verdict


def simulate(cp: Compiled, params: Params) -> RunState:
    """Run every forum of the schedule for a batch of sampled parameter sets."""
    st = RunState.start(cp, params.n_runs)
    for _ in steps(cp, params, st):
        pass
    return st
