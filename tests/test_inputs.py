"""Sampled inputs are regenerated, not stored: `negsim inputs DIR` gives every stored run's
inputs bit for bit, from what the folder keeps (scenario as run, seed, design values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from negsim.cli import main
from negsim.experiments import load_results, run_experiment
from negsim.inputs import regenerate
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import MINI, SCENARIOS
from .test_experiments import write_exp

SET = "actors.russia.concession.beta={uniform: [0.3, 0.9]}"


def inputs_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["run", *(c for c in frame.columns if c.startswith("in:"))]]


def test_a_run_folder_stores_no_inputs_and_regenerates_them_exactly(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    assert (
        main(["run", str(MINI), "--runs", "300", "--seed", "3", "--set", SET, "--out", str(out)])
        == 0
    )
    table = pd.read_parquet(out / "runs.parquet")
    assert not any(c.startswith("in:") for c in table)
    cp = compile_scenario(load_scenario(MINI, [SET]))  # the --set is part of the inputs
    want = inputs_of(run_many(cp, range(300), 3).frame)
    assert main(["inputs", str(out)]) == 0
    got = pd.read_parquet(out / "inputs.parquet")
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_exact=True)
    assert "300 runs" in capsys.readouterr().out


def test_a_sweep_regenerates_the_inputs_it_would_have_recorded(tmp_path) -> None:
    """Against the same sweep recording its inputs in memory (float64): equal bit for bit,
    the design's own inputs included; recorded on disk they are float32."""
    kept = run_experiment(write_exp(tmp_path, record="[status, inputs]"), workers=1)
    out = tmp_path / "out"
    table = run_experiment(write_exp(tmp_path), out=out, workers=1)
    assert not any(c.startswith("in:") for c in table)
    got = regenerate(out)
    pd.testing.assert_frame_equal(got, inputs_of(kept), check_exact=True)
    np.testing.assert_array_equal(
        got["in:actors.russia.patience.rounds"], table["design:actors.russia.patience.rounds"]
    )
    disk = tmp_path / "disk"
    run_experiment(write_exp(tmp_path, record="[status, inputs]"), out=disk, workers=1)
    stored = load_results(disk)
    assert stored["in:blocs.alliance.cohesion"].dtype == np.float32
    np.testing.assert_array_equal(
        stored["in:blocs.alliance.cohesion"], got["in:blocs.alliance.cohesion"].astype(np.float32)
    )


def test_csv_output_reads_back_the_same_values(tmp_path) -> None:
    out = tmp_path / "r"
    assert main(["run", str(MINI), "--runs", "50", "--out", str(out)]) == 0
    assert main(["inputs", str(out), "--to", str(tmp_path / "in.csv")]) == 0
    csv = pd.read_csv(tmp_path / "in.csv")
    np.testing.assert_array_equal(csv.to_numpy(), regenerate(out).to_numpy())


def test_baseline_result_files_stay_under_300_bytes_a_run(tmp_path) -> None:
    out = tmp_path / "b"
    assert (
        main(
            [
                "run",
                str(SCENARIOS / "baseline.yaml"),
                "--runs",
                "2000",
                "--eu-runs",
                "0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (out / "runs.parquet").stat().st_size / 2000 < 300


@pytest.mark.parametrize(
    "make, args, says",
    [
        (lambda d: None, [], "no scenario.yaml here"),
        (
            lambda d: main(["run", str(MINI), "--runs", "5", "--out", str(d)]),
            ["--to", "x.txt"],
            "must end in .parquet or .csv",
        ),
    ],
)
def test_bad_folders_and_targets_are_one_line_exit_2(tmp_path, capsys, make, args, says) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    make(folder)
    capsys.readouterr()
    assert main(["inputs", str(folder), *args]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["baseline", "divided_nato", "written_replies"])
def test_leaf_values_are_each_leafs_inverse_cdf_of_its_own_uniform(name) -> None:
    """The uniform and the triangular leaves are mapped all at once, each kind; every value
    must be what the leaf's own distribution gives its own draw, and a fixed leaf (of
    either kind) its clipped fixed value."""
    from pathlib import Path

    from negsim.scenario.compile import inverse_cdf, leaf_values, uniforms

    cp = compile_scenario(load_scenario(Path(__file__).parents[1] / "scenarios" / f"{name}.yaml"))
    u = uniforms(cp, np.arange(64), 3)
    kinds = [type(leaf.dist).__name__ for leaf in cp.leaves]
    fixed_at = [kinds.index(kind) for kind in ("Uniform", "Triangular") if kind in kinds]
    fixed = {cp.leaves[j].path: np.full(64, cp.leaves[j].hi + 1.0) for j in fixed_at}
    got = leaf_values(cp, u, fixed)
    want = np.column_stack([inverse_cdf(lf, u[:, j]) for j, lf in enumerate(cp.leaves)])
    for j in fixed_at:
        want[:, j] = cp.leaves[j].hi
    assert np.array_equal(got, want)
    if name == "baseline":  # every path taken: each kind at once, and one by one (choice)
        assert {"Uniform", "Triangular", "Choice"} <= set(kinds) and len(fixed_at) == 2
