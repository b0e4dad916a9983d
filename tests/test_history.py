"""The baseline reproduces the documented week of 10-13 January 2022 (DESIGN.md, seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from negsim.model import NegotiationModel
from negsim.rules import Response
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import SCENARIOS

ARMS = ("missiles", "exercises", "risk_reduction")


@pytest.fixture(scope="module")
def cp():
    return compile_scenario(load_scenario(SCENARIOS / "baseline.yaml"))


@pytest.fixture(scope="module")
def week(cp):
    return run_many(cp, range(1000), seed=2022)


@pytest.fixture(scope="module")
def models(cp):
    return [NegotiationModel(cp, k, seed=2022).run() for k in range(40)]


def test_no_core_agreement_in_any_run(cp, week) -> None:
    for iid, cluster in zip(cp.issues, cp.clusters, strict=True):
        if cluster == "core":
            assert (week.frame[f"{iid}.status"] != "agreed").all(), iid


def test_stalemate_is_the_most_frequent_outcome(week) -> None:
    shares = week.frame["outcome"].value_counts(normalize=True)
    assert shares.idxmax() == "stalemate"
    assert shares["stalemate"] > 0.5
    assert shares.get("agreement", 0.0) == 0.0


def test_nato_consensus_on_the_open_door_holds(cp, week) -> None:
    j = cp.issues.index("enlargement")
    bound = week.summary["trajectory"][:, :, 2, j]
    assert np.nanmax(bound) == 0.0  # NATO's bound on enlargement never leaves the open door


def test_nato_moves_on_arms_control_in_brussels(cp, week) -> None:
    f_geneva = [f.id for f in cp.forums].index("geneva")
    f_brussels = [f.id for f in cp.forums].index("brussels")
    tr = week.summary["trajectory"]
    for iid in ARMS:
        j = cp.issues.index(iid)
        moved = tr[:, f_brussels, 2, j] - tr[:, f_geneva, 2, j]
        assert (moved > 0).mean() > 0.95, iid
        assert moved.mean() > 0.05, iid


def test_russia_does_not_accept_arms_control_in_brussels(models) -> None:
    answers = [
        e.response
        for m in models
        for e in m.events
        if e.forum == "brussels" and e.kind == "offer" and e.party == "nato" and e.issue in ARMS
    ]
    assert answers, "NATO made no arms-control offers in Brussels"
    assert Response.ACCEPT not in answers
    assert answers.count(Response.DEFER) / len(answers) > 0.9  # "it needs time"


def test_nato_rejects_the_core_demands_unanimously(models) -> None:
    for m in models:
        for e in m.events:
            if e.forum == "brussels" and e.party == "russia" and e.issue == "enlargement":
                assert e.response == Response.REJECT
                assert e.reason.startswith("30 of 30")


def test_nothing_agreed_in_vienna(models) -> None:
    assert not any(e.kind == "agreed" for m in models for e in m.events if e.forum == "vienna")


def test_breakdown_only_between_rounds_and_after_the_core_stalls(models) -> None:
    for m in models:
        walkouts = [e for e in m.events if e.kind == "walkout"]
        assert len(walkouts) <= 1
        for e in walkouts:
            assert e.party == "russia" and "below the" in e.reason
            assert e.response == Response.WALK_OUT
