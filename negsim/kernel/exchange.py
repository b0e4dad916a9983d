"""One exchange of a forum for every run of a batch, compiled: the model's dynamics.

:func:`exchange` loops over the runs and does, for each, what :mod:`negsim.dynamics`'s
docstring lists, in that order: offers → progress (each seated actor keeps the best value it
has been offered) → linkage → proposal, acceptance and decision → concession by tactic → bloc
cohesion and the wedge → the decision to walk out → the watched answers. A run is computed by
itself, in the same order of operations whatever the batch, so its results are bit-identical
alone and in any batch. ``P`` holds the parameters, ``S`` the run state (written in place),
``T`` the forum's table, ``F`` this exchange's scalars, ``W`` scratch, ``O`` what it did
(:mod:`negsim.kernel.table` builds them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from negsim.kernel import choice
from negsim.kernel.arith import (
    EPS,
    bounded,
    concede,
    drift,
    linkage,
    position,
    psum,
    respond,
    settle,
    unit,
)  # fmt: skip
from negsim.kernel.cache import njit
from negsim.kernel.codes import MEAN, TRADEOFF
from negsim.kernel.concede import opening, target, targets


@njit(cache=True, error_model="numpy")
def exchange(P: Any, S: Any, T: Any, F: Any, W: Any, O: Any) -> None:
    """One exchange for every run, phase by phase over blocks of runs as many as the scratch
    has rows (:data:`negsim.kernel.table.BLOCK`, read from the arrays so that a compiled
    kernel cached before a change of it cannot disagree): each phase is one compiled loop
    with only its own arrays at hand, and a block's data stays in cache from one phase to
    the next."""
    n_b, block = S.c.shape[0], W.x.shape[0]
    for b0 in range(0, n_b, block):
        b1 = min(b0 + block, n_b)
        _positions(P, S, T, F, W, O, b0, b1)
        _offers(P, S, T, W, O, b0, b1)
        _propose(P, S, T, F, W, O, b0, b1)
        _observe(P, S, T, F, W, b0, b1)
        _linkage(P, S, T, F, W, O, b0, b1)
        _accepts(P, S, T, F, W, b0, b1)
        _settle(P, S, T, F, W, O, b0, b1)
        _concede(P, S, T, F, W, b0, b1)
        _cohere(P, S, T, W, b0, b1)
        _decide(P, S, T, F, W, O, b0, b1)
        _answer(P, S, T, F, W, O, b0, b1)


@njit(cache=True, error_model="numpy")
def _positions(P: Any, S: Any, T: Any, F: Any, W: Any, O: Any, b0: int, b1: int) -> None:
    """The issues on the table (not yet agreed, the run not broken) and each position; the
    table actors' votes, and, where the forum proposes a median or a Nash package, their
    capabilities, saliences and ideals in table order (what :func:`choice.propose` reads)."""
    t_agenda, t_idx = T.agenda, T.idx
    table_order = F.proposes != MEAN
    w_live, w_x = W.live, W.x
    s_agreed, s_broke, s_c, s_reservation = S.agreed, S.broke, S.c, S.reservation
    o_live, o_x = O.live, O.x
    p_ideal = P.ideal
    f_record = F.record
    w_tcap, w_tvotes, w_tsal, w_tideal = W.tcap, W.tvotes, W.tsal, W.tideal
    p_capability, p_votes, p_salience = P.capability, P.votes, P.salience
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        for i in range(len(t_agenda)):
            w_live[row, i] = t_agenda[i] and not s_agreed[b, i] and not s_broke[b]
            o_live[b, i] = w_live[row, i]
        for j in range(len(t_idx)):
            a = t_idx[j]
            w_tcap[row, j], w_tvotes[row, j] = p_capability[b, a], p_votes[b, a]
            for i in range(len(t_agenda)):
                ideal = p_ideal[b, a, i]
                if table_order:
                    w_tideal[row, j, i], w_tsal[row, j, i] = ideal, p_salience[b, a, i]
                w_x[row, j, i] = position(ideal, s_c[b, a, i], s_reservation[b, a, i])
                if f_record:
                    o_x[b, j, i] = w_x[row, j, i]


@njit(cache=True, error_model="numpy")
def _offers(P: Any, S: Any, T: Any, W: Any, O: Any, b0: int, b1: int) -> None:
    """Each party's offer: a bloc through its rule, an actor within its bloc's bound."""
    t_kinds, t_starts, t_dirs, t_idx = T.kinds, T.starts, T.dirs, T.idx
    t_members, t_agenda, t_has_cap, t_caps = T.members, T.agenda, T.has_cap, T.caps
    w_mcap, w_x, w_vx, w_vw = W.mcap, W.x, W.vx, W.vw
    w_order, w_offers, w_dvec = W.order, W.offers, W.dvec
    p_capability = P.capability
    o_offers = O.offers
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        for k in range(len(t_kinds)):
            a, z = t_starts[k], t_starts[k + 1]
            d = t_dirs[b, k]
            if t_kinds[k] >= 0:
                for m in range(a, z):
                    w_mcap[m - a] = p_capability[b, t_idx[t_members[m]]]
                w_dvec[:] = d
                choice.bloc_offer(
                    t_kinds[k], t_members, a, z, w_x[row], w_mcap, w_dvec, w_vx, w_vw, w_order,
                    w_offers[row, k],
                )  # fmt: skip
            else:
                for i in range(len(t_agenda)):
                    v = w_x[row, t_members[a], i]
                    w_offers[row, k, i] = bounded(v, t_caps[b, k, i], d) if t_has_cap[k] else v
            for i in range(len(t_agenda)):
                o_offers[b, k, i] = w_offers[row, k, i]


@njit(cache=True, error_model="numpy")
def _propose(P: Any, S: Any, T: Any, F: Any, W: Any, O: Any, b0: int, b1: int) -> None:
    """What the forum's rule puts to the table (:func:`negsim.kernel.choice.propose`)."""
    o_proposal, w_prop, w_offers, w_x = O.proposal, W.prop, W.offers, W.x
    w_tcap, w_tsal, w_tideal, w_live = W.tcap, W.tsal, W.tideal, W.live
    w_vx, w_vw, w_order, w_work = W.vx, W.vw, W.order, W.work
    w_nw, w_nneed, w_nideal, w_ncap = W.nw, W.nneed, W.nideal, W.ncap
    t_seated, t_sq, t_starts, t_members = T.seated, T.sq, T.starts, T.members
    t_grid, t_sweeps, f_proposes = T.grid, T.sweeps, F.proposes
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        if f_proposes == MEAN:
            choice.offers_mean(w_offers[row], w_prop[row])
            o_proposal[b] = w_prop[row]
            continue
        choice.propose(
            f_proposes, w_offers[row], w_x[row], t_seated, w_tcap[row], w_tsal[row], w_tideal[row],
            w_live[row], t_sq, t_starts, t_members, t_grid, t_sweeps, w_prop[row], w_vx, w_vw,
            w_order, w_work, w_nw, w_nneed, w_nideal, w_ncap,
        )  # fmt: skip
        o_proposal[b] = w_prop[row]


