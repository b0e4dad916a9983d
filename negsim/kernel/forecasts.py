"""The figures' compiled passes over a batch's actors: the classic forecasts, the spread, and
the expected-utility model's tally of votes.

Each figure was an array formula over (B, A, I) arrays: the weights capability x salience
(B, A, I), their products with the positions, then numpy's reductions, about 10 us a run
for the three of them (a sixth of everything a run costs outside the exchange kernel).
These loops take each run and issue once, with the same operations in the same order as
those formulas (numpy sums a middle axis sequentially, a contiguous last axis pairwise:
:func:`negsim.kernel.arith.psum`), so the figures are the same to the bit (tested against
the formulas).
"""

from __future__ import annotations

import math

import numpy as np

from negsim.kernel.arith import position, psum
from negsim.kernel.cache import njit
from negsim.kernel.choice import weighted_median


@njit(cache=True, error_model="numpy")
def forecast_mean(ideal: np.ndarray, cap: np.ndarray, sal: np.ndarray, out: np.ndarray) -> None:
    """The capability x salience weighted mean of the positions ``ideal`` (B, A, I) over
    the actors, per run and issue (``out`` B, I); NaN where nothing carries weight."""
    n_b, n_a, n_i = ideal.shape
    ws, wx = np.zeros(max(n_a, 1)), np.zeros(max(n_a, 1))
    for b in range(n_b):
        for i in range(n_i):
            for a in range(n_a):
                ws[a] = cap[b, a] * sal[b, a, i]
                wx[a] = ws[a] * ideal[b, a, i]
            num, den = _sum(wx, n_a, n_i), _sum(ws, n_a, n_i)
            out[b, i] = num / den if den > 0 else np.nan


@njit(cache=True, error_model="numpy", inline="always")
def _sum(terms: np.ndarray, n: int, n_i: int) -> float:
    """A sum over the actor axis of a (B, A, I) array as numpy takes it: one term after the
    other where there are several issues (the middle axis), pairwise where there is one
    (the actor axis is then the contiguous one)."""
    if n_i == 1:
        return psum(terms, n)
    s = 0.0
    for a in range(n):
        s += terms[a]
    return s


@njit(cache=True, error_model="numpy")
def forecast_median(ideal: np.ndarray, cap: np.ndarray, sal: np.ndarray, out: np.ndarray) -> None:
    """The capability x salience weighted median of the positions ``ideal`` (B, A, I) over
    the actors (:func:`negsim.kernel.choice.weighted_median`), per run and issue (``out``
    B, I); NaN where there are no actors."""
    n_b, n_a, n_i = ideal.shape
    big = max(n_a, 1)
    vx, vw, order = np.zeros(big), np.zeros(big), np.zeros(big, np.int64)
    for b in range(n_b):
        for i in range(n_i):
            if n_a == 0:
                out[b, i] = np.nan
                continue
            for a in range(n_a):
                vx[a], vw[a] = ideal[b, a, i], cap[b, a] * sal[b, a, i]
            out[b, i] = weighted_median(vx, vw, n_a, order)


@njit(cache=True, error_model="numpy")
def spread(
    ideal: np.ndarray, reservation: np.ndarray, c: np.ndarray, members: np.ndarray,
    out: np.ndarray,
) -> None:  # fmt: skip
    """The spread of the ``members``' positions (B, A, I arrays: where ``c`` puts
    each between ideal and reservation): their standard deviation per issue, as numpy's
    ``std`` computes it (the mean, then the mean squared deviation, its root), averaged
    over the issues (``out`` B)."""
    n_b, n_i, n_m = ideal.shape[0], ideal.shape[2], len(members)
    x, dev, sd = np.zeros(max(n_m, 1)), np.zeros(max(n_m, 1)), np.zeros(n_i)
    for b in range(n_b):
        for i in range(n_i):
            for m in range(n_m):
                a = members[m]
                x[m] = position(ideal[b, a, i], c[b, a, i], reservation[b, a, i])
            mean = _sum(x, n_m, n_i) / n_m
            for m in range(n_m):
                dev[m] = (x[m] - mean) * (x[m] - mean)
            sd[i] = math.sqrt(_sum(dev, n_m, n_i) / n_m)
        out[b] = psum(sd, n_i) / n_i


@njit(cache=True, error_model="numpy")
def eu_probabilities(wu: np.ndarray, n: np.ndarray, d: np.ndarray, out: np.ndarray) -> None:
    """The expected-utility model's P[i, j] (``out``, types x types x rows) from the votes
    ``wu`` [k, a, row] (voter k's weight times its distance to a, risk-powered), the type
    counts ``n`` and distances ``d``: :func:`negsim.expected_utility.probabilities`'s sums
    taken in numpy's order (over the voters one after the other, the normaliser over the
    pairs in row-major order), without its (types^3 x rows) array of votes."""
    n_k, n_a, n_r = wu.shape
    den = np.zeros(n_r)
    for i in range(n_a):
        for j in range(n_a):
            for row in range(n_r):
                out[i, j, row] = 0.0
            for k in range(n_k):
                for row in range(n_r):
                    v = wu[k, j, row] - wu[k, i, row]  # k's vote for i over j
                    if not v <= 0.0:  # np.maximum(v, 0): a NaN is kept
                        out[i, j, row] += v
            for row in range(n_r):
                den[row] += out[i, j, row] * n[i, row] * n[j, row]
    for i in range(n_a):
        for j in range(n_a):
            for row in range(n_r):
                total = 2.0 * den[row]
                p = out[i, j, row] / (total if total > 0 else 1.0)
                out[i, j, row] = p * (1.0 if d[i, j, row] > 0 else 0.0)
