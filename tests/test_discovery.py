"""PRIM finds the box an outcome lives in, on data where the answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from negsim.experiments.discovery import describe, discover, prim


def synthetic(n: int = 4000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    x = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "noise": rng.random(n)})
    y = (x["a"] < 0.3) & (x["b"] > 0.6)
    return x, y.to_numpy()


def test_prim_recovers_the_box_and_leaves_noise_alone() -> None:
    x, y = synthetic()
    result = prim(x, y, alpha=0.05, min_support=0.02, focus="hit")
    box = result.pick(min_coverage=0.8)
    assert set(box.limits) == {"a", "b"}
    assert box.limits["a"][1] == pytest.approx(0.3, abs=0.03)
    assert box.limits["b"][0] == pytest.approx(0.6, abs=0.03)
    assert box.density > 0.9 and box.coverage >= 0.8


def test_peeling_trades_coverage_for_density() -> None:
    x, y = synthetic()
    traj = prim(x, y).trajectory()
    assert traj.loc[0, "coverage"] == 1 and traj.loc[0, "density"] == pytest.approx(y.mean())
    assert traj["support"].is_monotonic_decreasing
    assert traj["coverage"].is_monotonic_decreasing
    assert traj["density"].iloc[-1] > 0.9
    assert (traj["n"] == (traj["support"] * len(y)).round()).all()


def test_a_grid_with_ties_is_peeled_one_level_at_a_time() -> None:
    level = np.repeat([1.0, 2.0, 3.0, 4.0], 50)
    y = level == 1.0
    result = prim(pd.DataFrame({"patience": level}), y)
    best = result.pick(min_coverage=1.0)
    assert best.limits == {"patience": (1.0, 1.0)} and best.density == 1.0


def test_nothing_to_explain() -> None:
    x, _ = synthetic(200)
    result = prim(x, np.zeros(200, dtype=bool), focus="agreement")
    assert len(result.boxes) == 1
    assert "nothing to explain" in describe(result)


def test_discover_reads_sampled_inputs_of_a_run_table() -> None:
    x, y = synthetic(1000)
    frame = x.add_prefix("in:").assign(
        outcome=np.where(y, "breakdown", "stalemate"), point=range(1000)
    )
    result = discover(frame, "breakdown")
    assert result.hits == int(y.sum())
    text = describe(result, result.pick(0.8))
    assert "coverage" in text and "density" in text
    assert "  a " in text and "noise" not in text
