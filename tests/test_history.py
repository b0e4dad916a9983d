"""The baseline reproduces the documented week of 10-13 January 2022 (DESIGN.md, seeds), and
no check of it passes by construction: each fails under a plausible other setting of the
scenario's inputs (``ALTERNATIVES``), so it is the inputs as calibrated, not the model's
structure, that make the week come out as it did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pytest

from negsim.model import NegotiationModel
from negsim.rules import Response
from negsim.runner import run_many
from negsim.scenario.compile import Compiled, compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import SCENARIOS

ARMS = ("missiles", "exercises", "risk_reduction")
RUNS, TRANSCRIPTS, SEED = 1000, 40, 2022


@dataclass(frozen=True)
class Week:
    cp: Compiled
    frame: pd.DataFrame
    trajectory: np.ndarray
    models: tuple[NegotiationModel, ...]


@cache
def week(overrides: tuple[str, ...] = ()) -> Week:
    cp = compile_scenario(load_scenario(SCENARIOS / "baseline.yaml", list(overrides)))
    runs = run_many(cp, range(RUNS), seed=SEED)
    models = tuple(NegotiationModel(cp, k, seed=SEED).run() for k in range(TRANSCRIPTS))
    return Week(cp, runs.frame, runs.summary["trajectory"], models)


def no_core_agreement(w: Week) -> None:
    for iid, cluster in zip(w.cp.issues, w.cp.clusters, strict=True):
        if cluster == "core":
            assert (w.frame[f"{iid}.status"] != "agreed").all(), iid


def stalemate_most_frequent(w: Week) -> None:
    shares = w.frame["outcome"].value_counts(normalize=True)
    assert shares.idxmax() == "stalemate"
    assert shares["stalemate"] > 0.5


def open_door_consensus_holds(w: Week) -> None:
    """In the large majority of runs, not in all: the allies' red line may bend."""
    assert w.frame["enlargement.holds"].mean() > 0.9


def nato_moves_on_arms_control_in_brussels(w: Week) -> None:
    forums = [f.id for f in w.cp.forums]
    f_geneva, f_brussels = forums.index("geneva"), forums.index("brussels")
    reached = np.isfinite(w.trajectory[:, f_brussels, 2, 0])  # runs still going after it
    for iid in ARMS:
        j = w.cp.issues.index(iid)
        moved = (w.trajectory[:, f_brussels, 2, j] - w.trajectory[:, f_geneva, 2, j])[reached]
        assert (moved > 0).mean() > 0.95, iid
        assert moved.mean() > 0.05, iid


def russia_neither_accepts_nor_rejects_arms_control(w: Week) -> None:
    answers = [
        e.response
        for m in w.models
        for e in m.events
        if e.forum == "brussels" and e.kind == "offer" and e.party == "nato" and e.issue in ARMS
    ]
    assert answers, "NATO made no arms-control offers in Brussels"
    assert Response.ACCEPT not in answers
    assert answers.count(Response.DEFER) / len(answers) > 0.9  # "it needs time"


def nato_rejects_the_core_unanimously(w: Week) -> None:
    seen = 0
    for m in w.models:
        for e in m.events:
            if e.forum == "brussels" and e.party == "russia" and e.issue == "enlargement":
                seen += 1
                assert e.response == Response.REJECT
                assert e.reason.startswith("30 of 30")
    assert seen


def nothing_agreed_in_vienna(w: Week) -> None:
    vienna = [f.id for f in w.cp.forums].index("vienna") + 1
    for iid in w.cp.issues:
        assert not (w.frame[f"{iid}.agreed_in"] == vienna).any(), iid


CHECKS: dict[str, Callable[[Week], None]] = {
    f.__name__: f
    for f in (
        no_core_agreement,
        stalemate_most_frequent,
        open_door_consensus_holds,
        nato_moves_on_arms_control_in_brussels,
        russia_neither_accepts_nor_rejects_arms_control,
        nato_rejects_the_core_unanimously,
        nothing_agreed_in_vienna,
    )
}

