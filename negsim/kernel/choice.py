"""How a table chooses, for one run: a party's offer, the proposal, whether it passes.

Compiled scalar loops over the table's P actors and the I issues of run ``b``; the exchange
(:mod:`negsim.kernel.exchange`) calls them once per run. Arrays indexed by actor take the
scenario's actor index (``idx[j]`` for the table's j-th actor); table work arrays (``x``,
``acc``) take the table position j. The registered rule classes in
:mod:`negsim.forum_rules` name which of these a forum or bloc uses (their ``kernel`` codes).
"""

from __future__ import annotations

import math

import numpy as np

from negsim.kernel.arith import EPS, position, psum
from negsim.kernel.cache import njit
from negsim.kernel.codes import CONSENSUS, EVERYONE, MEAN, MEDIAN, VOTE


@njit(cache=True, error_model="numpy")
def weighted_median(x: np.ndarray, w: np.ndarray, n: int, order: np.ndarray) -> float:
    """The lowest of ``x[:n]`` at which the cumulative weight, in stable sorted order,
    reaches half the total (Black's median voter with weights)."""
    for a in range(n):  # stable insertion sort of the indices by value
        order[a] = a
        k = a
        while k > 0 and x[order[k - 1]] > x[a]:
            order[k] = order[k - 1]
            k -= 1
        order[k] = a
    total = 0.0
    for a in range(n):
        total += w[order[a]]
    cum = 0.0
    for a in range(n):
        cum += w[order[a]]
        if cum >= total / 2 - EPS:
            return x[order[a]]
    return x[order[n - 1]]


@njit(cache=True, error_model="numpy")
def bloc_offer(
    kind: int, members: np.ndarray, s: int, z: int, x: np.ndarray, cap: np.ndarray,
    dirs: np.ndarray, vx: np.ndarray, vw: np.ndarray, order: np.ndarray, out: np.ndarray,
) -> None:  # fmt: skip
    """A bloc's offer on each issue (``out``) from its members' (``members[s:z]``, table
    positions) positions ``x`` (P, I), their capabilities ``cap`` from 0, its direction of
    concession on each issue ``dirs``. Every issue in one call: numba counts a reference to
    each array handed to a function, which a call an issue paid over and over."""
    for i in range(len(out)):
        if kind == CONSENSUS:  # no more than its most reluctant member
            d, lo = dirs[i], math.inf
            for m in range(s, z):
                lo = min(lo, d * x[members[m], i])
            out[i] = d * lo
            continue
        for m in range(s, z):
            vx[m - s] = x[members[m], i]
            vw[m - s] = cap[m - s]
        out[i] = weighted_median(vx, vw, z - s, order)


@njit(cache=True, error_model="numpy")
def bloc_accepts(
    kind: int, members: np.ndarray, s: int, z: int, acc: np.ndarray, votes: np.ndarray,
    n_col: int, open_: np.ndarray, out: np.ndarray,
) -> None:  # fmt: skip
    """Whether a bloc (``members[s:z]``) accepts (``out``) on each of the first ``n_col``
    columns of ``acc`` (P, X) still ``open_``: every member under consensus, more than half
    its votes (``votes`` (P,)) under majority. A column at a time would hand the arrays over
    once a column, and numba counts a reference to each array it is handed (an atomic
    operation each: they were a quarter of the kernel's time)."""
    for i in range(n_col):
        if not open_[i]:
            continue
        if kind == CONSENSUS:
            yes = True
            for m in range(s, z):
                if not acc[members[m], i]:
                    yes = False
                    break
            out[i] = yes
            continue
        total, yes_w = 0.0, 0.0
        for m in range(s, z):
            total += votes[members[m]]
            if acc[members[m], i]:
                yes_w += votes[members[m]]
        out[i] = yes_w > total / 2 + EPS


@njit(cache=True, error_model="numpy")
def party_gain(
    s: int, z: int, w: np.ndarray, need: np.ndarray, ideal: np.ndarray, capw: np.ndarray,
    p: np.ndarray, work: np.ndarray,
) -> float:  # fmt: skip
    """A party's utility gain over the status quo from package ``p``: capability-weighted
    over its members (rows s to z of ``capw``), each member's weights ``w`` (M, I: salience
    on the live issues, normalised) times the utility it gains on each issue."""
    num, den = 0.0, 0.0
    for a in range(s, z):
        for i in range(len(p)):
            work[i] = w[a, i] * (need[a, i] - abs(p[i] - ideal[a, i]))
        num += psum(work, len(p)) * capw[a]
        den += capw[a]
    return num / max(den, EPS)


