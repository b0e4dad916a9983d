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


def test_along_one_input_of_a_sweep_without_a_layout_gives_each_value() -> None:
    """A table with no layout is independent runs: each value of the input, Wilson intervals."""
    a = analysis.along(runs_table(), "design:x", ["breakdown", "missiles.agreed"])
    got = a.set_index(["left", "target"])["share"].to_dict()
    assert got == {
        (1.0, "breakdown"): 0.75,
        (1.0, "missiles.agreed"): 0.0,
        (2.0, "breakdown"): 0.0,
        (2.0, "missiles.agreed"): 0.25,
    }
    assert (a["n"] == 4).all() and (a["points"] == 2).all()
    row = a[(a["left"] == 1) & (a["target"] == "breakdown")].iloc[0]
    assert (row["lo"], row["hi"]) == pytest.approx(share_ci(3, 4))


def test_along_bins_a_continuous_input_by_design_points() -> None:
    frame = pd.DataFrame(
        {
            "point": range(100),
            "x": np.linspace(0, 1, 100),
            "outcome": ["breakdown"] * 50 + ["stalemate"] * 50,
        }
    )
    layout = data.Layout("latin_hypercube", ("x",), seed=1)
    a = analysis.along(frame, "x", ["breakdown"], layout)
    assert len(a) == analysis.BINS and a["points"].sum() == 100
    assert a["share"].iloc[0] == 1.0 and a["share"].iloc[-1] == 0.0
    assert a["left"].is_monotonic_increasing


def test_heatmap_has_one_cell_per_level_pair() -> None:
    h = analysis.heatmap(runs_table(), "design:x", "design:y", "breakdown")
    cells = h.set_index(["x", "y"])["share"].to_dict()
    assert cells == {(1.0, 0.1): 1.0, (1.0, 0.5): 0.5, (2.0, 0.1): 0.0, (2.0, 0.5): 0.0}
    assert (h["n"] == 2).all() and (h["points"] == 1).all()


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
    grid = frame.copy()
    grid.attrs["layout"] = data.Layout("grid", ("x", "y"), labels=("x", "y"))
    layout = grid.attrs["layout"]
    figures = [
        plots.outcome_probabilities(data.outcome_shares(frame), "t"),
        plots.outcomes_per_point(
            data.stacked_point_shares(grid, layout), ["x", "y"], ["x", "y"], "t"
        ),
        plots.holds_per_point(
            data.point_shares(grid, {"m": np.ones(8)}, layout), ["x", "y"], ["x", "y"], "t"
        ),
        plots.outcomes_along(analysis.along(grid, "design:x", None, layout), "x", "t"),
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


def grid_frame() -> pd.DataFrame:
    frame = runs_table()
    frame.attrs["layout"] = data.Layout("grid", ("x", "y"), labels=("the x", "the y"))
    return frame


def test_a_grids_outcome_plot_is_per_point_and_says_it_is_not_pooled() -> None:
    from negsim.figures.builtin import _outcome_plot

    fig = _outcome_plot(grid_frame(), "outcome", "g")
    title = fig.axes[0].get_title()
    assert "4 design points" in title and "not pooled" in title
    assert "probability" not in fig.axes[0].get_ylabel()
    assert len(fig.axes[0].patches) == 4 * 4  # a stacked bar (4 classes) per point


def test_a_sampled_designs_outcome_plot_names_its_bootstrap() -> None:
    from negsim.figures.builtin import _outcome_plot

    frame = runs_table()
    frame.attrs["layout"] = data.Layout("latin_hypercube", ("x", "y"))
    title = _outcome_plot(frame, "outcome", "s").axes[0].get_title()
    assert "bootstrap" in title and "Wilson" not in title


def test_whole_numbered_inputs_are_steps_and_the_histogram_says_it_is_stacked() -> None:
    frame = grid_frame()
    a = analysis.along(frame, "design:x", ["breakdown"])

    def styles(fig: Figure) -> set[str]:  # the share lines (markers), not the whiskers' caps
        return {ln.get_drawstyle() for ln in fig.axes[0].get_lines() if ln.get_marker() == "o"}

    assert styles(plots.outcomes_along(a, "x", "t", steps=True)) == {"steps-mid"}
    assert styles(plots.outcomes_along(a, "x", "t")) == {"default"}
    h = plots.histogram_by_outcome(data.by_outcome(frame, "bloc_spread"), "bloc_spread", "x", "t")
    assert "stacked" in h.axes[0].get_title() and "stacked" in h.axes[0].get_ylabel()
    assert "4 design points (grid) pooled" in h.axes[0].get_title()


def test_a_heatmaps_title_names_what_it_averages_over() -> None:
    h = analysis.heatmap(runs_table(), "design:x", "design:y", "breakdown")
    fig = plots.outcome_heatmap(h, "x", "y", "breakdown", "t", ["Russia's hope"])
    assert "averaged over Russia's hope" in fig.axes[0].get_title().replace("\n", " ")
