"""Bueno de Mesquita's expected-utility ("challenge") model: the classic forecast beside ours.

Analysts compare every forecast of a negotiation with this model (Bueno de Mesquita 1994,
*European Community Decision Making*, ch. 4), so negsim computes it on the same sampled inputs
as the concession model: per issue, each actor's initial position (its ``ideal``), capability
and salience, one forecast per run, hence a distribution over the Monte Carlo of the scenario.

The algorithm is the one Scholz, Calbert & Smith (2011, "Unravelling Bueno De Mesquita's group
decision model", *Journal of Theoretical Politics* 23(4): 510-531) reconstructed from the
literature, in the form of the open replication that reproduces their published rounds
(J. McKibben, github.com/jmckib/bdm-scholz-expected-utility-model, "perfect replication of
bdm-scholz results up to 10 rounds"). One round:

1. Risk. With every risk exponent 1, actor i's *danger* D_i is the sum of the expected
   utilities the others see in challenging it; R_i = (2 D_i - max D - min D) / (max D - min D)
   and r_i = (1 - R_i/3) / (1 + R_i/3), in [1/2, 2].
2. Votes and probabilities. Voter k gives pair (i, j) the vote
   w_k ((|x_k - x_j| / range)^r_k - (|x_k - x_i| / range)^r_k), w_k = c_k s_k; P(i beats j)
   is the sum of the votes for i over the sum of |votes| over all voters and pairs (the
   replication's normaliser, not the pair's own).
3. Expected utility of i challenging j, seen by an actor with exponent r:
   EU = s_j [P U_s + (1 - P) U_f] + (1 - s_j) U_s - Q U_sq - (1 - Q)[T U_b + (1 - T) U_w],
   with U_s = 2 - 4 (0.5 - 0.5 d)^r, U_f = 2 - 4 (0.5 + 0.5 d)^r, U_sq = 2 - 4 (0.5)^r,
   U_b/U_w the same with 0.25 (|x_i - mu| + d) (mu: the current weighted median), d the
   distance over the range of initial positions. Both sides of a pair are judged from the
   receiving actor's perspective (its r), as in the replication.
4. Offers. j's offer to i is a *confrontation* i loses if EU_ji > EU_ij > 0 (i moves to x_j),
   a *compromise* if EU_ji > 0 > EU_ij and EU_ji > |EU_ij| (i moves the share |EU_ij / EU_ji|
   of the way to x_j), a *capitulation* if EU_ji > 0 > EU_ij and |EU_ij| > EU_ji (to x_j).
   Each actor takes a confrontation if it has one (the nearest), else a compromise (the one
   with the lowest |EU| weighted position, as the replication's code does), else a
   capitulation (the nearest). All move at once.
5. The round's forecast is the weighted median: the actor position that minimises the
   capability x salience weighted distance to all positions (Black's median voter).

The forecast of a run is the mean of the rounds' medians (ten rounds by default): on the EU
car-emission table this gives 9.055 years, the 9.05 Scholz et al. report, while the medians
themselves oscillate (8.42, 9.61, 9.96, 9.96, 9.96, 7.47, 8.82, 9.67, 9.67, 7.00); that the
9.05 is this mean is our reading (the tenth median alone is 7.0).

What differs from the publication: the replication's capitulation test can never hold
(``eu_ji < abs(eu_ji)``), so there no actor ever capitulates; here capitulation is as
published (on the EU table the rounds come out the same, for twenty rounds). Among several
compromises an actor takes the replication's choice (the lowest |EU|-weighted position), which
its author traces to Scholz et al.'s code, not the published "least movement".

Actors with the same position and salience behave identically in every step, so each run
works on these *types* (weights and counts summed), which is exact and keeps the cost down.
Runs x issues are the rows; rows with the same count of types run together, without padding,
on arrays laid out rows last, so numpy's inner loops span hundreds of rows, not a dozen types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.scenario.compile import Compiled, draw

ROUNDS = 10  # the replication's horizon
Q = 1.0  # the status quo is certain without a challenge, as in the replication
T = 1.0  # share of "better" among changes that happen without a challenge (used when Q < 1)
CHUNK = 512  # rows (run x issue) per vectorised call: memory grows as rows x types^3
Outcomes = tuple[np.ndarray, np.ndarray, np.ndarray]  # U_s, U_f, the no-challenge term


@dataclass(frozen=True)
class Types:
    """Actors grouped by (position, salience), padded to a common count per row.

    x, s, w (c x s summed), n (actor count, 0 on padding): all (rows, types), or (types,
    rows) inside :func:`rounds_of` and the steps it calls."""

    x: np.ndarray
    s: np.ndarray
    w: np.ndarray
    n: np.ndarray

    @property
    def real(self) -> np.ndarray:
        return self.n > 0


def collapse(x: np.ndarray, c: np.ndarray, s: np.ndarray) -> Types:
    """Rows of actors (rows, A) -> types; vectorised sort, boundary marks, scatter-add."""
    rows, a = x.shape
    order = np.lexsort((s, x), axis=1)
    xs, ss = np.take_along_axis(x, order, 1), np.take_along_axis(s, order, 1)
    ws = np.take_along_axis(c * s, order, 1)
    new = np.ones((rows, a), dtype=bool)
    new[:, 1:] = (xs[:, 1:] != xs[:, :-1]) | (ss[:, 1:] != ss[:, :-1])
    tid = np.cumsum(new, axis=1) - 1
    width = int(tid.max()) + 1 if a else 0
    r = np.broadcast_to(np.arange(rows)[:, None], (rows, a))
    tx, ts = np.zeros((rows, width)), np.zeros((rows, width))
    tx[r, tid], ts[r, tid] = xs, ss
    tw, tn = np.zeros((rows, width)), np.zeros((rows, width))
    np.add.at(tw, (r, tid), ws)
    np.add.at(tn, (r, tid), 1.0)
    last = tx[np.arange(rows), tid[:, -1]][:, None]  # padding sits on a real position
    pad = tn == 0
    tx[pad] = np.broadcast_to(last, tx.shape)[pad]
    return Types(tx, ts, tw, tn)


def weighted_median(t: Types, x: np.ndarray) -> np.ndarray:
    """The real position minimising the weighted sum of distances (lowest on a tie)."""
    cost = (t.w[:, None] * np.abs(x[:, None] - x[None, :])).sum(axis=0)
    cost = np.where(t.real, cost, np.inf) + 1e-12 * x  # ties: the lower position
    return np.take_along_axis(x, np.argmin(cost, axis=0)[None], 0)[0]


def probabilities(t: Types, d: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P[i, j]: i's chance against j from the risk-weighted votes (replication's normaliser).

    The normaliser, the sum of |votes| over voters and ordered pairs, is twice the sum of the
    positive votes (each pair's votes are the negative of the reversed pair's), so it comes
    from the numerators without a second pass over voters x pairs. The votes are tallied in
    one compiled pass (:func:`negsim.kernel.forecasts.eu_probabilities`, numpy's order of
    sums): as an array formula, the votes of every voter on every pair of every row made a
    (types^3 x rows) array, nearly half of the model's time."""
    from negsim.kernel.forecasts import eu_probabilities  # numba: loaded where it runs

    wu = t.w[:, None] * _power(d, r[:, None])  # [k, a]: w_k times k's distance to a, ^r_k
    p = np.empty(d.shape)
    wu, n, d = (np.ascontiguousarray(v, dtype=float) for v in (wu, t.n, d))
    eu_probabilities(wu, n, d, p)
    return p