@njit(cache=True, error_model="numpy")
def _observe(P: Any, S: Any, T: Any, F: Any, W: Any, b0: int, b1: int) -> None:
    """Each seated actor keeps the best value it has been offered on each live issue (by
    another party, or the proposal where the table is handed one) and the progress that
    gains it over the status quo; ``W.step`` is the progress it gained now."""
    t_idx, t_agenda, t_seated, t_kinds = T.idx, T.agenda, T.seated, T.kinds
    t_party_of, t_sq = T.party_of, T.sq
    w_step, w_live, w_prop, w_offers = W.step, W.live, W.prop, W.offers
    p_ideal = P.ideal
    s_best, s_prog = S.best, S.prog
    f_everyone = F.everyone
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        for j in range(len(t_idx)):
            for i in range(len(t_agenda)):
                w_step[row, j, i] = 0.0
            if not t_seated[j]:
                continue
            a = t_idx[j]
            for i in range(len(t_agenda)):
                ideal, best = p_ideal[b, a, i], s_best[b, a, i]
                if w_live[row, i]:
                    if f_everyone:
                        if np.isnan(best) or abs(w_prop[row, i] - ideal) < abs(best - ideal):
                            best = w_prop[row, i]
                    else:
                        for k in range(len(t_kinds)):
                            if t_party_of[j] == k:
                                continue
                            o = w_offers[row, k, i]
                            if np.isnan(best) or abs(o - ideal) < abs(best - ideal):
                                best = o
                need = abs(t_sq[i] - ideal)
                v = t_sq[i] if np.isnan(best) else best
                prog = 1.0 if need < EPS else unit((need - abs(v - ideal)) / need)
                before = s_prog[b, a, i]
                prog = max(prog, before) if w_live[row, i] else before
                w_step[row, j, i] = prog - before if need >= EPS else 0.0
                s_best[b, a, i], s_prog[b, a, i] = best, prog


