"""Every forum and bloc decision rule passes the same inherited contract.

A rule registered without a test class of its own fails the registry test at the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest

from negsim.forum_rules import (
    BLOC_RULES,
    FORUM_RULES,
    Bilateral,
    BlocConsensus,
    BlocRule,
    Consensus,
    ConsensusAll,
    ForumRule,
    Majority,
    Mediator,
    QualifiedMajority,
    View,
    Vote,
)
from negsim.rules import EPS

FORUMS_TESTED: set[type[ForumRule]] = set()
BLOCS_TESTED: set[type[BlocRule]] = set()


@dataclass
class Side:
    members: np.ndarray
    bloc: int | None = None
    bound_by: int | None = None


BLOC_MEMBERS = [np.array([0, 1, 2]), np.array([5, 6])]


def table(kinds: tuple[str, str], b: int = 40, seed: int = 3) -> View:
    """A random table of 5 actors: party 0 a bloc of actors 0-2 (or actor 0, bound by a bloc of
    1-2), party 1 actor 3; actor 4 seated, in no party."""
    rng = np.random.default_rng(seed)
    i = 3
    if kinds[0] == "bloc":
        members, bloc_rules, binding = (
            (np.array([0, 1, 2]), np.array([3])),
            ("consensus", None),
            (None, None),
        )
    else:
        members = (np.array([0]), np.array([3]))
        binding = ((np.array([1, 2]), "consensus", 91), None)
        bloc_rules = (None, None)
    ideal = rng.random((b, 5, i))
    res = np.clip(ideal + rng.normal(0, 0.4, (b, 5, i)), 0, 1)
    x = ideal + rng.random((b, 5, 1)) * (res - ideal)
    offers = tuple(x[:, m].mean(axis=1) for m in members)
    return View(
        offers, members, bloc_rules, binding, (90, 3), np.arange(5), np.ones(5, dtype=bool), x,
        ideal, res, rng.random((b, 5, i)), rng.random((b, 5)) + 0.1, rng.random((b, 5)) + 0.1,
        np.ones((b, i), dtype=bool), np.zeros((b, i)), (0.55, 0.65), "nash",
    )  # fmt: skip


class ForumRuleContract:
    rule: type[ForumRule]
    kinds: tuple[str, str]  # a seating this rule accepts
    binds: bool = True  # a bound actor's bloc must consent

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "rule" in cls.__dict__:
            FORUMS_TESTED.add(cls.rule)

    def parties(self) -> list[Side]:
        make = {"actor": Side(np.array([0]), bound_by=0), "bloc": Side(np.array([1, 2]), bloc=0)}
        return [make[self.kinds[0]], Side(np.array([4]))]

    def test_declares_metadata(self) -> None:
        assert FORUM_RULES[self.rule.name] is self.rule
        assert self.rule.description

    def test_seats_its_own_kind_of_table(self) -> None:
        assert self.rule.seating_problem(self.kinds) is None

    def test_every_party_member_is_consulted(self) -> None:
        parties = self.parties()
        req = self.rule.required(parties, {0, 1, 2, 3, 4}, BLOC_MEMBERS)
        for p in parties:
            assert set(p.members.tolist()) <= req

    def test_an_actor_bound_by_a_bloc_needs_the_whole_bloc(self) -> None:
        if not self.binds:
            pytest.skip("a vote counts the participants only")
        parties = [Side(np.array([0]), bound_by=0), Side(np.array([4]))]
        req = self.rule.required(parties, {0, 4}, BLOC_MEMBERS)
        assert set(BLOC_MEMBERS[0].tolist()) <= req

    def test_unanimous_acceptance_passes_and_none_blocks(self) -> None:
        v = table(self.kinds)
        yes = np.ones((40, 5, 3), dtype=bool)
        ok, blocker = self.rule.passes(v, yes)
        assert ok.all() and (blocker == -1).all()
        ok, blocker = self.rule.passes(v, ~yes)
        assert not ok.any() and (blocker >= 0).all()

    def test_more_acceptance_never_fails_what_passed(self) -> None:
        v = table(self.kinds)
        rng = np.random.default_rng(8)
        some = rng.random((40, 5, 3)) < 0.5
        more = some | (rng.random((40, 5, 3)) < 0.5)
        assert (self.rule.passes(v, more)[0] | ~self.rule.passes(v, some)[0]).all()

    def test_proposal_lies_within_the_table(self) -> None:
        v = table(self.kinds)
        p = self.rule.propose(v)
        lo = np.minimum(v.x.min(axis=1), np.min(v.offers, axis=0))
        hi = np.maximum(v.x.max(axis=1), np.max(v.offers, axis=0))
        assert ((p >= lo - EPS) & (p <= hi + EPS)).all()


class TestBilateral(ForumRuleContract):
    rule, kinds = Bilateral, ("actor", "actor")

    def test_refuses_a_bloc_or_a_third_party(self) -> None:
        assert Bilateral.seating_problem(("bloc", "actor"))
        assert Bilateral.seating_problem(("actor", "actor", "actor"))

    def test_proposes_the_midpoint_of_the_offers(self) -> None:
        v = table(self.kinds)
        assert Bilateral.propose(v) == pytest.approx((v.offers[0] + v.offers[1]) / 2)

    def test_the_binding_bloc_can_block_its_actor(self) -> None:
        v = table(self.kinds)
        accept = np.ones((40, 5, 3), dtype=bool)
        accept[:, 2] = False  # a member of the bloc that binds party 0
        ok, blocker = Bilateral.passes(v, accept)
        assert not ok.any() and (blocker == 91).all()  # the bloc blocked, not its actor
        accept[:, 2], accept[:, 0] = True, False
        ok, blocker = Bilateral.passes(v, accept)
        assert not ok.any() and (blocker == 90).all()  # the actor itself refused


class TestBlocConsensus(ForumRuleContract):
    rule, kinds = BlocConsensus, ("bloc", "actor")

    def test_needs_a_bloc(self) -> None:
        assert BlocConsensus.seating_problem(("actor", "actor"))


class TestConsensusAll(ForumRuleContract):
    rule, kinds = ConsensusAll, ("bloc", "actor")

    def test_participants_who_are_not_parties_must_accept_too(self) -> None:
        req = ConsensusAll.required(self.parties(), {0, 1, 2, 3, 4, 9}, BLOC_MEMBERS)
        assert req == {0, 1, 2, 3, 4, 9}
        v = table(self.kinds)
        accept = np.ones((40, 5, 3), dtype=bool)
        accept[:, 4] = False  # seated, in no party
        ok, blocker = ConsensusAll.passes(v, accept)
        assert not ok.any() and (blocker == 4).all()


class TestMajorityVote(ForumRuleContract):
    rule, kinds, binds = Vote, ("actor", "actor"), False

    def test_more_than_half_the_votes_pass(self) -> None:
        v = table(self.kinds)
        accept = np.zeros((40, 5, 3), dtype=bool)
        heavy = np.argsort(-v.votes, axis=1)
        for r in range(40):
            total, got = v.votes[r].sum(), 0.0
            for k in heavy[r]:
                if got > total / 2:
                    break
                accept[r, k], got = True, got + v.votes[r, k]
        assert Vote.passes(replace(v, voting=Vote.default_voting), accept)[0].all()


class TestQualifiedMajority(ForumRuleContract):
    rule, kinds, binds = QualifiedMajority, ("actor", "actor"), False

    def test_needs_both_shares(self) -> None:
        """Three of five voters holding 90% of the votes pass 55%/65%; two holding 90% do not."""
        v = replace(table(self.kinds, b=1), votes=np.array([[0.45, 0.45, 0.05, 0.03, 0.02]]))
        accept = np.zeros((1, 5, 1), dtype=bool)
        accept[0, [0, 1]] = True
        assert not QualifiedMajority.passes(v, accept)[0].any()
        accept[0, 4] = True
        assert QualifiedMajority.passes(v, accept)[0].all()


class TestMediator(ForumRuleContract):
    rule, kinds = Mediator, ("bloc", "actor")

    def test_nash_solution_beats_the_midpoint_in_the_product_of_gains(self) -> None:
        v = table(self.kinds)
        nash, mid = Mediator.propose(v), np.mean(np.stack(v.offers), axis=0)

        def product(p: np.ndarray) -> np.ndarray:
            gains = np.stack([party_gain(v, k, p) for k in range(2)])
            return np.where((gains > 0).all(axis=0), np.prod(np.maximum(gains, 0), axis=0), 0)

        assert (product(nash) >= product(mid) - 1e-9).all()
        assert (product(nash) > product(mid) + 1e-6).any()


def party_gain(v: View, k: int, p: np.ndarray) -> np.ndarray:
    """The oracle: party k's capability-weighted utility gain over the status quo from
    package p (B,), each member's utility salience-weighted over the live issues."""
    m = v.members[k]
    w = v.salience[:, m] * v.live[:, None, :]
    w = w / np.maximum(w.sum(axis=2, keepdims=True), EPS)
    sq, ideal = v.status_quo[:, None], v.ideal[:, m]
    gain = (w * (np.abs(sq - ideal) - np.abs(p[:, None] - ideal))).sum(2)
    cap = v.capability[:, m]
    return (gain * cap).sum(axis=1) / np.maximum(cap.sum(axis=1), EPS)


