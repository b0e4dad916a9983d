"""Unit tests of the model's primitive functions (tactics and decision rules have their own):
the compiled kernel's, one value at a time, and the array functions results are read with."""

from __future__ import annotations

import numpy as np
import pytest

from negsim import rules
from negsim.forum_rules import consensus_bound, weighted_median
from negsim.kernel import arith
from negsim.rules import Response


def test_position_and_concession_level_are_inverse() -> None:
    ideal, res = np.array([0.1, 0.9, 0.5]), np.array([0.6, 0.2, 0.5])
    c = np.array([0.25, 0.75, 0.0])
    x = rules.position(ideal, res, c)
    back = [arith.settle(*v) for v in zip(x, ideal, res, strict=True)]
    assert back == pytest.approx(c)
    assert x[2] == 0.5  # a red line never moves
    assert arith.settle(0.9, 0.1, 0.6) == 1.0  # never past the reservation


def test_respond_accepts_defers_rejects() -> None:
    ideal, res, x = np.array([1.0] * 3), np.array([0.4, 0.4, 1.0]), np.array([0.8, 0.8, 1.0])
    offer = np.array([0.9, 0.5, 0.9])
    held = np.array([False, False, False])
    got = [arith.respond(*v) for v in zip(offer, ideal, x, res, held, strict=True)]
    assert got == [Response.ACCEPT, Response.DEFER, Response.REJECT]
    far = arith.respond(0.1, 1.0, 0.9, 0.4, True)
    assert far == Response.DEFER  # linkage: "we need time", not a rejection


def test_consensus_bound_is_the_most_reluctant_member() -> None:
    x = np.array([[[0.1, 0.5], [0.3, 0.2], [0.2, 0.9]]])  # (B=1, M=3, I=2)
    up = np.ones((1, 2))
    assert consensus_bound(x, up)[0] == pytest.approx([0.1, 0.2])
    assert consensus_bound(x, -up)[0] == pytest.approx([0.3, 0.9])


def test_weighted_median_follows_the_weight() -> None:
    x = np.array([[[0.0], [0.5], [1.0]]])
    assert weighted_median(x, np.array([[1.0, 1.0, 5.0]]))[0, 0] == 1.0
    assert weighted_median(x, np.array([[1.0, 1.0, 1.0]]))[0, 0] == 0.5


def test_bounded_offer_never_passes_the_bound() -> None:
    assert [arith.bounded(v, 0.4, 1.0) for v in (0.6, 0.1)] == pytest.approx([0.4, 0.1])
    assert [arith.bounded(v, 0.4, -1.0) for v in (0.6, 0.1)] == pytest.approx([0.6, 0.4])


def test_linkage_trades_concession_for_utility_gained() -> None:
    """Russia-style: arms control (issues 1, 2) held back until the core (issue 0) moves; it
    may concede on them the share of the threshold it has gained on the core."""
    prog = np.array([0.1, 0.0, 0.0])  # progress on issue 0 (core) only
    ideal, sq, sal = np.ones(3), np.zeros(3), np.ones(3)
    on = np.array([True, False, False])
    w, work = np.zeros(3), np.zeros(3)
    seen, allow = arith.linkage(prog, ideal, sq, sal, on, 0.4, w, work)
    assert allow == pytest.approx(0.25) and seen == pytest.approx(0.1)
    assert arith.linkage(prog, ideal, sq, sal, on, 0.05, w, work)[1] == 1.0
    assert arith.linkage(0 * prog, ideal, sq, sal, on, 0.4, w, work)[1] == 0.0


def test_progress_is_the_share_of_the_way_from_status_quo_to_ideal() -> None:
    got = rules.progress(
        np.array([0.5, 0.0, 0.7, 0.2]),
        np.array([0.0, 0.0, 0.7, 0.4]),
        np.array([1.0, 1.0, 0.7, 1.0]),
    )
    assert got == pytest.approx([0.5, 0.0, 1.0, 0.0])  # behind the status quo is no progress


def test_acceptable_range_is_distance_to_the_ideal() -> None:
    ideal = np.array([[[0.2], [0.9]]])
    res = np.array([[[0.5], [0.6]]])
    lo, hi = rules.acceptable_range(ideal, res)
    # actor 1 accepts [0.0, 0.5] (0.3 either side of 0.2), actor 2 [0.6, 1.2]: no overlap
    assert lo[0, 0] == pytest.approx(0.6) and hi[0, 0] == pytest.approx(0.5)
    assert not rules.zone_exists(ideal, res, np.array([[0.0]]))[0, 0]
    assert rules.zone_exists(ideal, res, np.array([[0.1]]))[0, 0]


def test_drift_moves_a_share_of_the_way() -> None:
    assert arith.drift(0.0, 1.0, 0.5, 0.4) == pytest.approx(0.2)


def test_zone_exists_when_ranges_overlap() -> None:
    ideal = np.array([[[0.0, 0.0], [1.0, 1.0]]])
    res = np.array([[[0.5, 0.2], [0.4, 0.6]]])
    assert list(rules.zone_exists(ideal, res, np.array([[0.0]]))[0]) == [True, False]
