"""The vectorised engine: many runs advanced at once through the same rule functions.

The Mesa model (:mod:`negsim.model`) is the reference: it walks one run agent by agent and
writes the transcript. This module performs the same sequence of rule calls on arrays with a
leading batch axis; a differential test holds the two to the same results.
"""

from __future__ import annotations

import numpy as np

from negsim import rules
from negsim.scenario.compile import Compiled, ForumSpec, Party
from negsim.state import RunState


def party_direction(p: Party, params: dict[str, np.ndarray], n_issues: int) -> np.ndarray:
    """Which way the party concedes (B, I): its members' declared side, capability-weighted.

    West-side actors concede up the scale toward Russia's demand, east-side actors down; the
    loader has checked every reservation lies on that side of its ideal.
    """
    w = params["capability"][:, p.members]
    side = (params["side"][:, p.members] * w).sum(axis=1)
    return np.repeat(np.where(side >= 0, 1.0, -1.0)[:, None], n_issues, axis=1)


def directions(forum: ForumSpec, params: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    n = params["ideal"].shape[-1]
    return tuple(party_direction(p, params, n) for p in forum.parties)


def bloc_bound(cp: Compiled, bloc: int, x: np.ndarray, dirn: np.ndarray) -> np.ndarray:
    """The consensus bound of a whole bloc over positions ``x`` (members at the table or not)."""
    return rules.consensus_bound(x[:, cp.blocs[bloc].members], dirn)


def simulate(cp: Compiled, params: dict[str, np.ndarray]) -> RunState:
    """Run every forum of the schedule for a batch of sampled parameter sets."""
    st = RunState.start(cp, params["ideal"].shape[0])
    t = 0
    for f, forum in enumerate(cp.forums):
        active = ~st.broke
        _forum(cp, forum, params, st, active, t)
        t += forum.exchanges
        st.rounds += active
        part = np.zeros(cp.n_actors, dtype=bool)
        part[forum.participants] = True
        _judge(cp, params, st, part, active)
        x = rules.position(params["ideal"], params["reservation"], st.c)
        point = trajectory_point(cp, params, x)
        st.trajectory[:, f] = np.where(active[:, None, None], point, np.nan)
    return st


PER_ACTOR = (
    "ideal",
    "reservation",
    "salience",
    "capability",
    "beta",
    "reciprocity",
    "cohesion_susceptibility",
    "wedge_susceptibility",
    "wedge",
    "link_threshold",
)


def _forum(
    cp: Compiled,
    forum: ForumSpec,
    params: dict[str, np.ndarray],
    st: RunState,
    active: np.ndarray,
    t: int,
) -> None:
    """One forum on the participants' rows only: gathered once, scattered back at the end.

    Only the actors at the table act, so Geneva costs two actors' work, not fifty-nine.
    """
    idx = forum.participants
    pa, pb = forum.parties
    ma, mb = np.searchsorted(idx, pa.members), np.searchsorted(idx, pb.members)
    p = {k: params[k][:, idx] for k in PER_ACTOR}
    ideal, res = p["ideal"], p["reservation"]
    c, first, prog = st.c[:, idx], st.first_other[:, idx], st.prog[:, idx]
    rule = cp.rule[idx][None, :, None]
    beta, recip = p["beta"][:, :, None], p["reciprocity"][:, :, None]
    linked = np.flatnonzero(cp.link_gated[idx].any(axis=(1, 2)))
    gated, on = cp.link_gated[idx][linked][None], cp.link_on[idx][linked][None]
    dirs = directions(forum, params)
    caps = [_bound_by(cp, party, params, d) for party, d in zip(forum.parties, dirs, strict=True)]
    req = forum.required
    lo, hi = rules.acceptable_range(params["ideal"][:, req], params["reservation"][:, req])
    spans = tuple(
        rules.span(ideal[:, m], res[:, m]) if party.bloc is not None else None
        for party, m in zip(forum.parties, (ma, mb), strict=True)
    )
    horizon = params["horizon"][:, None, None]
    tol = params["tolerance"][:, None]
    for _ in range(forum.exchanges):
        t += 1
        x = rules.position(ideal, res, c)
        off_a = _offer(pa, ma, x, p, dirs[0], caps[0])
        off_b = _offer(pb, mb, x, p, dirs[1], caps[1])
        live = forum.agenda[None, :] & ~st.agreed & active[:, None]  # (B, I)
        sees = np.broadcast_to(live[:, None, :], c.shape)

        other = np.empty_like(x)
        other[:, ma] = off_b[:, None, :]
        other[:, mb] = off_a[:, None, :]
        first = np.where(sees & np.isnan(first), other, first)
        new_prog = np.where(sees, rules.progress(other, first, ideal), prog)
        step = new_prog - prog
        prog = new_prog
        may = np.ones(c.shape, dtype=bool)
        if len(linked):
            may[:, linked] = rules.linkage_open(
                prog[:, linked], p["salience"][:, linked], gated, on, p["link_threshold"][:, linked]
            )[0]

        ok, val = rules.agreement(off_a, off_b, tol, lo, hi)
        ok &= live
        st.value = np.where(ok, val, st.value)
        st.agreed |= ok

        target = rules.concession_target(rule, c, t / horizon, beta, recip, step)
        c = rules.concede(c, target, may & sees)
        c = _cohere(forum, (ma, mb), p, params, c, live, spans)
    st.c[:, idx], st.first_other[:, idx], st.prog[:, idx] = c, first, prog


def _bound_by(
    cp: Compiled, party: Party, params: dict[str, np.ndarray], dirn: np.ndarray
) -> np.ndarray | None:
    """Two-level game: an actor bound by a bloc offers no more than every ally would accept."""
    if party.bound_by is None:
        return None
    return bloc_bound(cp, party.bound_by, params["reservation"], dirn)


def _offer(
    party: Party,
    m: np.ndarray,
    x: np.ndarray,
    p: dict[str, np.ndarray],
    dirn: np.ndarray,
    cap: np.ndarray | None,
) -> np.ndarray:
    if party.bloc is not None:
        return rules.bloc_offer(x[:, m], p["capability"][:, m], dirn, party.rule)
    offer = x[:, m[0]]
    return offer if cap is None else rules.bounded(offer, cap, dirn)


def _cohere(
    forum: ForumSpec,
    local: tuple[np.ndarray, np.ndarray],
    p: dict[str, np.ndarray],
    params: dict[str, np.ndarray],
    c: np.ndarray,
    live: np.ndarray,
    spans: tuple[rules.Span | None, rules.Span | None],
) -> np.ndarray:
    """Bloc members drift toward their bloc; a facing actor's wedge pulls the susceptible."""
    ideal, res = p["ideal"], p["reservation"]
    x = rules.position(ideal, res, c)
    for side, (party, other) in enumerate((forum.parties, forum.parties[::-1])):
        if party.bloc is None:
            continue
        m, lead = local[side], local[1 - side][0]
        xm = x[:, m]
        mean = rules.weighted_mean(xm, p["capability"][:, m])
        xm = rules.drift(
            xm,
            mean[:, None, :],
            params["bloc_cohesion"][:, party.bloc, None, None],
            p["cohesion_susceptibility"][:, m, None],
        )
        if other.bloc is None:
            xm = rules.drift(
                xm,
                x[:, lead][:, None, :],
                p["wedge"][:, lead, None, None],
                p["wedge_susceptibility"][:, m, None],
            )
        c[:, m] = np.where(live[:, None, :], rules.settle(xm, spans[side]), c[:, m])
    return c


def _judge(
    cp: Compiled, params: dict[str, np.ndarray], st: RunState, part: np.ndarray, active: np.ndarray
) -> None:
    """Between rounds: an actor out of patience without progress leaves the process."""
    judged = rules.weighted(st.prog, params["salience"], cp.patience_on[None])
    short = cp.has_patience[None] & part[None] & (judged < params["progress_required"] - rules.EPS)
    st.strikes += short & active[:, None]
    out = (cp.has_patience[None] & (st.strikes > params["patience_rounds"] + rules.EPS)).any(1)
    st.broke |= out & active


def trajectory_point(cp: Compiled, params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Russia's position, the west lead's, and the west bloc's consensus bound: (B, 3, I)."""
    russia = x[:, cp.russia]
    lead = x[:, cp.west_lead]
    west = Party(cp.blocs[cp.west].id, "", cp.blocs[cp.west].members, bloc=cp.west)
    bound = bloc_bound(cp, cp.west, x, party_direction(west, params, cp.n_issues))
    return np.stack([russia, lead, bound], axis=1)
