"""The dynamics give the same runs at B = 1 (the Mesa model, one run at a time) as at B = many
(the batch engine, in chunks of 7): one implementation, driven two ways."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import MINI, SCENARIOS
from .strategies import compiled_scenarios


def assert_same(cp, runs, seed, fixed=None) -> None:
    a = run_many(cp, runs, seed, engine="batch", chunk=7, fixed=fixed)
    b = run_many(cp, runs, seed, engine="agent", fixed=fixed)
    assert (a.summary["outcome"] == b.summary["outcome"]).all()
    assert (a.summary["status"] == b.summary["status"]).all()
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=False, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        a.summary["trajectory"], b.summary["trajectory"], rtol=0, atol=1e-9, equal_nan=True
    )


@settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(cp=compiled_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_same_results_on_generated_scenarios(cp, seed) -> None:
    assert_same(cp, range(12), seed)


@pytest.mark.parametrize("path", [*sorted(SCENARIOS.glob("*.yaml")), MINI], ids=lambda p: p.stem)
def test_same_results_on_every_shipped_scenario(path) -> None:
    cp = compile_scenario(load_scenario(path))
    assert_same(cp, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 250, 999], seed=42)


def test_same_results_with_design_fixed_inputs() -> None:
    cp = compile_scenario(load_scenario(MINI))
    assert_same(cp, range(15), 8, fixed={"actors.russia.patience.rounds": np.linspace(0, 3, 15)})


def test_engine_is_named_in_results() -> None:
    cp = compile_scenario(load_scenario(MINI))
    assert run_many(cp, range(2), 0).engine == "batch"
    with pytest.raises(ValueError, match="unknown engine"):
        run_many(cp, range(2), 0, engine="gpu")
