"""The model's primitives as pure functions on numpy arrays: positions, progress, linkage,
responses, cohesion, the acceptable range.

Every function works elementwise over a leading batch axis (and any actor axis after it);
:mod:`negsim.dynamics` composes them into the exchange, :mod:`negsim.tactics` and
:mod:`negsim.forum_rules` hold the registered rules. Conventions: on the issue scale, 0 is
the Western end and 1 Russia's demand; an actor's concession level ``c`` in [0, 1] places it
between its ideal (0) and its reservation (1), so no rule can move an actor past its
reservation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

EPS = 1e-9


class Response(enum.IntEnum):
    """Answers to an offer, ordered so a bloc's answer is its members' maximum."""

    ACCEPT = 0
    DEFER = 1
    REJECT = 2
    WALK_OUT = 3


def unit(x: np.ndarray | float) -> np.ndarray:
    """Clip to [0, 1] (np.minimum/np.maximum: same values as np.clip, several times faster)."""
    return np.minimum(np.maximum(x, 0.0), 1.0)


# -- positions -----------------------------------------------------------------------------


def position(ideal: np.ndarray, reservation: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Where concession level ``c`` puts an actor: ideal at 0, reservation at 1."""
    return ideal + c * (reservation - ideal)


@dataclass(frozen=True)
class Span:
    """An actor's range between ideal and reservation, prepared once for repeated settling."""

    ideal: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    step: np.ndarray  # reservation - ideal, 1 on a red line (never divided by zero)
    red: np.ndarray


def span(ideal: np.ndarray, reservation: np.ndarray) -> Span:
    diff = reservation - ideal
    red = np.abs(diff) < EPS
    return Span(
        ideal,
        np.minimum(ideal, reservation),
        np.maximum(ideal, reservation),
        np.where(red, 1.0, diff),
        red,
    )


def settle(x: np.ndarray, s: Span) -> np.ndarray:
    """Concession level of a position, kept within the actor's range (0 on a red line); the
    range is prepared once by :func:`span` where it is settled repeatedly."""
    x = np.minimum(np.maximum(x, s.lo), s.hi)
    return np.where(s.red, 0.0, unit((x - s.ideal) / s.step))


def concession_level(ideal: np.ndarray, reservation: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`position`: where ``x`` lies between ideal (0) and reservation (1)."""
    return settle(x, span(ideal, reservation))


# -- concession ----------------------------------------------------------------------------


def concede(c: np.ndarray, target: np.ndarray, open_: np.ndarray) -> np.ndarray:
    """Concessions are never taken back, never exceed the reservation, and wait for linkage."""
    return np.where(open_, unit(np.maximum(c, target)), c)


# -- progress and linkage --------------------------------------------------------------------


def progress(offer: np.ndarray, first_offer: np.ndarray, ideal: np.ndarray) -> np.ndarray:
    """Share of the way the other side's offer has moved from its first offer to my ideal."""
    need = ideal - first_offer
    none_needed = np.abs(need) < EPS
    moved = (offer - first_offer) / np.where(none_needed, 1.0, need)
    return np.where(none_needed, 1.0, unit(moved))


def weighted(values: np.ndarray, salience: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Salience-weighted mean over the issues in ``mask`` (last axis); 1 if none weigh."""
    w = salience * mask
    total = w.sum(axis=-1)
    return np.where(total > 0, (values * w).sum(axis=-1) / np.where(total > 0, total, 1.0), 1.0)


def linkage_open(
    prog: np.ndarray, salience: np.ndarray, gated: np.ndarray, on: np.ndarray, threshold: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which issues an actor may move on, and the progress each linkage sees.

    ``prog``/``salience``: (..., I); ``gated``/``on``: (..., K, I); ``threshold``: (..., K).
    Returns the open mask (..., I) and the per-linkage progress (..., K).
    """
    seen = weighted(prog[..., None, :], salience[..., None, :], on)
    met = seen >= threshold - EPS
    blocked = gated & ~met[..., None]
    return ~blocked.any(axis=-2), seen


# -- responses -------------------------------------------------------------------------------


def respond(
    offer: np.ndarray, ideal: np.ndarray, x: np.ndarray, reservation: np.ndarray, held: np.ndarray
) -> np.ndarray:
    """ACCEPT what is as good as the current aspiration; DEFER what linkage holds back or what
    lies inside the reservation ("we need time"); REJECT what crosses a red line."""
    dist = np.abs(offer - ideal)
    accept = dist <= np.abs(x - ideal) + EPS
    within = dist <= np.abs(reservation - ideal) + EPS
    return np.where(
        accept, Response.ACCEPT, np.where(held | within, Response.DEFER, Response.REJECT)
    ).astype(np.int8)


# -- blocs -----------------------------------------------------------------------------------


def bounded(offer: np.ndarray, bound: np.ndarray, dirn: np.ndarray) -> np.ndarray:
    """An actor bound by a bloc (two-level game) cannot offer beyond the bloc's bound."""
    return dirn * np.minimum(dirn * offer, dirn * bound)


def weighted_mean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Capability-weighted mean over members: x (B, M, I), w (B, M)."""
    total = w.sum(axis=1)[:, None]
    return (x * w[:, :, None]).sum(axis=1) / np.where(total > 0, total, 1.0)


def drift(
    x: np.ndarray, target: np.ndarray, strength: np.ndarray, susceptibility: np.ndarray
) -> np.ndarray:
    """Bloc cohesion (toward the bloc) and wedge pressure (toward the wedge-driver) alike."""
    return x + strength * susceptibility * (target - x)


# -- agreement -------------------------------------------------------------------------------


def acceptable_range(ideal: np.ndarray, reservation: np.ndarray) -> tuple[np.ndarray, ...]:
    """Values every one of the actors accepts at its reservation: (B, R, I) -> lo, hi (B, I).

    Utility is distance to the ideal, so an actor accepts what lies no further from its
    ideal than its reservation does, on either side of the ideal.
    """
    reach = np.abs(reservation - ideal)
    return (ideal - reach).max(axis=1), (ideal + reach).min(axis=1)


def zone_exists(ideal: np.ndarray, reservation: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    """Is there a value all the actors accept at their reservations (within tolerance)?"""
    lo, hi = acceptable_range(ideal, reservation)
    return lo <= hi + tolerance + EPS