@njit(cache=True, error_model="numpy")
def _linkage(P: Any, S: Any, T: Any, F: Any, W: Any, O: Any, b0: int, b1: int) -> None:
    """How far each actor may concede (``W.cap``): on an issue a linkage holds back, the
    share of its threshold gained on the issues that unlock it (Raiffa's linkage)."""
    t_agenda, t_link_on, t_idx, t_linked = T.agenda, T.link_on, T.idx, T.linked
    t_sq, t_link_gated = T.sq, T.link_gated
    w_cap, w_vw, w_work = W.cap, W.vw, W.work
    p_ideal, p_salience, p_link_threshold = P.ideal, P.salience, P.link_threshold
    s_prog = S.prog
    f_record = F.record
    o_seen = O.seen
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        n_i, n_q = len(t_agenda), t_link_on.shape[1]
        for j in range(len(t_idx)):
            for i in range(n_i):
                w_cap[row, j, i] = 1.0
            if not t_linked[j]:
                continue
            a = t_idx[j]
            for q in range(n_q):
                seen, allow = linkage(
                    s_prog[b, a], p_ideal[b, a], t_sq, p_salience[b, a], t_link_on[a, q],
                    p_link_threshold[b, a, q], w_vw, w_work,
                )  # fmt: skip
                for i in range(n_i):
                    if t_link_gated[a, q, i]:
                        w_cap[row, j, i] = min(w_cap[row, j, i], allow)
                if f_record:
                    o_seen[b, j, q] = seen


@njit(cache=True, error_model="numpy")
def _accepts(P: Any, S: Any, T: Any, F: Any, W: Any, b0: int, b1: int) -> None:
    """Each table actor's acceptance of the proposal (``W.acc``): inside its reservation
    and as good as its aspiration within the tolerance, per issue, or for the package of
    the live issues (column 0)."""
    t_agenda, t_idx = T.agenda, T.idx
    p_tolerance, p_ideal, p_salience = P.tolerance, P.ideal, P.salience
    w_prop, w_x, w_live, w_vw = W.prop, W.x, W.live, W.vw
    w_work, w_acc = W.work, W.acc
    s_reservation = S.reservation
    f_package = F.package
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        n_i, tol = len(t_agenda), p_tolerance[b]
        for j in range(len(t_idx)):
            a = t_idx[j]
            inside = True
            for i in range(n_i):
                ideal = p_ideal[b, a, i]
                dist = abs(w_prop[row, i] - ideal)
                within = dist <= abs(s_reservation[b, a, i] - ideal) + EPS
                own = abs(w_x[row, j, i] - ideal)
                if f_package:
                    inside = inside and (within or not w_live[row, i])
                    w_vw[i] = p_salience[b, a, i] * w_live[row, i]
                    w_work[i] = (dist - own) * w_vw[i]
                else:
                    w_acc[row, j, i] = within and dist <= own + tol + EPS
            if f_package:
                total = max(psum(w_vw, n_i), EPS)
                w_acc[row, j, 0] = inside and psum(w_work, n_i) / total <= tol + EPS


