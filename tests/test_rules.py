"""Unit tests of the rule functions; every concession rule passes the same inherited tests."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from negsim import rules
from negsim.rules import RULES, Boulware, Conceder, Linear, Response, TitForTat

TIMES = np.linspace(0.0, 1.0, 21)


class ConcessionRuleContract:
    """What every concession rule owes the model, checked for each rule in turn."""

    rule: type[rules.ConcessionRule]
    beta = 1.0

    def target(self, c: float, t: float, step: float = 0.0, recip: float = 0.0) -> float:
        return float(
            self.rule.target(
                np.array([c]), t, np.array([self.beta]), np.array([recip]), np.array([step])
            )[0]
        )

    def test_declares_metadata(self) -> None:
        assert self.rule.name in {r.name for r in RULES}
        assert self.rule.description
        lo, hi = self.rule.beta_range
        assert lo <= self.beta <= hi or not self.rule.uses_time

    def test_never_below_current_concession(self) -> None:
        for t in TIMES:
            assert self.target(0.3, t) >= 0.3 - 1e-12

    def test_concede_stays_within_range(self) -> None:
        c = np.zeros((1, 4))
        for t in TIMES:
            target = self.rule.target(
                c, t, np.array([[self.beta]]), np.full((1, 1), 0.9), np.full((1, 4), 0.7)
            )
            c = rules.concede(c, target, np.ones((1, 4), dtype=bool))
            assert ((c >= 0) & (c <= 1)).all()

    def test_gate_closed_means_no_movement(self) -> None:
        c = np.full((1, 3), 0.2)
        target = self.rule.target(
            c, 0.9, np.array([[self.beta]]), np.ones((1, 1)), np.full((1, 3), 0.5)
        )
        assert (rules.concede(c, target, np.zeros((1, 3), dtype=bool)) == c).all()

    def test_reciprocates_the_other_side(self) -> None:
        assert self.target(0.0, 0.0, step=0.4, recip=0.5) == pytest.approx(
            max(0.2, self.target(0.0, 0.0))
        )

    def test_target_is_monotone_in_time(self) -> None:
        seq = [self.target(0.0, t) for t in TIMES]
        assert all(b >= a - 1e-12 for a, b in itertools.pairwise(seq))


class TimedContract(ConcessionRuleContract):
    def test_reaches_reservation_at_deadline(self) -> None:
        assert self.target(0.0, 1.0) == pytest.approx(1.0)
        assert self.target(0.0, 0.0) == pytest.approx(0.0)


class TestBoulware(TimedContract):
    rule, beta = Boulware, 0.2

    def test_holds_firm_until_late(self) -> None:
        assert self.target(0.0, 0.5) < 0.05


class TestConceder(TimedContract):
    rule, beta = Conceder, 4.0

    def test_concedes_early(self) -> None:
        assert self.target(0.0, 0.2) > 0.6


class TestLinear(TimedContract):
    rule, beta = Linear, 1.0

    def test_linear_in_time(self) -> None:
        assert self.target(0.0, 0.4) == pytest.approx(0.4)


class TestTitForTat(ConcessionRuleContract):
    rule = TitForTat

    def test_moves_only_when_the_other_side_moves(self) -> None:
        assert self.target(0.1, 0.99) == pytest.approx(0.1)
        assert self.target(0.1, 0.5, step=0.2, recip=1.0) == pytest.approx(0.3)


def test_vectorised_rule_choice_matches_each_rule() -> None:
    c = np.array([[0.1, 0.1, 0.1, 0.1]])
    beta = np.array([[0.3, 3.0, 1.0, 1.0]])
    recip = np.full((1, 4), 0.5)
    step = np.full((1, 4), 0.2)
    got = rules.concession_target(np.arange(4)[None, :], c, 0.5, beta, recip, step)
    want = [RULES[k].target(c[:, k], 0.5, beta[:, k], recip[:, k], step[:, k])[0] for k in range(4)]
    assert got[0] == pytest.approx(want)


def test_boulware_is_firmer_than_linear_firmer_than_conceder() -> None:
    for t in TIMES[1:-1]:
        b = rules.time_target(t, np.array(0.3))
        lin = rules.time_target(t, np.array(1.0))
        con = rules.time_target(t, np.array(3.0))
        assert b < lin < con


def test_position_and_concession_level_are_inverse() -> None:
    ideal, res = np.array([0.1, 0.9, 0.5]), np.array([0.6, 0.2, 0.5])
    c = np.array([0.25, 0.75, 0.0])
    x = rules.position(ideal, res, c)
    assert rules.concession_level(ideal, res, x) == pytest.approx(c)
    assert x[2] == 0.5  # a red line never moves


def test_respond_accepts_defers_rejects() -> None:
    ideal, res, x = np.array([1.0] * 3), np.array([0.4, 0.4, 1.0]), np.array([0.8, 0.8, 1.0])
    offer = np.array([0.9, 0.5, 0.9])
    held = np.array([False, False, False])
    got = rules.respond(offer, ideal, x, res, held)
    assert list(got) == [Response.ACCEPT, Response.DEFER, Response.REJECT]
    far = rules.respond(
        np.array([0.1]), np.array([1.0]), np.array([0.9]), np.array([0.4]), np.array([True])
    )
    assert far[0] == Response.DEFER  # linkage: "we need time", not a rejection


def test_consensus_bound_is_the_most_reluctant_member() -> None:
    x = np.array([[[0.1, 0.5], [0.3, 0.2], [0.2, 0.9]]])  # (B=1, M=3, I=2)
    up = np.ones((1, 2))
    assert rules.consensus_bound(x, up)[0] == pytest.approx([0.1, 0.2])
    assert rules.consensus_bound(x, -up)[0] == pytest.approx([0.3, 0.9])


def test_weighted_median_follows_the_weight() -> None:
    x = np.array([[[0.0], [0.5], [1.0]]])
    assert rules.weighted_median(x, np.array([[1.0, 1.0, 5.0]]))[0, 0] == 1.0
    assert rules.weighted_median(x, np.array([[1.0, 1.0, 1.0]]))[0, 0] == 0.5


def test_bounded_offer_never_passes_the_bound() -> None:
    offer, bound = np.array([[0.6, 0.1]]), np.array([[0.4, 0.4]])
    assert rules.bounded(offer, bound, np.ones((1, 2)))[0] == pytest.approx([0.4, 0.1])


def test_linkage_blocks_until_threshold() -> None:
    prog = np.array([[0.1, 0.0, 0.0]])  # progress on issue 0 (core) only
    sal = np.ones((1, 3))
    gated = np.array([[False, True, True]])
    on = np.array([[True, False, False]])
    open_, seen = rules.linkage_open(prog, sal, gated, on, np.array([[0.3]]))
    assert list(open_[0]) == [True, False, False] and seen[0, 0] == pytest.approx(0.1)
    open_, _ = rules.linkage_open(prog, sal, gated, on, np.array([[0.05]]))
    assert open_.all()


def test_progress_measures_share_of_the_way() -> None:
    got = rules.progress(
        np.array([0.5, 0.0, 0.7]), np.array([0.0, 0.0, 0.7]), np.array([1.0, 1.0, 0.7])
    )
    assert got == pytest.approx([0.5, 0.0, 1.0])


def test_agreement_needs_closeness_and_every_reservation() -> None:
    a, b = np.array([[0.40, 0.40, 0.1]]), np.array([[0.43, 0.43, 0.9]])
    ideal = np.array([[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]])
    res = np.array([[[0.5, 0.3, 1.0], [0.3, 0.3, 0.0]]])
    lo, hi = rules.acceptable_range(ideal, res)
    ok, value = rules.agreement(a, b, np.array([[0.05]]), lo, hi)
    assert list(ok[0]) == [True, False, False]
    assert value[0, 0] == pytest.approx(0.415)


def test_acceptable_range_is_distance_to_the_ideal() -> None:
    ideal = np.array([[[0.2], [0.9]]])
    res = np.array([[[0.5], [0.6]]])
    lo, hi = rules.acceptable_range(ideal, res)
    # actor 1 accepts [0.0, 0.5] (0.3 either side of 0.2), actor 2 [0.6, 1.2]: no overlap
    assert lo[0, 0] == pytest.approx(0.6) and hi[0, 0] == pytest.approx(0.5)
    assert not rules.zone_exists(ideal, res, np.array([[0.0]]))[0, 0]
    assert rules.zone_exists(ideal, res, np.array([[0.1]]))[0, 0]


def test_drift_moves_a_share_of_the_way() -> None:
    got = rules.drift(np.array([0.0]), np.array([1.0]), np.array([0.5]), np.array([0.4]))
    assert got[0] == pytest.approx(0.2)


def test_zone_exists_when_ranges_overlap() -> None:
    ideal = np.array([[[0.0, 0.0], [1.0, 1.0]]])
    res = np.array([[[0.5, 0.2], [0.4, 0.6]]])
    assert list(rules.zone_exists(ideal, res, np.array([[0.0]]))[0]) == [True, False]
