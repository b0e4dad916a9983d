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

from negsim.kernel import codes
from negsim.rules import register_class

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
    # what the compiled kernel does for this rule (negsim.kernel.codes): who must
    # accept, and the grid and sweeps of a Nash search
    decides: ClassVar[int] = codes.PARTIES
    grid: ClassVar[int] = 21
    sweeps: ClassVar[int] = 3

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
    def proposal_kind(cls, mediator: str) -> int:
        """What the kernel puts to the table (a negsim.kernel.choice code): the mean of the
        offers by default."""
        return codes.MEAN

    @classmethod
    def propose(cls, v: View) -> np.ndarray:
        """What is put to the table (B, I), by the kernel's rule ``proposal_kind``."""
        c = _contig
        members, starts = flat(v.members)
        out = np.zeros(v.live.shape)
        from negsim.kernel import choice  # numba: loaded where a rule runs

        choice.propose_batch(
            cls.proposal_kind(v.mediator), c(np.stack(v.offers, axis=1)), c(v.x),
            c(v.seated, bool), c(v.capability), c(v.salience), c(v.ideal), c(v.live, bool),
            c(v.status_quo), starts, members, np.linspace(0, 1, cls.grid), cls.sweeps, out,
        )  # fmt: skip
        return out

    @classmethod
    def passes(cls, v: View, accept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether the proposal passes (B, X) given each table actor's acceptance (B, P, X),
        and who blocked it (B, X: a party code, -1 where it passed), by ``decides``.

        By default every party must accept: an actor by itself (and, if a bloc binds it, that
        bloc by its own rule), a bloc by its rule over its members.
        """
        c = _contig
        members, starts = flat(v.members)
        bound = [np.zeros(0, np.int64) if q is None else q[0] for q in v.binding]
        bmembers, bstarts = flat(bound)
        kinds = [-1 if r is None else BLOC_RULES[r].kernel for r in v.bloc_rules]
        bind = [-1 if q is None else BLOC_RULES[q[1]].kernel for q in v.binding]
        bcodes = [-1 if q is None else q[2] for q in v.binding]
        ok = np.zeros(accept.shape[::2], dtype=bool)
        who = np.zeros(ok.shape, dtype=np.int64)
        from negsim.kernel import choice

        choice.decide_batch(
            cls.decides, c(accept, bool), c(v.seated, bool), c(v.actor_codes, np.int64),
            c(v.votes), c(kinds, np.int64), starts, members, c(v.codes, np.int64),
            c(bind, np.int64), bstarts, bmembers, c(bcodes, np.int64),
            float(v.voting[0]), float(v.voting[1]), ok, who,
        )  # fmt: skip
        return ok, who


def _contig(a: object, dtype: type = float) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dtype)


def flat(groups: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Groups of table positions as one array and start offsets (len(groups) + 1), as the
    kernel reads a table's parties: ``members[starts[k]:starts[k + 1]]``."""
    starts = np.zeros(len(groups) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(g) for g in groups])
    body = [np.asarray(g, np.int64) for g in groups]
    return (np.concatenate(body) if body else np.zeros(0, np.int64)), starts


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
    decides = codes.EVERYONE

    @classmethod
    def required(
        cls,
        parties: Sequence[Seated],
        participants: set[int],
        bloc_members: Sequence[np.ndarray],
    ) -> set[int]:
        return set(participants) | super().required(parties, participants, bloc_members)


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
    decides = codes.VOTE

    @classmethod
    def proposal_kind(cls, mediator: str) -> int:
        return codes.MEDIAN

    @classmethod
    def required(
        cls,
        parties: Sequence[Seated],
        participants: set[int],
        bloc_members: Sequence[np.ndarray],
    ) -> set[int]:
        return set(participants)


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
    def proposal_kind(cls, mediator: str) -> int:
        return codes.MEDIAN if mediator == "weighted_median" else codes.NASH


class BlocRule:
    """How a bloc's members' positions become its offer, and when the bloc accepts."""

    name: ClassVar[str]
    description: ClassVar[str]
    kernel: ClassVar[int]  # its code in negsim.kernel.codes

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        register_class(BLOC_RULES, cls, "bloc decision rules")

    @classmethod
    def offer(cls, x: np.ndarray, w: np.ndarray, dirn: np.ndarray) -> np.ndarray:
        """The bloc's offer from its members' positions x (B, M, I), weights w (B, M), as
        the kernel makes it by this rule's ``kernel`` code."""
        out = np.zeros((x.shape[0], x.shape[2]))
        w = np.broadcast_to(w, x.shape[:2])
        dirn = np.broadcast_to(dirn, out.shape)
        from negsim.kernel import choice

        choice.bloc_offer_batch(cls.kernel, _contig(x), _contig(w), _contig(dirn), out)
        return out

    @classmethod
    def passes(cls, accept: np.ndarray, votes: np.ndarray) -> np.ndarray:
        """Whether the bloc accepts (B, X) from its members' acceptance (B, M, X)."""
        out = np.zeros(accept.shape[::2], dtype=bool)
        from negsim.kernel import choice

        choice.bloc_accepts_batch(cls.kernel, _contig(accept, bool), _contig(votes), out)
        return out


class Consensus(BlocRule):
    name = "consensus"
    description = "the bloc offers no more than its most reluctant member; every member must accept"
    kernel = codes.CONSENSUS


class Majority(BlocRule):
    name = "majority"
    description = (
        "the bloc offers its capability-weighted median member's position and accepts what a "
        "majority of its members' votes accepts"
    )
    kernel = codes.MAJORITY


def consensus_bound(x: np.ndarray, dirn: np.ndarray) -> np.ndarray:
    """Under consensus a bloc offers no more than its most reluctant member: x (B, M, I)."""
    return Consensus.offer(x, np.ones(x.shape[:2]), dirn)


def weighted_median(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Capability-weighted median over members: x (B, M, I), w (B, M)."""
    return Majority.offer(x, w, np.ones((x.shape[0], x.shape[2])))
