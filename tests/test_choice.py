"""A discrete uncertainty, {choice: {values, p}}: a red line that may bend is one line."""

from __future__ import annotations

import numpy as np
import pytest

from negsim.cli import main
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario, inverse_cdf
from negsim.scenario.load import load_scenario

from .conftest import MINI

MISSILES = "actors.russia.positions.missiles.reservation"
BEND = f"{MISSILES}={{choice: {{values: [0.3, 0.9], p: [0.3, 0.7]}}}}"
OPEN = ["actors.russia.patience.rounds=50", "actors.russia.linkage.0.threshold=0"]


def test_draws_each_value_with_its_probability() -> None:
    cp = compile_scenario(load_scenario(MINI, [BEND]))
    leaf = next(x for x in cp.leaves if x.path == MISSILES)
    u = np.random.default_rng(0).random(20_000)
    x = inverse_cdf(leaf, u)
    assert set(np.unique(x)) == {0.3, 0.9}
    assert (x == 0.3).mean() == pytest.approx(0.3, abs=0.015)


def test_the_share_with_a_choice_is_the_mixture_of_the_fixed_runs() -> None:
    """Over the same runs, the model's shares with the choice (here: the missiles issue agreed,
    open or deadlocked) equal the p-weighted mixture of the two fixed settings, within sampling
    error."""
    n = 3000
    cp = compile_scenario(load_scenario(MINI, [BEND, *OPEN]))
    column = "missiles.status"
    mixed = run_many(cp, range(n), 3).frame[column].astype(str)
    parts = {}
    for v in (0.3, 0.9):
        fixed = compile_scenario(load_scenario(MINI, [f"{MISSILES}={v}", *OPEN]))
        parts[v] = run_many(fixed, range(n), 3).frame[column].astype(str)
    for outcome in ("agreed", "open", "deadlock"):
        want = 0.3 * (parts[0.3] == outcome).mean() + 0.7 * (parts[0.9] == outcome).mean()
        got = (mixed == outcome).mean()
        sd = np.sqrt(max(want * (1 - want), 1e-4) / n)
        assert abs(got - want) <= 4 * sd + 1e-9, outcome
    assert (parts[0.3] != parts[0.9]).any()  # the two settings really differ


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("{choice: {values: [0.3, 0.9], p: [0.5, 0.4]}}", "choice p must sum to 1, got 0.9"),
        ("{choice: {values: [0.3, 0.9], p: [1.0]}}", "p"),
        ("{choice: {values: [0.3, 1.4], p: [0.5, 0.5]}}", "1.4 is outside the allowed range"),
        ("{choice: {values: [0.3, 0.9], p: [1.5, -0.5]}}", "p"),
    ],
)
def test_a_bad_choice_is_one_line_naming_the_rule(value: str, expect: str, capsys) -> None:
    assert main(["validate", str(MINI)]) == 0
    capsys.readouterr()
    assert main(["run", str(MINI), "--runs", "2", "--set", f"{MISSILES}={value}"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expect in err and "Traceback" not in err
