"""Interrupted sweeps lose nothing: SIGKILL a sweep at random moments, several times over,
resume each time, and the final table equals an uninterrupted sweep's row for row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from negsim.experiments import load_results, run_experiment

from .test_experiments_cli import write_exp

KILLS = 4


def chunk_files(out: Path) -> int:
    return len(list((out / "chunks").glob("part-*.parquet")))


def test_repeated_sigkill_then_resume_gives_the_uninterrupted_table(tmp_path: Path) -> None:
    exp = write_exp(tmp_path, "kill_many", reps=1000, chunk=80)  # 4000 runs in 50 chunks
    expected = run_experiment(exp, workers=1)
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "negsim.cli",
        "sweep",
        str(exp),
        "--out",
        str(out),
        "--quiet",
        "--no-plots",
    ]
    rng = np.random.default_rng(20220110)  # where the kills land: random, but repeatable
    kills, seen = 0, []
    for attempt in range(KILLS):
        extra = ["--resume"] if attempt else []
        workers = ["--workers", str(1 + attempt % 2)]  # serial and process pool both killed
        before = chunk_files(out) if out.exists() else 0
        proc = subprocess.Popen([*cmd, *extra, *workers])
        target = before + int(rng.integers(1, 6))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and chunk_files(out) < target:
            time.sleep(0.005)
        time.sleep(float(rng.uniform(0, 0.05)))  # land anywhere, also mid-write
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        seen.append(chunk_files(out))
    assert kills >= 3, f"the sweep outran the kills ({seen} chunk files after each)"
    assert not (out / "runs.parquet").exists() or kills < KILLS
    done = subprocess.run([*cmd, "--resume", "--workers", "2"], check=False, timeout=300)
    assert done.returncode == 0
    got = load_results(out)
    assert len(got) == len(expected) and got["run"].is_unique  # nothing missing or doubled
    pd.testing.assert_frame_equal(got, expected)
