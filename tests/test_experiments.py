"""Sweeps: the same table whatever the executor, workers or chunking; resumable; replayable."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negsim.expected_utility import forecast
from negsim.experiments import SweepOptions, load_results, run_experiment
from negsim.experiments.prepare import prepare
from negsim.experiments.replay import replay
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario

from .conftest import ROOT, Interrupted

MINI = Path(__file__).resolve().parent / "data" / "mini.yaml"

# Patience of 3 rounds or more lets the mini scenario reach a partial deal; less breaks down.
BODY = """name: mini_sweep
description: test sweep of the mini scenario
scenario: {mini}
set:
  rules.horizon: 4
  actors.russia.linkage.0.threshold: 0
parameters:
  actors.russia.patience.rounds: {{range: [1, 4]}}
  blocs.alliance.cohesion: {{range: [0.1, 0.9]}}
design: latin_hypercube
points: 30
replications: 4
seed: 11
chunk: {chunk}
"""


def write_exp(folder: Path, chunk: int = 25, **changes: str) -> Path:
    text = BODY.format(mini=MINI, chunk=chunk)
    for key, value in changes.items():
        lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key}:")]
        text = "\n".join([*lines, f"{key}: {value}"])
    path = folder / "exp.yaml"
    path.write_text(text + "\n")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The serial, uninterrupted sweep every other way of running it must reproduce."""
    folder = tmp_path_factory.mktemp("ref")
    return run_experiment(write_exp(folder), out=folder / "out", workers=1)


