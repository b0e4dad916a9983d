"""Concession, response, bloc and cohesion rules as pure functions on numpy arrays.

Every function works elementwise over a leading batch axis (and any actor axis after it), so
the Mesa agent model calls them with one run's rows and the batch engine with thousands of runs:
same functions, same numbers. Conventions: issue scale 0 = Western end, 1 = Russia's demand;
an actor's concession level ``c`` in [0, 1] places it between its ideal (0) and its
reservation (1), so no rule can ever move an actor past its reservation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

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


# -- concession rules ------------------------------------------------------------------------


def time_target(t_frac: np.ndarray | float, beta: np.ndarray) -> np.ndarray:
    """Faratin, Sierra & Jennings (1998): concession (t/T)^(1/beta); reservation at deadline."""
    return np.power(unit(t_frac), 1.0 / beta)


def reciprocal_target(c: np.ndarray, other_step: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Tit-for-tat on concessions (Axelrod): match a share of the other side's last move."""
    return c + weight * np.maximum(other_step, 0.0)


@dataclass(frozen=True)
class ConcessionRule:
    """A named tactic: metadata plus one vectorised decision, the target concession level."""

    name: ClassVar[str]
    uses_time: ClassVar[bool] = True
    beta_range: ClassVar[tuple[float, float]] = (0.01, 50.0)
    description: ClassVar[str] = ""

    @classmethod
    def target(
        cls,
        c: np.ndarray,
        t_frac: np.ndarray | float,
        beta: np.ndarray,
        reciprocity: np.ndarray,
        other_step: np.ndarray,
    ) -> np.ndarray:
        return _target(np.asarray(cls.uses_time), c, t_frac, beta, reciprocity, other_step)


def _target(
    timed: np.ndarray,
    c: np.ndarray,
    t_frac: np.ndarray | float,
    beta: np.ndarray,
    reciprocity: np.ndarray,
    other_step: np.ndarray,
) -> np.ndarray:
    """The one concession formula: the time-dependent target (where the rule uses time) or
    the reciprocal one, whichever concedes more."""
    recip = reciprocal_target(c, other_step, reciprocity)
    return np.where(timed, np.maximum(time_target(t_frac, beta), recip), recip)


class Boulware(ConcessionRule):
    name = "boulware"
    beta_range = (0.01, 1.0)
    description = "holds firm and concedes late (beta < 1)"


class Conceder(ConcessionRule):
    name = "conceder"
    beta_range = (1.0, 50.0)
    description = "concedes early (beta > 1)"


class Linear(ConcessionRule):
    name = "linear"
    beta_range = (1.0, 1.0)
    description = "concedes evenly over time (beta = 1)"


class TitForTat(ConcessionRule):
    name = "tit_for_tat"
    uses_time = False
    description = "moves only when the other side moves (reciprocity)"


RULES: tuple[type[ConcessionRule], ...] = (Boulware, Conceder, Linear, TitForTat)
_TIMED = np.array([r.uses_time for r in RULES])


def concession_target(
    rule: np.ndarray,
    c: np.ndarray,
    t_frac: np.ndarray | float,
    beta: np.ndarray,
    reciprocity: np.ndarray,
    other_step: np.ndarray,
) -> np.ndarray:
    """Each actor's target under its own rule (``rule`` holds indices into RULES)."""
    return _target(_TIMED[rule], c, t_frac, beta, reciprocity, other_step)


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


def consensus_bound(x: np.ndarray, dirn: np.ndarray) -> np.ndarray:
    """Under consensus a bloc offers no more than its most reluctant member: x (B, M, I)."""
    return dirn * np.min(dirn[:, None, :] * x, axis=1)


def weighted_median(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Capability-weighted median over members: x (B, M, I), w (B, M)."""
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ws = np.take_along_axis(np.broadcast_to(w[:, :, None], x.shape), order, axis=1)
    cum = np.cumsum(ws, axis=1)
    half = cum[:, -1:, :] / 2
    pick = np.argmax(cum >= half - EPS, axis=1)
    return np.take_along_axis(xs, pick[:, None, :], axis=1)[:, 0, :]


def bloc_offer(x: np.ndarray, w: np.ndarray, dirn: np.ndarray, rule: str) -> np.ndarray:
    """A bloc speaks with one voice only as far as its decision rule allows."""
    if rule == "consensus":
        return consensus_bound(x, dirn)
    return weighted_median(x, w)


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


def agreement(
    offer_a: np.ndarray, offer_b: np.ndarray, tolerance: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Agreed where the offers meet within tolerance and their midpoint lies inside every
    required actor's reservation (``lo``/``hi`` from :func:`acceptable_range`). (B, I)."""
    value = (offer_a + offer_b) / 2
    close = np.abs(offer_a - offer_b) <= tolerance + EPS
    return close & (value >= lo - EPS) & (value <= hi + EPS), value


def zone_exists(ideal: np.ndarray, reservation: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    """Is there a value all the actors accept at their reservations (within tolerance)?"""
    lo, hi = acceptable_range(ideal, reservation)
    return lo <= hi + tolerance + EPS
