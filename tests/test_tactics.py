"""Every concession tactic passes the same inherited contract (as Axelrod tests strategies).

A tactic registered without a test class of its own fails
:func:`test_every_registered_tactic_has_its_tests`, so a new tactic cannot land untested.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from negsim import tactics
from negsim.kernel import arith
from negsim.tactics import (
    TACTICS,
    Boulware,
    Conceder,
    Exponential,
    Linear,
    Polynomial,
    RelativeTitForTat,
    TacticInput,
    TitForTat,
    Tradeoff,
)

TIMES = np.linspace(0.0, 1.0, 21)
TESTED: set[type[tactics.Tactic]] = set()


CONCEDE = np.vectorize(arith.concede)  # the engine's step: never back, never past 1


def make(c, t, beta, recip, step, salience=None, reach=None, relative=None) -> TacticInput:
    """A tactic's input from arrays broadcastable to (B, P, I); salience and reach default to
    equal weights and a full range, the other side's relative move to its absolute one."""
    c = np.asarray(c, dtype=float)
    full = np.ones(c.shape)
    return TacticInput(
        c, np.asarray(t, dtype=float), np.asarray(beta, dtype=float),
        np.asarray(recip, dtype=float), np.asarray(step, dtype=float),
        full if salience is None else np.asarray(salience, dtype=float),
        full if reach is None else np.asarray(reach, dtype=float),
        np.asarray(step if relative is None else relative, dtype=float)[..., :1],
    )  # fmt: skip


def one(c: float, t: float, beta: float, step: float = 0.0, recip: float = 0.0) -> TacticInput:
    return make([[[c]]], [[[t]]], [[[beta]]], [[[recip]]], [[[step]]])


class TacticContract:
    """What every tactic owes the model, checked for each tactic in turn."""

    tactic: type[tactics.Tactic]
    beta = 1.0

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "tactic" in cls.__dict__:
            TESTED.add(cls.tactic)

    def target(self, c: float, t: float, step: float = 0.0, recip: float = 0.0) -> float:
        return float(self.tactic.target(one(c, t, self.beta, step, recip))[0, 0, 0])

    def test_declares_metadata(self) -> None:
        assert TACTICS[self.tactic.name] is self.tactic
        assert self.tactic.description
        if self.tactic.beta_range is not None:
            lo, hi = self.tactic.beta_range
            assert 0 < lo <= self.beta <= hi

    def test_never_below_current_concession(self) -> None:
        for t in TIMES:
            assert self.target(0.3, t) >= 0.3 - 1e-12

    def test_concede_stays_within_range(self) -> None:
        c = np.zeros((1, 1, 4))
        for t in TIMES:
            s = make(c, np.full((1, 1, 1), t), np.full((1, 1, 1), self.beta),
                     np.full((1, 1, 1), 0.9), np.full((1, 1, 4), 0.7))  # fmt: skip
            c = CONCEDE(c, self.tactic.target(s))
            assert ((c >= 0) & (c <= 1)).all()

    def test_reciprocates_the_other_side(self) -> None:
        assert self.target(0.0, 0.0, step=0.4, recip=0.5) == pytest.approx(
            max(0.2, self.target(0.0, 0.0))
        )

    def test_target_is_monotone_in_time(self) -> None:
        seq = [self.target(0.0, t) for t in TIMES]
        assert all(b >= a - 1e-12 for a, b in itertools.pairwise(seq))

    def test_registry_dispatch_gives_this_tactics_target(self) -> None:
        """Mixed with every other tactic at one table, each actor gets its own tactic's."""
        names = list(TACTICS)
        n = len(names)
        full = [np.full((1, n, k), v) for k, v in ((2, 0.1), (1, self.beta), (1, 0.5), (2, 0.2))]
        c, beta, recip, step = full
        s = make(c, np.full((1, 1, 1), 0.5), beta, recip, step, np.full((1, n, 2), 0.7))
        got = tactics.targets(np.arange(n), s)
        k = names.index(self.tactic.name)
        want = self.tactic.target(s)[:, k]
        assert got[:, k] == pytest.approx(want)


class TimedContract(TacticContract):
    def test_reaches_reservation_at_deadline(self) -> None:
        assert self.target(0.0, 1.0) == pytest.approx(1.0)
        assert self.target(0.0, 0.0) == pytest.approx(0.0)


class TestBoulware(TimedContract):
    tactic, beta = Boulware, 0.2

    def test_holds_firm_until_late(self) -> None:
        assert self.target(0.0, 0.5) < 0.05


class TestConceder(TimedContract):
    tactic, beta = Conceder, 4.0

    def test_concedes_early(self) -> None:
        assert self.target(0.0, 0.2) > 0.6


