"""Fault injection: what negsim does when the input, the disk, the folder or the processes go
wrong. Every case ends in one line and a documented exit status, never a traceback, and never
loses or mixes runs: where a sweep completes, its table equals the uninterrupted one.

Each test is bounded in time (subprocesses have timeouts; the sweeps are a few hundred runs of
the small test scenario).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from negsim.cli import main

MINI = Path(__file__).resolve().parent / "data" / "mini.yaml"
EXP = """name: faults
description: fault injection
scenario: {mini}
set: {{rules.horizon: 4, actors.russia.linkage.0.threshold: 0}}
parameters:
  actors.russia.patience.rounds: {{values: [1, 2, 3, 4]}}
design: grid
replications: {reps}
seed: 3
chunk: {chunk}
"""


def write_exp(folder: Path, reps: int = 5, chunk: int = 4, **lines: str) -> Path:
    """The experiment, with top-level keys replaced (``lines``: key -> YAML text)."""
    text = EXP.format(mini=MINI, reps=reps, chunk=chunk)
    for key, value in lines.items():
        kept, skipping = [], False
        for ln in text.splitlines():
            skipping = ln.startswith(f"{key}:") or (skipping and ln.startswith(" "))
            if not skipping:
                kept.append(ln)
        text = "\n".join([*kept, f"{key}: {value}"]) + "\n"
    path = folder / "exp.yaml"
    path.write_text(text)
    return path


def sweep_args(exp: Path, out: Path, *extra: str) -> list[str]:
    return ["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet", "--no-plots", *extra]


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.startswith("negsim: error: "), err
    return err


# --- silent wrong results: experiment files as strict as scenarios ---------------------------

STRICT = [
    ("replications", '"4"', "replications"),
    ("replications", "true", "replications"),
    ("replications", "4.0", "replications"),
    ("seed", '"1"', "seed"),
    ("seed", "false", "seed"),
    ("chunk", '"4"', "chunk"),
    ("parameters", '{actors.russia.patience.rounds: {values: ["0", "1"]}}', "values"),
    ("parameters", "{actors.russia.patience.rounds: {values: [false, true]}}", "values"),
    ("parameters", "{actors.russia.patience.rounds: {values: [1, .nan]}}", "values"),
    ("parameters", "{actors.russia.patience.rounds: {values: [1, .inf]}}", "values"),
    ("parameters", '{actors.russia.patience.rounds: {range: ["1", 3]}}', "range"),
    ("parameters", "{rules.horizon: {values: [3, 4]}}", "overlaps set.rules.horizon"),
    (
        "parameters",
        "{actors.russia.patience: {values: [1]}, actors.russia.patience.rounds: {values: [1]}}",
        "overlaps parameters.actors.russia.patience",
    ),
]


@pytest.mark.parametrize(("key", "value", "fragment"), STRICT, ids=lambda v: str(v)[:24])
def test_experiment_values_are_read_strictly(
    tmp_path: Path, capsys: pytest.CaptureFixture, key: str, value: str, fragment: str
) -> None:
    exp = write_exp(tmp_path, **{key: value})
    out = tmp_path / "out"
    assert main(sweep_args(exp, out)) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"negsim: error: {exp}:"), err  # names the file and the line
    assert fragment in err
    assert not out.exists()  # refused before the first run: nothing written


FOCUS = [
    ({"focus": "nosuch.agreed"}, (), "neither an outcome class"),
    ({"focus": "missiles.agreed", "record": "[rounds_completed]"}, (), "record: omits"),
    ({}, ("--discover", "nosuch"), "--discover: 'nosuch' is neither"),
    ({"record": "[rounds_completed]"}, ("--discover", "hotline.agreed"), "record: omits"),
]


@pytest.mark.parametrize(("lines", "extra", "fragment"), FOCUS)
def test_focus_and_discover_are_checked_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture, lines: dict, extra: tuple, fragment: str
) -> None:
    exp = write_exp(tmp_path, **lines)
    out = tmp_path / "out"
    assert main(sweep_args(exp, out, *extra)) == 2
    assert fragment in one_line(capsys.readouterr().err)
    assert not out.exists()
