"""The package model at work: N parties, votes, a mediator, package deals, salience, time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from negsim import dynamics, tactics
from negsim.model import NegotiationModel
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario

from .conftest import MINI, SCENARIOS

EU = SCENARIOS / "examples" / "eu_car_emissions.yaml"


@pytest.fixture(scope="module")
def eu():
    return compile_scenario(load_scenario(EU))


def test_ten_parties_decide_by_qualified_majority(eu) -> None:
    """Every deal of the EU case carries 71.4% of the votes at the agreed date, counted apart
    from the engine; and some runs fail to reach it (a minority can block)."""
    runs = 400
    params = draw(eu, range(runs), 3)[1]
    st = dynamics.simulate(eu, params)
    forum = eu.forums[0]
    assert len(forum.parties) == 10
    agreed = st.agreed[:, 0]
    assert 0 < agreed.mean() < 1
    for b in np.flatnonzero(agreed):
        ideal, res = params.ideal[b, :, 0], params.reservation[b, :, 0]
        ok = np.abs(st.value[b, 0] - ideal) <= np.abs(res - ideal) + 1e-9
        votes = params.votes[b]
        assert (votes * ok).sum() / votes.sum() >= 0.714 - 1e-9
    blocked = st.blocker[~agreed, 0]
    assert (blocked >= 0).all()  # who blocked is known for every failed run


def test_a_lower_threshold_passes_more_deals(eu) -> None:
    params = draw(eu, range(400), 3)[1]
    strict = dynamics.simulate(eu, params).agreed.mean()
    forum = replace(eu.forums[0], voting=(0.0, 0.5))
    easy = dynamics.simulate(replace(eu, forums=(forum,)), params).agreed.mean()
    assert easy > strict + 0.05


def test_three_parties_at_one_table_every_party_must_accept() -> None:
    """The mini scenario's plenary with a third party seated: a deal needs each party."""
    s = load_scenario(
        MINI, ["forums.plenary.parties=[all, russia, austria]", "actors.russia.patience.rounds=50"]
    )
    s_cp = compile_scenario(s)
    plenary = next(f for f in s_cp.forums if f.id == "plenary")
    assert [p.id for p in plenary.parties] == ["all", "russia", "austria"]
    m = NegotiationModel(s_cp, 2, seed=4).run()
    offers = [e for e in m.events if e.forum == "plenary" and e.kind == "offer"]
    assert {e.party for e in offers} == {"all", "russia", "austria"}
    assert {(e.party, e.responder) for e in offers} >= {("russia", "austria"), ("austria", "all")}


def test_salience_moves_the_dynamics_of_logrolling_actors() -> None:
    """With trade-off tactics (logrolling), the same runs with every salience set to one
    value concede differently: salience weighs in what an actor gives up, not only in the
    forecasts."""
    cp = compile_scenario(load_scenario(SCENARIOS / "arms_control_track.yaml"))
    cp = replace(cp, rule=np.full_like(cp.rule, tactics.ids()["tradeoff"]))
    params = draw(cp, range(200), 1)[1]
    a = dynamics.simulate(cp, params)
    b = dynamics.simulate(cp, replace(params, salience=np.full_like(params.salience, 0.5)))
    assert np.abs(a.c - b.c).max() > 0.05


def test_a_package_is_agreed_whole_or_not_at_all() -> None:
    s = load_scenario(
        SCENARIOS / "arms_control_track.yaml",
        [f"forums.{f}.agreement=package" for f in ("brussels",)],
    )
    cp = compile_scenario(s)
    f = [x.id for x in cp.forums].index("brussels")
    st = dynamics.simulate(cp, draw(cp, range(300), 2)[1])
    live = cp.forums[f].agenda
    in_brussels = st.agreed_in == f
    whole = in_brussels[:, live].all(axis=1) | ~in_brussels[:, live].any(axis=1)
    assert whole.all()


def test_a_mediator_proposes_between_the_parties() -> None:
    s = load_scenario(
        MINI, ["forums.council.decision_rule=mediator", "forums.council.mediator=nash"]
    )
    cp = compile_scenario(s)
    m = NegotiationModel(cp, 1, seed=9)
    while m.running:
        m.step()
        rec = m.last
        if rec is not None and rec.table.forum.id == "council":
            lo = np.minimum(*rec.offers)
            hi = np.maximum(*rec.offers)
            assert ((rec.proposal >= lo - 1e-9) & (rec.proposal <= hi + 1e-9)).all()


def test_calendar_deadline_makes_a_written_phase_pass_its_weeks() -> None:
    """With a calendar deadline, a three-week written forum advances time pressure by three
    weeks, not by one exchange."""
    base = ["rules.deadline=2022-03-01", "forums.plenary.format=written"]
    short = compile_scenario(load_scenario(MINI, [*base, "forums.plenary.days=1"]))
    long = compile_scenario(load_scenario(MINI, [*base, "forums.plenary.days=21"]))
    assert long.forums[-1].days[-1] - short.forums[-1].days[-1] == pytest.approx(20)
    params = draw(short, range(200), 5)[1]
    a, b = dynamics.simulate(short, params), dynamics.simulate(long, params)
    assert (b.c >= a.c - 1e-12).all() and np.abs(b.c - a.c).max() > 0.01  # more time, more moved


def test_equal_saliences_change_the_baselines_results() -> None:
    """The baseline's United States trades (concedes what matters least to it first): with
    every salience set to one value, its offers and the final gaps differ."""
    cp = compile_scenario(load_scenario(SCENARIOS / "baseline.yaml"))
    params = draw(cp, range(200), 4)[1]
    flat = replace(params, salience=np.full_like(params.salience, 0.5))
    a, b = dynamics.simulate(cp, params), dynamics.simulate(cp, flat)
    us = cp.actors.index("united_states")
    assert np.abs(a.c[:, us] - b.c[:, us]).max() > 0.05
    assert not np.allclose(a.trajectory, b.trajectory, equal_nan=True)