def _power(z: np.ndarray, r: np.ndarray) -> np.ndarray:
    """z ** r (z >= 0, r > 0) as exp(r log z): a third cheaper than libm's pow and within a
    few units in the last place of it; exactly z where r is 1 (as pow is), so that no row's
    numbers depend on the rows it runs with."""
    one = r == 1.0
    if one.all():
        return z
    with np.errstate(divide="ignore"):  # log 0 = -inf, and exp(-inf) = 0 = 0 ** r
        out = np.log(z)
    out *= r
    np.exp(out, out=out)
    if one.any():
        np.copyto(out, z, where=np.broadcast_to(one, out.shape))
    return out


def _u(z: np.ndarray, r: np.ndarray) -> np.ndarray:
    """BdM's utility of a distance-like z: 2 - 4 z^r (risk-averse for r > 1)."""
    return 2.0 - 4.0 * _power(z, r)


def _outcomes(d: np.ndarray, r: np.ndarray, dmu: np.ndarray, q: float) -> Outcomes:
    """(U_s, U_f, the no-challenge term) for each pair [i, j], from i's exponent r_i."""
    ri = r[:, None]
    us, uf = _u(0.5 - 0.5 * d, ri), _u(0.5 + 0.5 * d, ri)
    rest = q * _u(np.full_like(ri, 0.5), ri)
    if q < 1.0:
        spread = 0.25 * (dmu[:, None] + d)
        rest = rest + (1 - q) * (T * _u(0.5 - spread, ri) + (1 - T) * _u(0.5 + spread, ri))
    return us, uf, rest


