"""Decision rules, registered by being defined: how a forum decides and how a bloc speaks.

A :class:`ForumRule` says what a forum of its kind seats, who is consulted, what is proposed
to the table and when the proposal passes. A :class:`BlocRule` says how a bloc's members'
positions become the one offer it makes and when the bloc as a whole accepts. The schema's
allowed names come from :data:`FORUM_RULES` and :data:`BLOC_RULES`; a new rule is one class.

Rules see a :class:`View` of the table, arrays with a leading batch axis B over the table's
P actors (the seated participants and anyone else whose consent is needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

from negsim.rules import EPS, register_class, weighted_median_over

FORUM_RULES: dict[str, type[ForumRule]] = {}
BLOC_RULES: dict[str, type[BlocRule]] = {}


class Seated(Protocol):
    """What a decision rule knows of a party when the scenario is compiled (read-only, so a
    frozen dataclass such as ``compile.Party`` is one)."""

    @property
    def members(self) -> np.ndarray: ...
    @property
    def bloc(self) -> int | None: ...
    @property
    def bound_by(self) -> int | None: ...


@dataclass(frozen=True)
class View:
    """The table as a decision rule sees it in one exchange."""

    offers: tuple[np.ndarray, ...]  # (B, I) each party's offer
    members: tuple[np.ndarray, ...]  # each party's members (positions in the table)
    bloc_rules: tuple[str | None, ...]  # each party's bloc rule, None for an actor
    binding: tuple[tuple[np.ndarray, str, int] | None, ...]  # a bound actor's bloc, its code
    codes: tuple[int, ...]  # each party's code (Compiled.party_names)
    actor_codes: np.ndarray  # (P,) each table actor's code
    seated: np.ndarray  # (P,) bool: at the table (the voters)
    x: np.ndarray  # (B, P, I) positions
    ideal: np.ndarray  # (B, P, I)
    reservation: np.ndarray  # (B, P, I)
    salience: np.ndarray  # (B, P, I)
    capability: np.ndarray  # (B, P)
    votes: np.ndarray  # (B, P)
    live: np.ndarray  # (B, I) issues still open on the agenda
    status_quo: np.ndarray  # (B, I) each issue's status quo: what stands without a deal
    voting: tuple[float, float]  # shares of voters and of votes a proposal needs
    mediator: str


class ForumRule:
    """How a forum reaches agreement. Subclasses set ``name`` and override what differs."""

    name: ClassVar[str]
    description: ClassVar[str]
    needs_chair: ClassVar[bool] = False
    # what a seated actor counts as offered to it: the other parties' offers, or (where the
    # table votes on or is handed a compromise) the proposal itself
    offered: ClassVar[str] = "offers"
    default_voting: ClassVar[tuple[float, float]] = (0.5, 0.5)  # where a rule votes

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        register_class(FORUM_RULES, cls, "forum decision rules")

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
        """Actor indices whose consent counts: the parties' members and, for an actor bound by
        a bloc (two-level game), that bloc's members."""
        req: set[int] = set()
        for party in parties:
            req |= set(party.members.tolist())
            if party.bound_by is not None:
                req |= set(bloc_members[party.bound_by].tolist())
        return req

    @classmethod
    def propose(cls, v: View) -> np.ndarray:
        """What is put to the table (B, I): where the parties' offers meet, their mean."""
        return np.mean(np.stack(v.offers), axis=0)

    @classmethod
    def passes(cls, v: View, accept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether the proposal passes (B, X) given each table actor's acceptance (B, P, X),
        and who blocked it (B, X: a party code, -1 where it passed).

        By default every party must accept: an actor by itself (and, if a bloc binds it, that
        bloc by its own rule), a bloc by its rule over its members.
        """
        ok = np.ones(accept.shape[::2], dtype=bool)
        blocker = np.full(ok.shape, -1, dtype=np.int64)
        for k, members in enumerate(v.members):
            rule = v.bloc_rules[k]
            if rule is None:
                yes = accept[:, members[0]]
            else:
                yes = BLOC_RULES[rule].passes(accept[:, members], v.votes[:, members])
            blocker = np.where(ok & ~yes, v.codes[k], blocker)
            ok &= yes
            if v.binding[k] is not None:  # the two-level game: the bloc behind the actor
                bound, bound_rule, code = v.binding[k]  # type: ignore[misc]
                bloc_yes = BLOC_RULES[bound_rule].passes(accept[:, bound], v.votes[:, bound])
                blocker = np.where(ok & ~bloc_yes, code, blocker)
                ok &= bloc_yes
        return ok, blocker


class Bilateral(ForumRule):
    name = "bilateral"
    description = (
        "two actors face each other; each must accept, and an actor bound by a bloc "
        "needs that bloc to accept by its rule (the two-level game)"
    )

    @classmethod
    def seating_problem(cls, party_kinds: Sequence[str]) -> str | None:
        if len(party_kinds) != 2:
            return f"a bilateral forum seats exactly two actors, not {len(party_kinds)} parties"
        if any(k != "actor" for k in party_kinds):
            return "a bilateral forum is between two actors, not blocs (blocs meet bloc_consensus)"
        return None


class BlocConsensus(ForumRule):
    name = "bloc_consensus"
    description = "a bloc speaks through its own decision rule; every party must accept"

    @classmethod
    def seating_problem(cls, party_kinds: Sequence[str]) -> str | None:
        if "bloc" not in party_kinds:
            return "bloc_consensus needs a bloc among the parties; two actors meet 'bilateral'"
        return None


class ConsensusAll(ForumRule):
    name = "consensus_all"
    description = (
        "unanimity: every participant, seated party or not, must accept (OSCE-style "
        "consensus), and the bloc of an actor bound by one"
    )

    @classmethod
    def required(
        cls,
        parties: Sequence[Seated],
        participants: set[int],
        bloc_members: Sequence[np.ndarray],
    ) -> set[int]:
        return set(participants) | super().required(parties, participants, bloc_members)

    @classmethod
    def passes(cls, v: View, accept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ok, blocker = super().passes(v, accept)
        refuse = ~accept  # every participant and every consulted bloc member
        first = np.argmax(refuse, axis=1)  # the first refusing participant
        someone = refuse.any(axis=1)
        blocker = np.where((blocker < 0) & someone, v.actor_codes[first], blocker)
        return ok & ~someone, blocker


class Vote(ForumRule):
    """Weighted voting among the seated participants on the table's compromise.

    The proposal is the capability x salience weighted median of the participants' positions,
    the compromise that can gather a majority (Black's median voter; the baseline forecast of
    Bueno de Mesquita's expected-utility model). It passes when its supporters hold at least
    the forum's shares of the voters and of the votes.
    """

    name = "majority"
    description = "a simple majority of the participants' votes passes the table's compromise"
    offered = "proposal"
    default_voting: ClassVar[tuple[float, float]] = (0.0, 0.5 + 1e-6)

    @classmethod
    def required(
        cls,
        parties: Sequence[Seated],
        participants: set[int],
        bloc_members: Sequence[np.ndarray],
    ) -> set[int]:
        return set(participants)

    @classmethod
    def propose(cls, v: View) -> np.ndarray:
        return table_median(v)

    @classmethod
    def passes(cls, v: View, accept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        members, weight = v.voting
        voters = v.seated[None, :, None]
        w = v.votes[:, :, None] * voters
        yes = accept & voters
        share_n = yes.sum(axis=1) / max(int(v.seated.sum()), 1)
        total = w.sum(axis=1)
        share_w = (w * yes).sum(axis=1) / np.where(total > 0, total, 1.0)
        ok = (share_n >= members - EPS) & (share_w >= weight - EPS)
        heaviest = np.argmax(np.where(yes, -1.0, w), axis=1)  # the largest refusing voter
        return ok, np.where(ok, -1, v.actor_codes[heaviest])


class QualifiedMajority(Vote):
    name = "qualified_majority"
    description = (
        "EU Council style: the compromise passes with the forum's voting shares of the "
        "participants and of their votes (default 55% and 65%)"
    )
    default_voting = (0.55, 0.65)


class Mediator(ForumRule):
    """The chair proposes a compromise and each party accepts or rejects it by its own rule.

    ``nash``: the Nash (1950) bargaining solution over the parties' utilities, the package
    that maximises the product of their gains over the status quo, found by coordinate
    ascent between the parties' offers. ``weighted_median``: the capability x salience
    weighted median of the participants' positions.
    """

    name = "mediator"
    description = (
        "the chair proposes a compromise (the forum's mediator: nash or weighted_median) and "
        "every party accepts or rejects it by its own rule"
    )
    needs_chair = True
    offered = "proposal"

    @classmethod
    def propose(cls, v: View) -> np.ndarray:
        if v.mediator == "weighted_median":
            return table_median(v)
        return nash_solution(v)


def table_median(v: View) -> np.ndarray:
    """The capability x salience weighted median of the seated participants' positions (B, I):
    the compromise a weighted vote can carry (Black's median voter, Bueno de Mesquita)."""
    return weighted_median_over(v.x, v.capability[:, :, None] * v.salience, v.seated)


GRID = 21  # candidate values per issue and sweep of the Nash search
SWEEPS = 3


def _party_gain(v: View, k: int, p: np.ndarray) -> np.ndarray:
    """Party k's utility gain over the status quo from package p (B,), capability-weighted
    over its members, each member's utility salience-weighted over the live issues."""
    m = v.members[k]
    w = v.salience[:, m] * v.live[:, None, :]
    w = w / np.maximum(w.sum(axis=2, keepdims=True), EPS)
    gain = (
        w * (np.abs(v.status_quo[:, None] - v.ideal[:, m]) - np.abs(p[:, None] - v.ideal[:, m]))
    ).sum(2)
    cap = v.capability[:, m]
    return (gain * cap).sum(axis=1) / np.maximum(cap.sum(axis=1), EPS)


def nash_solution(v: View) -> np.ndarray:
    """argmax of sum log(gain_k) between the offers (coordinate ascent on a grid per issue);
    where no package gains every party anything, the mean of the offers."""
    offers = np.stack(v.offers)
    lo, hi = offers.min(axis=0), offers.max(axis=0)
    p = offers.mean(axis=0)
    for _ in range(SWEEPS):
        for i in np.flatnonzero(v.live.any(axis=0)):
            grid = lo[:, i, None] + (hi - lo)[:, i, None] * np.linspace(0, 1, GRID)[None, :]
            grid = np.concatenate([p[:, i, None], grid], axis=1)  # never worse than the start
            scores = np.zeros(grid.shape)
            for g in range(grid.shape[1]):
                trial = p.copy()
                trial[:, i] = grid[:, g]
                gains = np.stack([_party_gain(v, k, trial) for k in range(len(v.offers))])
                scores[:, g] = np.where(
                    (gains > EPS).all(axis=0), np.log(np.maximum(gains, EPS)).sum(axis=0), -np.inf
                )
            best = np.argmax(scores, axis=1)
            found = np.isfinite(scores.max(axis=1))
            p[:, i] = np.where(found & v.live[:, i], grid[np.arange(len(grid)), best], p[:, i])
    return p


class BlocRule:
    """How a bloc's members' positions become its offer, and when the bloc accepts."""

    name: ClassVar[str]
    description: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        register_class(BLOC_RULES, cls, "bloc decision rules")

    @classmethod
    def offer(cls, x: np.ndarray, w: np.ndarray, dirn: np.ndarray) -> np.ndarray:
        """The bloc's offer from its members' positions x (B, M, I), weights w (B, M)."""
        raise NotImplementedError

    @classmethod
    def passes(cls, accept: np.ndarray, votes: np.ndarray) -> np.ndarray:
        """Whether the bloc accepts (B, X) from its members' acceptance (B, M, X)."""
        raise NotImplementedError


class Consensus(BlocRule):
    name = "consensus"
    description = "the bloc offers no more than its most reluctant member; every member must accept"

    @classmethod
    def offer(cls, x: np.ndarray, w: np.ndarray, dirn: np.ndarray) -> np.ndarray:
        return consensus_bound(x, dirn)

    @classmethod
    def passes(cls, accept: np.ndarray, votes: np.ndarray) -> np.ndarray:
        return np.asarray(accept.all(axis=1))  # (B, M) -> (B,); asarray types it an array


class Majority(BlocRule):
    name = "majority"
    description = (
        "the bloc offers its capability-weighted median member's position and accepts what a "
        "majority of its members' votes accepts"
    )

    @classmethod
    def offer(cls, x: np.ndarray, w: np.ndarray, dirn: np.ndarray) -> np.ndarray:
        return weighted_median(x, w)

    @classmethod
    def passes(cls, accept: np.ndarray, votes: np.ndarray) -> np.ndarray:
        total = votes.sum(axis=1)[:, None]
        yes = (accept * votes[:, :, None]).sum(axis=1)
        return yes > total / 2 + EPS


def consensus_bound(x: np.ndarray, dirn: np.ndarray) -> np.ndarray:
    """Under consensus a bloc offers no more than its most reluctant member: x (B, M, I)."""
    return dirn * np.min(dirn[:, None, :] * x, axis=1)


def weighted_median(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Capability-weighted median over members: x (B, M, I), w (B, M)."""
    return weighted_median_over(x, np.broadcast_to(w[:, :, None], x.shape), None)
