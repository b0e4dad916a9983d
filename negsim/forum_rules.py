"""Decision rules, registered by being defined: how a forum decides and how a bloc speaks.

A :class:`ForumRule` says who must accept for the table to agree, what a forum of its kind
seats, and how the parties' offers combine into the agreed value. A :class:`BlocRule` says how
a bloc's members' positions become the one offer the bloc makes. The schema's allowed names
come from :data:`FORUM_RULES` and :data:`BLOC_RULES`; a new rule is one class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol

import numpy as np

from negsim.rules import EPS


class Seated(Protocol):
    """What a decision rule knows of a party at the table."""

    members: np.ndarray
    bloc: int | None
    bound_by: int | None


FORUM_RULES: dict[str, type[ForumRule]] = {}
BLOC_RULES: dict[str, type[BlocRule]] = {}


class ForumRule:
    """How a forum reaches agreement. Subclasses set ``name`` and may override each method."""

    name: ClassVar[str]
    description: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name in FORUM_RULES:
            raise ValueError(f"two forum decision rules named {cls.name!r}")
        FORUM_RULES[cls.name] = cls

    @classmethod
    def seating_problem(cls, party_kinds: Sequence[str]) -> str | None:
        """Why this rule cannot seat parties of these kinds ('actor' or 'bloc'), if it cannot."""
        return None

    @classmethod
    def required(
        cls,
        parties: Sequence[Seated],
        participants: set[int],
        bloc_members: Sequence[np.ndarray],
    ) -> set[int]:
        """Actor indices whose reservations an agreement must respect: the parties' members
        and, for an actor bound by a bloc (two-level game), that bloc's members."""
        req: set[int] = set()
        for party in parties:
            req |= set(party.members.tolist())
            if party.bound_by is not None:
                req |= set(bloc_members[party.bound_by].tolist())
        return req

    @classmethod
    def combine(
        cls, offer_a: np.ndarray, offer_b: np.ndarray, tolerance: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Where the two offers meet (within tolerance) and the value they meet at: (B, I)."""
        value = (offer_a + offer_b) / 2
        return np.abs(offer_a - offer_b) <= tolerance + EPS, value

    @classmethod
    def agree(
        cls,
        offer_a: np.ndarray,
        offer_b: np.ndarray,
        tolerance: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Agreed where the offers meet and the value lies inside every required actor's
        reservation (``lo``/``hi`` from :func:`negsim.rules.acceptable_range`). (B, I)."""
        close, value = cls.combine(offer_a, offer_b, tolerance)
        return close & (value >= lo - EPS) & (value <= hi + EPS), value


class Bilateral(ForumRule):
    name = "bilateral"
    description = (
        "two actors face each other; each must accept, and an actor bound by a bloc "
        "needs every member of that bloc to accept too (the two-level game)"
    )

    @classmethod
    def seating_problem(cls, party_kinds: Sequence[str]) -> str | None:
        if any(k != "actor" for k in party_kinds):
            return "a bilateral forum is between two actors, not blocs (blocs meet bloc_consensus)"
        return None


class BlocConsensus(ForumRule):
    name = "bloc_consensus"
    description = (
        "a bloc speaks through its own decision rule; every member of each party must accept"
    )

    @classmethod
    def seating_problem(cls, party_kinds: Sequence[str]) -> str | None:
        if "bloc" not in party_kinds:
            return "bloc_consensus needs a bloc among the parties; two actors meet 'bilateral'"
        return None


class ConsensusAll(ForumRule):
    name = "consensus_all"
    description = (
        "every participant, seated party or not, must accept (OSCE-style consensus), and the "
        "bloc of an actor bound by one"
    )

    @classmethod
    def required(
        cls,
        parties: Sequence[Seated],
        participants: set[int],
        bloc_members: Sequence[np.ndarray],
    ) -> set[int]:
        return set(participants) | super().required(parties, participants, bloc_members)


class BlocRule:
    """How a bloc's members' positions become its offer: x (B, M, I), w (B, M), dirn (B, I)."""

    name: ClassVar[str]
    description: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name in BLOC_RULES:
            raise ValueError(f"two bloc decision rules named {cls.name!r}")
        BLOC_RULES[cls.name] = cls

    @classmethod
    def offer(cls, x: np.ndarray, w: np.ndarray, dirn: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Consensus(BlocRule):
    name = "consensus"
    description = "the bloc offers no more than its most reluctant member"

    @classmethod
    def offer(cls, x: np.ndarray, w: np.ndarray, dirn: np.ndarray) -> np.ndarray:
        return consensus_bound(x, dirn)


class Majority(BlocRule):
    name = "majority"
    description = "the bloc offers its capability-weighted median member's position"

    @classmethod
    def offer(cls, x: np.ndarray, w: np.ndarray, dirn: np.ndarray) -> np.ndarray:
        return weighted_median(x, w)


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