def _challenge(s: np.ndarray, p: np.ndarray, outcomes: Outcomes) -> np.ndarray:
    """EU of a challenge won with probability p against a target of salience s."""
    us, uf, rest = outcomes
    return s * (p * us + (1 - p) * uf) + (1 - s) * us - rest


def challenge_eu(
    t: Types, d: np.ndarray, p: np.ndarray, r: np.ndarray, dmu: np.ndarray, q: float = Q
) -> tuple[np.ndarray, np.ndarray]:
    """(EU[i, j] of i challenging j, EU[i, j] of j challenging i), both seen by i (its r_i)."""
    seen = _outcomes(d, r, dmu, q)
    own = _challenge(t.s[None, :], p, seen)
    return own, _challenge(t.s[:, None], np.swapaxes(p, 0, 1), seen)


def risk_exponents(t: Types, d: np.ndarray, dmu: np.ndarray, q: float = Q) -> np.ndarray:
    """r_i from each actor's danger at r = 1, compared with every actor's (Scholz step 8-9)."""
    one = np.ones_like(t.x)
    p = probabilities(t, d, one)
    other = _challenge(t.s[:, None], np.swapaxes(p, 0, 1), _outcomes(d, one, dmu, q))
    danger = (other * t.n[None, :]).sum(axis=1)
    hi = np.where(t.real, danger, -np.inf).max(axis=0)
    lo = np.where(t.real, danger, np.inf).min(axis=0)
    span = hi - lo
    big_r = np.divide(2 * danger - hi - lo, span, out=np.zeros_like(danger), where=span > 0)
    return np.where(t.real, (1 - big_r / 3) / (1 + big_r / 3), 1.0)


