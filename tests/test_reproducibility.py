"""Same seed, same bytes; run k is the same alone, in any batch, and in either engine."""

from __future__ import annotations

import pandas as pd

from negsim.cli import main
from negsim.model import NegotiationModel
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import MINI, SCENARIOS


def test_same_seed_same_bytes(tmp_path, capsys) -> None:
    for name in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    str(SCENARIOS / "baseline.yaml"),
                    "--runs",
                    "200",
                    "--seed",
                    "7",
                    "--out",
                    str(tmp_path / name),
                    "--format",
                    "csv",
                ]
            )
            == 0
        )
    for f in ("runs.csv", "transcript.txt"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    capsys.readouterr()


def test_different_seeds_differ() -> None:
    cp = compile_scenario(load_scenario(MINI))
    a = run_many(cp, range(50), seed=1).frame
    b = run_many(cp, range(50), seed=2).frame
    assert not a.equals(b)


def test_run_k_alone_equals_run_k_in_a_batch() -> None:
    cp = compile_scenario(load_scenario(SCENARIOS / "baseline.yaml"))
    batch = run_many(cp, range(64), seed=3, chunk=10).frame
    for k in (0, 17, 63):
        alone = run_many(cp, [k], seed=3).frame
        pd.testing.assert_frame_equal(
            alone.reset_index(drop=True), batch.iloc[[k]].reset_index(drop=True)
        )


def test_replay_gives_the_same_transcript() -> None:
    cp = compile_scenario(load_scenario(MINI))
    a = NegotiationModel(cp, 5, seed=9).run().transcript
    b = NegotiationModel(cp, 5, seed=9).run().transcript
    assert a == b and len(a) > 10


def test_processes_give_the_same_table_as_one_process() -> None:
    from negsim.runner import run_parallel

    cp = compile_scenario(load_scenario(MINI))
    one = run_many(cp, range(300), seed=12).frame
    two = run_parallel(str(MINI), (), range(300), seed=12, workers=2, per_task=64).frame
    pd.testing.assert_frame_equal(one, two)


def test_broken_pipe_is_not_a_traceback() -> None:
    import subprocess
    import sys

    script = (
        "import sys; sys.argv=['negsim','run',sys.argv[1],'--runs','50','--json'];"
        "from negsim.cli import main; raise SystemExit(main())"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(MINI)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # the reader leaves before negsim writes
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err
