"""What the model's results are read with, as array functions: positions, progress, the
acceptable range, the weighted median; and the Response codes.

The exchange itself is compiled (:mod:`negsim.kernel`: its primitives, one value at a time,
are in :mod:`negsim.kernel.arith`); these work over a leading batch axis (and any actor axis
after it) on the run state between forums, for the judgement and the figures. Conventions:
an issue's scale runs from 0 to
1 (the scenario says what its ends mean); an actor's concession level ``c`` in [0, 1] places it
between its ideal (0) and its reservation (1), so no rule can move an actor past its
reservation.
"""

from __future__ import annotations

import enum

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


# -- progress --------------------------------------------------------------------------------


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
