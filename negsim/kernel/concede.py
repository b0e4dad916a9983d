"""What an actor concedes, for one run: its tactic's target level on each issue.

The formulas of the registered tactics (:mod:`negsim.tactics`: each class names its
``kernel`` code here), as compiled loops over one actor's issues. Concession levels place an
actor between its ideal (0) and its reservation (1).
"""

from __future__ import annotations

import math

import numpy as np

from negsim.kernel.arith import psum, unit
from negsim.kernel.cache import njit
from negsim.kernel.codes import KAPPA, LINEAR, POLYNOMIAL, RELATIVE, TIT_FOR_TAT, TRADEOFF


@njit(cache=True, error_model="numpy")
def targets(
    kind: int, c: np.ndarray, n: int, t: float, beta: float, recip: float, step: np.ndarray,
    salience: np.ndarray, reach: np.ndarray, relative: float, out: np.ndarray,
    order: np.ndarray, work: np.ndarray,
) -> None:  # fmt: skip
    """One actor's target level on each issue (``out``): Faratin, Sierra & Jennings (1998)
    time-dependent families (polynomial alpha = t^(1/beta), exponential from KAPPA), their
    trade-off (the utility the polynomial gives up, spent on the least salient issues
    first), tit-for-tat on the progress gained (Axelrod) and relative tit-for-tat on the
    other side's concession level; every time-dependent one also reciprocates."""
    if kind == RELATIVE:
        for i in range(n):
            out[i] = c[i] + recip * max(relative, 0.0)
        return
    for i in range(n):
        out[i] = c[i] + recip * max(step[i], 0.0)  # tit-for-tat's share of the move
    if kind == TIT_FOR_TAT:
        return
    if kind == TRADEOFF:
        _tradeoff(unit(t) ** (1.0 / beta), n, salience, reach, out, order, work)
        return
    if kind == POLYNOMIAL:
        alpha = unit(t) ** (1.0 / beta)
    elif kind == LINEAR:
        alpha = unit(t)
    else:
        alpha = math.exp((1.0 - unit(t)) ** beta * math.log(KAPPA))
    for i in range(n):
        out[i] = max(alpha, out[i])


@njit(cache=True, error_model="numpy")
def _tradeoff(
    tau: float, n: int, salience: np.ndarray, reach: np.ndarray, out: np.ndarray,
    order: np.ndarray, cost: np.ndarray,
) -> None:  # fmt: skip
    """Raise ``out`` to the trade-off's levels: a budget of ``tau`` of the actor's whole
    concedable utility, spent issue by issue from the least salient (stable order)."""
    for a in range(n):
        cost[a] = salience[a] * reach[a]
        k = a
        while k > 0 and salience[order[k - 1]] > salience[a]:
            order[k] = order[k - 1]
            k -= 1
        order[k] = a
    budget, cum = tau * psum(cost, n), 0.0
    for a in range(n):
        i = order[a]
        cum += cost[i]
        before = cum - cost[i]
        if cost[i] > 0:
            level = unit((budget - before) / cost[i])
        else:
            level = 1.0 if budget > before else 0.0
        out[i] = max(level, out[i])


@njit(cache=True, error_model="numpy")
def batch(
    kinds: np.ndarray, c: np.ndarray, t: np.ndarray, beta: np.ndarray, recip: np.ndarray,
    step: np.ndarray, salience: np.ndarray, reach: np.ndarray, relative: np.ndarray,
    out: np.ndarray,
) -> None:  # fmt: skip
    """:func:`targets` for every actor j of every run b: arrays (B, P, I), ``t`` (B,),
    ``beta``, ``recip`` and ``relative`` (B, P); what a registered tactic's ``target`` is."""
    n_b, n_p, n_i = c.shape
    order, work = np.zeros(max(n_i, 1), np.int64), np.zeros(max(n_i, 1))
    for b in range(n_b):
        for j in range(n_p):
            targets(
                kinds[j], c[b, j], n_i, t[b], beta[b, j], recip[b, j], step[b, j],
                salience[b, j], reach[b, j], relative[b, j], out[b, j], order, work,
            )  # fmt: skip
