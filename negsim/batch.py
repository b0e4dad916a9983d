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


def party_offer(
    cp: Compiled, p: Party, x: np.ndarray, params: dict[str, np.ndarray], dirn: np.ndarray
) -> np.ndarray:
    """What a party puts on the table (B, I)."""
    if p.bloc is not None:
        return rules.bloc_offer(x[:, p.members], params["capability"][:, p.members], dirn, p.rule)
    offer = x[:, p.members[0]]
    if p.bound_by is not None:  # two-level game: no more than every ally would accept
        offer = rules.bounded(offer, bloc_bound(cp, p.bound_by, params["reservation"], dirn), dirn)
    return offer


def simulate(cp: Compiled, params: dict[str, np.ndarray]) -> RunState:
    """Run every forum of the schedule for a batch of sampled parameter sets."""
    b = params["ideal"].shape[0]
    st = RunState.start(cp, b)
    ideal, res, sal = params["ideal"], params["reservation"], params["salience"]
    rule = cp.rule[None, :, None]
    beta = params["beta"][:, :, None]
    recip = params["reciprocity"][:, :, None]
    horizon = params["horizon"][:, None, None]
    tol = params["tolerance"][:, None]
    t = 0
    for f, forum in enumerate(cp.forums):
        active = ~st.broke
        pa, pb = forum.parties
        dir_a, dir_b = directions(forum, params)
        part = np.zeros(cp.n_actors, dtype=bool)
        part[pa.members] = part[pb.members] = True
        for _ in range(forum.exchanges):
            t += 1
            x = rules.position(ideal, res, st.c)
            off_a = party_offer(cp, pa, x, params, dir_a)
            off_b = party_offer(cp, pb, x, params, dir_b)
            live = forum.agenda[None, :] & ~st.agreed & active[:, None]  # (B, I)

            other = np.zeros_like(x)
            other[:, pa.members] = off_b[:, None, :]
            other[:, pb.members] = off_a[:, None, :]
            sees = part[None, :, None] & live[:, None, :]
            st.first_other = np.where(sees & np.isnan(st.first_other), other, st.first_other)
            new_prog = np.where(sees, rules.progress(other, st.first_other, ideal), st.prog)
            step = new_prog - st.prog
            st.prog = new_prog
            may, _ = rules.linkage_open(
                st.prog, sal, cp.link_gated[None], cp.link_on[None], params["link_threshold"]
            )

            req = forum.required
            ok, val = rules.agreement(off_a, off_b, tol, ideal[:, req], res[:, req])
            ok &= live
            st.value = np.where(ok, val, st.value)
            st.agreed |= ok

            target = rules.concession_target(rule, st.c, t / horizon, beta, recip, step)
            st.c = rules.concede(st.c, target, may & sees)
            _cohere(cp, forum, params, st, live)
        st.rounds += active
        _judge(cp, params, st, part, active)
        x = rules.position(ideal, res, st.c)
        st.trajectory[:, f] = np.where(
            active[:, None, None], trajectory_point(cp, params, x), np.nan
        )
    return st


def _cohere(
    cp: Compiled, forum: ForumSpec, params: dict[str, np.ndarray], st: RunState, live: np.ndarray
) -> None:
    """Bloc members drift toward their bloc; a facing actor's wedge pulls the susceptible."""
    ideal, res = params["ideal"], params["reservation"]
    x = rules.position(ideal, res, st.c)
    for p, other in (forum.parties, forum.parties[::-1]):
        if p.bloc is None:
            continue
        m = p.members
        xm = x[:, m]
        mean = rules.weighted_mean(xm, params["capability"][:, m])
        xm = rules.drift(
            xm,
            mean[:, None, :],
            params["bloc_cohesion"][:, p.bloc, None, None],
            params["cohesion_susceptibility"][:, m, None],
        )
        if other.bloc is None:
            lead = other.members[0]
            xm = rules.drift(
                xm,
                x[:, lead][:, None, :],
                params["wedge"][:, lead, None, None],
                params["wedge_susceptibility"][:, m, None],
            )
        xm = rules.clamp(xm, ideal[:, m], res[:, m])
        c_new = rules.concession_level(ideal[:, m], res[:, m], xm)
        st.c[:, m] = np.where(live[:, None, :], c_new, st.c[:, m])


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