class TestPolynomial(TimedContract):
    tactic, beta = Polynomial, 3.0

    def test_spans_both_regimes_with_one_formula(self) -> None:
        for beta in (0.2, 4.0):
            for t in TIMES:
                assert Polynomial.target(one(0.0, t, beta)) == pytest.approx(
                    (Boulware if beta < 1 else Conceder).target(one(0.0, t, beta))
                )


class TestLinear(TimedContract):
    tactic = Linear

    def test_linear_in_time_whatever_the_exponent(self) -> None:
        for beta in (0.2, 1.0, 5.0):
            got = Linear.target(one(0.0, 0.4, beta))
            assert float(got[0, 0, 0]) == pytest.approx(0.4)


class TestTitForTat(TacticContract):
    tactic = TitForTat

    def test_moves_only_when_the_other_side_moves(self) -> None:
        assert self.target(0.1, 0.99) == pytest.approx(0.1)
        assert self.target(0.1, 0.5, step=0.2, recip=1.0) == pytest.approx(0.3)


class TestExponential(TacticContract):
    tactic, beta = Exponential, 0.5

    def test_opens_at_kappa_and_reaches_reservation_at_deadline(self) -> None:
        assert self.target(0.0, 0.0) == pytest.approx(Exponential.kappa)
        assert self.target(0.0, 1.0) == pytest.approx(1.0)

    def test_beta_below_one_is_firmer_than_above(self) -> None:
        for t in TIMES[1:-1]:
            firm = Exponential.target(one(0.0, t, 0.3))
            soft = Exponential.target(one(0.0, t, 3.0))
            assert firm < soft


class TestTradeoff(TimedContract):
    tactic, beta = Tradeoff, 1.0

    def test_concedes_first_on_what_it_cares_least_about(self) -> None:
        """Half its concedable utility, equal reach: the low-salience issue goes first and
        fully, the high-salience one only with what is left (logrolling)."""
        s = make(np.zeros((1, 1, 2)), [[[0.5]]], [[[1.0]]], [[[0.0]]], np.zeros((1, 1, 2)),
                 salience=[[[0.2, 0.8]]], reach=[[[1.0, 1.0]]])  # fmt: skip
        got = Tradeoff.target(s)[0, 0]
        assert got[0] == pytest.approx(1.0)  # budget 0.5 of total 1.0: the 0.2 issue costs 0.2
        assert got[1] == pytest.approx(0.3 / 0.8)
        assert (0.2 * got[0] + 0.8 * got[1]) == pytest.approx(0.5)  # the utility it gives up

    def test_salience_changes_what_it_concedes(self) -> None:
        a = make(np.zeros((1, 1, 2)), [[[0.3]]], [[[1.0]]], [[[0.0]]], np.zeros((1, 1, 2)),
                 salience=[[[0.2, 0.8]]])  # fmt: skip
        b = make(np.zeros((1, 1, 2)), [[[0.3]]], [[[1.0]]], [[[0.0]]], np.zeros((1, 1, 2)),
                 salience=[[[0.8, 0.2]]])  # fmt: skip
        assert Tradeoff.target(a)[0, 0, 0] > Tradeoff.target(b)[0, 0, 0]


class TestRelativeTitForTat(TacticContract):
    tactic = RelativeTitForTat

    def test_matches_the_other_sides_relative_move(self) -> None:
        s = make(
            [[[0.1, 0.1]]], [[[0.9]]], [[[1.0]]], [[[0.5]]], [[[0.0, 0.0]]], relative=[[[0.4]]]
        )
        assert RelativeTitForTat.target(s)[0, 0] == pytest.approx([0.3, 0.3])

    def test_reciprocates_the_other_side(self) -> None:
        """It answers the other side's move in that side's own range, not the utility gained."""
        assert self.target(0.0, 0.0, step=0.4, recip=0.5) == pytest.approx(0.2)


def test_every_registered_tactic_has_its_tests() -> None:
    assert set(TACTICS.values()) == TESTED


def test_boulware_is_firmer_than_linear_firmer_than_conceder() -> None:
    for t in TIMES[1:-1]:
        b = Boulware.target(one(0.0, t, 0.3))
        lin = Linear.target(one(0.0, t, 0.3))
        con = Conceder.target(one(0.0, t, 3.0))
        assert b < lin < con


def test_a_second_tactic_with_a_taken_name_is_refused() -> None:
    with pytest.raises(ValueError, match="two concession tactics"):
        type("Again", (tactics.Tactic,), {"name": "boulware", "description": "x"})
    assert TACTICS["boulware"] is Boulware