@njit(cache=True, error_model="numpy")
def offers_mean(offers: np.ndarray, out: np.ndarray) -> None:
    """The parties' offers' (K, I) mean on each issue: the proposal where no one mediates
    (called by itself where it is the forum's rule: :func:`propose` is handed 22 arrays)."""
    n_k, n_i = offers.shape
    for i in range(n_i):
        s = 0.0
        for k in range(n_k):
            s += offers[k, i]
        out[i] = s / n_k


@njit(cache=True, error_model="numpy")
def nash(
    offers: np.ndarray, starts: np.ndarray, members: np.ndarray, w: np.ndarray,
    need: np.ndarray, ideal: np.ndarray, capw: np.ndarray, live: np.ndarray,
    grid: np.ndarray, sweeps: int, out: np.ndarray, work: np.ndarray,
) -> None:  # fmt: skip
    """The Nash (1950) bargaining solution between the parties' offers (K, I): the package
    maximising the sum of the log gains, by coordinate ascent on ``grid`` (shares of the
    offers' range) per live issue, starting from their mean and never worse than it; an
    issue where no value gains every party anything keeps the mean. Party k's members are
    ``members[starts[k]:starts[k + 1]]`` with rows ``w``, ``need``, ``ideal``, ``capw``."""
    n_k, n_i = offers.shape
    offers_mean(offers, out)
    for _ in range(sweeps):
        for i in range(n_i):
            if not live[i]:
                continue
            lo, hi = offers[0, i], offers[0, i]
            for k in range(1, n_k):
                lo, hi = min(lo, offers[k, i]), max(hi, offers[k, i])
            start, best, best_v = out[i], -math.inf, out[i]
            for g in range(len(grid) + 1):
                out[i] = start if g == 0 else lo + (hi - lo) * grid[g - 1]
                score = 0.0
                for k in range(n_k):
                    gain = party_gain(starts[k], starts[k + 1], w, need, ideal, capw, out, work)
                    if not gain > EPS:
                        score = -math.inf
                        break
                    score += math.log(max(gain, EPS))
                if score > best:
                    best, best_v = score, out[i]
            out[i] = best_v if best > -math.inf else start


@njit(cache=True, error_model="numpy")
def parties_pass(
    acc: np.ndarray, n_col: int, kinds: np.ndarray, starts: np.ndarray, members: np.ndarray,
    codes: np.ndarray, bind_kind: np.ndarray, bstarts: np.ndarray, bmembers: np.ndarray,
    bcodes: np.ndarray, votes: np.ndarray, ok: np.ndarray, who: np.ndarray, yes: np.ndarray,
) -> None:  # fmt: skip
    """Every party accepts (an actor itself and the bloc that binds it, a bloc by its
    rule): whether each column of ``acc`` passes (``ok``) and who blocked it first (``who``,
    -1: none), the checks taken in party order. ``votes`` (P,) are the table actors';
    ``yes`` is scratch (X,)."""
    for i in range(n_col):
        ok[i], who[i] = True, -1
    for k in range(len(kinds)):
        a, z = starts[k], starts[k + 1]
        if kinds[k] < 0:
            for i in range(n_col):
                yes[i] = acc[members[a], i]
        else:
            bloc_accepts(kinds[k], members, a, z, acc, votes, n_col, ok, yes)
        _refused(n_col, ok, who, yes, codes[k])
        if bind_kind[k] >= 0:
            a, z = bstarts[k], bstarts[k + 1]
            bloc_accepts(bind_kind[k], bmembers, a, z, acc, votes, n_col, ok, yes)
            _refused(n_col, ok, who, yes, bcodes[k])


@njit(cache=True, error_model="numpy", inline="always")
def _refused(n_col: int, ok: np.ndarray, who: np.ndarray, yes: np.ndarray, code: int) -> None:
    """The open columns this check refuses close, blocked by ``code``."""
    for i in range(n_col):
        if ok[i] and not yes[i]:
            ok[i], who[i] = False, code


