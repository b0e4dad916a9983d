"""PRIM finds the box an outcome lives in, on data where the answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import negsim.ema
import negsim.workbench
from negsim.experiments.discovery import (
    analyse,
    analyse_runs,
    describe,
    design_inputs,
    discover,
    limits_table,
    prim,
    report,
)
from negsim.experiments.discovery_plot import prim_figure


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


def test_without_the_workbench_negsims_prim_answers(monkeypatch) -> None:
    monkeypatch.setattr(negsim.workbench, "available", lambda: False)
    x, y = synthetic(2000)
    found = analyse(x, y, "hit", min_coverage=0.8)
    assert found.engine == "negsim" and found.qp == {} and found.cart is None
    assert set(found.box.limits) == {"a", "b"}
    assert "need the EMA Workbench" in report(found)


@pytest.mark.skipif(not negsim.ema.available(), reason="needs the ema extra")
def test_the_workbench_pastes_and_gives_quasi_p_cart_and_scores() -> None:
    x, y = synthetic(2000)
    found = analyse(x, y, "hit", min_coverage=0.8)
    assert found.engine.startswith("EMA Workbench")
    assert set(found.box.limits) == {"a", "b"}
    assert found.box.limits["a"][1] == pytest.approx(0.3, abs=0.03)
    assert found.qp["a"][0] is None and found.qp["a"][1] < 1e-3  # only its top was cut
    assert found.cart is not None and found.cart.density > 0.9
    assert found.scores is not None and set(found.scores.index[:2]) == {"a", "b"}


def test_discovery_keeps_to_the_designs_inputs() -> None:
    x, y = synthetic(1000)
    frame = x.add_prefix("in:").assign(
        **{"design:a": x["a"], "design:b": x["b"], "design:one": 1.0},
        outcome=np.where(y, "breakdown", "stalemate"),
    )
    assert list(design_inputs(frame).columns) == ["a", "b"]  # not noise, not a constant
    assert list(design_inputs(frame.drop(columns=["design:a", "design:b"])).columns) == [
        "a", "b", "noise",
    ]  # fmt: skip
    found = analyse_runs(frame, "breakdown", min_coverage=0.8)
    assert "noise" not in found.prim.boxes[0].full and set(found.box.limits) <= {"a", "b"}


def test_the_figure_shows_the_trajectory_and_the_box_limits(monkeypatch) -> None:
    monkeypatch.setattr(negsim.workbench, "available", lambda: False)
    x, y = synthetic(2000)
    found = analyse(x, y, "hit", min_coverage=0.8)
    table = limits_table(found).set_index("input")
    lo, hi = found.box.limits["a"]
    flo, fhi = found.box.full["a"]
    assert table.loc["a", "high_frac"] == pytest.approx((hi - flo) / (fhi - flo))
    assert table.loc["b", "low_frac"] == pytest.approx(0.6, abs=0.04)
    fig = prim_figure(found, "synthetic")
    left, right = fig.axes[0], fig.axes[1]
    assert len(left.collections[0].get_offsets()) == len(found.prim.boxes)
    texts = " ".join(t.get_text() for t in right.texts)
    assert f"[{lo:.3g}, {hi:.3g}]" in texts
    assert {t.get_text() for t in right.get_yticklabels()} == {"a", "b"}
