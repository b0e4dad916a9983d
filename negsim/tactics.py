"""Concession tactics: each one a class that is its behaviour, registered by being defined.

As the Axelrod library does strategies: a tactic declares its metadata (name, what it means,
the range of its exponent) and its family in the compiled kernel, whose one decision,
:meth:`Tactic.target`, is the concession level it wants next. The formula is written once,
in :func:`negsim.kernel.concede.targets`; the model runs it and ``target`` calls it, so the
contract tests every tactic inherits test what the model does. The scenario schema's allowed
names, the compiled rule ids and those tests all come from :data:`TACTICS`: a new regime of
a family is one class; a new family is one branch of the kernel's formula and one class.

Concession levels place an actor between its ideal (0) and its reservation (1); the engine
never lets a level fall or pass 1, whatever a tactic asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from negsim.kernel import codes
from negsim.rules import register_class


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
    """A concession tactic. Subclasses set ``name`` and their ``kernel`` family, whose formula
    is written once, compiled, in :func:`negsim.kernel.concede.targets`.

    ``beta_range`` is the exponent's allowed range for this tactic, enforced by the loader;
    ``None`` means the tactic takes no exponent, and writing one beside it is an error.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    beta_range: ClassVar[tuple[float, float] | None] = None
    citation: ClassVar[str] = ""
    kernel: ClassVar[int]  # its family in the compiled kernel (negsim.kernel.concede)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        register_class(TACTICS, cls, "concession tactics")

    @classmethod
    def target(cls, s: TacticInput) -> np.ndarray:
        """The concession level this tactic wants after the exchange (B, P, I): its family's
        formula in the compiled kernel, the one the model runs."""
        return _targets(np.full(_shape(s)[1], cls.kernel), s)


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
    kernel = codes.POLYNOMIAL


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
    kernel = codes.LINEAR


class TitForTat(Tactic):
    name = "tit_for_tat"
    description = (
        "absolute tit-for-tat: moves only when the other side moves, matching a share of the "
        "utility it gained (no exponent)"
    )
    citation = "Axelrod (1984); Faratin, Sierra & Jennings (1998), behaviour-dependent tactics"
    kernel = codes.TIT_FOR_TAT


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
    kappa: ClassVar[float] = codes.KAPPA  # the share of its range conceded at the start
    citation = "Faratin, Sierra & Jennings (1998), exponential time-dependent tactic"
    kernel = codes.EXPONENTIAL


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
    kernel = codes.TRADEOFF


class RelativeTitForTat(Tactic):
    name = "relative_tit_for_tat"
    description = (
        "moves as the other side moves, in proportion to its concession of its own range "
        "(no exponent)"
    )
    citation = "Faratin, Sierra & Jennings (1998), relative tit-for-tat"
    kernel = codes.RELATIVE


def ids() -> dict[str, int]:
    """Compiled rule ids: the registry's order."""
    return {name: k for k, name in enumerate(TACTICS)}


def targets(rule: np.ndarray, s: TacticInput) -> np.ndarray:
    """Each actor's target under its own tactic; ``rule`` (P,) holds registry ids."""
    kinds = np.array([cls.kernel for cls in TACTICS.values()], dtype=np.int64)
    return _targets(kinds[np.asarray(rule)], s)


def _shape(s: TacticInput) -> tuple[int, ...]:
    return np.broadcast_shapes(*(np.shape(getattr(s, f.name)) for f in fields(TacticInput)))


def _targets(kinds: np.ndarray, s: TacticInput) -> np.ndarray:
    """The kernel's targets for inputs broadcast to (B, P, I), actor j by family kinds[j]."""
    shape = _shape(s)

    def full(v: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.broadcast_to(v, shape), dtype=float)

    from negsim.kernel import concede  # numba: loaded where a tactic runs

    out = np.empty(shape)
    concede.batch(
        np.ascontiguousarray(kinds, dtype=np.int64), full(s.c), full(s.t_frac)[:, 0, 0].copy(),
        full(s.beta)[:, :, 0].copy(), full(s.reciprocity)[:, :, 0].copy(), full(s.other_step),
        full(s.salience), full(s.reach), full(s.other_relative)[:, :, 0].copy(), out,
    )  # fmt: skip
    return out