@njit(cache=True, error_model="numpy")
def vote_passes(
    acc: np.ndarray, n_col: int, seated: np.ndarray, votes: np.ndarray, codes: np.ndarray,
    share_n: float, share_w: float, ok: np.ndarray, who: np.ndarray,
) -> None:  # fmt: skip
    """Weighted voting among the seated, on each column of ``acc``: the supporters must
    hold the shares of the voters and of the votes; the largest refusing voter blocks
    (``who``, -1 where it passed)."""
    for i in range(n_col):
        n_seated, n_yes, total, yes_w = 0, 0, 0.0, 0.0
        heavy, heavy_w = 0, -math.inf
        for j in range(len(seated)):
            w = votes[j] if seated[j] else 0.0
            yes = acc[j, i] and seated[j]
            n_seated += seated[j]
            n_yes += yes
            total += w
            yes_w += w * yes
            key = -1.0 if yes else w
            if key > heavy_w:
                heavy, heavy_w = j, key
        passed = n_yes / max(n_seated, 1) >= share_n - EPS
        ok[i] = passed and yes_w / (total if total > 0 else 1.0) >= share_w - EPS
        who[i] = -1 if ok[i] else codes[heavy]


@njit(cache=True, error_model="numpy")
def decide(
    decides: int, acc: np.ndarray, n_col: int, seated: np.ndarray, actor_codes: np.ndarray,
    votes: np.ndarray, kinds: np.ndarray, starts: np.ndarray, members: np.ndarray,
    codes: np.ndarray, bind_kind: np.ndarray, bstarts: np.ndarray, bmembers: np.ndarray,
    bcodes: np.ndarray, share_n: float, share_w: float, ok: np.ndarray, who: np.ndarray,
    yes: np.ndarray,
) -> None:  # fmt: skip
    """Whether the proposal passes on each of the first ``n_col`` columns of the table's
    acceptances ``acc`` (P, X) and who blocked it (``ok``, ``who``: X each; ``yes``
    scratch): by the parties (PARTIES), by the parties and every participant besides
    (EVERYONE: the first refusing one blocks where no party did), or by a weighted vote of
    the seated (VOTE). All columns in one call: numba counts a reference to every array
    handed to a function, so a call a column cost more than the decision."""
    if decides == VOTE:
        vote_passes(acc, n_col, seated, votes, actor_codes, share_n, share_w, ok, who)
        return
    parties_pass(acc, n_col, kinds, starts, members, codes, bind_kind, bstarts, bmembers,
                 bcodes, votes, ok, who, yes)  # fmt: skip
    if decides == EVERYONE:
        for i in range(n_col):
            for j in range(len(actor_codes)):
                if not acc[j, i]:
                    ok[i] = False
                    who[i] = who[i] if who[i] >= 0 else actor_codes[j]
                    break


@njit(cache=True, error_model="numpy")
def propose(
    kind: int, offers: np.ndarray, x: np.ndarray, seated: np.ndarray, cap: np.ndarray,
    sal: np.ndarray, ideal: np.ndarray, live: np.ndarray, sq: np.ndarray,
    starts: np.ndarray, members: np.ndarray, grid: np.ndarray, sweeps: int, out: np.ndarray,
    vx: np.ndarray, vw: np.ndarray, order: np.ndarray, work: np.ndarray, nw: np.ndarray,
    nneed: np.ndarray, nideal: np.ndarray, ncap: np.ndarray,
) -> None:  # fmt: skip
    """What the forum's rule puts to the table (``out``): the parties' offers' mean (MEAN),
    the seated actors' capability x salience weighted median (MEDIAN: Black's median
    voter), or the Nash bargaining solution between the offers (NASH). Table arrays:
    positions ``x``, ``sal``, ``ideal`` (P, I), capabilities ``cap`` (P,)."""
    n_i = offers.shape[1]
    if kind == MEAN:
        offers_mean(offers, out)
    elif kind == MEDIAN:
        for i in range(n_i):
            n = 0
            for j in range(len(seated)):
                if seated[j]:
                    vx[n], vw[n] = x[j, i], cap[j] * sal[j, i]
                    n += 1
            out[i] = weighted_median(vx, vw, n, order)
    else:
        for m in range(len(members)):  # each member's utility, normalised over live issues
            j = members[m]
            for i in range(n_i):
                work[i] = sal[j, i] * live[i]
            total = max(psum(work, n_i), EPS)
            for i in range(n_i):
                nw[m, i], nideal[m, i] = work[i] / total, ideal[j, i]
                nneed[m, i] = abs(sq[i] - ideal[j, i])
            ncap[m] = cap[j]
        nash(offers, starts, members, nw, nneed, nideal, ncap, live, grid, sweeps, out, work)


# -- the registered rules' own entry points (negsim.forum_rules), over a batch -------------


