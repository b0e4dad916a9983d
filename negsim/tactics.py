"""Concession tactics: each one a class that is its behaviour, registered by being defined.

As the Axelrod library does strategies: a tactic declares its metadata (name, what it means,
the range of its exponent) and implements one decision, :meth:`Tactic.target`, the concession
level it wants next, vectorised over runs, actors and issues. The scenario schema's allowed
names, the compiled rule ids and the contract tests every tactic inherits all come from
:data:`TACTICS`, so a new tactic is one class (and its tests), nothing else.

Concession levels place an actor between its ideal (0) and its reservation (1); the engine
never lets a level fall or pass 1, whatever a tactic asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from negsim.rules import register_class, unit


@dataclass(frozen=True)
class TacticInput:
    """What a tactic may look at, broadcastable to (B, P, I)."""

    c: np.ndarray  # current concession level
    t_frac: np.ndarray  # elapsed time as a share of the deadline (may exceed 1)
    beta: np.ndarray  # the actor's exponent
    reciprocity: np.ndarray  # share of the other side's move it matches
    other_step: np.ndarray  # progress gained from the other side's last move (absolute)
    salience: np.ndarray  # how much each issue matters to the actor
    reach: np.ndarray  # how far it can concede on each issue (|reservation - ideal|)
    other_relative: np.ndarray  # the other side's last move in its own concession level


TACTICS: dict[str, type[Tactic]] = {}


class Tactic:
    """A concession tactic. Subclasses set ``name`` and implement :meth:`target`.

    ``beta_range`` is the exponent's allowed range for this tactic, enforced by the loader;
    ``None`` means the tactic takes no exponent, and writing one beside it is an error.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    beta_range: ClassVar[tuple[float, float] | None] = None
    citation: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        register_class(TACTICS, cls, "concession tactics")

    @classmethod
    def target(cls, s: TacticInput) -> np.ndarray:
        """The concession level this tactic wants after the exchange."""
        raise NotImplementedError


