"""Walking out as a decision (patience rule 'decision'): what staying is worth against the
outside option, invariant to how the calendar is cut into forums."""

from __future__ import annotations

import numpy as np
import pytest

from negsim.cli import main
from negsim.model import NegotiationModel
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import MINI

RUNS = 3000
EXTRA = (
    "forums.extra={name: Extra, date: 2022-01-11, hours: 2, decision_rule: bilateral, "
    "parties: [poland, russia], agenda: [enlargement]}"
)  # a meeting of two red lines: it offers nothing new


def patience(rule: str, option: str = "{uniform: [0.05, 0.35]}", discount: float = 1.0) -> list:
    return [
        "rules.deadline=2022-02-15",
        "actors.russia.linkage.0.threshold=0",
        f"actors.russia.patience={{rule: {rule}, outside_option: {option}, discount: {discount},"
        " rounds: {uniform: [1, 5]}, progress_required: 0.0135, judged_on: [core, missiles]}",
    ]


def breakdown(overrides: list[str]) -> float:
    cp = compile_scenario(load_scenario(MINI, overrides))
    return float((run_many(cp, range(RUNS), 1).frame["outcome"] == "breakdown").mean())


def test_an_extra_meeting_that_offers_nothing_leaves_the_decision_unchanged() -> None:
    """The decision depends on what was offered and when, not on how many forums the calendar
    is cut into: breakdown within 0.03 with and without the extra meeting."""
    without, with_extra = breakdown(patience("decision")), breakdown([*patience("decision"), EXTRA])
    assert 0.2 < without < 0.9  # the decision is really in play
    assert abs(with_extra - without) <= 0.03


def test_the_count_of_rounds_is_not_invariant_so_the_test_above_can_fail() -> None:
    without, with_extra = breakdown(patience("rounds")), breakdown([*patience("rounds"), EXTRA])
    assert with_extra - without > 0.1  # one more round without progress is one more strike


def test_a_better_outside_option_and_a_costlier_wait_mean_more_walkouts() -> None:
    low = breakdown(patience("decision", "{uniform: [0.05, 0.25]}"))
    high = breakdown(patience("decision", "{uniform: [0.15, 0.35]}"))
    impatient = breakdown(patience("decision", "{uniform: [0.05, 0.25]}", discount=0.98))
    assert high > low + 0.1
    assert impatient > low + 0.05


def test_the_transcript_says_why_it_walked_out() -> None:
    cp = compile_scenario(load_scenario(MINI, patience("decision", "0.95")))
    m = NegotiationModel(cp, 0, seed=1).run()
    (walkout,) = [e for e in m.events if e.kind == "walkout"]
    assert "less than its outside option 0.95" in walkout.line()
    assert m.state.broke[0]


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("{rule: decision, judged_on: [core]}", "needs outside_option"),
        ("{rule: rounds, judged_on: [core]}", "needs rounds and progress_required"),
        ("{rule: decision, outside_option: 1.5, judged_on: [core]}", "outside the allowed range"),
    ],
)
def test_what_each_rule_needs_is_one_line(value: str, expect: str, capsys) -> None:
    assert main(["run", str(MINI), "--runs", "2", "--set", f"actors.russia.patience={value}"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expect in err


def test_no_outside_option_no_walkout() -> None:
    """An actor whose outside option is worse than any deal never leaves by decision."""
    cp = compile_scenario(load_scenario(MINI, patience("decision", "-1")))
    frame = run_many(cp, range(500), 2).frame
    assert not (frame["outcome"] == "breakdown").any()
    assert np.isfinite(frame["core_progress"]).all()