@njit(cache=True, error_model="numpy")
def _settle(P: Any, S: Any, T: Any, F: Any, W: Any, O: Any, b0: int, b1: int) -> None:
    """Whether the proposal passes by the forum's rule, who blocked it, and the deals."""
    t_members, t_idx, t_bmembers, t_agenda = T.members, T.idx, T.bmembers, T.agenda
    t_seated, t_kinds, t_starts, t_codes = T.seated, T.kinds, T.starts, T.codes
    t_bind_kind, t_bstarts, t_bcodes = T.bind_kind, T.bstarts, T.bcodes
    w_tvotes, w_acc = W.tvotes, W.acc
    w_ok, w_who, w_yes, w_live, w_prop = W.ok, W.who, W.yes, W.live, W.prop
    f_package, f_decides, f_share_n, f_share_w = F.package, F.decides, F.share_n, F.share_w
    f_forum, f_number = F.forum, F.number
    s_value, s_agreed, s_agreed_in, s_agreed_at = S.value, S.agreed, S.agreed_in, S.agreed_at
    s_blocker = S.blocker
    o_ok, o_blocker = O.ok, O.blocker
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        choice.decide(
            f_decides, w_acc[row], 1 if f_package else len(t_agenda), t_seated, t_idx,
            w_tvotes[row], t_kinds, t_starts, t_members, t_codes, t_bind_kind, t_bstarts,
            t_bmembers, t_bcodes, f_share_n, f_share_w, w_ok, w_who, w_yes,
        )  # fmt: skip
        for i in range(len(t_agenda)):
            col = 0 if f_package else i
            ok = w_ok[col] and w_live[row, i]
            blk = w_who[col] if w_live[row, i] and not ok else -1
            if ok:
                s_value[b, i] = w_prop[row, i]
                s_agreed[b, i] = True
                s_agreed_in[b, i] = f_forum
                s_agreed_at[b, i] = f_number
            if w_live[row, i]:
                s_blocker[b, i] = blk
            o_ok[b, i], o_blocker[b, i] = ok, blk


@njit(cache=True, error_model="numpy")
def levels(
    c: np.ndarray, starts: np.ndarray, idx: np.ndarray, members: np.ndarray,
    agenda: np.ndarray, flat: np.ndarray, b: int, out: np.ndarray,
) -> None:  # fmt: skip
    """Each party's mean concession level over its members and the agenda, in run b (all
    parties in one call: numba counts a reference to each array a function is handed)."""
    for k in range(len(out)):
        n = 0
        for m in range(starts[k], starts[k + 1]):
            a = idx[members[m]]
            for i in range(len(agenda)):
                if agenda[i]:
                    flat[n] = c[b, a, i]
                    n += 1
        out[k] = psum(flat, n) / n


@njit(cache=True, error_model="numpy")
def open_levels(S: Any, T: Any, W: Any) -> None:
    """Each party's concession level as its forum opens: what its first move is from."""
    s_c, t_moved = S.c, T.moved
    for b in range(s_c.shape[0]):
        levels(s_c, T.starts, T.idx, T.members, T.agenda, W.flat, b, t_moved[b])


@njit(cache=True, error_model="numpy", inline="always")
def _time(P: Any, T: Any, F: Any, b: int) -> float:
    """Time pressure: the elapsed share of the scenario's deadline (calendar days where it
    gives a date, else exchanges) or of the forum's own, whichever is more."""
    f_deadline_days, f_number, f_t, f_forum_deadline = (
        F.deadline_days,
        F.number,
        F.t,
        F.forum_deadline,
    )
    t_days = T.days
    p_horizon = P.horizon
    if np.isfinite(f_deadline_days):
        overall = t_days[f_number - 1] / f_deadline_days
    else:
        overall = f_t / p_horizon[b]
    return max(overall, f_number / f_forum_deadline)


