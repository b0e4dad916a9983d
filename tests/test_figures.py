"""The figure registry: every entry keeps its contract, and a new figure is one entry.

The contract: a figure's array has the shape it declares for a batch and a dtype its declared
one holds, a run that raised gets its missing value, and its columns stand in the result table
in registry order. A figure registered here, and nowhere else, reaches the table, the failed
runs, the recordable names, the sweep's drop filter, the point summary and the text report.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negsim import dynamics, figures
from negsim.errors import NegsimError
from negsim.experiments import analysis, run_experiment
from negsim.experiments.spec import Experiment, read_experiment
from negsim.figures import Figure, Plot, Report
from negsim.report import summary_text
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario

from .conftest import MINI
from .test_experiments import write_exp

BATCH = 7
EVERY = tuple(figures.recordable())  # the figures on demand too: the contracts hold for all


@pytest.fixture(scope="module")
def cp():
    return compile_scenario(load_scenario(MINI))


@pytest.fixture(scope="module")
def batch(cp):
    """(params, end state, summary) of a small batch of the mini scenario."""
    _, params = draw(cp, np.arange(BATCH), 5, {})
    st = dynamics.simulate(cp, params)
    return params, st, figures.summarize(cp, params, st, EVERY)


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_each_figure_has_its_declared_shape_and_dtype(name, cp, batch) -> None:
    fig = figures.FIGURES[name]
    got = batch[2][name]
    assert got.shape == (BATCH, *fig.shape(cp))
    assert np.can_cast(got.dtype, fig.dtype, "safe"), (got.dtype, fig.dtype)


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_a_failed_run_gets_each_figures_missing_value(name, cp) -> None:
    fig = figures.FIGURES[name]
    got = figures.failed_summary(cp, 3, EVERY)[name]
    assert got.shape == (3, *fig.shape(cp)) and got.dtype == fig.dtype
    np.testing.assert_array_equal(got, np.full(got.shape, fig.missing))  # NaN equals NaN here


def test_failed_summary_has_the_keys_of_summarize(cp, batch) -> None:
    assert list(figures.failed_summary(cp, 1, EVERY)) == list(batch[2])
    assert list(figures.failed_summary(cp, 1)) == list(figures.summarize(cp, *batch[:2]))


def test_a_figure_on_demand_is_computed_only_where_a_record_names_it(cp, batch) -> None:
    """The expected-utility forecast costs several runs' worth: a plain batch and a sweep
    that says nothing skip it; a record that names it gets its columns."""
    costly = [f for f in figures.FIGURES.values() if f.on_demand]
    assert [f.name for f in costly] == ["forecast_eu"]
    plain = figures.summarize(cp, *batch[:2])
    assert "forecast_eu" not in plain and set(plain) | {"forecast_eu"} == set(batch[2])
    assert "forecast_eu" not in figures.default_record()
    assert set(figures.default_record()) | {"forecast_eu"} == set(figures.recordable())
    frame = figures.table(cp, plain, np.arange(BATCH))
    assert not any(c.endswith(".forecast_eu") for c in frame.columns)
    asked = run_many(cp, range(BATCH), 5, extra=("forecast_eu",)).frame
    want = figures.FIGURES["forecast_eu"].compute(cp, batch[0], batch[1])
    np.testing.assert_array_equal(asked[[f"{i}.forecast_eu" for i in cp.issues]], want)


def test_table_columns_follow_the_registry(cp, batch) -> None:
    """run, the run figures, each issue's figures, the inputs, error: the order of old."""
    samples = np.zeros((BATCH, len(cp.leaves)))
    frame = figures.table(cp, batch[2], np.arange(BATCH), samples)
    expect = ["run", *(f.column for f in figures.of("run"))]
    expect += [f.column_at(i) for i in cp.issues for f in figures.of("issue")]
    expect += [f"in:{leaf.path}" for leaf in cp.leaves] + ["error"]
    assert list(frame.columns) == expect
    for fig in figures.FIGURES.values():
        cols = fig.columns(cp.issues)
        assert [c for c in frame.columns if c in cols] == cols
    assert list(frame.columns[:6]) == [
        "run",
        "outcome",
        "rounds_completed",
        "core_progress",
        "bloc_spread",
        "focal_utility",
    ]
    first = cp.issues[0]
    assert [c for c in frame.columns if c.startswith(f"{first}.")] == [
        f"{first}.{k}"
        for k in (
            "status",
            "value",
            "gap",
            "forecast_mean",
            "forecast_median",
            "forecast_eu",
            "agreed_in",
            "agreed_at",
            "blocked_by",
            "holds",
        )
    ]


def test_failed_rows_are_missing_in_every_figure_column(cp) -> None:
    frame = figures.table(cp, figures.failed_summary(cp, 2, EVERY), np.arange(2), errors=["x", "y"])
    figure_cols = [c for f in figures.FIGURES.values() for c in f.columns(cp.issues)]
    assert frame[figure_cols].isna().all().all()


def test_recordable_names_keep_exactly_their_figures_columns(cp, batch) -> None:
    assert figures.recordable() == (
        "rounds_completed",
        "core_progress",
        "bloc_spread",
        "focal_utility",
        "broke_in",
        "status",
        "value",
        "gap",
        "forecasts",
        "forecast_eu",
        "agreed_in",
        "agreed_at",
        "blocked_by",
        "holds",
        "inputs",
        "trajectory",
    )
    frame = figures.table(cp, batch[2], np.arange(BATCH), np.zeros((BATCH, len(cp.leaves))))
    always = [c for c in frame.columns if figures.recorded(c, ())]
    assert always == ["run", "outcome", "error"]
    for name in figures.recordable():
        kept = [c for c in frame.columns if figures.recorded(c, {name}) and c not in always]
        owners = [f for f in figures.FIGURES.values() if f.record == name]
        want = [c for c in frame.columns if any(c in f.columns(cp.issues) for f in owners)]
        if name == figures.INPUTS:
            want = [c for c in frame.columns if c.startswith("in:")]
        assert kept == want, name


