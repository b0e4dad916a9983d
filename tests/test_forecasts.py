"""The figures computed in one compiled pass (:mod:`negsim.kernel.forecasts`) are, to the bit,
the array formulas they replaced: the capability x salience weighted mean and median of the
initial positions, and the spread (std over the members, mean over the issues) of the
reported bloc's final positions. Compared exactly, on every shipped scenario and after the
runs moved, so a change of the order of a sum fails them."""

from __future__ import annotations

import numpy as np
import pytest

from negsim import dynamics, rules
from negsim.figures import FIGURES
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario

from .conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.rglob("*.yaml"))  # the examples too: one of them has one issue


def _batch(path, n: int = 48, seed: int = 11):
    cp = compile_scenario(load_scenario(path))
    params = draw(cp, range(n), seed)[1]
    return cp, params, dynamics.simulate(cp, params)


def _median_formula(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Black's weighted median over the actor axis, in numpy: the lowest value at which the
    cumulative weight, in stable sorted order, reaches half the total (NaN with no actor)."""
    out = np.full((x.shape[0], x.shape[2]), np.nan)
    for b, i in np.ndindex(out.shape):
        order = np.argsort(x[b, :, i], kind="stable")
        cum = np.cumsum(w[b, order, i])
        reached = np.flatnonzero(cum >= cum[-1] / 2 - rules.EPS)
        out[b, i] = x[b, order[reached[0] if len(reached) else -1], i]
    return out


def _weights(params) -> np.ndarray:
    return params.capability[:, :, None] * params.salience


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_forecasts_are_the_weighted_mean_and_median_of_the_initial_positions(path) -> None:
    cp, params, st = _batch(path)
    w = _weights(params)
    num, den = (w * params.ideal).sum(axis=1), w.sum(axis=1)
    mean = np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)
    median = _median_formula(params.ideal, w)
    got_mean = FIGURES["forecast_mean"].compute(cp, params, st)
    got_median = FIGURES["forecast_median"].compute(cp, params, st)
    np.testing.assert_array_equal(got_mean, mean)
    np.testing.assert_array_equal(got_median, median)
    assert np.isfinite(got_mean).all()
    if {"ideal", "capability", "salience"} & set(cp.scatter):  # they are uncertain: runs differ
        assert (np.ptp(got_mean, axis=0) > 0).any()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_spread_is_the_std_of_the_members_positions(path) -> None:
    cp, params, st = _batch(path)
    if cp.bloc is None:
        pytest.skip("no reported bloc")
    members = cp.blocs[cp.bloc].members
    want = dynamics.positions(params, st, members).std(axis=1).mean(axis=1)
    got = FIGURES["bloc_spread"].compute(cp, params, st)
    np.testing.assert_array_equal(got, want)
    assert (got > 0).all()


@pytest.mark.parametrize("n_issues", [1, 3])
def test_the_compiled_passes_sum_as_numpy_does_on_one_issue_and_on_several(n_issues) -> None:
    """numpy adds a middle axis one term after the other, but a contiguous one pairwise:
    with one issue the actor axis is contiguous, and from 8 terms on the order differs."""
    from negsim.kernel import forecasts as compiled

    rng = np.random.default_rng(n_issues)
    n_b, n_a = 16, 37
    ideal, res, c, sal = rng.random((4, n_b, n_a, n_issues))
    cap = rng.random((n_b, n_a))
    members = np.arange(3, 3 + 29, dtype=np.int64)
    w = cap[:, :, None] * sal
    mean, spread = np.empty((n_b, n_issues)), np.empty(n_b)
    compiled.forecast_mean(ideal, cap, sal, mean)
    compiled.spread(ideal, res, c, members, spread)
    np.testing.assert_array_equal(mean, (w * ideal).sum(axis=1) / w.sum(axis=1))
    at = slice(3, 32)  # as dynamics.positions reads a bloc's consecutive members: a view
    x = ideal[:, at] + c[:, at] * (res[:, at] - ideal[:, at])
    np.testing.assert_array_equal(spread, x.std(axis=1).mean(axis=1))


def test_the_mean_forecast_is_missing_where_nothing_carries_weight() -> None:
    cp, params, st = _batch(SHIPPED[0], n=4)
    params.salience[1] = 0.0  # run 1: no actor cares about any issue
    got = FIGURES["forecast_mean"].compute(cp, params, st)
    assert np.isnan(got[1]).all() and np.isfinite(got[[0, 2, 3]]).all()


def _votes_formula(t, d: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The expected-utility model's P[i, j] as the array formula it was."""
    from negsim import expected_utility as eu

    wu = t.w[:, None] * eu._power(d, r[:, None])
    pos = wu[:, None] - wu[:, :, None]
    np.maximum(pos, 0.0, out=pos)
    num = pos.sum(axis=0)
    den = 2.0 * (num * t.n[:, None] * t.n[None, :]).sum(axis=(0, 1))
    p = num / np.where(den > 0, den, 1.0)
    p *= d > 0
    return p


@pytest.mark.parametrize("rows", [2, 7, 64])
def test_the_expected_utility_votes_are_the_array_formula(rows: int) -> None:
    """Rows of 9 actors on a coarse grid (so types repeat and rows pad), one row without any
    weight; the risk exponents as the model draws them, in [1/2, 2], and all 1."""
    from negsim import expected_utility as eu

    rng = np.random.default_rng(rows)
    x, c, s = np.round(rng.random((3, rows, 9)) * 4) / 4
    s[0] = 0.0  # nobody cares: no vote anywhere in that row
    t = eu.collapse(x, c, s)
    t = eu.Types(*(np.ascontiguousarray(v.T) for v in (t.x, t.s, t.w, t.n)))  # rows last
    d = np.abs(t.x[:, None] - t.x[None, :])
    for r in (rng.uniform(0.5, 2.0, t.x.shape), np.ones_like(t.x)):
        got = eu.probabilities(t, d, r)
        np.testing.assert_array_equal(got, _votes_formula(t, d, r))
        assert (got[..., 1:] > 0).any() and not got[..., 0].any()