@njit(cache=True, error_model="numpy")
def _concede(P: Any, S: Any, T: Any, F: Any, W: Any, b0: int, b1: int) -> None:
    """Each seated actor concedes by its tactic on the live issues, within its linkage;
    relative tit-for-tat sees the other parties' mean move in concession level. A tactic
    that sets each issue by itself writes its target straight into the state; only the
    trade-off, which spends one budget across issues, goes through :func:`targets` (the
    round trip through scratch cost three quarters of this phase's time). Actors of one
    tactic and one beta (most of a bloc's) share its opening, a power computed once for
    them: the same value, as it is the same operation on the same numbers."""
    t_kinds, t_agenda, t_moved, t_idx = T.kinds, T.agenda, T.moved, T.idx
    t_seated, t_party_of, t_tactic = T.seated, T.party_of, T.tactic
    w_moves, w_vx, w_vw, w_rsal = W.moves, W.vx, W.vw, W.rsal
    w_tstep, w_step, w_work, w_order = W.tstep, W.step, W.work, W.order
    w_flat, w_live, w_cap, w_now = W.flat, W.live, W.cap, W.now
    t_starts, t_members = T.starts, T.members
    s_c, s_reservation = S.c, S.reservation
    p_ideal, p_salience, p_beta, p_reciprocity = P.ideal, P.salience, P.beta, P.reciprocity
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        n_k, n_i = len(t_kinds), len(t_agenda)
        levels(s_c, t_starts, t_idx, t_members, t_agenda, w_flat, b, w_now)
        for k in range(n_k):
            w_moves[k] = w_now[k] - t_moved[b, k]
            t_moved[b, k] = w_now[k]
        t = _time(P, T, F, b)
        last_kind, last_beta, alpha = -1, 0.0, 0.0  # the opening last computed, and of what
        for j in range(len(t_idx)):
            if not t_seated[j]:
                continue
            a, k = t_idx[j], t_party_of[j]
            rel = 0.0
            if k >= 0:
                for q in range(n_k):
                    if q != k:
                        rel += w_moves[q]
                rel /= n_k - 1
            kind, recip = t_tactic[j], p_reciprocity[b, a]
            if kind != TRADEOFF:  # issue by issue, straight into the state
                beta = p_beta[b, a]
                if kind != last_kind or beta != last_beta:  # most of a bloc share one beta
                    alpha, last_kind, last_beta = opening(kind, t, beta), kind, beta
                for i in range(n_i):
                    if w_live[row, i]:
                        c = s_c[b, a, i]
                        level_i = target(kind, c, alpha, recip, w_step[row, j, i], rel)
                        s_c[b, a, i] = concede(c, min(level_i, w_cap[row, j, i]))
                continue
            for i in range(n_i):
                w_vx[i] = s_c[b, a, i]
                w_vw[i] = abs(s_reservation[b, a, i] - p_ideal[b, a, i])
                w_rsal[i] = p_salience[b, a, i]
                w_tstep[i] = w_step[row, j, i]
            targets(
                kind, w_vx, n_i, t, p_beta[b, a], recip, w_tstep, w_rsal, w_vw, rel, w_work,
                w_order, w_flat,
            )  # fmt: skip
            for i in range(n_i):
                if w_live[row, i]:
                    s_c[b, a, i] = concede(s_c[b, a, i], min(w_work[i], w_cap[row, j, i]))


@njit(cache=True, error_model="numpy")
def _cohere(P: Any, S: Any, T: Any, W: Any, b0: int, b1: int) -> None:
    """Bloc members drift toward their bloc's capability-weighted mean, then toward each
    facing actor's position by its wedge; where a member's limit lies beyond its
    reservation, the reservation is pulled the same way, within the limit. The position
    is then settled back into the member's (possibly bent) range."""
    t_agenda, t_idx, t_kinds, t_starts = T.agenda, T.idx, T.kinds, T.starts
    t_members, t_bloc, t_bends = T.members, T.bloc, T.bends
    p_ideal, p_capability, p_bloc_cohesion, p_reservation = (
        P.ideal,
        P.capability,
        P.bloc_cohesion,
        P.reservation,
    )
    p_limit, p_wedge = P.limit, P.wedge
    p_cohesion_susceptibility = P.cohesion_susceptibility
    p_wedge_susceptibility = P.wedge_susceptibility
    w_xc, w_mcap, w_live, w_vx, w_vw = W.xc, W.mcap, W.live, W.vx, W.vw
    w_leads, w_wedges = W.leads, W.wedges
    s_c, s_reservation = S.c, S.reservation
    n_i, n_k = len(t_agenda), len(t_kinds)
    n_lead = 0  # the facing actors (parties of one), whose wedge pulls on every bloc
    for q in range(n_k):
        if t_kinds[q] < 0:
            w_leads[n_lead] = t_members[t_starts[q]]
            n_lead += 1
    if n_lead == n_k:  # no bloc at the table (Geneva's): nothing coheres, nothing to compute
        return
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        for j in range(len(t_idx)):
            a = t_idx[j]
            for i in range(n_i):
                w_xc[j, i] = position(p_ideal[b, a, i], s_c[b, a, i], s_reservation[b, a, i])
        for q in range(n_lead):
            w_wedges[q] = p_wedge[b, t_idx[w_leads[q]]]
        for k in range(n_k):
            if t_kinds[k] < 0:
                continue
            s, z = t_starts[k], t_starts[k + 1]
            for m in range(s, z):
                w_mcap[m - s] = p_capability[b, t_idx[t_members[m]]]
            total = psum(w_mcap, z - s)
            total = total if total > 0 else 1.0
            pull, bends = p_bloc_cohesion[b, t_bloc[k]], t_bends[k]
            for i in range(n_i):  # the bloc's means first: every member drifts from them
                mean_x, mean_r = 0.0, 0.0
                if w_live[row, i]:
                    for m in range(s, z):
                        a = t_idx[t_members[m]]
                        mean_x += w_xc[t_members[m], i] * w_mcap[m - s]
                        mean_r += s_reservation[b, a, i] * w_mcap[m - s]
                w_vx[i], w_vw[i] = mean_x / total, mean_r / total
            for m in range(s, z):
                j = t_members[m]
                a = t_idx[j]
                cs, ws = p_cohesion_susceptibility[b, a], p_wedge_susceptibility[b, a]
                for i in range(n_i):
                    if not w_live[row, i]:
                        continue
                    xm, r = w_xc[j, i], s_reservation[b, a, i]
                    xm, r = drift(xm, w_vx[i], pull, cs), drift(r, w_vw[i], pull, cs)
                    for q in range(n_lead):  # each facing actor's wedge, in party order
                        lead_x = w_xc[w_leads[q], i]
                        xm = drift(xm, lead_x, w_wedges[q], ws)
                        r = drift(r, lead_x, w_wedges[q], ws)
                    ideal, res = p_ideal[b, a, i], s_reservation[b, a, i]
                    if bends:
                        declared, limit = p_reservation[b, a, i], p_limit[b, a, i]
                        res = min(max(r, min(declared, limit)), max(declared, limit))
                        s_reservation[b, a, i] = res
                    s_c[b, a, i] = settle(xm, ideal, res)


