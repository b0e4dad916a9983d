"""``negsim run --out DIR``: what made the runs is recorded beside them (the ``--set``
overrides, the scenario's hash as a sweep computes it, the versions), an earlier run is not
overwritten without ``--force``, and the files get the user's umask."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from negsim.cli import main
from negsim.experiments.prepare import prepare
from tests.conftest import MINI

SET = "rules.horizon=4"


def run_out(out: Path, *extra: str) -> int:
    return main(["run", str(MINI), "--runs", "4", "--eu-runs", "0", "--out", str(out), *extra])


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def test_summary_records_overrides_versions_and_the_sweeps_scenario_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    exp = tmp_path / "e.yaml"  # the same change made by a sweep's set:
    exp.write_text(
        f"name: e\ndescription: run a's override\nscenario: {MINI}\n"
        "set: {rules.horizon: 4}\nparameters: {}\ndesign: monte_carlo\npoints: 2\nseed: 0\n"
    )
    assert run_out(tmp_path / "a", "--set", SET) == 0
    assert run_out(tmp_path / "b") == 0
    capsys.readouterr()
    a, b = summary(tmp_path / "a"), summary(tmp_path / "b")
    assert a["overrides"] == [SET] and b["overrides"] == []
    assert a["scenario_sha256"] == prepare(exp).scenario_sha256
    assert b["scenario_sha256"] != a["scenario_sha256"]  # the override is in the hash
    assert set(a["versions"]) >= {"negsim", "python", "numpy", "mesa", "pandas", "pyarrow"}
    assert a["versions"]["python"].count(".") == 2
    assert a["runs"] == 4  # the summary itself is still there


def test_an_earlier_run_is_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    assert run_out(out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert run_out(out, "--set", SET) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(out) in err and "--force" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert run_out(out, "--set", SET, "--force", "--format", "csv") == 0
    assert summary(out)["overrides"] == [SET]
    names = sorted(p.name for p in out.iterdir())  # the parquet table of the first run is gone
    assert names == ["forecasts.png", "runs.csv", "scenario.yaml", "summary.json", "transcript.txt"]
    capsys.readouterr()


def test_a_folder_without_a_run_needs_no_force(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert run_out(out) == 0
    assert (out / "notes.txt").read_text() == "mine"
    capsys.readouterr()


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_files_get_the_umask_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture, umask: None, mask: int, mode: int
) -> None:
    os.umask(mask)
    out = tmp_path / "out"
    assert run_out(out) == 0
    capsys.readouterr()
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert len(modes) == 5 and set(modes.values()) == {mode}, modes