_PLIANT_MOSCOW = ("actors.russia.linkage=[]", "actors.russia.concession={rule: conceder, beta: 3}")
_PLIANT_WEST = (
    "groups.nato.defaults.concession={rule: conceder, beta: 4}",
    "actors.united_states.concession={rule: conceder, beta: 4}",
)
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    # both sides ready to settle on a pause on accessions, under a close deadline
    "no_core_agreement": (
        "groups.nato.defaults.positions.enlargement.reservation=0.6",
        "groups.nato.defaults.positions.enlargement.limit=0.6",
        "actors.united_states.positions.enlargement.reservation=0.6",
        "actors.russia.positions.enlargement.reservation=0.4",
        *_PLIANT_MOSCOW,
        *_PLIANT_WEST,
        "rules.horizon=12",
    ),
    # coercion worth more to Moscow than anything it hopes for
    "stalemate_most_frequent": ("actors.russia.patience.outside_option={uniform: [0.4, 0.7]}",),
    # a pause acceptable to the alliance and a strong wedge on every ally
    "open_door_consensus_holds": (
        "groups.nato.defaults.positions.enlargement.limit=0.5",
        "actors.russia.wedge=0.6",
        "groups.nato.defaults.wedge_susceptibility=0.5",
        "groups.nato_new_members.defaults.wedge_susceptibility=0.4",
        "groups.western_europe.defaults.wedge_susceptibility=0.5",
        "groups.frontline_allies.defaults.wedge_susceptibility=0.3",
    ),
    # allies that hold out (a Boulware tactic) instead of taking the initiative
    "nato_moves_on_arms_control_in_brussels": (
        "groups.nato.defaults.concession={rule: boulware, beta: 0.05, reciprocity: 0}",
        "actors.united_states.concession={rule: boulware, beta: 0.05, reciprocity: 0}",
    ),
    # a Moscow that does not tie arms control to the core and concedes early
    "russia_neither_accepts_nor_rejects_arms_control": (*_PLIANT_MOSCOW, "rules.horizon=12"),
    # the older allies ready for a pause on accessions, a Moscow soon asking for no more
    "nato_rejects_the_core_unanimously": (
        "groups.western_europe.defaults.positions.enlargement={reservation: 0.5, limit: 0.5}",
        "actors.russia.positions.enlargement.reservation=0.4",
        *_PLIANT_MOSCOW,
        "rules.horizon=12",
    ),
    # the OSCE voting instead of deciding by consensus of all 57
    "nothing_agreed_in_vienna": ("forums.vienna.decision_rule=majority",),
}


@pytest.mark.parametrize("name", CHECKS)
def test_the_documented_week_holds(name: str) -> None:
    CHECKS[name](week())


@pytest.mark.parametrize("name", CHECKS)
def test_each_check_fails_under_a_plausible_alternative(name: str) -> None:
    """Not by construction: the same check, another plausible setting of the inputs, fails."""
    with pytest.raises(AssertionError):
        CHECKS[name](week(ALTERNATIVES[name]))


def test_walkouts_are_moscow_deciding_and_its_answer_to_the_offers() -> None:
    w = week()
    left = [m for m in w.models if m.state.broke[0]]
    assert left, "no walk-out among the transcripts: the decision is never in play"
    for m in left:
        (walkout,) = [e for e in m.events if e.kind == "walkout"]
        assert walkout.party == "russia" and "less than its outside option" in walkout.reason
        answers = [
            e
            for e in m.events
            if e.kind == "offer" and (e.forum, e.exchange) == (walkout.forum, walkout.exchange)
        ]
        assert {e.response for e in answers if e.responder == "russia"} == {Response.WALK_OUT}


def test_breakdown_comes_from_the_week_not_only_the_first_exchange() -> None:
    """Moscow came to the table: walk-outs spread over the week as its beliefs learn from
    the offers, rather than all at the first exchange of Geneva."""
    broke_in = week().frame["broke_in"].dropna()
    assert len(broke_in) > 50
    assert (broke_in > 1).mean() > 0.5