@njit(cache=True, error_model="numpy")
def _decide(P: Any, S: Any, T: Any, F: Any, W: Any, O: Any, b0: int, b1: int) -> None:
    """Each seated actor whose patience is a decision stays or walks out (Fearon 1995): the
    progress it has, plus what it still hopes for (aspiration learning) times its Bayesian
    belief that the other side moves again before its deadline (a Gamma prior on the rate
    of concessions), discounted to the deadline, against its outside option."""
    s_broke, s_prog, s_judged, s_moves = S.broke, S.prog, S.judged, S.moves
    s_broke_in = S.broke_in
    t_agenda, t_days, t_idx, t_decider = T.agenda, T.days, T.idx, T.decider
    t_patience_on, t_credited_on, t_sq = T.patience_on, T.credited_on, T.sq
    f_number, f_deadline_days, f_t, f_hours = F.number, F.deadline_days, F.t, F.hours
    f_forum = F.forum
    p_credit, p_ideal, p_salience, p_horizon = P.credit, P.ideal, P.salience, P.horizon
    p_deadline_days, p_confidence, p_expected_wait, p_hope = (
        P.deadline_days,
        P.confidence,
        P.expected_wait,
        P.hope,
    )
    p_learning, p_discount, p_outside_option = P.learning, P.discount, P.outside_option
    w_vw, w_work = W.vw, W.work
    o_out, o_expected, o_judged = O.out, O.expected, O.judged
    for b in range(b0, b1):
        broke, n_i = s_broke[b], len(t_agenda)
        day, leave_any = t_days[f_number - 1], False
        for j in range(len(t_idx)):
            if not t_decider[j]:
                continue
            a = t_idx[j]
            for i in range(n_i):
                weight = t_patience_on[a, i] + p_credit[b, a] * t_credited_on[a, i]
                need = abs(t_sq[i] - p_ideal[b, a, i])
                w_vw[i] = p_salience[b, a, i] * need * weight
                w_work[i] = s_prog[b, a, i] * w_vw[i]
            total = psum(w_vw, n_i)
            g = psum(w_work, n_i) / total if total > 0 else 1.0
            if g > s_judged[b, a] + EPS:
                s_moves[b, a] += 1.0
            s_judged[b, a] = g
            if np.isfinite(f_deadline_days):
                scenario = f_deadline_days - day
            else:
                scenario = (p_horizon[b] - f_t) * f_hours / 24
            own = p_deadline_days[b, a]
            left = max(own - day if own > 0 else scenario, 0.0)
            conf = p_confidence[b, a]
            shape, rate = conf + s_moves[b, a], conf * p_expected_wait[b, a] + day
            again = 1.0 - (rate / (rate + left)) ** shape
            hope = g + max(p_hope[b, a] - g, 0.0) * (1.0 - p_learning[b, a]) ** day
            worth = (g + (hope - g) * again) * p_discount[b, a] ** left
            leave = worth < p_outside_option[b, a] - EPS and not broke
            o_out[b, a], o_expected[b, a], o_judged[b, a] = leave, worth, g
            leave_any = leave_any or leave
        if leave_any:
            if not s_broke[b]:
                s_broke_in[b] = f_forum
            s_broke[b] = True