def test_table_has_one_row_per_run_with_design_and_outcomes(reference: pd.DataFrame) -> None:
    assert len(reference) == 120
    assert reference["run"].tolist() == list(range(120))
    assert (reference["point"] == reference["run"] // 4).all()
    assert (reference["replication"] == reference["run"] % 4).all()
    assert (reference["seed"] == 11).all()
    assert {"outcome", "missiles.status", "missiles.value", "core_progress"} <= set(reference)
    assert not any(c.startswith(("traj:", "in:")) for c in reference)  # inputs: negsim inputs
    outcomes = set(reference["outcome"].astype(str))
    assert {"breakdown", "partial"} <= outcomes  # the design spans both sides of patience 3


def test_a_run_is_the_same_alone_as_in_the_sweep(tmp_path: Path, reference: pd.DataFrame) -> None:
    prep = prepare(write_exp(tmp_path))
    k = 57
    fixed = {p: [reference.loc[k, f"design:{p}"]] for p in prep.swept}
    alone = run_many(prep.compiled, [k], 11, fixed=fixed).frame
    for col in ("outcome", "core_progress", "missiles.gap"):
        assert alone.loc[0, col] == reference.loc[k, col]
    kept = run_experiment(write_exp(tmp_path, record="[status, inputs]"), workers=1)
    design = kept["design:actors.russia.patience.rounds"]
    np.testing.assert_array_equal(design, kept["in:actors.russia.patience.rounds"])
    beta = "in:actors.russia.concession.beta"
    assert alone.loc[0, beta] == kept.loc[k, beta]


@pytest.mark.parametrize(("workers", "chunk"), [(1, 7), (1, 1000), (2, 13)])
def test_workers_and_chunking_do_not_change_the_table(
    tmp_path: Path, reference: pd.DataFrame, workers: int, chunk: int
) -> None:
    table = run_experiment(write_exp(tmp_path), workers=workers, chunk=chunk)
    pd.testing.assert_frame_equal(table, reference)


def test_an_options_object_is_the_same_as_fields_by_name(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    exp = write_exp(tmp_path)
    options = SweepOptions(workers=1, chunk=7)
    pd.testing.assert_frame_equal(run_experiment(exp, options), reference)
    pd.testing.assert_frame_equal(run_experiment(exp, options, chunk=50), reference)
    with pytest.raises(TypeError):
        run_experiment(exp, wokers=1)  # a misspelt field is an error, not ignored


def test_dask_executor_gives_the_same_table(tmp_path: Path, reference: pd.DataFrame) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        table = run_experiment(write_exp(tmp_path), scheduler=cluster.scheduler_address, chunk=9)
    pd.testing.assert_frame_equal(table, reference)


def test_resume_after_an_interruption_equals_an_uninterrupted_sweep(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    exp, out = write_exp(tmp_path), tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, out=out, executor=Interrupted(2))
    assert sorted(p.name for p in (out / "chunks").iterdir()) == [
        "part-000000.parquet",
        "part-000001.parquet",
    ]
    assert not (out / "runs.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    table = run_experiment(exp, out=out, workers=1, resume=True, chunk=999)  # chunk: manifest's
    pd.testing.assert_frame_equal(table, reference)
    pd.testing.assert_frame_equal(load_results(out), reference)
    assert not (out / "chunks").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["chunk"] == 25


def test_results_folder_holds_manifest_summary_and_trajectories(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    out = tmp_path / "out"
    run_experiment(write_exp(tmp_path), out=out, workers=1)
    m = json.loads((out / "manifest.json").read_text())
    assert m["experiment"]["name"] == "mini_sweep"
    assert m["counts"] == {"points": 30, "replications": 4, "runs": 120, "chunk": 25, "chunks": 5}
    assert set(m["versions"]) >= {"negsim", "numpy", "mesa", "pandas", "pyarrow"}
    assert len(m["scenario_sha256"]) == 64 and m["seed"] == 11
    assert m["started"] <= m["finished"]
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 30 and (summary["runs"] == 4).all()
    np.testing.assert_allclose(
        summary[["agreement", "partial", "stalemate", "breakdown"]].sum(axis=1), 1
    )
    traj = pd.read_parquet(out / "trajectories.parquet")
    assert traj["run"].tolist() == list(range(120))
    assert "traj:bilateral:focal:missiles" in traj
    joined = load_results(out, trajectories=True)
    assert len(joined) == 120 and "traj:plenary:bloc:hotline" in joined


def test_record_keeps_only_the_figures_asked_for(tmp_path: Path) -> None:
    exp = write_exp(tmp_path, record="[core_progress, status]")
    table = run_experiment(exp, workers=1, trajectories=True)
    assert "core_progress" in table and "missiles.status" in table
    assert "missiles.gap" not in table and "bloc_spread" not in table
    assert not any(c.startswith(("in:", "traj:")) for c in table)


def test_a_sweep_that_records_the_eu_forecast_tables_the_four_forecasts_per_point(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    """The expected-utility forecast is on demand: the default sweep has none, a record that
    names it has it per run (the same as the model computes alone) and per point beside the
    agreed value and the weighted mean and median."""
    assert not any(c.endswith(".forecast_eu") for c in reference)
    out = tmp_path / "out"
    exp = write_exp(tmp_path, record="[status, value, forecasts, forecast_eu]")
    table = run_experiment(exp, out=out, workers=1)
    cp = compile_scenario(load_scenario(MINI))
    # the design sets patience and cohesion, which leave every other input's draw unchanged
    params = draw(cp, np.arange(120), 11)[1]
    alone = forecast(params.ideal, params.capability, params.salience)
    np.testing.assert_array_equal(table[[f"{i}.forecast_eu" for i in cp.issues]], alone)
    summary = pd.read_csv(out / "summary.csv")
    for kind in ("value", "forecast_mean", "forecast_median", "forecast_eu"):
        assert f"missiles.{kind}" in summary, kind
    first = table[table["point"] == 0]
    assert summary.loc[0, "missiles.forecast_eu"] == pytest.approx(
        first["missiles.forecast_eu"].median()
    )


def test_replay_reproduces_the_stored_outcome(tmp_path: Path, reference: pd.DataFrame) -> None:
    out = tmp_path / "out"
    run_experiment(write_exp(tmp_path), out=out, workers=1)
    for k in (0, 77):
        lines, stored, replayed = replay(out, k)
        assert stored == replayed == reference.loc[k, "outcome"]
        assert lines[0].startswith(f"mini_sweep, run {k} (design point {k // 4}")
        assert any("Bilateral" in line for line in lines)


@pytest.mark.parametrize(
    "path", sorted((ROOT / "experiments").glob("*.yaml")), ids=lambda p: p.stem
)
def test_every_shipped_experiment_is_accepted_with_its_design(path) -> None:
    """The shipped experiments load and compile at every design point's corners: a change of
    the scenario format or a tactic's range that breaks one is caught here, not by a user."""
    prep = prepare(path)
    assert prep.n_runs > 0
