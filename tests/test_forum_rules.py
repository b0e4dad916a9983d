"""Every forum and bloc decision rule passes the same inherited contract.

A rule registered without a test class of its own fails the registry test at the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

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


class ForumRuleContract:
    rule: type[ForumRule]
    kinds: tuple[str, str]  # a seating this rule accepts

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

    def test_every_party_member_must_accept(self) -> None:
        parties = self.parties()
        req = self.rule.required(parties, {0, 1, 2, 3, 4}, BLOC_MEMBERS)
        for p in parties:
            assert set(p.members.tolist()) <= req

    def test_an_actor_bound_by_a_bloc_needs_the_whole_bloc(self) -> None:
        parties = [Side(np.array([0]), bound_by=0), Side(np.array([4]))]
        req = self.rule.required(parties, {0, 4}, BLOC_MEMBERS)
        assert set(BLOC_MEMBERS[0].tolist()) <= req

    def test_agreement_is_symmetric_and_inside_every_reservation(self) -> None:
        rng = np.random.default_rng(3)
        a, b = rng.random((50, 4)), rng.random((50, 4))
        lo, hi = rng.random((50, 4)) * 0.5, 0.5 + rng.random((50, 4)) * 0.5
        tol = np.full((50, 1), 0.2)
        ok, value = self.rule.agree(a, b, tol, lo, hi)
        ok2, value2 = self.rule.agree(b, a, tol, lo, hi)
        assert (ok == ok2).all() and np.allclose(value, value2)
        assert ((value[ok] >= lo[ok] - EPS) & (value[ok] <= hi[ok] + EPS)).all()
        assert (np.abs(a - b)[ok] <= 0.2 + EPS).all()


class TestBilateral(ForumRuleContract):
    rule, kinds = Bilateral, ("actor", "actor")

    def test_refuses_a_bloc(self) -> None:
        assert Bilateral.seating_problem(("bloc", "actor"))


class TestBlocConsensus(ForumRuleContract):
    rule, kinds = BlocConsensus, ("bloc", "actor")

    def test_needs_a_bloc(self) -> None:
        assert BlocConsensus.seating_problem(("actor", "actor"))


class TestConsensusAll(ForumRuleContract):
    rule, kinds = ConsensusAll, ("bloc", "actor")

    def test_participants_who_are_not_parties_must_accept_too(self) -> None:
        req = ConsensusAll.required(self.parties(), {0, 1, 2, 3, 4, 9}, BLOC_MEMBERS)
        assert req == {0, 1, 2, 3, 4, 9}


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

    def test_no_more_than_the_most_reluctant_member(self) -> None:
        x = np.array([[[0.1, 0.5], [0.4, 0.2]]])
        assert Consensus.offer(x, np.ones((1, 2)), np.ones((1, 2)))[0] == pytest.approx([0.1, 0.2])
        assert Consensus.offer(x, np.ones((1, 2)), -np.ones((1, 2)))[0] == pytest.approx([0.4, 0.5])


class TestMajority(BlocRuleContract):
    rule = Majority

    def test_the_weighted_median_member(self) -> None:
        x = np.array([[[0.0], [0.5], [1.0]]])
        assert Majority.offer(x, np.array([[1.0, 1.0, 5.0]]), np.ones((1, 1)))[0, 0] == 1.0


def test_every_registered_rule_has_its_tests() -> None:
    assert set(FORUM_RULES.values()) == FORUMS_TESTED
    assert set(BLOC_RULES.values()) == BLOCS_TESTED