def best_offers(t: Types, x: np.ndarray, own: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Each type's new position: its best confrontation, else compromise, else capitulation.

    The kinds exclude one another on a pair, so one argmin over each type's offers of its best
    kind picks the offer (the first on a tie, as one argmin per kind did); the compromise's
    move is then worked out for the picked offer alone."""
    xi, xj = x[:, None], x[None, :]
    valid = t.real[None, :] & t.real[:, None] & (xj != xi) & (other > 0)
    confront = valid & (own > 0) & (other > own)
    compromise = valid & (own < 0) & (other > -own)
    capitulate = valid & (own < 0) & (other < -own)
    a = np.abs(own)
    with np.errstate(divide="ignore", invalid="ignore"):  # read only on compromises: other > 0
        key = (a * xi + other * xj) / (a + other)
    first = confront.any(axis=1)[:, None]
    then = ~first & compromise.any(axis=1)[:, None]
    best = (first & confront) | (then & compromise) | (~first & ~then & capitulate)
    rank = np.where(best, np.where(then, key, np.abs(xj - xi)), np.inf)
    n, rows = x.shape
    to = np.argmin(rank, axis=1) * rows + np.arange(rows)  # [i]: the picked j's (j, row)
    x_to = x.ravel()[to]
    a_to, b_to = (v.ravel()[to + np.arange(n)[:, None] * (n * rows)] for v in (a, other))
    with np.errstate(divide="ignore", invalid="ignore"):
        target = np.where(then[:, 0], x + (x_to - x) * (a_to / b_to), x_to)
    return np.where(best.any(axis=1), target, x)


def rounds_of(t: Types, rounds: int = ROUNDS, q: float = Q, risk: bool = True) -> np.ndarray:
    """The weighted median before and after each round: (rows, rounds + 1).

    The rounds run on the types transposed, rows last (types, rows) and (types, types, rows):
    numpy's inner loops then run over hundreds of rows instead of a dozen types. numpy adds a
    lone row's types in another order (pairwise) than a batch's (one after the other), so a
    lone row runs twice: its numbers are then those it has in any batch, bit for bit."""
    if t.x.shape[0] == 1:
        return rounds_of(_trim(t, np.zeros(2, int), t.x.shape[1]), rounds, q, risk)[:1]
    t = Types(*(np.ascontiguousarray(v.T) for v in (t.x, t.s, t.w, t.n)))
    x = t.x.copy()
    lo = np.where(t.real, x, np.inf).min(axis=0)
    hi = np.where(t.real, x, -np.inf).max(axis=0)
    scale = np.where(hi - lo > 0, hi - lo, 1.0)
    medians = [weighted_median(t, x)]
    for _ in range(rounds):
        d = np.abs(x[:, None] - x[None, :]) / scale
        dmu = np.abs(x - medians[-1]) / scale
        r = risk_exponents(t, d, dmu, q) if risk else np.ones_like(x)
        own, other = challenge_eu(t, d, probabilities(t, d, r), r, dmu, q)
        x = best_offers(t, x, own, other)
        medians.append(weighted_median(t, x))
    return np.stack(medians, axis=1)


def forecast_rows(
    x: np.ndarray,
    c: np.ndarray,
    s: np.ndarray,
    rounds: int = ROUNDS,
    q: float = Q,
    risk: bool = True,
) -> np.ndarray:
    """Per row of actors (rows, A): the medians of rounds 0..rounds.

    Rows are grouped by their count of types and each group runs at its own width: padding to
    the widest row would cost every row that row's types^3 (on the baseline 8 to 13 types)."""
    t = collapse(x, c, s)
    count = t.real.sum(axis=1)
    out = np.empty((x.shape[0], rounds + 1))
    for k in np.unique(count):
        rows = np.flatnonzero(count == k)
        for part in np.array_split(rows, -(-len(rows) // CHUNK)):  # even parts, <= CHUNK
            out[part] = rounds_of(_trim(t, part, max(int(k), 1)), rounds, q, risk)
    return out


def _trim(t: Types, rows: np.ndarray, width: int) -> Types:
    """The rows ``rows`` of ``t`` cut to their first ``width`` types (the rest is padding)."""
    return Types(*(v[rows, :width] for v in (t.x, t.s, t.w, t.n)))


def forecast(
    ideal: np.ndarray,
    capability: np.ndarray,
    salience: np.ndarray,
    rounds: int = ROUNDS,
    q: float = Q,
    risk: bool = True,
) -> np.ndarray:
    """The model's forecast per run and issue (B, I): the mean of the rounds' medians.

    ``ideal`` and ``salience`` (B, A, I), ``capability`` (B, A), as in :class:`Params`;
    NaN where no actor carries weight on an issue (nothing to forecast)."""
    b, a, i = ideal.shape
    flat = lambda v: np.moveaxis(v, 2, 1).reshape(b * i, a)  # noqa: E731
    cap = np.broadcast_to(capability[:, :, None], ideal.shape)
    med = forecast_rows(flat(ideal), flat(cap), flat(salience), rounds, q, risk)
    fc = med[:, 1:].mean(axis=1) if rounds else med[:, 0]
    weight = (flat(cap) * flat(salience)).sum(axis=1)
    return np.where(weight > 0, fc, np.nan).reshape(b, i)


def run_forecasts(cp: Compiled, runs: np.ndarray | range, seed: int) -> np.ndarray:
    """The forecast (len(runs), I) of runs ``runs`` of seed ``seed``, on the very inputs the
    concession model's runs ``runs`` draw (:func:`negsim.scenario.compile.draw`).

    It costs about 0.7 ms a run on the baseline (ten rounds over every pair of its actor types
    on 8 issues; 1.3 ms before the votes were tallied in one compiled pass, 3 ms before the
    rows were grouped by type count), several times the concession model, so ``negsim run``
    gives it the first :data:`negsim.cliargs.EU_RUNS` runs unless asked for more
    (``--eu-runs``): on the baseline the median over 200 runs lies within 0.03 of the median
    over 1,000."""
    runs = np.asarray(runs, dtype=np.int64)
    if len(runs) == 0:
        return np.empty((0, cp.n_issues))
    params = draw(cp, runs, seed)[1]
    return forecast(params.ideal, params.capability, params.salience)
