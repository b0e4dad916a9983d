"""The model's dynamics, written once: the forum schedule, one exchange, the judgement.

Every function works on arrays with a leading batch axis (B runs). :func:`steps` is the order
of events; the batch engine drains it for thousands of runs at once, the Mesa model advances
it one exchange per ``step()`` with B = 1 and turns the records it yields into the transcript.
Neither engine computes a step of its own.

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

import numpy as np

from negsim import rules, tactics
from negsim.forum_rules import BLOC_RULES, FORUM_RULES, View, consensus_bound
from negsim.params import Params
from negsim.scenario.compile import Compiled, ForumSpec, Watch
from negsim.state import RunState


def direction(members: np.ndarray, params: Params, n_issues: int) -> np.ndarray:
    """Which way a set of actors concedes (B, I): their declared side, capability-weighted."""
    w = params.capability[:, members]
    side = (params.side[:, members] * w).sum(axis=1)
    return np.repeat(np.where(side >= 0, 1.0, -1.0)[:, None], n_issues, axis=1)


def bloc_bound(cp: Compiled, bloc: int, x: np.ndarray, dirn: np.ndarray) -> np.ndarray:
    """The consensus bound of a whole bloc over positions ``x`` (members at the table or not)."""
    return consensus_bound(x[:, cp.blocs[bloc].members], dirn)


@dataclass
class Table:
    """A forum prepared for a batch: the rows of everyone whose consent counts, gathered once.

    ``seated`` marks who is at the table (observes, concedes, votes); the others are consulted
    only (an actor's binding bloc). ``c``, ``best`` and ``prog`` are the working state,
    scattered back into the run state when the forum closes.
    """

    forum: ForumSpec
    index: int  # the forum's place in the schedule
    idx: np.ndarray  # (P,) actor indices
    seated: np.ndarray  # (P,) bool
    local: tuple[np.ndarray, ...]  # each party's members, as positions in idx
    binding: tuple[tuple[np.ndarray, str, int] | None, ...]  # members, rule, party code
    p: Params
    rule: np.ndarray  # (P,) tactic ids
    linked: np.ndarray  # positions (in idx) of seated actors with a linkage
    link_masks: tuple[np.ndarray, np.ndarray]  # their gated and unlocking issues (1, L, K, I)
    dirs: tuple[np.ndarray, ...]
    caps: tuple[np.ndarray | None, ...]
    spans: tuple[rules.Span | None, ...]
    bends: tuple[tuple[np.ndarray, np.ndarray] | None, ...]  # a bloc's members' bend ranges
    deciders: np.ndarray  # positions (in idx) of seated actors whose leaving is a decision
    sq: np.ndarray  # (I,) status quo
    c: np.ndarray
    best: np.ndarray
    prog: np.ndarray
    moved: np.ndarray  # (B, parties) each party's mean concession level last exchange
    sit: np.ndarray | slice  # the seated rows: all of them, or their positions (work on those)


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
    x: np.ndarray  # (B, P, I) positions when the offers were made
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
    judged: np.ndarray  # (B, A) progress each actor judged
    out: np.ndarray  # (B, A) walked out now
    expected: np.ndarray  # (B, A) what staying is worth to it (a decision's basis)


def open_table(cp: Compiled, f: int, params: Params, st: RunState) -> Table:
    forum = cp.forums[f]
    idx = np.union1d(forum.participants, forum.required).astype(np.intp)
    p = params.actors(idx)
    p = replace(p, reservation=st.reservation[:, idx])  # as they stand: red lines may bend
    local = tuple(np.searchsorted(idx, party.members) for party in forum.parties)
    dirs = tuple(direction(party.members, params, cp.n_issues) for party in forum.parties)
    caps = tuple(
        None if party.bound_by is None else bloc_bound(cp, party.bound_by, st.reservation, d)
        for party, d in zip(forum.parties, dirs, strict=True)
    )
    binding = tuple(
        None
        if party.bound_by is None
        else (
            np.searchsorted(idx, cp.blocs[party.bound_by].members),
            cp.blocs[party.bound_by].rule,
            cp.n_actors + party.bound_by,
        )
        for party in forum.parties
    )
    spans = tuple(
        rules.span(p.ideal[:, m], p.reservation[:, m]) if party.bloc is not None else None
        for party, m in zip(forum.parties, local, strict=True)
    )
    seated = np.isin(idx, forum.participants)
    c = st.c[:, idx]
    linked = np.flatnonzero(seated & cp.link_gated[idx].any(axis=(1, 2)))
    masks = (cp.link_gated[idx][linked][None], cp.link_on[idx][linked][None])
    bends = tuple(
        _bend_range(params, idx[m]) if party.bloc is not None else None
        for party, m in zip(forum.parties, local, strict=True)
    )
    return Table(
        forum, f, idx, seated, local, binding, p, cp.rule[idx], linked, masks, dirs, caps, spans,
        bends, np.flatnonzero(seated & cp.decides[idx]), cp.status_quo, c, st.best[:, idx],
        st.prog[:, idx], _moved(forum, local, c),
        slice(None) if seated.all() else np.flatnonzero(seated),
    )  # fmt: skip


def _bend_range(params: Params, members: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Between its reservation as declared and its limit: where a member's reservation may
    bend (B, M, I); None where no member's limit lies beyond its reservation."""
    limit, res = params.limit[:, members], params.reservation[:, members]
    if (limit == res).all():
        return None
    return np.minimum(res, limit), np.maximum(res, limit)


def _moved(forum: ForumSpec, local: tuple[np.ndarray, ...], c: np.ndarray) -> np.ndarray:
    """Each party's mean concession level over its members and the agenda (B, parties)."""
    return np.stack([c[:, m][:, :, forum.agenda].mean(axis=(1, 2)) for m in local], axis=1)


def close_table(tab: Table, st: RunState) -> None:
    rows = tab.idx[tab.seated]
    st.c[:, rows] = tab.c[:, tab.seated]
    st.reservation[:, rows] = tab.p.reservation[:, tab.seated]
    st.best[:, rows], st.prog[:, rows] = tab.best[:, tab.seated], tab.prog[:, tab.seated]


def offer(tab: Table, k: int, x: np.ndarray) -> np.ndarray:
    """What party k states: a bloc through its rule, an actor within its bloc's bound."""
    party, m = tab.forum.parties[k], tab.local[k]
    if party.bloc is not None:
        return BLOC_RULES[party.rule].offer(x[:, m], tab.p.capability[:, m], tab.dirs[k])
    own = x[:, m[0]]
    cap = tab.caps[k]
    return own if cap is None else rules.bounded(own, cap, tab.dirs[k])


def _observe(
    tab: Table, offers: tuple[np.ndarray, ...], live: np.ndarray, everyone: bool = False
) -> np.ndarray:
    """Each seated actor keeps the best value it has been offered (by another party, or, with
    ``everyone``, a proposal to the whole table); returns the progress it gained (B, P, I).

    Only the seated rows are worked on: a bilateral forum bound by a bloc consults thirty
    allies but seats two actors."""
    sit, sees_live = tab.sit, live[:, None, :]
    ideal, best, before = tab.p.ideal[:, sit], tab.best[:, sit], tab.prog[:, sit]
    seat = np.zeros(tab.seated.shape, dtype=bool)
    for k, o in enumerate(offers):
        seat[:] = tab.seated
        if not everyone:
            seat[tab.local[k]] = False
        others = seat[sit]
        d_new = np.abs(o[:, None, :] - ideal)
        better = np.isnan(best) | (d_new < np.abs(best - ideal))
        best = np.where(sees_live & others[None, :, None] & better, o[:, None, :], best)
    prog = rules.progress(np.where(np.isnan(best), tab.sq, best), tab.sq, ideal)
    prog = np.where(sees_live, np.maximum(prog, before), before)
    step = np.zeros(tab.c.shape)
    needed = np.abs(tab.sq - ideal) >= rules.EPS  # where the status quo is its ideal, nobody
    step[:, sit] = np.where(needed, prog - before, 0.0)  # moved toward it: nothing to answer
    tab.best[:, sit], tab.prog[:, sit] = best, prog
    return step


def _linkage(cp: Compiled, tab: Table, record: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """How far each actor may concede on each issue (B, P, I): on an issue a linkage holds
    back, only the share of its threshold gained on the issues that unlock it (a trade in
    utility terms, Raiffa's linkage); and what each linkage saw, when recording."""
    p, linked = tab.p, tab.linked
    cap = np.ones(tab.c.shape)
    seen = np.zeros((*tab.c.shape[:2], cp.link_gated.shape[1])) if record else None
    if len(linked):
        cap[:, linked], got = rules.linkage_cap(
            tab.prog[:, linked], p.ideal[:, linked], tab.sq, p.salience[:, linked],
            *tab.link_masks, p.link_threshold[:, linked],
        )  # fmt: skip
        if seen is not None:
            seen[:, linked] = got
    return cap, seen


def view(tab: Table, offers: tuple[np.ndarray, ...], x: np.ndarray, live: np.ndarray) -> View:
    f, p = tab.forum, tab.p
    return View(
        offers, tab.local, tuple(q.rule if q.bloc is not None else None for q in f.parties),
        tab.binding, tuple(q.code for q in f.parties), tab.idx, tab.seated, x, p.ideal,
        p.reservation, p.salience, p.capability, p.votes, live,
        np.broadcast_to(tab.sq, live.shape), f.voting, f.mediator,
    )  # fmt: skip


def accepts(tab: Table, proposal: np.ndarray, x: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Each table actor's acceptance of the proposal: inside its reservation on every issue,
    and as good as its aspiration (its own position), within the tolerance: per issue
    (B, P, I), or for the package of the live issues (B, P, 1)."""
    p = tab.p
    dist = np.abs(proposal[:, None, :] - p.ideal)
    within = dist <= np.abs(p.reservation - p.ideal) + rules.EPS
    own = np.abs(x - p.ideal)
    tol = p.tolerance[:, None, None]
    if tab.forum.agreement == "issues":
        return within & (dist <= own + tol + rules.EPS)
    w = p.salience * live[:, None, :]
    total = np.maximum(w.sum(axis=2), rules.EPS)
    short = ((dist - own) * w).sum(axis=2) / total  # utility given up against its aspiration
    inside = (within | ~live[:, None, :]).all(axis=2)
    return (inside & (short <= tol[:, :, 0] + rules.EPS))[:, :, None]


def exchange(
    cp: Compiled, tab: Table, st: RunState, active: np.ndarray, t: int, number: int, record: bool
) -> Exchange:
    """One exchange at time ``t`` (exchanges since the start): offers, progress, linkage,
    proposal and decision, concession, cohesion, in that order."""
    forum, p = tab.forum, tab.p
    x = rules.position(p.ideal, p.reservation, tab.c)
    offers = tuple(offer(tab, k, x) for k in range(len(forum.parties)))
    live = forum.agenda[None, :] & ~st.agreed & active[:, None]  # (B, I)
    v = view(tab, offers, x, live)
    rule = FORUM_RULES[forum.decision_rule]
    proposal = rule.propose(v)
    if rule.offered == "proposal":  # a compromise put to everyone at the table
        step = _observe(tab, (proposal,), live, everyone=True)
    else:
        step = _observe(tab, offers, live)
    cap, seen = _linkage(cp, tab, record)
    passed, blocker = rule.passes(v, accepts(tab, proposal, x, live))
    ok = (passed if forum.agreement == "issues" else passed[:, :1]) & live
    blocker = np.where(live & ~ok, np.broadcast_to(blocker, live.shape), -1)
    _settle_deal(st, tab.index, number, ok, proposal, blocker, live)

    _concede(cp, tab, t, number, step, cap, live)
    tab.c = _cohere(tab, live)
    verdict = decide(cp, tab, st, t, number)
    for w in cp.watched:
        if w.forum == tab.index:
            _watch(tab, st, w, offers, x, cap, live, verdict)
    responses = None
    if record:
        every = np.arange(len(tab.idx))
        responses = np.stack([answers(tab, o, x, cap, live, verdict, every) for o in offers], 1)
    return Exchange(tab, number, offers, proposal, live, ok, blocker, x, responses, seen, verdict)


def answers(
    tab: Table,
    offer: np.ndarray,
    x: np.ndarray,
    cap: np.ndarray,
    live: np.ndarray,
    verdict: Judgement | None,
    rows: np.ndarray,
) -> np.ndarray:
    """Each of the table's ``rows``' answer to ``offer`` (B, R, I): Response codes, linkage
    holding back where its cap is below 1, and WALK_OUT on the live issues from an actor
    that decided to leave in this exchange. The transcript and response observations both
    read these, so the two cannot disagree."""
    p = tab.p
    held = cap[:, rows] < 1 - rules.EPS
    ideal, res = p.ideal[:, rows], p.reservation[:, rows]
    codes = rules.respond(offer[:, None, :], ideal, x[:, rows], res, held)
    if verdict is not None:
        leaving = verdict.out[:, tab.idx[rows], None] & live[:, None, :]
        codes = np.where(leaving, rules.Response.WALK_OUT, codes).astype(np.int8)
    return codes


def _watch(
    tab: Table,
    st: RunState,
    w: Watch,
    offers: tuple[np.ndarray, ...],
    x: np.ndarray,
    cap: np.ndarray,
    live: np.ndarray,
    verdict: Judgement | None,
) -> None:
    """Keep whether every answer of party ``w.by`` (each member of a bloc) to ``w.to``'s
    offers on the watched issues is the observed one: what a response observation checks,
    computed in every engine (the transcript's answers are the same function)."""
    codes = answers(tab, offers[w.to], x, cap, live, verdict, tab.local[w.by])
    on = live & w.mask[None, :]
    st.answers[:, w.index] &= ((codes == w.code) | ~on[:, None, :]).all(axis=(1, 2))
    st.answered[:, w.index] |= on.any(axis=1)


def _concede(
    cp: Compiled,
    tab: Table,
    t: int,
    number: int,
    step: np.ndarray,
    cap: np.ndarray,
    live: np.ndarray,
) -> None:
    """Each seated actor concedes by its own tactic on the live issues, within its linkage."""
    p, sit, moved = tab.p, tab.sit, _relative(tab)
    s = tactics.TacticInput(
        tab.c[:, sit], _time(cp, tab, t, number), p.beta[:, sit, None],
        p.reciprocity[:, sit, None], step[:, sit], p.salience[:, sit],
        np.abs(p.reservation - p.ideal)[:, sit], moved[:, sit],
    )  # fmt: skip
    target = np.minimum(tactics.targets(tab.rule[sit], s), cap[:, sit])
    tab.c[:, sit] = rules.concede(tab.c[:, sit], target, live[:, None, :])


def _settle_deal(
    st: RunState,
    f: int,
    number: int,
    ok: np.ndarray,
    proposal: np.ndarray,
    blocker: np.ndarray,
    live: np.ndarray,
) -> None:
    st.value = np.where(ok, proposal, st.value)
    st.agreed |= ok
    st.agreed_in = np.where(ok, f, st.agreed_in)
    st.agreed_at = np.where(ok, number, st.agreed_at)
    st.blocker = np.where(live, blocker, st.blocker)


def _time(cp: Compiled, tab: Table, t: int, number: int) -> np.ndarray:
    """Time pressure (B, 1, 1): elapsed share of the scenario's deadline (exchanges, or
    calendar days where the scenario gives a date) or of the forum's own, whichever is more."""
    horizon = tab.p.horizon
    if np.isfinite(cp.deadline_days):
        overall = np.full(horizon.shape, tab.forum.days[number - 1] / cp.deadline_days)
    else:
        overall = t / horizon
    return np.maximum(overall, number / tab.forum.deadline)[:, None, None]


def _relative(tab: Table) -> np.ndarray:
    """The other parties' mean move in concession level since the last exchange, seen by each
    table actor (B, P, 1): what relative tit-for-tat reciprocates."""
    now = _moved(tab.forum, tab.local, tab.c)
    moves = now - tab.moved
    tab.moved = now
    out = np.zeros((tab.c.shape[0], tab.c.shape[1], 1))
    n = len(tab.local)
    for k, m in enumerate(tab.local):
        others = [j for j in range(n) if j != k]
        out[:, m, 0] = moves[:, others].mean(axis=1)[:, None]
    return out


def _cohere(tab: Table, live: np.ndarray) -> np.ndarray:
    """Bloc members drift toward their bloc; each facing actor's wedge pulls the susceptible.

    Positions and, where a member declares a limit, reservations alike: a reservation harder
    than the bloc's (capability-weighted) is pulled toward it, and toward the facing actor's
    position by the wedge, never past the member's own limit and never back behind where it
    began. A consensus then breaks only when every member has bent."""
    p, c = tab.p, tab.c
    x = rules.position(p.ideal, p.reservation, c)
    for k, party in enumerate(tab.forum.parties):
        if party.bloc is None:
            continue
        m = tab.local[k]
        xm = _pull(tab, k, x[:, m], x)
        bend = tab.bends[k]
        if bend is not None:
            lo, hi = bend
            r = np.minimum(np.maximum(_pull(tab, k, p.reservation[:, m], x), lo), hi)
            p.reservation[:, m] = np.where(live[:, None, :], r, p.reservation[:, m])
            tab.spans = (*tab.spans[:k], rules.span(p.ideal[:, m], p.reservation[:, m]),
                         *tab.spans[k + 1 :])  # fmt: skip
        span = tab.spans[k]
        assert span is not None  # laid out for every bloc party with its table
        c[:, m] = np.where(live[:, None, :], rules.settle(xm, span), c[:, m])
    return c


def _pull(tab: Table, k: int, v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Values ``v`` (B, M, I) of bloc party k's members after one exchange's pulls: toward
    the members' capability-weighted mean (cohesion), then toward each facing actor (wedge)."""
    p, party, m = tab.p, tab.forum.parties[k], tab.local[k]
    mean = rules.weighted_mean(v, p.capability[:, m])
    v = rules.drift(
        v, mean[:, None, :], p.bloc_cohesion[:, party.bloc, None, None],
        p.cohesion_susceptibility[:, m, None],
    )  # fmt: skip
    for j, other in enumerate(tab.forum.parties):
        if j != k and other.bloc is None:
            lead = tab.local[j][0]
            v = rules.drift(
                v, x[:, lead][:, None, :], p.wedge[:, lead, None, None],
                p.wedge_susceptibility[:, m, None],
            )  # fmt: skip
    return v


def judge(
    cp: Compiled, params: Params, st: RunState, f: int, active: np.ndarray, t: int
) -> Judgement:
    """Between rounds, each actor with a patience of rounds at the table counts the round
    against it if its progress fell short, and walks out once it has spent more rounds than
    its patience short of the progress it requires (the first version's rule, kept as a
    special case: it counts meetings, so it depends on how the calendar is cut)."""
    part = np.zeros(cp.n_actors, dtype=bool)
    part[cp.forums[f].participants] = True
    judged = progress(cp, params, st, cp.patience_on[None])
    counts = cp.has_patience & ~cp.decides
    short = counts[None] & part[None] & (judged < params.progress_required - rules.EPS)
    st.strikes += short & active[:, None]
    out = counts[None] & (st.strikes > params.patience_rounds + rules.EPS) & active[:, None]
    _break(st, out.any(axis=1), f)
    return Judgement(cp.forums[f], f, 0, judged, out, np.full(judged.shape, np.nan))


def decide(cp: Compiled, tab: Table, st: RunState, t: int, number: int) -> Judgement | None:
    """After an exchange, each seated actor whose patience is a decision stays or walks out.

    Staying is worth the progress it has (best offers so far, ``judged_on`` plus its
    ``credited`` issues at their credit) plus what it still hopes for, times its belief that
    the other side will move again before its deadline, discounted to the deadline (Fearon
    1995: war, here walking out, from private information and the cost of waiting). The
    belief is Bayesian: the other side's concessions arrive at an unknown rate with a Gamma
    prior (mean one per ``expected_wait`` days, shape ``confidence``); each exchange in which
    its progress rose is one concession seen, every day without one is exposure, so the
    posterior depends on what was offered and when, not on how many meetings it took. Its
    hope adapts to what it is offered (aspiration learning, Karandikar et al. 1998): each day
    it falls toward the progress offered by the share ``learning``. It walks out when its
    outside option is worth more."""
    rows = tab.deciders
    if not len(rows):
        return None
    p, who = tab.p, tab.idx[rows]
    g = _judged(cp, p, tab.prog[:, rows], rows, who)
    rose = g > st.judged[:, who] + rules.EPS
    st.moves[:, who] += rose
    st.judged[:, who] = g
    day = tab.forum.days[number - 1]
    left = _days_left(cp, p.deadline_days[:, rows], day, p.horizon, t)
    shape = p.confidence[:, rows] + st.moves[:, who]
    rate = p.confidence[:, rows] * p.expected_wait[:, rows] + day  # the posterior's rate
    again = 1.0 - (rate / (rate + left)) ** shape  # P(it moves again before the deadline)
    hope = g + np.maximum(p.hope[:, rows] - g, 0.0) * (1.0 - p.learning[:, rows]) ** day
    worth = (g + (hope - g) * again) * p.discount[:, rows] ** left
    leave = (worth < p.outside_option[:, rows] - rules.EPS) & ~st.broke[:, None]
    out = np.zeros(st.judged.shape, dtype=bool)
    out[:, who] = leave
    _break(st, leave.any(axis=1), tab.index)
    expected, judged = np.full(out.shape, np.nan), np.full(out.shape, np.nan)
    expected[:, who], judged[:, who] = worth, g
    return Judgement(tab.forum, tab.index, number, judged, out, expected)


def _break(st: RunState, now: np.ndarray, f: int) -> None:
    """Runs in which a party walked out now, in or after forum f."""
    st.broke_in = np.where(now & ~st.broke, f, st.broke_in)
    st.broke |= now


def _judged(
    cp: Compiled, p: Params, prog: np.ndarray, rows: np.ndarray, who: np.ndarray
) -> np.ndarray:
    """Utility progress (B, D) on the issues judged, those credited weighing ``credit``:
    ``rows`` index the table's parameters ``p``, ``who`` the same actors in the scenario."""
    weight = cp.patience_on[who][None] + p.credit[:, rows, None] * cp.credited_on[who][None]
    ideal, salience = p.ideal[:, rows], p.salience[:, rows]
    return rules.utility_progress(prog, ideal, cp.status_quo, salience, weight)


def _days_left(
    cp: Compiled, own: np.ndarray, day: float, horizon: np.ndarray, t: int
) -> np.ndarray:
    """Days from ``day`` to each actor's deadline (B, D): its own, else the scenario's
    calendar deadline, else the horizon's exchanges at the scenario's hours per exchange."""
    if np.isfinite(cp.deadline_days):
        scenario = np.full(horizon.shape, cp.deadline_days - day)
    else:
        scenario = (horizon - t) * cp.scenario.rules.hours_per_exchange / 24
    return np.maximum(np.where(own > 0, own - day, scenario[:, None]), 0.0)


def progress(cp: Compiled, params: Params, st: RunState, mask: np.ndarray) -> np.ndarray:
    """Each actor's utility gained over the status quo toward its ideal on ``mask``'s issues,
    best so far, as a share of what it needs (B, A)."""
    return rules.utility_progress(st.prog, params.ideal, cp.status_quo, params.salience, mask)


def trajectory_point(cp: Compiled, params: Params, x: np.ndarray) -> np.ndarray:
    """The focal actor's position, the lead's, and the reported bloc's bound: (B, 3, I)."""
    focal = x[:, cp.focal]
    lead = x[:, cp.lead]
    if cp.bloc is None:
        bound = np.full_like(focal, np.nan)
    else:
        dirn = direction(cp.blocs[cp.bloc].members, params, cp.n_issues)
        bound = bloc_bound(cp, cp.bloc, x, dirn)
    return np.stack([focal, lead, bound], axis=1)


def steps(
    cp: Compiled, params: Params, st: RunState, record: bool = False
) -> Iterator[Exchange | Judgement]:
    """The schedule, in order: every exchange of every forum, then that forum's judgement.

    Advancing the iterator advances the runs in ``st``; a run that broke down stays frozen.
    """
    t = 0
    for f, forum in enumerate(cp.forums):
        tab = open_table(cp, f, params, st)
        for e in range(forum.exchanges):
            t += 1
            done = exchange(cp, tab, st, ~st.broke, t, e + 1, record)
            if e == forum.exchanges - 1:
                close_table(tab, st)
            yield done
        through = ~st.broke  # at the table to the forum's end (it may walk out after it)
        st.rounds += through
        verdict = judge(cp, params, st, f, through, t)
        x = rules.position(params.ideal, st.reservation, st.c)
        point = trajectory_point(cp, params, x)
        st.trajectory[:, f] = np.where(through[:, None, None], point, np.nan)
        yield verdict


def simulate(cp: Compiled, params: Params) -> RunState:
    """Run every forum of the schedule for a batch of sampled parameter sets."""
    st = RunState.start(cp, params)
    for _ in steps(cp, params, st):
        pass
    return st
