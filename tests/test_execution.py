"""negsim.execution: the one way runs are split into tasks and handed to an executor."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from negsim import execution
from negsim.execution import (
    IN_PROCESS_TASKS,
    RUNS_PER_CALL,
    RUNS_PER_TASK,
    SerialExecutor,
    local_workers,
    make_executor,
    run_tasks,
    task_ranges,
)
from negsim.experiments.spec import Experiment
from negsim.runner import run_many, run_parallel
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario

from .conftest import MINI


def test_one_chunk_size_policy() -> None:
    assert RUNS_PER_CALL < RUNS_PER_TASK  # a task is several vectorised calls
    # an experiment file's default chunk is the task size (spec.py keeps its own literal)
    assert Experiment.model_fields["chunk"].default == RUNS_PER_TASK


def test_task_ranges_cover_the_runs_in_order() -> None:
    assert task_ranges(5, 2) == [range(0, 2), range(2, 4), range(4, 5)]
    assert task_ranges(4, 2) == [range(0, 2), range(2, 4)]
    assert task_ranges(0, 2) == []
    assert len(task_ranges(RUNS_PER_TASK + 1)) == 2


def test_a_small_job_runs_in_this_process() -> None:
    assert local_workers(IN_PROCESS_TASKS, 8) == 1
    assert local_workers(IN_PROCESS_TASKS + 1, 2) == 2
    assert local_workers(IN_PROCESS_TASKS + 1, 64) == IN_PROCESS_TASKS + 1  # no idle processes
    assert local_workers(100, 1) == 1


def test_make_executor_kinds() -> None:
    with make_executor(1) as ex:
        assert isinstance(ex, SerialExecutor)
    with make_executor(2) as ex:  # a process pool that can be stopped and restarted
        assert isinstance(ex, execution.LocalPool) and isinstance(ex._pool, ProcessPoolExecutor)
    own = SerialExecutor()
    with make_executor(2, executor=own) as ex:
        assert ex is own
    assert execution.describe(1, None, None) == "serial"
    assert execution.describe(None, None, None) == "processes (all cores)"
    assert execution.describe(2, "tcp://x:1", None) == "dask tcp://x:1"
    assert execution.describe(2, None, own) == "SerialExecutor"


def test_run_tasks_hands_every_result_over_and_stops_on_an_error() -> None:
    got: list[tuple[int, int]] = []
    run_tasks(SerialExecutor(), lambda t: t * t, range(7), lambda t, r: got.append((t, r)))
    assert got == [(t, t * t) for t in range(7)]

    def boom(t: int) -> int:
        if t == 3:
            raise ValueError("task 3")
        return t

    seen: list[int] = []
    with pytest.raises(ValueError, match="task 3"):
        run_tasks(SerialExecutor(), boom, range(7), lambda t, r: seen.append(t))
    assert seen == [0, 1, 2]


def test_run_parallel_over_any_executor_equals_one_call() -> None:
    cp = compile_scenario(load_scenario(MINI))
    one = run_many(cp, range(70), seed=5).frame
    for per_task in (7, 64, 70):
        serial = SerialExecutor()
        got = run_parallel(str(MINI), (), range(70), 5, executor=serial, per_task=per_task)
        pd.testing.assert_frame_equal(got.frame, one)


def test_a_spooled_table_is_the_same_columns_of_the_whole_one(tmp_path) -> None:
    """negsim run spools only the columns its summary reads, part by part over the workers'
    tasks, to disk past its hold: the same values, dtypes (categories too) and order."""
    from negsim.figures import summarised
    from negsim.runner import stream_parallel
    from negsim.spool import Spool

    one = run_many(compile_scenario(load_scenario(MINI)), range(70), seed=5).frame
    for per_task in (7, 64, 70):
        with Spool(tmp_path, summarised, f"{per_task}.parquet", hold=10) as spool:
            stream_parallel(
                str(MINI), (), range(70), 5, lambda part: spool.append(part.frame),
                executor=SerialExecutor(), per_task=per_task,
            )  # fmt: skip
            got = spool.close()
        want = one[[c for c in one.columns if summarised(c)]]
        assert "outcome" in want and not any(c.startswith("in:") for c in want)
        assert got.path is not None  # read back from the file, not held
        pd.testing.assert_frame_equal(got.read(list(want.columns)), want)


def test_a_stop_waits_a_bounded_time_and_notes_a_thread_it_cannot_join(monkeypatch) -> None:
    """A pool thread blocked for good (a worker killed mid-reply) must not hang the stop."""
    import threading
    import time

    monkeypatch.setattr(execution, "STOP_WAIT", 0.3)
    monkeypatch.setattr(execution, "ABANDONED", [])
    pool = execution.LocalPool(2)
    release = threading.Event()
    blocked = threading.Thread(target=release.wait, daemon=True)
    blocked.start()
    real = pool._pool
    real.shutdown(wait=True)  # the real pool ends cleanly; the blocked thread stands in
    real._executor_manager_thread = blocked
    started = time.monotonic()
    pool.stop()
    assert time.monotonic() - started < 2.0
    noted = execution.ABANDONED
    assert noted == [blocked]
    release.set()


def test_the_command_leaves_without_joining_an_abandoned_thread(monkeypatch) -> None:
    import threading

    from negsim import cli

    release = threading.Event()
    blocked = threading.Thread(target=release.wait, daemon=True)
    blocked.start()
    exits: list[tuple[str, int]] = []

    def leave(how: str):
        def record(code: int) -> None:
            exits.append((how, code))
            raise SystemExit(code)  # neither returns

        return record

    # the leaving itself is not run here: it would remove this process's multiprocessing
    # folder, and the forkserver of every later test with it (ABANDONING below runs it)
    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(cli, "collect_after_start", lambda: None)  # pytest's own collector
    monkeypatch.setattr(cli, "started", lambda: None)
    monkeypatch.setattr(cli, "_leave_at_once", leave("now"))
    monkeypatch.setattr(cli.sys, "exit", leave("join"))
    for abandoned in ([blocked], []):
        monkeypatch.setattr(execution, "ABANDONED", abandoned)
        with pytest.raises(SystemExit):
            cli.entry()
    release.set()
    assert exits == [("now", 3), ("join", 3)]


ABANDONING = """
import threading
from negsim import cli, execution
pool = execution.LocalPool(1)
assert pool.submit(int, 1).result() == 1
held = pool._pool._call_queue, pool._pool._result_queue  # as a blocked pool thread holds them
pool.stop()
blocked = threading.Thread(target=threading.Event().wait, daemon=True)
blocked.start()
execution.ABANDONED.append(blocked)
cli.main = lambda: 3
cli.entry()
"""


def test_leaving_past_an_abandoned_thread_leaves_nothing_behind(tmp_path: Path) -> None:
    """The pool's queues hold named semaphores and its forkserver a socket in a temporary
    folder, removed by multiprocessing's exit handlers; leaving at once must still remove
    them, or the resource tracker (which shares stderr) prints a warning after the one-line
    error and TMPDIR keeps a pymp-* folder (both seen in CI after a full disk)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", ABANDONING], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_freed_memory_is_kept_for_the_next_chunk_where_glibc_allows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The allocator setting the CLI and every worker apply: it takes effect on Linux with
    glibc (this machine), and elsewhere does nothing and says so, never raising."""
    import ctypes
    import sys

    from negsim import processes

    has_glibc = sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "mallopt")
    assert processes.keep_freed_memory() is has_glibc
    monkeypatch.setattr(sys, "platform", "darwin")
    assert processes.keep_freed_memory() is False


def test_a_table_without_inputs_is_the_same_rows_less_the_in_columns() -> None:
    """negsim run asks its tasks for no ``in:`` columns (it keeps none): what they send is
    the full table's other columns, unchanged, for runs that completed and runs that failed."""
    from negsim.runner import failed_results, stream_parallel

    cp = compile_scenario(load_scenario(MINI))
    full = run_many(cp, range(30), 5).frame
    assert any(c.startswith("in:") for c in full.columns)
    rest = [c for c in full.columns if not c.startswith("in:")]
    parts: list[pd.DataFrame] = []
    stream_parallel(
        str(MINI), (), range(30), 5, lambda r: parts.append(r.frame), executor=SerialExecutor(),
        per_task=7, compiled=cp, inputs=False,
    )  # fmt: skip
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), full[rest])
    lost = failed_results(cp, [3, 4], 5, "batch", {}, "gone", inputs=False).frame
    kept = failed_results(cp, [3, 4], 5, "batch", {}, "gone").frame
    pd.testing.assert_frame_equal(lost, kept[[c for c in kept.columns if c in rest]])
