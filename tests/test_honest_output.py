"""Outputs that say what they hold: --json stays JSON with --transcript; summary.csv reads 0.3."""

from __future__ import annotations

import json

import pandas as pd

import negsim
from negsim.cli import main

from .conftest import MINI, SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")


def test_json_with_transcript_is_one_json_document(capsys) -> None:
    args = ["run", BASELINE, "--runs", "20", "--json", "--transcript", "--run", "3"]
    assert main([*args, "--eu-runs", "0"]) == 0
    doc = json.loads(capsys.readouterr().out)  # the whole of stdout parses
    assert doc["runs"] == 20 and set(doc["outcomes"]) == {
        "agreement",
        "partial",
        "stalemate",
        "breakdown",
    }
    assert doc["transcript"]["run"] == 3
    assert doc["transcript"]["lines"] == negsim.run(BASELINE, runs=20).transcript(3)


def test_json_without_transcript_has_no_transcript_key(capsys) -> None:
    assert main(["run", BASELINE, "--runs", "5", "--json", "--eu-runs", "0"]) == 0
    assert "transcript" not in json.loads(capsys.readouterr().out)


def test_summary_csv_shows_design_values_as_written(tmp_path) -> None:
    # np.linspace(0.1, 0.5, 3)[1] is 0.30000000000000004
    experiment = {
        "name": "levels",
        "description": "a grid whose middle level is not exactly 0.3 in binary",
        "scenario": str(MINI),
        "parameters": {"blocs.alliance.cohesion": {"range": [0.1, 0.5]}},
        "design": "grid",
        "levels": 3,
        "replications": 2,
        "seed": 1,
    }
    negsim.sweep(experiment, out=tmp_path / "out")
    text = (tmp_path / "out" / "summary.csv").read_text()
    assert "0.30000000000000004" not in text
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert summary["design:blocs.alliance.cohesion"].tolist() == [0.1, 0.3, 0.5]