class BlocRuleContract:
    rule: type[BlocRule]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "rule" in cls.__dict__:
            BLOCS_TESTED.add(cls.rule)

    def test_declares_metadata(self) -> None:
        assert BLOC_RULES[self.rule.name] is self.rule
        assert self.rule.description

    @pytest.mark.parametrize("up", [1.0, -1.0])
    def test_offer_lies_within_the_members_positions(self, up: float) -> None:
        rng = np.random.default_rng(5)
        x, w = rng.random((20, 6, 3)), rng.random((20, 6)) + 0.01
        got = self.rule.offer(x, w, np.full((20, 3), up))
        assert ((got >= x.min(axis=1) - EPS) & (got <= x.max(axis=1) + EPS)).all()

    def test_unanimous_members_give_their_common_position(self) -> None:
        x = np.full((1, 4, 2), 0.3)
        got = self.rule.offer(x, np.ones((1, 4)), np.ones((1, 2)))
        assert got == pytest.approx(np.full((1, 2), 0.3))


class TestConsensus(BlocRuleContract):
    rule = Consensus

    def test_every_member_must_accept(self) -> None:
        accept = np.array([[[True], [True], [False]]])
        assert not Consensus.passes(accept, np.ones((1, 3)))[0, 0]
        assert Consensus.passes(accept[:, :2], np.ones((1, 2)))[0, 0]

    def test_no_more_than_the_most_reluctant_member(self) -> None:
        x = np.array([[[0.1, 0.5], [0.4, 0.2]]])
        assert Consensus.offer(x, np.ones((1, 2)), np.ones((1, 2)))[0] == pytest.approx([0.1, 0.2])
        assert Consensus.offer(x, np.ones((1, 2)), -np.ones((1, 2)))[0] == pytest.approx([0.4, 0.5])


class TestMajority(BlocRuleContract):
    rule = Majority

    def test_accepts_with_a_majority_of_votes(self) -> None:
        accept = np.array([[[True], [False], [False]]])
        assert Majority.passes(accept, np.array([[5.0, 1.0, 1.0]]))[0, 0]
        assert not Majority.passes(accept, np.array([[1.0, 1.0, 1.0]]))[0, 0]

    def test_the_weighted_median_member(self) -> None:
        x = np.array([[[0.0], [0.5], [1.0]]])
        assert Majority.offer(x, np.array([[1.0, 1.0, 5.0]]), np.ones((1, 1)))[0, 0] == 1.0


def test_every_registered_rule_has_its_tests() -> None:
    assert set(FORUM_RULES.values()) == FORUMS_TESTED
    assert set(BLOC_RULES.values()) == BLOCS_TESTED
