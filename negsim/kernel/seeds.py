"""Each run's uniforms, compiled: numpy's ``SeedSequence`` and ``PCG64``, bit for bit.

Run k of seed ``root`` draws from ``Generator(PCG64(SeedSequence(root, spawn_key=(k,))))``
(:func:`negsim.scenario.compile.run_generator`). Building those three objects costs about
40 µs a run in Python, more than a fifth of the model's own time, while the arithmetic is a
few hundred integer operations. This module does the same arithmetic for a whole batch in
one compiled loop: the entropy pool of O'Neill's SeedSequence (the hash and mix that numpy's
``bit_generator.pyx`` applies), PCG64's seeding (``pcg_setseq_128_srandom_r``), its XSL-RR
output and numpy's ``next_double`` (the top 53 bits). A test compares it with numpy's objects
over many roots and run indices, so the draws (and every golden table) are unchanged.

128-bit state is kept as (high, low) words of uint64; every constant is a uint64 so that
numba never mixes signed and unsigned integers (which it would do in floating point).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from negsim.kernel import first_use, ran
from negsim.kernel.cache import njit, uint64

M32 = np.uint64(0xFFFFFFFF)
INIT_A = np.uint64(0x43B0D7E5)
MULT_A = np.uint64(0x931E8875)
INIT_B = np.uint64(0x8B51F9DD)
MULT_B = np.uint64(0x58F38DED)
MIX_MULT_L = np.uint64(0xCA01F9DD)
MIX_MULT_R = np.uint64(0x4973F715)
XSHIFT = np.uint64(16)
POOL = 4  # numpy's default pool size, in 32-bit words
MUL_HI = np.uint64(2549297995355413924)  # PCG's default 128-bit multiplier
MUL_LO = np.uint64(4865540595714422341)
Word = Any  # a uint64 in compiled code (numba types it; mypy cannot)
TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def words(value: int) -> list[int]:
    """An integer as numpy's SeedSequence reads it: 32-bit words, least significant first."""
    if value < 0:
        raise ValueError("a seed must be a non-negative integer")
    out = []
    while True:
        out.append(value & 0xFFFFFFFF)
        value >>= 32
        if not value:
            return out


@njit(cache=True)
def _hash(value: Word, h: Word, mult: Word) -> tuple[Word, Word]:
    """SeedSequence's hash of one 32-bit word, and the hash constant moved on by ``mult``:
    ``hashmix`` with MULT_A when mixing the entropy in, MULT_B when generating the state."""
    value = (value ^ h) & M32
    h = (h * mult) & M32
    value = (value * h) & M32
    return value ^ (value >> XSHIFT), h


@njit(cache=True)
def _mix(x: Word, y: Word) -> Word:
    r = (MIX_MULT_L * x - MIX_MULT_R * y) & M32
    return r ^ (r >> XSHIFT)


@njit(cache=True)
def _pool(entropy: np.ndarray, pool: np.ndarray) -> None:
    """SeedSequence's ``mix_entropy``: the entropy words hashed into a pool of POOL words."""
    h = INIT_A
    for i in range(POOL):
        value = entropy[i] if i < len(entropy) else uint64(0)
        pool[i], h = _hash(value, h, MULT_A)
    for src in range(POOL):
        for dst in range(POOL):
            if src != dst:
                v, h = _hash(pool[src], h, MULT_A)
                pool[dst] = _mix(pool[dst], v)
    for src in range(POOL, len(entropy)):
        for dst in range(POOL):
            v, h = _hash(entropy[src], h, MULT_A)
            pool[dst] = _mix(pool[dst], v)


@njit(cache=True)
def _state(pool: np.ndarray, out: np.ndarray) -> None:
    """SeedSequence's ``generate_state(4, uint64)``: eight 32-bit words, paired low first."""
    h = INIT_B
    for w in range(8):
        v, h = _hash(pool[w % POOL], h, MULT_B)
        if w % 2 == 0:
            out[w // 2] = v
        else:
            out[w // 2] |= v << uint64(32)


@njit(cache=True)
def _mul(ah: Word, al: Word, bh: Word, bl: Word) -> tuple[Word, Word]:
    """(ah, al) × (bh, bl) modulo 2**128."""
    a0, a1, b0, b1 = al & M32, al >> uint64(32), bl & M32, bl >> uint64(32)
    p0, p1, p2, p3 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p0 >> uint64(32)) + (p1 & M32) + (p2 & M32)
    lo = (p0 & M32) | (mid << uint64(32))
    hi = p3 + (p1 >> uint64(32)) + (p2 >> uint64(32)) + (mid >> uint64(32))
    return hi + ah * bl + al * bh, lo


@njit(cache=True)
def _add(ah: Word, al: Word, bh: Word, bl: Word) -> tuple[Word, Word]:
    lo = al + bl
    return ah + bh + (uint64(1) if lo < al else uint64(0)), lo


@njit(cache=True)
def _step(sh: Word, sl: Word, ih: Word, il: Word) -> tuple[Word, Word]:
    mh, ml = _mul(sh, sl, MUL_HI, MUL_LO)
    return _add(mh, ml, ih, il)


@njit(cache=True)
def _uniforms(root: np.ndarray, runs: np.ndarray, out: np.ndarray) -> None:
    """Row r of ``out``: the first draws of run ``runs[r]``'s generator."""
    n_root = max(len(root), POOL)
    entropy = np.zeros(n_root + 2, dtype=np.uint64)
    entropy[: len(root)] = root
    pool = np.zeros(POOL, dtype=np.uint64)
    seed = np.zeros(4, dtype=np.uint64)
    for r in range(len(runs)):
        k = uint64(runs[r])
        entropy[n_root] = k & M32
        n = n_root + 1
        if k >> uint64(32):
            entropy[n_root + 1] = k >> uint64(32)
            n += 1
        _pool(entropy[:n], pool)
        _state(pool, seed)
        # pcg_setseq_128_srandom_r: inc = (initseq << 1) | 1; step; state += initstate; step
        ih = (seed[2] << uint64(1)) | (seed[3] >> uint64(63))
        il = (seed[3] << uint64(1)) | uint64(1)
        sh, sl = _step(uint64(0), uint64(0), ih, il)
        sh, sl = _add(sh, sl, seed[0], seed[1])
        sh, sl = _step(sh, sl, ih, il)
        for j in range(out.shape[1]):
            sh, sl = _step(sh, sl, ih, il)
            x, rot = sh ^ sl, sh >> uint64(58)  # XSL-RR
            x = (x >> rot) | (x << ((uint64(64) - rot) & uint64(63)))
            out[r, j] = (x >> uint64(11)) * TO_UNIT


def uniforms(root: int, runs: np.ndarray, n: int) -> np.ndarray:
    """(len(runs), n) uniforms: row r is ``run_generator(root, runs[r]).random(n)``."""
    runs = np.asarray(runs, dtype=np.int64)
    if len(runs) and runs.min() < 0:
        raise ValueError("run indices must be non-negative")
    out = np.empty((len(runs), n))
    timer = first_use()
    _uniforms(np.array(words(int(root)), dtype=np.uint64), runs, out)
    ran(timer)
    return out
