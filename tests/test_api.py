"""The Python API as a notebook meets it: the numbers are the command line's, mistakes raise."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pandas as pd
import pytest

import negsim
from negsim.cli import main
from negsim.errors import NegsimError
from negsim.runner import run_many

from .conftest import MINI, ROOT, SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
OUTSIDE = "actors.russia.patience.outside_option"


@pytest.fixture(scope="module")
def baseline() -> negsim.Scenario:
    return negsim.load(BASELINE)


def test_the_package_exports_the_api() -> None:
    assert set(negsim.__all__) >= {"load", "run", "sweep", "Scenario", "Result", "NegsimError"}
    assert negsim.NegsimError is NegsimError
    from importlib.metadata import version

    assert negsim.__version__ == version("negsim")


def test_load_describes_the_scenario(baseline) -> None:
    assert baseline.name == "baseline" and baseline.path == BASELINE
    assert "enlargement" in baseline.issues and "russia" in baseline.actors
    assert OUTSIDE in baseline.inputs and len(baseline.inputs) == len(baseline.compiled.leaves)


def test_load_takes_set_strings_or_values() -> None:
    by_text = negsim.load(BASELINE, [f"{OUTSIDE}=0.3"])
    by_value = negsim.load(BASELINE, {OUTSIDE: 0.3})
    assert OUTSIDE not in by_text.inputs and OUTSIDE not in by_value.inputs
    a, b = negsim.run(by_text, runs=40), negsim.run(by_value, runs=40)
    pd.testing.assert_frame_equal(a.frame, b.frame)


def test_with_values_changes_the_outcome_and_leaves_the_original(baseline) -> None:
    walked = baseline.with_values({OUTSIDE: 0.95})
    assert negsim.run(walked, runs=200).shares()["breakdown"] == 1.0
    assert negsim.run(baseline, runs=200).shares()["breakdown"] < 1.0
    assert OUTSIDE in baseline.inputs and OUTSIDE not in walked.inputs
    kept = walked.with_values({"actors.russia.patience.hope": np.float64(0.5)})
    assert kept.values == {OUTSIDE: 0.95, "actors.russia.patience.hope": 0.5}


def test_with_values_takes_a_distribution(baseline) -> None:
    s = baseline.with_values({OUTSIDE: {"uniform": (0.9, 0.95)}})
    assert OUTSIDE in s.inputs
    assert negsim.run(s, runs=50).shares()["breakdown"] == 1.0


@pytest.mark.parametrize(
    "path",
    ["actors.rusia.patience.outside_option", "actors.russia.patience.outside_optoin"],
)
def test_unknown_path_raises_the_clis_one_line_message(baseline, path, capsys) -> None:
    with pytest.raises(NegsimError) as caught:
        baseline.with_values({path: 0.3})
    message = str(caught.value)
    assert "\n" not in message and path in message
    assert main(["run", str(BASELINE), "--runs", "1", "--set", f"{path}=0.3"]) == 2
    assert capsys.readouterr().err == f"negsim: error: {message}\n"


def test_bad_value_raises(baseline) -> None:
    with pytest.raises(NegsimError, match="outside_option"):
        baseline.with_values({OUTSIDE: "soon"})


def test_unknown_fixed_path_raises_before_any_run(baseline) -> None:
    with pytest.raises(NegsimError, match=re.escape("did you mean 'actors.russia.patience.hope'?")):
        negsim.run(baseline, runs=5, fixed={"actors.russia.patience.hop": 0.3})
    with pytest.raises(NegsimError, match="not an uncertain value"):  # the runner itself too
        run_many(baseline.compiled, range(5), 0, fixed={"nosuch.path": np.zeros(5)})
    with pytest.raises(NegsimError, match="one per run"):
        negsim.run(baseline, runs=5, fixed={OUTSIDE: [0.1, 0.2]})


def test_bad_run_arguments_raise(baseline) -> None:
    with pytest.raises(NegsimError, match="unknown engine"):
        negsim.run(baseline, runs=5, engine="fast")
    with pytest.raises(NegsimError, match="at least 1"):
        negsim.run(baseline, runs=0)


def test_run_is_deterministic_and_equals_the_cli(baseline, capsys) -> None:
    a = negsim.run(baseline, runs=150, seed=3)
    b = negsim.run(str(BASELINE), runs=150, seed=3)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert not a.frame.equals(negsim.run(baseline, runs=150, seed=4).frame)
    args = ["run", str(BASELINE), "--runs", "150", "--seed", "3", "--json", "--eu-runs", "0"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("scenario", "file", "runs", "seed", "engine", "outcomes", "issues", "failed"):
        assert a.summary[key] == doc[key], key
    assert a.shares().to_dict() == doc["outcomes"]
    shares = a.issue_shares()
    assert shares.loc["missiles", "open"] == doc["issues"]["missiles"]["open"]
    assert list(shares.columns) == ["agreed", "open", "deadlock"]


def test_agent_engine_gives_the_batch_engines_numbers() -> None:
    mini = negsim.load(MINI)
    pd.testing.assert_frame_equal(
        negsim.run(mini, runs=6, seed=2).frame,
        negsim.run(mini, runs=6, seed=2, engine="agent").frame,
    )


def test_transcript_is_the_clis(baseline, capsys) -> None:
    result = negsim.run(baseline, runs=5, seed=1)
    lines = result.transcript(2)
    args = ["run", str(BASELINE), "--runs", "1", "--seed", "1", "--transcript", "--run", "2"]
    assert main(args) == 0
    assert capsys.readouterr().out.splitlines() == [*lines, ""]
    assert lines[-1].startswith(f"Run 2 (seed 1): {result.frame.loc[2, 'outcome']};")
    with pytest.raises(NegsimError, match="not among"):
        result.transcript(5)


def test_transcript_replays_fixed_values(baseline) -> None:
    result = negsim.run(baseline, runs=2, fixed={OUTSIDE: [0.05, 0.95]})
    assert list(result.frame["outcome"])[1] == "breakdown"
    assert result.transcript(1)[-1].startswith("Run 1 (seed 0): breakdown;")


TINY = {
    "name": "tiny",
    "description": "two levels of Moscow's patience on the mini scenario",
    "scenario": os.path.relpath(MINI, ROOT),
    "set": {"rules.horizon": 4, "actors.russia.linkage.0.threshold": 0},
    "parameters": {"actors.russia.patience.rounds": {"range": [1, 4]}},
    "design": "grid",
    "levels": 2,
    "replications": 3,
    "seed": 5,
}


def test_sweep_takes_a_dict_with_a_relative_scenario(tmp_path) -> None:
    table = negsim.sweep(TINY, out=tmp_path / "out", base=ROOT)
    assert len(table) == 6
    assert sorted(set(table["design:actors.russia.patience.rounds"])) == [1, 4]
    path = tmp_path / "tiny.yaml"
    path.write_text(json.dumps({**TINY, "scenario": str(MINI)}))
    pd.testing.assert_frame_equal(negsim.sweep(path), table)


def test_sweep_resolves_a_relative_scenario_from_the_current_folder(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert len(negsim.sweep(TINY)) == 6


def test_the_readmes_python_example_runs(monkeypatch, capsys) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(ROOT)
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "breakdown" in out and "Run 0 (seed 0):" in out