@njit(cache=True, error_model="numpy")
def propose_batch(
    kind: int, offers: np.ndarray, x: np.ndarray, seated: np.ndarray, cap: np.ndarray,
    sal: np.ndarray, ideal: np.ndarray, live: np.ndarray, sq: np.ndarray,
    starts: np.ndarray, members: np.ndarray, grid: np.ndarray, sweeps: int, out: np.ndarray,
) -> None:  # fmt: skip
    """:func:`propose` for each run b of a table (B, ...): offers (B, K, I)."""
    n_b, n_p, n_i = x.shape
    big, n_m = max(n_p, n_i, 1), len(members)
    vx, vw, order, work = np.zeros(big), np.zeros(big), np.zeros(big, np.int64), np.zeros(n_i)
    nw, nneed, nideal = np.zeros((n_m, n_i)), np.zeros((n_m, n_i)), np.zeros((n_m, n_i))
    ncap = np.zeros(n_m)
    for b in range(n_b):
        propose(
            kind, offers[b], x[b], seated, cap[b], sal[b], ideal[b], live[b], sq[b], starts,
            members, grid, sweeps, out[b], vx, vw, order, work, nw, nneed, nideal, ncap,
        )  # fmt: skip


@njit(cache=True, error_model="numpy")
def decide_batch(
    decides: int, acc: np.ndarray, seated: np.ndarray, actor_codes: np.ndarray,
    votes: np.ndarray, kinds: np.ndarray, starts: np.ndarray, members: np.ndarray,
    codes: np.ndarray, bind_kind: np.ndarray, bstarts: np.ndarray, bmembers: np.ndarray,
    bcodes: np.ndarray, share_n: float, share_w: float, ok: np.ndarray, who: np.ndarray,
) -> None:  # fmt: skip
    """:func:`decide` for each run b of acceptances ``acc`` (B, P, X)."""
    yes = np.zeros(acc.shape[2], np.bool_)
    for b in range(acc.shape[0]):
        decide(
            decides, acc[b], acc.shape[2], seated, actor_codes, votes[b], kinds, starts,
            members, codes, bind_kind, bstarts, bmembers, bcodes, share_n, share_w, ok[b],
            who[b], yes,
        )  # fmt: skip


@njit(cache=True, error_model="numpy")
def bloc_offer_batch(
    kind: int, x: np.ndarray, w: np.ndarray, dirn: np.ndarray, out: np.ndarray
) -> None:
    """A bloc's offer (B, I) from its members' positions ``x`` (B, M, I), weights ``w``."""
    n_b, n_m = x.shape[:2]
    members, big = np.arange(n_m), max(n_m, 1)
    vx, vw, order = np.zeros(big), np.zeros(big), np.zeros(big, np.int64)
    for b in range(n_b):
        bloc_offer(kind, members, 0, n_m, x[b], w[b], dirn[b], vx, vw, order, out[b])


@njit(cache=True, error_model="numpy")
def consensus_over(
    x: np.ndarray, ideal: np.ndarray, c: np.ndarray, members: np.ndarray, dirn: np.ndarray,
    levels: bool, out: np.ndarray,
) -> None:  # fmt: skip
    """The consensus bound (B, I) of ``members`` over values ``x`` (B, A, I), or, where
    ``levels``, over the positions concession levels ``c`` put them at between ``ideal`` and
    ``x`` (their reservations): what :func:`bloc_offer_batch` gives for the members'
    values, to the bit, without gathering them into a (B, M, I) array (a member at a time,
    each issue keeping its running bound in ``out``, so the members are taken in the same
    order)."""
    for b in range(x.shape[0]):
        for i in range(out.shape[1]):
            out[b, i] = math.inf
        for m in range(len(members)):
            a = members[m]
            for i in range(out.shape[1]):
                v = position(ideal[b, a, i], c[b, a, i], x[b, a, i]) if levels else x[b, a, i]
                out[b, i] = min(out[b, i], dirn[b, i] * v)
        for i in range(out.shape[1]):
            out[b, i] = dirn[b, i] * out[b, i]


@njit(cache=True, error_model="numpy")
def bloc_accepts_batch(kind: int, accept: np.ndarray, votes: np.ndarray, out: np.ndarray) -> None:
    """Whether a bloc accepts (B, X) from its members' acceptance (B, M, X) and votes."""
    members, every = np.arange(accept.shape[1]), np.ones(accept.shape[2], np.bool_)
    for b in range(accept.shape[0]):
        bloc_accepts(kind, members, 0, len(members), accept[b], votes[b], len(every), every, out[b])
