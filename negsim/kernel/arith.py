"""Arithmetic the compiled kernel shares: the tolerance, clipping, and numpy's summation.

A sum over issues is taken in the order numpy's pairwise summation takes it (eight partial
sums for eight terms or more), so the compiled model and the array formulas written in
:mod:`negsim.rules` agree to the last bit where they meet, not just to round-off.

Every kernel function is compiled with ``cache=True`` (compiled once per machine, loaded
after) and ``error_model="numpy"`` (IEEE division, as numpy divides), never ``fastmath``:
it reorders arithmetic and drops the NaN checks the model relies on.
"""

from __future__ import annotations

import numpy as np

from negsim.kernel.cache import njit

EPS = 1e-9
_BLOCK = 128  # numpy's PW_BLOCKSIZE


@njit(cache=True, error_model="numpy", inline="always")
def unit(v: float) -> float:
    """Clip to [0, 1]."""
    return min(max(v, 0.0), 1.0)


@njit(cache=True, error_model="numpy", inline="always")
def _block(a: np.ndarray, off: int, n: int) -> float:
    """numpy's unrolled sum of ``a[off:off + n]``: sequential below eight terms, else eight
    running sums combined as a tree and the remainder added after."""
    if n < 8:
        s = 0.0
        for i in range(off, off + n):
            s += a[i]
        return s
    r0, r1, r2, r3 = a[off], a[off + 1], a[off + 2], a[off + 3]
    r4, r5, r6, r7 = a[off + 4], a[off + 5], a[off + 6], a[off + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[off + i]
        r1 += a[off + i + 1]
        r2 += a[off + i + 2]
        r3 += a[off + i + 3]
        r4 += a[off + i + 4]
        r5 += a[off + i + 5]
        r6 += a[off + i + 6]
        r7 += a[off + i + 7]
        i += 8
    s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        s += a[off + i]
        i += 1
    return s


@njit(cache=True, error_model="numpy", inline="always")
def _split(n: int) -> int:
    half = n // 2
    return half - half % 8


@njit(cache=True, error_model="numpy", inline="always")
def _level2(a: np.ndarray, off: int, n: int) -> float:
    if n <= _BLOCK:
        return _block(a, off, n)
    h = _split(n)
    return _block(a, off, h) + _block(a, off + h, n - h)


@njit(cache=True, error_model="numpy")
def psum(a: np.ndarray, n: int) -> float:
    """The sum of ``a[:n]`` in the order numpy's pairwise summation adds a contiguous axis
    (its halving to blocks of 128 followed to three levels: exact to 512 terms, a sum of
    more differs from numpy's in round-off only)."""
    if n <= _BLOCK:
        return _block(a, 0, n)
    h = _split(n)
    return _level2(a, 0, h) + _level2(a, h, n - h)


# -- the model's primitives, one value at a time ---------------------------------------------


@njit(cache=True, error_model="numpy", inline="always")
def position(ideal: float, c: float, res: float) -> float:
    """Where concession level ``c`` puts an actor: ideal at 0, reservation at 1. The one
    scalar form of :func:`negsim.rules.position` (same operations, same order, so the same
    bits), read by every kernel phase and figure that needs a position."""
    return ideal + c * (res - ideal)


@njit(cache=True, error_model="numpy", inline="always")
def concede(c: float, target: float) -> float:
    """A concession is never taken back and never passes the reservation (level 1)."""
    return unit(max(c, target))


@njit(cache=True, error_model="numpy", inline="always")
def settle(x: float, ideal: float, res: float) -> float:
    """The concession level of position ``x``, kept within the actor's range between ideal
    (0) and reservation (1); 0 on a red line (reservation at the ideal)."""
    diff = res - ideal
    if abs(diff) < EPS:
        return 0.0
    return unit((min(max(x, min(ideal, res)), max(ideal, res)) - ideal) / diff)


@njit(cache=True, error_model="numpy", inline="always")
def drift(v: float, target: float, strength: float, susceptibility: float) -> float:
    """Bloc cohesion (toward the bloc) and wedge pressure (toward the wedge-driver) alike:
    a share strength x susceptibility of the way to the target."""
    return v + strength * susceptibility * (target - v)


@njit(cache=True, error_model="numpy", inline="always")
def bounded(v: float, bound: float, d: float) -> float:
    """An actor bound by a bloc (two-level game) offers no further, in its direction of
    concession ``d``, than the bloc's bound."""
    return d * min(d * v, d * bound)


@njit(cache=True, error_model="numpy", inline="always")
def respond(offer: float, ideal: float, x: float, res: float, held: bool) -> int:
    """ACCEPT (0) what is as good as the aspiration ``x``; DEFER (1) what linkage holds back
    or lies inside the reservation ("we need time"); REJECT (2) what crosses a red line."""
    dist = abs(offer - ideal)
    if dist <= abs(x - ideal) + EPS:
        return 0
    if held or dist <= abs(res - ideal) + EPS:
        return 1
    return 2


@njit(cache=True, error_model="numpy", inline="always")
def linkage(
    prog: np.ndarray, ideal: np.ndarray, sq: np.ndarray, salience: np.ndarray,
    on: np.ndarray, threshold: float, w: np.ndarray, work: np.ndarray,
) -> tuple[float, float]:  # fmt: skip
    """What a linkage sees and allows (Raiffa's linkage): the utility progress on the issues
    that unlock it (``on``), weighted by salience x need, and the share of its threshold
    that is, the most the actor concedes on the issues the linkage holds back."""
    n = len(prog)
    for i in range(n):
        w[i] = salience[i] * abs(sq[i] - ideal[i]) * on[i]
        work[i] = prog[i] * w[i]
    total = psum(w, n)
    seen = psum(work, n) / total if total > 0 else 1.0
    return seen, unit(seen / max(threshold, EPS)) if threshold > EPS else 1.0
