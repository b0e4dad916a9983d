"""Invariants of the model over randomly generated scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negsim.forum_rules import FORUM_RULES, ConsensusAll, Vote
from negsim.kernel import arith
from negsim.model import NegotiationModel
from negsim.rules import Response

from .strategies import compiled_scenarios

SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
EPS = 1e-9


def within(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    return bool(((x >= np.minimum(a, b) - EPS) & (x <= np.maximum(a, b) + EPS)).all())


@SETTINGS
@given(cp=compiled_scenarios(), run=st.integers(0, 1000))
def test_every_step_keeps_actors_within_their_range(cp, run) -> None:
    """Positions stay in [0, 1], no actor ever offers or stands beyond its reservation, and a
    consensus bloc never offers more than its most reluctant member."""
    model = NegotiationModel(cp, run, seed=11, transcript=False)
    ideal, res = model.params.ideal, model.params.reservation
    while model.running:
        x_before = model.positions()
        model.step()
        x = model.positions()
        assert ((x >= -EPS) & (x <= 1 + EPS)).all()
        assert within(x, ideal, res)
        for party, offer in model.last_offers.items():
            assert ((offer >= -EPS) & (offer <= 1 + EPS)).all()
            p = next(p for f in cp.forums for p in f.parties if p.id == party)
            if p.bloc is not None and p.rule == "consensus":
                dirn = model.last_directions[party]
                most = (dirn[:, None, :] * x_before[:, p.members]).min(axis=1)
                assert (dirn * offer <= most + EPS).all()
            if p.bloc is None:  # may fall short of its ideal (bound by allies), never past
                k = p.members[0]  # its reservation toward the other side
                side = model.params.side[:, k]
                assert (side * offer <= side * res[:, k] + EPS).all()


def inside(ideal: np.ndarray, res: np.ndarray, value: float) -> np.ndarray:
    """Which actors accept ``value`` at their reservation (utility: distance to the ideal)."""
    return np.abs(value - ideal) <= np.abs(res - ideal) + EPS


def carried(cp, params, forum, j: int, value: float) -> bool:
    """Checked apart from the engine: the agreed value has the support the forum's rule needs,
    counting only actors whose reservation admits it (their acceptance can be no wider)."""
    ideal, res, votes = params.ideal[0, :, j], params.reservation[0, :, j], params.votes[0]
    ok = inside(ideal, res, value)
    rule = FORUM_RULES[forum.decision_rule]
    if issubclass(rule, Vote):
        voters = forum.participants
        n_share = ok[voters].mean()
        w_share = (votes[voters] * ok[voters]).sum() / votes[voters].sum()
        return n_share >= forum.voting[0] - EPS and w_share >= forum.voting[1] - EPS
    if rule is ConsensusAll and not ok[forum.participants].all():
        return False
    for party in forum.parties:
        groups = [(party.members, party.rule)]
        if party.bound_by is not None:
            groups.append((cp.blocs[party.bound_by].members, cp.blocs[party.bound_by].rule))
        for members, how in groups:
            if how == "majority":
                if (votes[members] * ok[members]).sum() <= votes[members].sum() / 2:
                    return False
            elif not ok[members].all():
                return False
    return True


@SETTINGS
@given(cp=compiled_scenarios(), run=st.integers(0, 1000))
def test_agreed_values_have_the_support_their_rule_needs(cp, run) -> None:
    """Every agreed value is acceptable, at their reservations, to the actors whose consent
    the forum's rule requires: every party by its own rule, or the voting shares."""
    model = NegotiationModel(cp, run, seed=5, transcript=True).run()
    forums = {f.id: f for f in cp.forums}
    agreed = [e for e in model.events if e.kind == "agreed"]
    assert len(agreed) == int(model.agreed.sum())
    for e in agreed:
        assert 0 <= e.value <= 1
        assert carried(cp, model.params, forums[e.forum], cp.issues.index(e.issue), e.value)


@SETTINGS
@given(cp=compiled_scenarios(), run=st.integers(0, 1000))
def test_no_actor_ever_accepts_beyond_its_reservation(cp, run) -> None:
    """An ACCEPT in the transcript is always of a value inside every accepting actor's
    reservation (so never below its reserved utility on that issue)."""
    model = NegotiationModel(cp, run, seed=7, transcript=True).run()
    ideal, res = model.params.ideal[0], model.params.reservation[0]
    index = {a: k for k, a in enumerate(cp.actors)}
    for e in model.events:
        if e.kind == "offer" and e.response == Response.ACCEPT and e.responder in index:
            k, j = index[e.responder], cp.issues.index(e.issue)
            assert inside(ideal[k, j], res[k, j], e.value)


@SETTINGS
@given(cp=compiled_scenarios(), run=st.integers(0, 1000))
def test_red_lines_never_move(cp, run) -> None:
    model = NegotiationModel(cp, run, seed=3, transcript=False).run()
    red = np.abs(model.params.ideal - model.params.reservation) < EPS
    assert np.allclose(model.positions()[red], model.params.ideal[red])


def test_concession_never_taken_back_without_bloc_pull() -> None:
    assert [arith.concede(0.5, 0.1), arith.concede(0.2, 0.9)] == [0.5, 0.9]
    assert arith.concede(0.2, 1.7) == 1.0
