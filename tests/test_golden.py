"""Results never drift: the baseline's outcome table for a fixed seed, byte for byte.

A change to model behaviour must be a deliberate, reviewed change of the golden file:
regenerate it with ``NEGSIM_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py`` and commit
the new file together with the change that explains it.
"""

from __future__ import annotations

import os

import pytest

from negsim.cli import main

from .conftest import ROOT, SCENARIOS

GOLDEN = ROOT / "tests" / "golden"
CASES = {
    "baseline_seed2022_150": ("baseline.yaml", "2022", "150"),
    "arms_control_track_seed7_100": ("arms_control_track.yaml", "7", "100"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_outcome_table_matches_golden_file(name, tmp_path, capsys) -> None:
    scenario, seed, runs = CASES[name]
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                str(SCENARIOS / scenario),
                "--runs",
                runs,
                "--seed",
                seed,
                "--out",
                str(out),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    capsys.readouterr()
    got = (out / "runs.csv").read_bytes()
    golden = GOLDEN / f"{name}.csv"
    if os.environ.get("NEGSIM_REGEN_GOLDEN"):
        golden.write_bytes(got)
    assert golden.exists(), f"no golden file {golden}; regenerate it (see module docstring)"
    want = golden.read_bytes()
    if got != want:
        diff = next(
            i
            for i, (a, b) in enumerate(zip(got.splitlines(), want.splitlines(), strict=False))
            if a != b
        )
        pytest.fail(
            f"{name}: outcome table differs from the golden file from line {diff + 1};"
            " if the change is intended, regenerate it (see module docstring)"
        )
