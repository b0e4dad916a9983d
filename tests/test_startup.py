"""A command's process puts off the garbage collector while it starts, and only then.

Each case runs in a fresh interpreter: the collector's state is the whole process's, and
pytest's own must not change."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from .conftest import SCENARIOS


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_collector_runs_again_after_the_first_chunk_with_the_start_frozen() -> None:
    out = _python(f"""
        import gc
        from negsim.processes import collect_after_start
        from negsim.runner import iter_runs
        from negsim.scenario.compile import compile_scenario
        from negsim.scenario.load import load_scenario
        collect_after_start(within=None)
        print(gc.isenabled())
        cp = compile_scenario(load_scenario({str(SCENARIOS / "baseline.yaml")!r}))
        parts = iter_runs(cp, range(6), 0, chunk=3)
        frozen = gc.get_freeze_count()
        next(parts)
        print(gc.isenabled(), gc.get_freeze_count() > frozen + 1000)
        next(parts)
        print(gc.isenabled())
    """)
    assert out == ["False", "True", "True", "True"]


def test_a_command_that_runs_no_chunk_collects_again_within_the_limit() -> None:
    out = _python("""
        import gc, time
        from negsim.processes import collect_after_start
        frozen = gc.get_freeze_count()
        collect_after_start(within=0.2)
        print(gc.isenabled())
        time.sleep(1.0)
        print(gc.isenabled(), gc.get_freeze_count() == frozen)  # maybe mid-compile: no freeze
    """)
    assert out == ["False", "True", "True"]


def test_a_workers_watch_keeps_its_time_limit() -> None:
    """A worker inherits the forkserver's setting, which has no timer: its watch thread
    resumes the collector after START seconds if no chunk has (a first compilation)."""
    out = _python("""
        import gc, os, threading, time
        from negsim import processes
        processes.START = 0.3
        collect_after_start = processes.collect_after_start
        collect_after_start(within=None)
        me = os.getpid()
        watch = (me, processes.start_time(me), os.getppid())
        threading.Thread(target=processes._watch, args=watch, daemon=True).start()
        print(gc.isenabled())
        time.sleep(1.5)
        print(gc.isenabled())
    """)
    assert out == ["False", "True"]


def test_a_library_users_own_setting_is_left_alone() -> None:
    out = _python("""
        import gc
        from negsim.processes import collect_after_start, started
        frozen = gc.get_freeze_count()  # not 0 on every Python (3.12 freezes some at start)
        gc.disable()
        collect_after_start(within=None)
        started()
        print(gc.isenabled(), gc.get_freeze_count() == frozen)
        gc.enable()
        started()  # nothing was put off: nothing more is frozen
        print(gc.isenabled(), gc.get_freeze_count() == frozen)
    """)
    assert out == ["False", "True", "True", "True"]


def test_the_command_line_leaves_the_collector_on(tmp_path) -> None:
    """``negsim`` in its own process: the collector is back on by the end of the command
    (here a validation, which runs no chunk)."""
    out = _python(f"""
        import atexit, gc, sys
        atexit.register(lambda: print("collecting", gc.isenabled()))
        sys.argv = ["negsim", "validate", {str(SCENARIOS / "baseline.yaml")!r}]
        from negsim.cli import entry
        entry()
    """)
    assert out[-2:] == ["collecting", "True"]
