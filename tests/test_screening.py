"""negsim screen: which uncertain inputs move the outcome, found by elementary effects."""

from __future__ import annotations

import pytest

from negsim.cli import main
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario
from negsim.screening import extremes, influential, morris, support

from .conftest import MINI, SCENARIOS


def test_finds_the_one_input_that_decides_the_mini_case() -> None:
    """Patience from 0 to 3 rounds turns breakdown into stalemate in every run; the rest of
    the mini case moves nothing (its core never progresses)."""
    cp = compile_scenario(load_scenario(MINI))
    table = extremes(cp, runs=100, seed=1)
    top = table.iloc[0]
    assert top["input"] == "actors.russia.patience.rounds"
    assert top["breakdown"] == pytest.approx(-1.0) and top["stalemate"] == pytest.approx(1.0)
    assert list(influential(table)["input"]) == ["actors.russia.patience.rounds"]


def test_ranks_several_inputs_of_the_eu_case_with_their_signs() -> None:
    cp = compile_scenario(load_scenario(SCENARIOS / "examples" / "eu_car_emissions.yaml"))
    table = extremes(cp, runs=150, seed=2).set_index("input")
    assert len(influential(table.reset_index())) >= 3
    assert table.loc["rules.horizon", "agreement"] < -0.2  # a later deadline: slower, no deal
    lax = "groups.lax.defaults.positions.delay.reservation"
    assert table.loc[lax, "agreement"] < -0.1  # the late camp conceding less blocks more


def test_the_range_screened_is_the_documented_one() -> None:
    cp = compile_scenario(load_scenario(MINI))
    leaf = next(x for x in cp.leaves if x.path == "actors.russia.patience.rounds")
    assert support(leaf) == (0.0, 3.0)  # triangular [0, 1, 3]


def test_the_command_prints_the_ranking_and_the_count(capsys, tmp_path) -> None:
    out = tmp_path / "screen.csv"
    assert (
        main(["screen", str(MINI), "--method", "extremes", "--runs", "50", "--out", str(out)]) == 0
    )
    text = capsys.readouterr().out
    assert text.index("actors.russia.patience.rounds") < text.index("(no effect)")
    assert (
        "1 of 4 uncertain inputs move some outcome share by 0.02 or more; 3 move none at all"
        in text
    )
    assert out.read_text().startswith("input,low,high,agreement")


def test_morris_finds_the_one_input_that_decides_the_mini_case() -> None:
    """SALib's Morris design over the mini case: patience alone has effects, the rest none."""
    cp = compile_scenario(load_scenario(MINI))
    table = morris(cp, trajectories=30, seed=1)
    assert table.iloc[0]["input"] == "actors.russia.patience.rounds"
    assert table.iloc[0]["breakdown"] > 0.5
    assert list(influential(table)["input"]) == ["actors.russia.patience.rounds"]
    assert (table.iloc[1:]["effect"] == 0).all()


def test_the_baseline_answers_with_more_than_its_prior() -> None:
    """The week's outcome depends on many documented-uncertain judgements, none alone."""
    cp = compile_scenario(load_scenario(SCENARIOS / "baseline.yaml"))
    table = morris(cp, trajectories=60, seed=0)
    moving = influential(table)
    assert len(moving) >= 10
    top = table["breakdown"].nlargest(2).to_numpy()
    assert top[1] > 0.4 * top[0]  # the second input is of the same order as the first


def test_the_morris_command_prints_ranks_and_draws_them(capsys, tmp_path) -> None:
    plot = tmp_path / "screen.png"
    assert main(["screen", str(MINI), "--trajectories", "10", "--plot", str(plot)]) == 0
    text = capsys.readouterr().out
    assert "Morris elementary effects over 50 runs" in text
    assert text.index("actors.russia.patience.rounds") < text.index("(no effect)")
    assert plot.stat().st_size > 10_000
