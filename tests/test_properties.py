"""Invariants of the model over randomly generated scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negsim import rules
from negsim.model import NegotiationModel

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


@SETTINGS
@given(cp=compiled_scenarios(), run=st.integers(0, 1000))
def test_agreed_values_lie_within_every_required_reservation(cp, run) -> None:
    """Each agreed value is acceptable, at its reservation, to every actor whose consent the
    forum of the agreement required."""
    model = NegotiationModel(cp, run, seed=5, transcript=True).run()
    ideal, res = model.params.ideal[0], model.params.reservation[0]
    forums = {f.id: f for f in cp.forums}
    agreed = [e for e in model.events if e.kind == "agreed"]
    assert len(agreed) == int(model.agreed.sum())
    for e in agreed:
        j, req = cp.issues.index(e.issue), forums[e.forum].required
        assert 0 <= e.value <= 1
        assert (np.abs(e.value - ideal[req, j]) <= np.abs(res[req, j] - ideal[req, j]) + EPS).all()


@SETTINGS
@given(cp=compiled_scenarios(), run=st.integers(0, 1000))
def test_red_lines_never_move(cp, run) -> None:
    model = NegotiationModel(cp, run, seed=3, transcript=False).run()
    red = np.abs(model.params.ideal - model.params.reservation) < EPS
    assert np.allclose(model.positions()[red], model.params.ideal[red])


def test_concession_never_taken_back_without_bloc_pull() -> None:
    c = np.array([[0.5, 0.2]])
    out = rules.concede(c, np.array([[0.1, 0.9]]), np.array([[True, True]]))
    assert list(out[0]) == [0.5, 0.9]
