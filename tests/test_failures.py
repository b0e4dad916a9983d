"""A run that raises is recorded with its error and seed; the rest of the batch goes on."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from negsim import dynamics
from negsim.cli import main
from negsim.experiments import load_results
from negsim.runner import iter_runs, run_many
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import MINI
from .test_experiments_cli import write_exp

REAL = dynamics.simulate


def fail_at_patience(value: float):
    """A simulate that raises for any batch holding a run with Russia's patience == value."""

    def simulate(cp, params):
        k = cp.actors.index("russia")
        if (params.patience_rounds[:, k] == value).any():
            raise FloatingPointError(f"injected failure at patience {value}")
        return REAL(cp, params)

    return simulate


def test_failing_runs_are_isolated_and_recorded(monkeypatch) -> None:
    cp = compile_scenario(load_scenario(MINI))
    patience = np.repeat([0.0, 1.0, 2.0, 3.0], 5)
    fixed = {"actors.russia.patience.rounds": patience}
    clean = run_many(cp, range(20), seed=4, chunk=8, fixed=fixed).frame
    monkeypatch.setattr(dynamics, "simulate", fail_at_patience(2.0))
    got = run_many(cp, range(20), seed=4, chunk=8, fixed=fixed).frame
    bad = patience == 2.0
    assert len(got) == 20 and list(got["run"]) == list(range(20))
    assert got.loc[bad, "error"].str.contains("injected failure at patience 2.0").all()
    assert got.loc[bad, "outcome"].isna().all()
    assert (got.loc[~bad, "error"] == "").all()
    # the runs that completed are exactly what they are without the failure
    pd.testing.assert_frame_equal(
        got[~bad].reset_index(drop=True), clean[~bad].reset_index(drop=True)
    )
    # the failed rows still carry the inputs that reproduce them
    assert (got.loc[bad, "in:actors.russia.patience.rounds"] == 2.0).all()


@pytest.mark.parametrize("inputs", [True, False])
def test_one_table_is_the_streamed_tables_end_to_end(monkeypatch, inputs) -> None:
    """run_many tables all its chunks at once; the table is the one streaming gives, chunk
    by chunk, to the dtype, failed rows included."""
    cp = compile_scenario(load_scenario(MINI))
    fixed = {"actors.russia.patience.rounds": np.repeat([0.0, 1.0, 2.0, 3.0], 5)}
    monkeypatch.setattr(dynamics, "simulate", fail_at_patience(2.0))
    whole = run_many(cp, range(20), seed=4, chunk=8, fixed=fixed, inputs=inputs)
    parts = list(iter_runs(cp, range(20), seed=4, chunk=8, fixed=fixed, inputs=inputs))
    assert len(parts) == 3
    streamed = pd.concat([p.frame for p in parts], ignore_index=True)
    assert (streamed["error"] != "").sum() == 5
    pd.testing.assert_frame_equal(whole.frame, streamed)
    for k, v in whole.summary.items():
        np.testing.assert_array_equal(v, np.concatenate([p.summary[k] for p in parts]))


def test_sweep_goes_on_and_reports_failures(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(dynamics, "simulate", fail_at_patience(2.0))
    exp = write_exp(tmp_path, "with_failures", reps=5, chunk=6)
    out = tmp_path / "out"
    code = main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet", "--no-plots"])
    captured = capsys.readouterr()
    assert code == 1
    assert "5 of 20 runs failed" in captured.err and "injected failure" in captured.err
    table = load_results(out)
    assert len(table) == 20
    failed = table[table["error"] != ""]
    assert list(failed["design:actors.russia.patience.rounds"].unique()) == [2.0]
    assert (failed["seed"] == 3).all() and failed["outcome"].isna().all()


def test_run_command_reports_failures(monkeypatch, capsys) -> None:
    monkeypatch.setattr(dynamics, "simulate", fail_at_patience(1.0))
    code = main(
        [
            "run",
            str(MINI),
            "--runs",
            "30",
            "--json",
            "--workers",
            "1",
            "--set",
            "actors.russia.patience.rounds={uniform: [0.5, 1.5]}",
            "--set",
            "rules.horizon=8",
        ]
    )
    assert code == 0  # no draw hits exactly 1.0: nothing fails
    capsys.readouterr()
    monkeypatch.setattr(dynamics, "simulate", fail_at_patience(0.5))
    assert (
        main(
            [
                "run",
                str(MINI),
                "--runs",
                "3",
                "--json",
                "--workers",
                "1",
                "--set",
                "actors.russia.patience.rounds=0.5",
            ]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert '"failed": 3' in captured.out and "3 of 3 runs failed" in captured.err
    doc = json.loads(captured.out)  # no run completed: no shares, rather than shares of 0
    assert set(doc["outcomes"].values()) == {None}
    assert all(v is None for i in doc["issues"].values() for v in i.values())


@pytest.mark.parametrize("engine", ["batch", "agent"])
def test_no_failures_means_an_empty_error_column(engine) -> None:
    cp = compile_scenario(load_scenario(MINI))
    frame = run_many(cp, range(6), seed=1, engine=engine).frame
    assert (frame["error"] == "").all()