@njit(cache=True, error_model="numpy")
def _answer(P: Any, S: Any, T: Any, F: Any, W: Any, O: Any, b0: int, b1: int) -> None:
    """Each actor's answer to the offers it was made (WALK_OUT, 3, on the live issues from
    one that has just decided to leave): kept for the watched answers a response
    observation checks, and for the transcript when recording."""
    t_w_by, t_starts, t_agenda, t_w_mask = T.w_by, T.starts, T.agenda, T.w_mask
    t_members, t_w_to, t_w_code, t_w_index = T.members, T.w_to, T.w_code, T.w_index
    t_kinds, t_idx = T.kinds, T.idx
    w_live, w_cap, w_offers, w_x = W.live, W.cap, W.offers, W.x
    s_answers, s_answered, s_reservation = S.answers, S.answered, S.reservation
    o_responses, o_out, p_ideal = O.responses, O.out, P.ideal
    for b in range(b0, b1):
        row = b - b0  # the run's row in the block's scratch
        n_i = len(t_agenda)
        for w in range(len(t_w_by)):
            ok, seen = True, False
            for m in range(t_starts[t_w_by[w]], t_starts[t_w_by[w] + 1]):
                j = t_members[m]
                a = t_idx[j]
                for i in range(n_i):
                    on = w_live[row, i] and t_w_mask[w, i]
                    seen = seen or on
                    if on:
                        code = 3
                        if not o_out[b, a]:
                            code = respond(
                                w_offers[row, t_w_to[w], i], p_ideal[b, a, i], w_x[row, j, i],
                                s_reservation[b, a, i], w_cap[row, j, i] < 1 - EPS,
                            )  # fmt: skip
                        ok = ok and code == t_w_code[w]
            s_answers[b, t_w_index[w]] &= ok
            s_answered[b, t_w_index[w]] |= seen
        if F.record:
            for k in range(len(t_kinds)):
                for j in range(len(t_idx)):
                    a = t_idx[j]
                    for i in range(n_i):
                        code = 3
                        if not (o_out[b, a] and w_live[row, i]):
                            code = respond(
                                w_offers[row, k, i], p_ideal[b, a, i], w_x[row, j, i],
                                s_reservation[b, a, i], w_cap[row, j, i] < 1 - EPS,
                            )  # fmt: skip
                        o_responses[b, k, j, i] = code


@njit(cache=True, error_model="numpy")
def judge(
    prog: np.ndarray, ideal: np.ndarray, salience: np.ndarray, sq: np.ndarray,
    patience_on: np.ndarray, required: np.ndarray, rounds: np.ndarray, strikes: np.ndarray,
    counts: np.ndarray, part: np.ndarray, active: np.ndarray, judged: np.ndarray,
    out: np.ndarray, broke: np.ndarray, broke_in: np.ndarray, forum: int,
) -> None:  # fmt: skip
    """Between forums, each actor that counts rounds (``counts``) judges its utility
    progress on the issues it judges (``judged``; NaN for the others, as after an exchange
    for those that do not decide); at this forum and short of what it requires, it takes a
    strike, and walks out (``out``) once it has more strikes than its patience."""
    n_b, n_a, n_i = prog.shape
    w, work = np.zeros(n_i), np.zeros(n_i)
    for b in range(n_b):
        leave = False
        for a in range(n_a):
            if not counts[a]:
                judged[b, a], out[b, a] = np.nan, False
                continue
            g = linkage(prog[b, a], ideal[b, a], sq, salience[b, a], patience_on[a], 0.0, w, work)
            judged[b, a] = g[0]
            if part[a] and active[b] and g[0] < required[b, a] - EPS:
                strikes[b, a] += 1.0
            out[b, a] = active[b] and strikes[b, a] > rounds[b, a] + EPS
            leave = leave or out[b, a]
        if leave:
            if not broke[b]:
                broke_in[b] = forum
            broke[b] = True
