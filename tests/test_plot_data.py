"""The numbers the plots show follow the design: on small hand-made tables, a grid is shown per
design point (never pooled), a sampled design's pooled share carries a bootstrap over its points
or Saltelli blocks (never a Wilson band), along-input bins count design points, heatmaps name
what they average over."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from negsim.experiments import analysis
from negsim.figures import data
from negsim.figures.data import Layout, share_ci

CATS = ["agreement", "partial", "stalemate", "breakdown"]
GRID = Layout("grid", ("x", "y"), seed=1, labels=("the x", "the y"))


def grid_table() -> pd.DataFrame:
    """A 2 x 2 grid, 4 replications a point: breakdown 4, 2, 0, 1 of 4 (one run failed at
    point 3, so its share is 1 of 3); consensus on missiles held in 3, 4, 2, 0 of 4."""
    outcome = ["breakdown"] * 4 + ["breakdown"] * 2 + ["stalemate"] * 2
    outcome += ["stalemate"] * 3 + ["partial"] + ["breakdown"] + ["stalemate"] * 3
    frame = pd.DataFrame(
        {
            "point": np.repeat([0, 1, 2, 3], 4),
            "design:x": np.repeat([1.0, 1.0, 2.0, 2.0], 4),
            "design:y": np.repeat([0.1, 0.5, 0.1, 0.5], 4),
            "outcome": pd.Categorical(outcome, CATS),
            "missiles.status": ["deadlock"] * 11 + ["agreed"] + ["deadlock"] * 4,
            "missiles.holds": [1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0.0],
            "error": [""] * 15 + ["boom"],
        }
    )
    frame.attrs["layout"] = GRID
    return frame


def sobol_table(d: int = 2, blocks: int = 4, reps: int = 25) -> pd.DataFrame:
    """Saltelli blocks of d + 2 points, every run of a block alike (breakdown in blocks 0 and
    1, stalemate in 2 and 3): pooled share 0.5 over 400 runs that are only 4 independent units."""
    points = blocks * (d + 2)
    point = np.repeat(np.arange(points), reps)
    block = point // (d + 2)
    return pd.DataFrame(
        {
            "point": point,
            "design:a": np.repeat(np.linspace(0, 1, points), reps),
            "design:b": np.repeat(np.linspace(1, 0, points), reps),
            "outcome": pd.Categorical(np.where(block < 2, "breakdown", "stalemate"), CATS),
        }
    )


def test_a_grid_is_never_pooled_into_one_share() -> None:
    frame = grid_table()
    with pytest.raises(ValueError, match="per design point"):
        data.outcome_shares(frame)
    with pytest.raises(ValueError, match="per design point"):
        data.holds_shares(frame)
    assert GRID.grid(frame) and not GRID.independent(frame)


def test_a_grid_gives_each_point_its_own_share_and_wilson_interval() -> None:
    s = data.point_shares(grid_table(), data.outcome_hits(grid_table()), GRID)
    b = s[s["target"] == "breakdown"].set_index("point")
    assert b["k"].tolist() == [4, 2, 0, 1] and b["n"].tolist() == [4, 4, 4, 3]
    assert b["share"].tolist() == pytest.approx([1.0, 0.5, 0.0, 1 / 3])
    assert (b.loc[3, "lo"], b.loc[3, "hi"]) == pytest.approx(share_ci(1, 3))  # 3 runs, not 15
    assert b["design:x"].tolist() == [1.0, 1.0, 2.0, 2.0]
    held = data.point_shares(grid_table(), data.holds_hits(grid_table()), GRID)
    assert held["share"].tolist() == pytest.approx([3 / 4, 1.0, 2 / 4, 0.0])
    assert held["n"].tolist() == [4, 4, 4, 3]


def test_stacked_bars_give_each_boundary_its_own_interval() -> None:
    s = data.stacked_point_shares(grid_table(), GRID)
    p1 = s[s["point"] == 1].set_index("outcome")
    assert p1["bottom"].tolist() == pytest.approx([0.0, 0.0, 0.0, 0.5])
    assert p1["top"].tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0])
    assert (p1.loc["stalemate", "lo"], p1.loc["stalemate", "hi"]) == pytest.approx(share_ci(2, 4))
    p2 = s[s["point"] == 2].set_index("outcome")
    assert p2.loc["partial", "top"] == 0.25  # 1 partial of 4, on no agreement
    assert (p2.loc["partial", "lo"], p2.loc["partial", "hi"]) == pytest.approx(share_ci(1, 4))
    assert p2.loc["stalemate", "top"] == pytest.approx(1.0)


def test_a_sampled_design_pools_with_a_bootstrap_over_its_blocks_not_wilson() -> None:
    frame = sobol_table()
    layout = Layout("sobol", ("a", "b"), seed=3)
    assert np.unique(layout.clusters(frame)).tolist() == [0, 1, 2, 3]
    s = data.outcome_shares(frame, layout).set_index("outcome")
    assert s.loc["breakdown", "share"] == 0.5 and s.loc["breakdown", "n"] == 400
    wilson = share_ci(200, 400)  # about [0.45, 0.55]: 400 runs taken as independent
    lo, hi = s.loc["breakdown", "lo"], s.loc["breakdown", "hi"]
    assert lo <= 0.25 and hi >= 0.75  # 4 blocks: the share could as well be 1/4 or 3/4
    assert lo < wilson[0] - 0.15
    again = data.outcome_shares(frame, layout).set_index("outcome")
    assert (again.loc["breakdown", "lo"], again.loc["breakdown", "hi"]) == (lo, hi)  # seeded
    assert "bootstrap" in data.interval_note(frame, layout)
    assert "4 Saltelli blocks" in data.interval_note(frame, layout)
    assert "Wilson" in data.interval_note(frame, Layout())


def test_the_bootstrap_unit_is_the_block_the_trajectory_or_the_point() -> None:
    frame = pd.DataFrame({"point": np.arange(12)})
    assert Layout("sobol", ("a", "b")).clusters(frame).tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert (
        Layout("morris", ("a", "b")).clusters(frame).tolist()
        == np.arange(12).__floordiv__(3).tolist()
    )
    assert Layout("latin_hypercube", ("a",)).clusters(frame).tolist() == list(range(12))
    rng = np.random.default_rng(0)
    assert np.isnan(data.bootstrap_ci(np.ones(5), np.zeros(5), rng)).all()  # one unit: none


def test_independent_runs_keep_wilson() -> None:
    frame = sobol_table().drop(columns="point")
    s = data.outcome_shares(frame).set_index("outcome")  # no layout: negsim run's draws
    assert (s.loc["breakdown", "lo"], s.loc["breakdown", "hi"]) == pytest.approx(share_ci(200, 400))


def test_along_a_grid_input_is_per_point_one_series_per_other_level() -> None:
    a = analysis.along(grid_table(), "design:x", ["breakdown"], GRID)
    got = a.set_index(["level", "series"])["share"].to_dict()
    assert got == pytest.approx(
        {(1.0, "0.1"): 1.0, (1.0, "0.5"): 0.5, (2.0, "0.1"): 0.0, (2.0, "0.5"): 1 / 3}
    )
    assert a["n"].tolist() == [4, 4, 4, 3]  # never the 8 runs of a level pooled over y
    assert a.attrs["series"] == "the y"
    row = a[(a["level"] == 1.0) & (a["series"] == "0.5")].iloc[0]
    assert (row["lo"], row["hi"]) == pytest.approx(share_ci(2, 4))


def test_along_a_sampled_input_bins_design_points_with_counts_and_intervals() -> None:
    frame = sobol_table()  # 16 points, a from 0 to 1
    layout = Layout("sobol", ("a", "b"), seed=3)
    a = analysis.along_bins(frame, "design:a", ["breakdown"], layout, bins=4)
    assert a["points"].tolist() == [4, 4, 4, 4]  # points, not runs
    assert a["n"].tolist() == [100] * 4
    assert a["left"].iloc[0] == 0.0 and a["right"].iloc[-1] == 1.0
    assert (a["right"].iloc[:-1].to_numpy() == a["left"].iloc[1:].to_numpy()).all()
    assert a["share"].tolist() == [1.0, 1.0, 0.0, 0.0]
    mixed = analysis.along_bins(frame, "design:a", ["breakdown"], layout, bins=1)
    assert mixed["share"].iloc[0] == 0.5
    assert mixed["lo"].iloc[0] < share_ci(200, 400)[0] - 0.15  # the blocks, not Wilson


def test_along_an_input_with_few_values_gives_each_value() -> None:
    frame = sobol_table(blocks=6)
    frame["design:a"] = np.where(frame["point"] % 2 == 0, 0.0, 1.0)  # Morris-like levels
    a = analysis.along_bins(frame, "design:a", ["breakdown"], Layout("morris", ("a", "b")))
    assert a["left"].tolist() == [0.0, 1.0] and (a["left"] == a["right"]).all()
    assert a["points"].tolist() == [12, 12]


def test_a_heatmap_says_what_it_averages_over() -> None:
    h = analysis.heatmap(grid_table(), "design:x", "design:y", "breakdown", GRID)
    assert h.attrs["over"] == [] and h.attrs["binned"] == []
    cells = h.set_index(["x", "y"])["share"].to_dict()
    assert cells == pytest.approx({(1, 0.1): 1.0, (1, 0.5): 0.5, (2, 0.1): 0.0, (2, 0.5): 1 / 3})
    three = Layout("grid", ("x", "y", "z"))
    frame = grid_table().assign(**{"design:z": 0.0})
    assert analysis.heatmap(frame, "design:x", "design:y", "breakdown", three).attrs["over"] == [
        "z"
    ]
    wide = sobol_table(blocks=8)
    h = analysis.heatmap(wide, "design:a", "design:b", "breakdown", Layout("sobol", ("a", "b")))
    assert h.attrs["binned"] == ["x", "y"] and h["points"].sum() >= 32


def test_whole_numbered_inputs_are_told_apart() -> None:
    assert analysis.whole_numbered(pd.Series([1.0, 2.0, 3.0]))
    assert analysis.whole_numbered(np.array([14.0, 30.0, 45.0]))
    assert not analysis.whole_numbered(pd.Series([0.0, 1.0]))  # a 0/1 pair is no count
    assert not analysis.whole_numbered(pd.Series([0.5, 1.0, 3.0]))


def test_distributions_say_how_many_design_points_they_pool() -> None:
    frame = grid_table().assign(bloc_spread=0.1)
    assert (
        data.by_outcome(frame, "bloc_spread").attrs["pooled"] == "all 4 design points (grid) pooled"
    )
    assert data.by_outcome(frame.drop(columns="point"), "bloc_spread").attrs["pooled"] == ""


@pytest.mark.parametrize("n", [1, 3, 7, 40, 123, 1000])
def test_a_wilson_interval_holds_its_share_exactly_at_the_ends(n) -> None:
    """At k = 0 (or n) the bounds meet the share up to round-off (4e-19 above 0 at n = 40):
    they must be exactly 0 (or 1), or an error bar below a share of 0 is negative and
    matplotlib refuses to draw it."""
    for k in range(n + 1):
        lo, hi = share_ci(k, n)
        assert lo <= k / n <= hi
    assert share_ci(0, n)[0] == 0.0 and share_ci(n, n)[1] == 1.0


def test_the_sweep_overview_follows_the_design_too(capsys) -> None:
    """`negsim sweep`'s printed lines: a grid's lowest and highest point share (breakdown 0 to
    1 over the four points; never one pooled share), a Sobol design's pooled share with the
    bootstrap over its blocks (as wide as the plots'), independent runs with Wilson."""
    from negsim.experiments.sweep import overview, print_overview

    rows, what = overview(grid_table(), GRID)
    got = rows.set_index("outcome")
    assert (got.loc["breakdown", "min"], got.loc["breakdown", "max"]) == (0.0, 1.0)
    assert got.loc["partial", "max"] == 0.25 and "4 design points" in what
    sobol = Layout("sobol", ("a", "b"), seed=3)
    rows, what = overview(sobol_table(), sobol)
    b = rows.set_index("outcome").loc["breakdown"]
    assert b["share"] == 0.5 and b["lo"] <= 0.25 and b["hi"] >= 0.75 and "bootstrap" in what
    print_overview(grid_table(), "g", GRID)
    text = capsys.readouterr().out
    assert "breakdown   0.000 - 1.000" in text and "[" not in text
