"""The model's primitives as pure functions on numpy arrays: positions, progress, linkage,
responses, cohesion, the acceptable range.

Every function works elementwise over a leading batch axis (and any actor axis after it);
:mod:`negsim.dynamics` composes them into the exchange, :mod:`negsim.tactics` and
:mod:`negsim.forum_rules` hold the registered rules. Conventions: an issue's scale runs from 0 to
1 (the scenario says what its ends mean); an actor's concession level ``c`` in [0, 1] places it
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


def progress(offer: np.ndarray, status_quo: np.ndarray, ideal: np.ndarray) -> np.ndarray:
    """Share of the way from the status quo to my ideal that an offer gives me, in utility
    (1 - distance to the ideal): 0 at or behind the status quo, 1 at the ideal; 1 where the
    status quo is the ideal already."""
    need = np.abs(status_quo - ideal)
    none_needed = need < EPS
    return np.where(
        none_needed, 1.0, unit(gain(offer, ideal, status_quo) / np.where(none_needed, 1.0, need))
    )


def weighted(values: np.ndarray, salience: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Salience-weighted mean over the issues in ``mask`` (last axis); 1 if none weigh."""
    w = salience * mask
    total = w.sum(axis=-1)
    return np.where(total > 0, (values * w).sum(axis=-1) / np.where(total > 0, total, 1.0), 1.0)


def linkage_cap(
    prog: np.ndarray,
    ideal: np.ndarray,
    sq: np.ndarray,
    salience: np.ndarray,
    gated: np.ndarray,
    on: np.ndarray,
    threshold: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """How far an actor may concede on each issue, and the progress each linkage sees.

    A linkage trades concession on the issues it holds back (``gated``) for utility gained on
    the issues that unlock them (``on``): the actor concedes on the gated issues at most the
    share of its ``threshold`` it has gained, all of it once the threshold is met.
    ``prog``/``ideal``/``salience``: (..., I); ``gated``/``on``: (..., K, I); ``threshold``:
    (..., K). Returns the cap (..., I) and the per-linkage progress (..., K).
    """
    need = np.abs(sq - ideal)
    seen = weighted(prog[..., None, :], (salience * need)[..., None, :], on)
    allow = np.where(threshold > EPS, unit(seen / np.maximum(threshold, EPS)), 1.0)
    cap = np.where(gated, allow[..., None], 1.0).min(axis=-2)
    return cap, seen


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


def weighted_median_over(x: np.ndarray, w: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Weighted median over the actor axis: x, w (B, M, I); ``mask`` (M,) who counts.

    The lowest value at which the cumulative weight reaches half the total (stable order).
    """
    if mask is not None:
        x, w = x[:, mask], w[:, mask]
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    pick = np.argmax(cum >= cum[:, -1:, :] / 2 - EPS, axis=1)
    return np.take_along_axis(xs, pick[:, None, :], axis=1)[:, 0, :]


def gain(v: np.ndarray, ideal: np.ndarray, sq: np.ndarray) -> np.ndarray:
    """Per-issue utility gained over the status quo by value v (utility 1 - |v - ideal|)."""
    return np.abs(sq - ideal) - np.abs(v - ideal)


def utility_progress(
    prog: np.ndarray, ideal: np.ndarray, sq: np.ndarray, salience: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """Utility gained toward the ideal package over the issues in ``mask``, as a share of the
    utility the status quo leaves to gain: per-issue progress weighted by salience x need.
    1 where nothing is needed."""
    need = np.abs(sq - ideal)
    return weighted(prog, salience * need, mask)


def register_class(registry: dict, cls: type, kind: str) -> None:
    """Enter a rule class in its registry by name: what a subclass does to exist (tactics,
    forum rules, bloc rules); a second class of the same name is refused."""
    name = cls.name  # type: ignore[attr-defined]
    if name in registry:
        raise ValueError(f"two {kind} named {name!r}")
    registry[name] = cls
