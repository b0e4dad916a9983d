from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini.yaml"
SCENARIOS = ROOT / "scenarios"


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
