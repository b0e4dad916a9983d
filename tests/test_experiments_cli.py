"""negsim sweep | plot | replay from the command line: one-line errors, refusals, resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from negsim.cli import main
from negsim.experiments import load_results, run_experiment

from .conftest import MINI, SWEEP_EXP


def write_exp(folder: Path, name: str = "cli_a", reps: int = 5, chunk: int = 4) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(SWEEP_EXP.format(name=name, mini=MINI, reps=reps, chunk=chunk))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_line_error(capsys: pytest.CaptureFixture, *argv: str) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("negsim: error: "), err
    assert "Traceback" not in err
    return err


def test_sweep_plot_and_replay_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    exp = write_exp(tmp_path)
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "cli_a: 20 runs" in text and "figures in" in text
    for name in ("outcomes", "gaps", "trajectories", "bloc_spread"):
        assert (out / "plots" / f"{name}.png").exists() and (out / "plots" / f"{name}.svg").exists()
    assert (out / "plots" / "along_actors_russia_patience_rounds.png").exists()
    assert main(["plot", str(out), "--discover", "breakdown"]) == 0
    text = capsys.readouterr().out
    assert "Scenario discovery (PRIM) for 'breakdown'" in text
    assert "actors.russia.patience.rounds" in (out / "discovery.txt").read_text()
    assert (out / "plots" / "prim_breakdown.png").exists()
    assert main(["replay", str(out), "--run", "13"]) == 0
    text = capsys.readouterr().out
    assert "cli_a, run 13 (design point 2, replication 3" in text
    assert "the same as the sweep's stored outcome" in text


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("name: x\n", "is missing"),
        ("name: [\n", "invalid YAML"),
        ("{exp}\nextra: 1\n", "unknown key"),
    ],
)
def test_bad_experiment_files_exit_2_with_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, body: str, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    good = SWEEP_EXP.format(name="bad", mini=MINI, reps=1, chunk=4)
    path.write_text(body.replace("{exp}", good))
    err = one_line_error(capsys, "sweep", str(path), "--out", str(tmp_path / "out"))
    assert words in err and str(path) in err
    assert not (tmp_path / "out").exists()


def test_an_unknown_discover_outcome_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    run_experiment(write_exp(tmp_path), out=out)
    err = one_line_error(capsys, "plot", str(out), "--discover", "brekdown")
    assert "brekdown" in err


def test_a_folder_of_another_experiment_is_refused_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    run_experiment(write_exp(tmp_path, "cli_a"), out=out)
    before = snapshot(out)
    other = write_exp(tmp_path, "cli_b", reps=3)
    err = one_line_error(capsys, "sweep", str(other), "--out", str(out), "--quiet")
    assert "another experiment (cli_a" in err
    assert snapshot(out) == before
    err = one_line_error(capsys, "sweep", str(write_exp(tmp_path, "cli_a")), "--out", str(out))
    assert "--resume" in err  # the same experiment again: resume or force, never silently
    assert snapshot(out) == before
    assert main(["sweep", str(other), "--out", str(out), "--force", "--no-plots", "--quiet"]) == 0
    assert len(load_results(out)) == 12


def test_a_folder_that_is_not_a_sweep_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    one_line_error(capsys, "sweep", str(write_exp(tmp_path)), "--out", str(out))
    assert snapshot(out) == {"notes.txt": b"mine"}
    err = one_line_error(capsys, "replay", str(tmp_path), "--run", "0")
    assert "no negsim sweep results" in err


def test_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path: Path) -> None:
    """Kill a real sweep process mid-way (SIGKILL: no cleanup at all), then --resume."""
    exp = write_exp(tmp_path, "cli_kill", reps=600, chunk=100)  # 24 chunks
    expected = run_experiment(exp, workers=1)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "negsim.cli", "sweep", str(exp), "--out", str(out)]
    proc = subprocess.Popen([*cmd, "--workers", "1", "--quiet", "--no-plots"])
    chunks = out / "chunks"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(chunks.glob("part-*.parquet"))) < 3:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(chunks.glob("part-*.parquet")))
    assert 3 <= done < 24, "the sweep finished before it could be interrupted"
    assert not (out / "runs.parquet").exists()
    rc = subprocess.run([*cmd, "--resume", "--workers", "2", "--quiet", "--no-plots"], check=False)
    assert rc.returncode == 0
    pd.testing.assert_frame_equal(load_results(out), expected)
