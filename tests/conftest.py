from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import pytest

from negsim.execution import SerialExecutor

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini.yaml"
SCENARIOS = ROOT / "scenarios"

# a small sweep of the mini case (20 runs over Moscow's patience), for sweep and fault tests
SWEEP_EXP = """name: {name}
description: a small sweep of the mini case
scenario: {mini}
set: {{rules.horizon: 4, actors.russia.linkage.0.threshold: 0}}
parameters:
  actors.russia.patience.rounds: {{values: [1, 2, 3, 4]}}
design: grid
replications: {reps}
seed: 3
chunk: {chunk}
"""


class Interrupted(SerialExecutor):
    """Runs the first ``n`` chunks, then behaves as if the user pressed Ctrl-C."""

    def __init__(self, n: int) -> None:
        self.left = n

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def mini_text() -> str:
    return MINI.read_text()


@pytest.fixture
def write(tmp_path: Path):
    """Write a scenario text to a file in a temporary folder and return its path."""

    def _write(text: str, name: str = "s.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write


def negsim_cli(*args: str, timeout: float = 90.0, **popen: object) -> subprocess.CompletedProcess:
    """The negsim command line as a user's shell runs it: a fresh process, its output text."""
    return subprocess.run(
        [sys.executable, "-m", "negsim.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **popen,  # type: ignore[arg-type]
    )
