"""The data behind each plot, on small hand-checkable tables; plots draw without pyplot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from negsim import plots
from negsim.experiments import analysis
from negsim.figures import data
from negsim.figures.data import share_ci


def runs_table() -> pd.DataFrame:
    """8 runs at 2 levels of x and y: breakdown in 3 runs, all where x = 1."""
    outcome = ["breakdown", "breakdown", "breakdown", "stalemate"] + ["stalemate"] * 3 + ["partial"]
    return pd.DataFrame(
        {
            "point": [0, 0, 1, 1, 2, 2, 3, 3],
            "run": range(8),
            "design:x": [1.0, 1, 1, 1, 2, 2, 2, 2],
            "design:y": [0.1, 0.1, 0.5, 0.5, 0.1, 0.1, 0.5, 0.5],
            "outcome": pd.Categorical(outcome, ["agreement", "partial", "stalemate", "breakdown"]),
            "missiles.status": ["deadlock"] * 7 + ["agreed"],
            "missiles.value": [np.nan] * 7 + [0.4],
            "missiles.gap": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.0],
            "bloc_spread": np.linspace(0.0, 0.07, 8),
        }
    )


def test_outcome_shares_count_runs_and_use_wilson_intervals() -> None:
    s = data.outcome_shares(runs_table()).set_index("outcome")
    assert s["k"].to_dict() == {"agreement": 0, "partial": 1, "stalemate": 4, "breakdown": 3}
    assert (s["n"] == 8).all()
    assert s.loc["breakdown", "share"] == pytest.approx(3 / 8)
    assert (s.loc["breakdown", "lo"], s.loc["breakdown", "hi"]) == pytest.approx(share_ci(3, 8))
    assert s.loc["agreement", "lo"] == 0


def test_along_one_input_gives_shares_per_level() -> None:
    a = analysis.along(runs_table(), "design:x", ["breakdown", "missiles.agreed"])
    got = a.set_index(["level", "target"])["share"].to_dict()
    assert got == {
        (1.0, "breakdown"): 0.75,
        (1.0, "missiles.agreed"): 0.0,
        (2.0, "breakdown"): 0.0,
        (2.0, "missiles.agreed"): 0.25,
    }
    assert (a["n"] == 4).all()
    row = a[(a["level"] == 1) & (a["target"] == "breakdown")].iloc[0]
    assert (row["lo"], row["hi"]) == pytest.approx(share_ci(3, 4))


def test_along_bins_a_continuous_input() -> None:
    frame = pd.DataFrame(
        {"x": np.linspace(0, 1, 100), "outcome": ["breakdown"] * 50 + ["stalemate"] * 50}
    )
    a = analysis.along(frame, "x", ["breakdown"])
    assert len(a) == 10 and (a["n"] == 10).all()
    assert a["share"].tolist() == [1.0] * 5 + [0.0] * 5
    assert a["level"].is_monotonic_increasing


def test_heatmap_has_one_cell_per_level_pair() -> None:
    h = analysis.heatmap(runs_table(), "design:x", "design:y", "breakdown")
    cells = h.set_index(["x", "y"])["share"].to_dict()
    assert cells == {(1.0, 0.1): 1.0, (1.0, 0.5): 0.5, (2.0, 0.1): 0.0, (2.0, 0.5): 0.0}
    assert (h["n"] == 2).all()


def test_fan_quantiles_skip_runs_that_left_the_table() -> None:
    traj = pd.DataFrame(
        {
            "run": range(5),
            **{f"traj:a:{s}:m": [0.0, 0.25, 0.5, 0.75, 1.0] for s in ("focal", "lead", "bloc")},
            **{f"traj:b:{s}:m": [0.2, 0.4, np.nan, np.nan, 1.0] for s in ("focal", "lead", "bloc")},
        }
    )
    q = analysis.fan_quantiles(traj, ["a", "b"], "m", q=(0.0, 0.5, 1.0))
    first = q[(q["forum"] == "a") & (q["side"] == "focal")].iloc[0]
    assert (first["n"], first["q00"], first["q50"], first["q100"]) == (5, 0.0, 0.5, 1.0)
    second = q[(q["forum"] == "b") & (q["side"] == "bloc")].iloc[0]
    assert (second["n"], second["q50"], second["step"]) == (3, 0.4, 1)


def test_point_summary_and_issue_distributions() -> None:
    s = analysis.point_summary(runs_table(), ["x", "y"])
    assert s["point"].tolist() == [0, 1, 2, 3]
    assert s["breakdown"].tolist() == [1.0, 0.5, 0.0, 0.0]
    assert s["missiles.agreed"].tolist() == [0, 0, 0, 0.5]
    assert s["design:y"].tolist() == [0.1, 0.5, 0.1, 0.5]
    d = data.issue_distributions(runs_table())
    assert len(d[d["measure"] == "gap"]) == 8
    assert d.loc[d["measure"] == "agreed value", "value"].tolist() == [0.4]


def test_every_plot_returns_a_figure_and_leaves_pyplot_alone() -> None:
    import matplotlib.pyplot as plt

    frame = runs_table()
    traj = pd.DataFrame({f"traj:a:{s}:m": [0.1, 0.2, 0.3] for s in ("focal", "lead", "bloc")})
    q = analysis.fan_quantiles(traj, ["a"], "m")
    prim_traj = pd.DataFrame(
        {"step": [0, 1], "coverage": [1.0, 0.8], "density": [0.4, 0.9], "restricted": [0, 1]}
    )
    sobol = pd.DataFrame(
        {
            "parameter": ["x", "y"],
            "S1": [0.7, 0.1],
            "S1_conf": [0.05, 0.05],
            "ST": [0.8, 0.2],
            "ST_conf": [0.05, 0.05],
        }
    )
    dist = data.issue_distributions(frame)
    figures = [
        plots.outcome_probabilities(data.outcome_shares(frame), "t"),
        plots.gap_distributions(dist, "t"),
        plots.agreed_values(dist, "t"),
        plots.outcomes_along(analysis.along(frame, "design:x"), "x", "t"),
        plots.outcome_heatmap(
            analysis.heatmap(frame, "design:x", "design:y", "breakdown"), "x", "y", "b", "t"
        ),
        plots.fan_chart(q, ["A"], {"russia": "Russia"}, "m"),
        plots.histogram_by_outcome(data.by_outcome(frame, "bloc_spread"), "bloc_spread", "x", "t"),
        plots.sensitivity_bars(sobol, "sobol", {}, "t"),
        plots.prim_trajectory(prim_traj, 1, "breakdown", "t"),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    assert plt.get_fignums() == []
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.outcome_probabilities(data.outcome_shares(frame), "t", ax=ax) is fig
    assert ax.get_ylabel() == "probability (share of runs)"
    assert "n = 8 runs" in ax.get_title()


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 2), (3, 8), (0, 1000), (1000, 1000), (121, 1000)])
def test_the_wilson_interval_is_scipys(k: int, n: int) -> None:
    """The closed form in share_ci gives the same interval as SciPy's Wilson method."""
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert share_ci(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12)
