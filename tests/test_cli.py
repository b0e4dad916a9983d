"""The command line as a user meets it: run, --json, --out, --transcript, --set, validate."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from negsim.cli import main

from .conftest import MINI, SCENARIOS, negsim_cli

BASELINE = str(SCENARIOS / "baseline.yaml")


def run_json(capsys, *args: str) -> dict:
    assert main(["run", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_documented_shape(capsys) -> None:
    doc = run_json(capsys, BASELINE, "--runs", "300", "--seed", "4")
    assert doc["scenario"] == "baseline" and doc["runs"] == 300 and doc["seed"] == 4
    assert set(doc["outcomes"]) == {"agreement", "partial", "stalemate", "breakdown"}
    assert sum(doc["outcomes"].values()) == pytest.approx(1.0)
    assert set(doc["issues"]) == {
        "enlargement",
        "force_posture",
        "military_activity",
        "missiles",
        "exercises",
        "risk_reduction",
        "security_principle",
        "deescalation",
    }
    for shares in doc["issues"].values():
        assert set(shares) == {"agreed", "open", "deadlock", "value"}
        assert shares["agreed"] + shares["open"] + shares["deadlock"] == pytest.approx(1.0)
        value = shares["value"]
        assert value is None or value["p05"] <= value["p50"] <= value["p95"]
    assert doc["engine"] == "batch"


def test_engines_agree_through_the_cli(capsys) -> None:
    a = run_json(capsys, str(MINI), "--runs", "40", "--engine", "batch")
    b = run_json(capsys, str(MINI), "--runs", "40", "--engine", "agent")
    assert a["outcomes"] == b["outcomes"] and a["issues"] == b["issues"]
    assert b["engine"] == "agent"


def test_set_changes_the_outcome(capsys) -> None:
    base = run_json(capsys, BASELINE, "--runs", "200")
    impatient = run_json(
        capsys, BASELINE, "--runs", "200", "--set", "actors.russia.patience.outside_option=0.95"
    )
    assert base["outcomes"]["breakdown"] < 0.5
    assert impatient["outcomes"]["breakdown"] == 1.0


def test_out_writes_table_summary_and_transcript(tmp_path, capsys) -> None:
    out = tmp_path / "res"
    assert main(["run", str(MINI), "--runs", "25", "--out", str(out)]) == 0
    frame = pd.read_parquet(out / "runs.parquet")
    assert len(frame) == 25 and list(frame["run"]) == list(range(25))
    assert {"outcome", "enlargement.status", "missiles.value", "core_progress"} <= set(frame)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 25
    assert "offers" in (out / "transcript.txt").read_text()
    assert summary["eu_runs"] == 25 and set(summary["forecasts"]) == set(summary["issues"])
    assert sorted(p.name for p in out.iterdir()) == [
        "forecasts.png",
        "runs.parquet",
        "scenario.yaml",  # the scenario as run: with the seed, it names every run's inputs
        "summary.json",
        "transcript.txt",
    ]
    capsys.readouterr()


def test_transcript_prints_offers_and_responses(capsys) -> None:
    assert main(["run", BASELINE, "--runs", "1", "--transcript", "--run", "2"]) == 0
    out = capsys.readouterr().out
    assert "NATO offers missiles" in out and "Russian Federation defers" in out
    assert "red line at 1.00" in out


def test_summary_table_is_readable(capsys) -> None:
    assert main(["run", BASELINE, "--runs", "100"]) == 0
    out = capsys.readouterr().out
    assert "stalemate" in out and "95% interval" in out and "enlargement" in out


@pytest.mark.parametrize(
    "args",
    [
        ["run", str(MINI), "--runs", "0"],
        ["run", str(MINI), "--runs", "x"],
        ["run", str(MINI), "--engine", "gpu"],
        ["run", "nowhere.yaml"],
        ["run", str(MINI), "--set", "actors.russia"],
        ["validate"],
    ],
)
def test_usage_errors_exit_2(args, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        code = main(args)
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_help_and_schema_work_as_a_subprocess() -> None:
    for args in (["--help"], ["run", "--help"], ["validate", str(MINI)]):
        done = negsim_cli(*args, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout


def test_a_run_reads_its_scenario_once_and_as_the_file_is_now(tmp_path, capsys, monkeypatch):
    """The runs made in this process use the scenario the command has just read: the file is
    not read and validated again for them, and an edit between two commands in one process
    (the API's and the tests' way) is never answered from an earlier compilation."""
    from negsim import runner

    loads: list[str] = []
    real = runner.load_scenario
    monkeypatch.setattr(runner, "load_scenario", lambda *a, **k: loads.append(a[0]) or real(*a))
    path = tmp_path / "s.yaml"
    path.write_text(MINI.read_text())
    before = run_json(capsys, str(path), "--runs", "200")
    assert loads == []  # a small job runs in this process, from the command's own compilation
    patient = "patience: {rounds: 50, progress_required: 0.0"  # Russia stays: no breakdown
    path.write_text(re.sub(r"patience: \{rounds: \{[^}]*\}, progress_required: 0.2", patient,
                           MINI.read_text()))  # fmt: skip
    assert patient in path.read_text()
    after = run_json(capsys, str(path), "--runs", "200")
    elsewhere = tmp_path / "t.yaml"
    elsewhere.write_text(path.read_text())
    assert after["outcomes"] == run_json(capsys, str(elsewhere), "--runs", "200")["outcomes"]
    assert after["outcomes"] != before["outcomes"]
