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
from negsim.kernel.codes import (
    EXPONENTIAL,
    KAPPA,
    LINEAR,
    POLYNOMIAL,
    RELATIVE,
    TIT_FOR_TAT,
    TRADEOFF,
)


@njit(cache=True, error_model="numpy", inline="always")
def opening(kind: int, t: float, beta: float) -> float:
    """The time-dependent families' level at time ``t`` (Faratin, Sierra & Jennings 1998:
    polynomial alpha = t^(1/beta), linear, exponential from KAPPA); -inf for the families
    that only reciprocate. One value an actor, whatever the issue."""
    if kind == POLYNOMIAL or kind == TRADEOFF:  # noqa: SIM109 -- compiled as two compares
        return unit(t) ** (1.0 / beta)
    if kind == LINEAR:
        return unit(t)
    if kind == EXPONENTIAL:
        return math.exp((1.0 - unit(t)) ** beta * math.log(KAPPA))
    return -math.inf


@njit(cache=True, error_model="numpy", inline="always")
def target(kind: int, c: float, alpha: float, recip: float, step: float, relative: float) -> float:
    """One issue's target level for every family but the trade-off (which spends a budget
    across issues): the reciprocated move on the progress gained (tit-for-tat, Axelrod) or
    on the other side's concession level (relative), raised to ``alpha`` (:func:`opening`)
    for the time-dependent families."""
    if kind == RELATIVE:
        return c + recip * max(relative, 0.0)
    v = c + recip * max(step, 0.0)  # tit-for-tat's share of the move
    return v if kind == TIT_FOR_TAT else max(alpha, v)


@njit(cache=True, error_model="numpy")
def targets(
    kind: int, c: np.ndarray, n: int, t: float, beta: float, recip: float, step: np.ndarray,
    salience: np.ndarray, reach: np.ndarray, relative: float, out: np.ndarray,
    order: np.ndarray, work: np.ndarray,
) -> None:  # fmt: skip
    """One actor's target level on each issue (``out``): :func:`target` issue by issue, or
    the trade-off (the utility the polynomial gives up, spent on the least salient issues
    first, over tit-for-tat's share of the move); every time-dependent one also
    reciprocates."""
    alpha = opening(kind, t, beta)
    if kind == TRADEOFF:
        for i in range(n):
            out[i] = target(TIT_FOR_TAT, c[i], alpha, recip, step[i], relative)
        _tradeoff(alpha, n, salience, reach, out, order, work)
        return
    for i in range(n):
        out[i] = target(kind, c[i], alpha, recip, step[i], relative)


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