def test_two_figures_may_not_share_a_name_or_a_column() -> None:
    with pytest.raises(ValueError, match="two figures named 'gap'"):
        figures.register(Figure("gap", "issue", lambda cp, p, st: st.value, "again"))
    with pytest.raises(ValueError, match="column 'gap'"):
        figures.register(Figure("gap2", "issue", lambda cp, p, st: st.value, "", column="gap"))
    assert "gap2" not in figures.FIGURES


# -- a new figure is one entry ---------------------------------------------------------------


@pytest.fixture
def new_figures(cp) -> Iterator[list[str]]:
    """A run figure and an issue figure registered for one test, as a developer would add
    them to negsim/figures/builtin.py; yields the table's columns before they were added."""
    before = list(run_many(cp, range(2), seed=2).frame.columns)
    figures.register(
        Figure(
            "russia_concession",
            "run",
            lambda cp, params, st: st.c[:, cp.focal].mean(axis=1),
            "the focal actor's mean concession level at the end",
            point=figures.registry.mean,
            report=Report(lambda cp, v: (f"Russia's mean concession: {v.mean():.3f}",)),
            plot=Plot(figures.registry.histogram("Russia's concession", "mean concession")),
        )
    )
    figures.register(
        Figure(
            "max_concession",
            "issue",
            lambda cp, params, st: st.c.max(axis=1),
            "the largest concession level of any actor on the issue",
            record="extremes",
            report=Report(figures.registry.cells(lambda v: f"{v.mean():.2f}"), (("max.c", 7),)),
        )
    )
    try:
        yield before
    finally:
        figures.unregister("russia_concession")
        figures.unregister("max_concession")


def test_a_new_figure_reaches_table_failures_records_and_report(cp, new_figures) -> None:
    results = run_many(cp, range(6), seed=2)
    frame = results.frame
    cols = list(frame.columns)
    new = ["russia_concession", *(f"{i}.max_concession" for i in cp.issues)]
    assert [c for c in cols if c not in new] == new_figures  # the old columns keep their order
    assert cols.index("russia_concession") == cols.index("broke_in") + 1
    first = cp.issues[0]
    assert cols.index(f"{first}.max_concession") == cols.index(f"{first}.holds") + 1
    assert frame["russia_concession"].between(0, 1).all()
    failed = figures.table(cp, figures.failed_summary(cp, 1), np.arange(1), errors=["boom"])
    assert failed[new].isna().all().all()
    assert figures.recordable()[-7:] == (
        "agreed_in",
        "agreed_at",
        "blocked_by",
        "holds",
        "extremes",
        "inputs",
        "trajectory",
    )
    assert figures.recorded(f"{first}.max_concession", {"extremes"})
    assert not figures.recorded(f"{first}.max_concession", {"gap", "russia_concession"})
    exp = Experiment(name="x", description="", scenario="s.yaml", design="monte_carlo")
    assert {"russia_concession", "extremes"} <= set(exp.recorded)
    lines = summary_text(cp, results, {"seed": 2, "seconds": 0.0}).splitlines()
    assert any(line.startswith("Russia's mean concession: ") for line in lines)
    head = next(line for line in lines if line.startswith("issue"))
    assert head.endswith("fc.median  holds  max.c")
    points = analysis.point_summary(frame.assign(point=0), [])
    assert points["russia_concession"].iloc[0] == pytest.approx(frame["russia_concession"].mean())


def test_a_new_figure_reaches_a_sweeps_tables_and_plots(tmp_path: Path, new_figures) -> None:
    out = tmp_path / "out"
    exp = write_exp(tmp_path, points="4", replications="2")
    table = run_experiment(exp, out=out, plots=True)
    assert {"russia_concession", "missiles.max_concession"} <= set(table)
    assert "russia_concession" in pd.read_csv(out / "summary.csv")
    assert (out / "plots" / "russia_concession.png").exists()
    kept = run_experiment(write_exp(tmp_path, record="[extremes]", points="4", replications="2"))
    assert "missiles.max_concession" in kept and "russia_concession" not in kept


def test_a_sweep_draws_only_the_plots_of_what_it_records(tmp_path: Path) -> None:
    """Recording value without gap once crashed drawing an empty gap plot."""
    exp = write_exp(tmp_path, record="[value, status]", points="4", replications="2")
    run_experiment(exp, out=tmp_path / "out", plots=True)
    stems = {p.stem for p in (tmp_path / "out" / "plots").glob("*.png")}
    assert {"outcomes", "agreed_values"} <= stems
    assert not stems & {"gaps", "bloc_spread"}


def test_table_columns_hold_the_state_in_their_declared_types(cp, batch) -> None:
    _, st, summary = batch
    frame = figures.table(cp, summary, np.arange(BATCH))
    assert isinstance(frame["outcome"].dtype, pd.CategoricalDtype)
    assert str(frame["rounds_completed"].dtype) == "Int64"
    np.testing.assert_array_equal(frame["rounds_completed"].to_numpy(dtype=float), st.rounds)
    for j, issue in enumerate(cp.issues):
        np.testing.assert_array_equal(frame[f"{issue}.value"].to_numpy(), st.value[:, j])


def test_record_names_are_checked_against_the_registry(tmp_path: Path) -> None:
    with pytest.raises(NegsimError, match=r"expected one of 'rounds_completed', .*got 'bogus'"):
        read_experiment(write_exp(tmp_path, record="[status, bogus]"))