def polynomial(t_frac: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Faratin, Sierra & Jennings (1998), polynomial family: alpha(t) = (t/T)^(1/beta)."""
    return np.power(unit(t_frac), 1.0 / beta)


def reciprocal(s: TacticInput) -> np.ndarray:
    """Tit-for-tat on concessions (Axelrod): match a share of the other side's last move."""
    return s.c + s.reciprocity * np.maximum(s.other_step, 0.0)


class Polynomial(Tactic):
    """The polynomial time-dependent family over its whole range of exponents: what a sweep of
    the exponent across firm and early concession uses; Boulware and Conceder are its two
    regimes by name."""

    name = "polynomial"
    description = (
        "time-dependent, the polynomial family with any exponent (beta < 1 firm, > 1 early); "
        "reciprocates moves"
    )
    beta_range = (0.01, 50.0)
    citation = "Faratin, Sierra & Jennings (1998), polynomial time-dependent tactic"

    @classmethod
    def target(cls, s: TacticInput) -> np.ndarray:
        return np.maximum(polynomial(s.t_frac, s.beta), reciprocal(s))


class Boulware(Polynomial):
    name = "boulware"
    description = "time-dependent, holds firm and concedes late (beta <= 1); reciprocates moves"
    beta_range = (0.01, 1.0)


class Conceder(Polynomial):
    name = "conceder"
    description = "time-dependent, concedes early (beta >= 1); reciprocates moves"
    beta_range = (1.0, 50.0)


class Linear(Tactic):
    name = "linear"
    description = "concedes evenly over time (no exponent); reciprocates moves"
    citation = "Faratin, Sierra & Jennings (1998), polynomial tactic with beta = 1"

    @classmethod
    def target(cls, s: TacticInput) -> np.ndarray:
        return np.maximum(unit(s.t_frac), reciprocal(s))


class TitForTat(Tactic):
    name = "tit_for_tat"
    description = (
        "absolute tit-for-tat: moves only when the other side moves, matching a share of the "
        "utility it gained (no exponent)"
    )
    citation = "Axelrod (1984); Faratin, Sierra & Jennings (1998), behaviour-dependent tactics"

    @classmethod
    def target(cls, s: TacticInput) -> np.ndarray:
        return reciprocal(s)


class Exponential(Tactic):
    """Faratin, Sierra & Jennings (1998), exponential family:
    alpha(t) = exp((1 - t/T)^beta * ln kappa), from kappa at the start to 1 at the deadline.

    Against the polynomial family it opens at ``kappa`` and, for beta < 1, stays near it far
    longer (a harder Boulware); for beta > 1 it concedes sooner than the polynomial Conceder.
    """

    name = "exponential"
    description = (
        "time-dependent, exponential family (beta < 1 firm, > 1 early; opens at 1% of its "
        "range); reciprocates moves"
    )
    beta_range = (0.01, 50.0)
    kappa: ClassVar[float] = 0.01  # the share of its range conceded at the start
    citation = "Faratin, Sierra & Jennings (1998), exponential time-dependent tactic"

    @classmethod
    def target(cls, s: TacticInput) -> np.ndarray:
        alpha = np.exp(np.power(1.0 - unit(s.t_frac), s.beta) * np.log(cls.kappa))
        return np.maximum(alpha, reciprocal(s))


class Tradeoff(Tactic):
    """Faratin, Sierra & Jennings (1998) trade-off: concede the utility a time-dependent
    (polynomial) tactic gives up, but spend it on the issues the actor cares least about
    first (Raiffa's logrolling), holding firm on what it cares most about."""

    name = "tradeoff"
    description = (
        "time-dependent in utility, spent on the least salient issues first (logrolling; "
        "beta as boulware/conceder); reciprocates moves"
    )
    beta_range = (0.01, 50.0)
    citation = "Faratin, Sierra & Jennings (1998); Raiffa (1982), logrolling"

    @classmethod
    def target(cls, s: TacticInput) -> np.ndarray:
        tau = polynomial(s.t_frac, s.beta)  # share of its concedable utility to give up
        cost = np.broadcast_to(s.salience * s.reach, s.c.shape)  # utility of conceding fully
        order = np.argsort(s.salience + 0 * s.c, axis=-1, kind="stable")
        sorted_cost = np.take_along_axis(cost, order, axis=-1)
        before = np.cumsum(sorted_cost, axis=-1) - sorted_cost
        budget = tau * cost.sum(axis=-1, keepdims=True)
        with np.errstate(over="ignore"):  # a near-zero cost: the level is 1 (clipped) either way
            level = unit((budget - before) / np.where(sorted_cost > 0, sorted_cost, 1.0))
        level = np.where(sorted_cost > 0, level, (budget > before).astype(float))
        out = np.empty_like(level)
        np.put_along_axis(out, order, level, axis=-1)
        return np.maximum(out, reciprocal(s))


class RelativeTitForTat(Tactic):
    name = "relative_tit_for_tat"
    description = (
        "moves as the other side moves, in proportion to its concession of its own range "
        "(no exponent)"
    )
    citation = "Faratin, Sierra & Jennings (1998), relative tit-for-tat"

    @classmethod
    def target(cls, s: TacticInput) -> np.ndarray:
        return s.c + s.reciprocity * np.maximum(s.other_relative, 0.0)


_FIELDS = tuple(f.name for f in fields(TacticInput))


def ids() -> dict[str, int]:
    """Compiled rule ids: the registry's order."""
    return {name: k for k, name in enumerate(TACTICS)}


def targets(rule: np.ndarray, s: TacticInput) -> np.ndarray:
    """Each actor's target under its own tactic; ``rule`` (P,) holds registry ids.

    Each tactic present is evaluated once, on its own actors' rows only, so a table of
    several tactics costs about what a table of one does.
    """
    classes = list(TACTICS.values())
    present = np.unique(rule)
    if len(present) == 1:
        return classes[int(present[0])].target(s)
    out = np.empty(np.broadcast_shapes(s.c.shape, s.beta.shape, s.other_step.shape))
    for r in present:
        rows = np.flatnonzero(rule == r)
        sub = TacticInput(*(getattr(s, k)[:, rows] if k != "t_frac" else s.t_frac for k in _FIELDS))
        out[:, rows] = classes[int(r)].target(sub)
    return out
