"""Walking out as a decision (patience rule 'decision'): what staying is worth against the
outside option, invariant to how the calendar is cut into forums."""

from __future__ import annotations

import numpy as np
import pytest

from negsim.cli import main
from negsim.model import NegotiationModel
from negsim.rules import Response
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import MINI, SCENARIOS

RUNS = 3000
EXTRA = (
    "forums.extra={name: Extra, date: 2022-01-11, hours: 2, decision_rule: bilateral, "
    "parties: [poland, russia], agenda: [enlargement]}"
)  # a meeting of two red lines: it offers nothing new


def patience(rule: str, option: str = "{uniform: [0.3, 0.7]}", discount: float = 1.0) -> list:
    return [
        "rules.deadline=2022-02-15",
        "actors.russia.linkage.0.threshold=0",
        f"actors.russia.patience={{rule: {rule}, judged_on: [core, missiles], "
        + (
            f"outside_option: {option}, discount: {discount}}}"
            if rule == "decision"
            else "rounds: {uniform: [1, 5]}, progress_required: 0.0135}"
        ),
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
    low = breakdown(patience("decision", "{uniform: [0.3, 0.6]}"))
    high = breakdown(patience("decision", "{uniform: [0.4, 0.7]}"))
    impatient = breakdown(patience("decision", "{uniform: [0.3, 0.6]}", discount=0.99))
    assert high > low + 0.1
    assert impatient > low + 0.05


def test_the_transcript_says_why_it_walked_out() -> None:
    cp = compile_scenario(load_scenario(MINI, patience("decision", "0.95")))
    m = NegotiationModel(cp, 0, seed=1).run()
    (walkout,) = [e for e in m.events if e.kind == "walkout"]
    assert "less than its outside option 0.95" in walkout.line()
    assert m.state.broke[0]
    # leaving is its answer to the offers of the exchange it leaves in
    answers = [e for e in m.events if e.kind == "offer" and e.exchange == walkout.exchange]
    mine = [e.response for e in answers if e.responder == "russia"]
    assert mine and set(mine) == {Response.WALK_OUT}
    assert not [e for e in m.events if e.forum == walkout.forum and e.exchange > walkout.exchange]


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


@pytest.mark.parametrize(
    ("field", "low", "high", "sign"),
    [
        ("hope", 0.3, 0.9, -1),  # hoping for more from the other side: it stays longer
        ("expected_wait", 5, 120, +1),  # expecting the other side to take long: it leaves
        ("deadline_days", 10, 90, -1),  # more time left for the other side to move: it stays
    ],
)
def test_each_belief_moves_the_decision_its_own_way(field, low, high, sign) -> None:
    """The Gamma-Poisson belief's inputs each move the decision, in the direction the rule
    says (so none of them is decoration)."""
    base = patience("decision")
    at = [breakdown([*base, f"actors.russia.patience.{field}={v}"]) for v in (low, high)]
    assert sign * (at[1] - at[0]) > 0.05, at


def test_credited_progress_keeps_it_at_the_table() -> None:
    """Progress on the credited issues counts at its credit: with the other side conceding
    there, a higher credit means fewer walk-outs."""
    base = [*patience("decision"), "actors.russia.patience.judged_on=[core]",
            "actors.russia.patience.credited=[missiles]"]  # fmt: skip
    at = [breakdown([*base, f"actors.russia.patience.credit={v}"]) for v in (0.0, 1.0)]
    assert at[0] - at[1] > 0.05, at


LETTERS = {
    "one written phase": [
        "forums.replies={name: Written replies, date: 2022-01-26, format: written, days: 2, "
        "exchanges: 2, decision_rule: bilateral, parties: [united_states, russia], "
        "bound_by: {united_states: nato}}"
    ],
    "two letters": [
        f"forums.{fid}={{name: {name}, date: 2022-01-{day}, format: written, days: 1, "
        "exchanges: 1, decision_rule: bilateral, parties: [united_states, russia], "
        "bound_by: {united_states: nato}}"
        for fid, name, day in (("us_letter", "US letter", 26), ("nato_letter", "NATO letter", 27))
    ],
}


def test_the_baseline_is_invariant_to_how_the_calendar_is_cut() -> None:
    """The week and its written replies, cut into fewer or more forums: the same history as
    one written phase or as two letters, with or without an extra meeting that offers nothing
    new (Poland and Moscow on enlargement, two red lines), gives breakdown within 0.03."""
    baseline = SCENARIOS / "baseline.yaml"

    def share(overrides: list[str]) -> float:
        cp = compile_scenario(load_scenario(baseline, overrides))
        return float((run_many(cp, range(2000), 6).frame["outcome"] == "breakdown").mean())

    week = [share([]), share([EXTRA])]
    replies = [share(LETTERS["one written phase"]), share(LETTERS["two letters"])]
    replies.append(share([*LETTERS["two letters"], EXTRA]))
    assert 0.05 < week[0] < 0.5 and 0.05 < replies[0] < 0.95  # the decision is in play
    assert max(week) - min(week) <= 0.03
    assert max(replies) - min(replies) <= 0.03
