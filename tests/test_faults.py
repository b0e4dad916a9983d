"""Fault injection: what negsim does when the input, the disk, the folder or the processes go
wrong. Every case ends in one line and a documented exit status, never a traceback, and never
loses or mixes runs: where a sweep completes, its table equals the uninterrupted one.

Each test is bounded in time (subprocesses have timeouts; the sweeps are a few hundred runs of
the small test scenario).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from negsim import dynamics
from negsim.cli import main
from negsim.execution import LOST, LocalPool
from negsim.experiments import load_results, run_experiment
from negsim.folders import LOCK
from negsim.processes import alive

from .conftest import MINI, SWEEP_EXP, Interrupted, negsim_cli


def write_exp(folder: Path, reps: int = 5, chunk: int = 4, **lines: str) -> Path:
    """The experiment, with top-level keys replaced (``lines``: key -> YAML text)."""
    text = SWEEP_EXP.format(name="faults", mini=MINI, reps=reps, chunk=chunk)
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


# --- silent wrong results: foreign and damaged chunks ----------------------------------------


def interrupted(exp: Path, out: Path, n: int, **options: object) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, out=out, executor=Interrupted(n), **options)


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The uninterrupted sweep (5 chunks of 4 runs) every recovered one must equal."""
    folder = tmp_path_factory.mktemp("expected")
    return run_experiment(write_exp(folder), out=folder / "out", workers=1)


def part(out: Path, i: int) -> Path:
    return out / "chunks" / f"part-{i:06d}.parquet"


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "zero bytes": lambda p: p.write_bytes(b""),
    "flipped byte": lambda p: p.write_bytes(
        (lambda b: b[:100] + bytes([b[100] ^ 0xFF]) + b[101:])(p.read_bytes())
    ),
    "removed from the manifest": lambda p: _unlist(p),
}


def _unlist(path: Path) -> None:
    manifest_path = path.parent.parent / "manifest.json"
    doc = json.loads(manifest_path.read_text())
    doc["chunks"].pop(str(int(path.stem.split("-")[1])))
    manifest_path.write_text(json.dumps(doc))


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_damaged_chunk_is_reported_and_recomputed(
    tmp_path: Path, capsys: pytest.CaptureFixture, expected: pd.DataFrame, how: str
) -> None:
    exp, out = write_exp(tmp_path), tmp_path / "out"
    interrupted(exp, out, 3)
    DAMAGE[how](part(out, 1))
    assert main(sweep_args(exp, out, "--resume")) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "part-000001.parquet" in err and "Traceback" not in err
    pd.testing.assert_frame_equal(load_results(out), expected)


def test_a_chunk_of_another_seed_is_not_mixed_in(
    tmp_path: Path, capsys: pytest.CaptureFixture, expected: pd.DataFrame
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    exp_other = write_exp(other, seed="4")
    interrupted(exp_other, other / "out", 4)  # chunks 0-2 written
    exp, out = write_exp(tmp_path), tmp_path / "out"
    interrupted(exp, out, 3)  # chunks 0 and 1 written (the submission of chunk 3 is stopped)
    shutil.copy(part(other / "out", 2), part(out, 2))  # dropped in by hand
    assert main(sweep_args(exp, out, "--resume")) == 0
    assert "part-000002.parquet not listed in the manifest" in capsys.readouterr().err
    pd.testing.assert_frame_equal(load_results(out), expected)


def test_resuming_with_another_engine_does_not_mix_engines(
    tmp_path: Path, capsys: pytest.CaptureFixture, expected: pd.DataFrame
) -> None:
    exp, out = write_exp(tmp_path), tmp_path / "out"
    interrupted(exp, out, 3, engine="agent")
    assert main(sweep_args(exp, out, "--resume")) == 0
    assert "made by the agent engine" in capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == "batch"
    assert manifest["status"] == "complete"
    pd.testing.assert_frame_equal(load_results(out), expected)


# --- folders: --force removes only negsim's files; modes follow the umask ----------------------


def test_force_removes_only_the_files_negsim_wrote(tmp_path: Path) -> None:
    exp, out = write_exp(tmp_path), tmp_path / "out"
    interrupted(exp, out, 3)
    (out / "plots").mkdir()
    mine = [out / "notes.txt", out / "plots" / "mine.png", out / "chunks" / "keep.parquet"]
    for path in mine:
        path.write_text("the user's own")
    run_experiment(exp, out=out, workers=1, force=True, plots=True)
    assert all(p.read_text() == "the user's own" for p in mine)
    listed = json.loads((out / "manifest.json").read_text())["plots"]
    assert listed and "plots/mine.png" not in listed
    run_experiment(exp, out=out, workers=1, force=True)  # again: the listed plots go
    assert all(p.exists() for p in mine)
    assert sorted(p.name for p in (out / "plots").iterdir()) == ["mine.png"]


def test_output_files_honour_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        run_experiment(write_exp(tmp_path), out=tmp_path / "out", workers=1)
    finally:
        os.umask(old)
    for name in ("runs.parquet", "manifest.json", "summary.csv", "scenario.yaml"):
        assert stat.S_IMODE((tmp_path / "out" / name).stat().st_mode) == 0o664, name


# --- disk and folders: one line, its own exit status, nothing lost ---------------------------


cli = negsim_cli


def file_size_limit(limit: int):
    """preexec_fn: files may grow to ``limit`` bytes, then writes fail with EFBIG (as on a full
    disk); SIGXFSZ is ignored so the write fails instead of killing the process."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_is_one_line_and_resume_completes_the_same_table(tmp_path: Path) -> None:
    exp, out = write_exp(tmp_path, reps=200, chunk=20), tmp_path / "out"  # 800 runs, 40 chunks
    expected = run_experiment(exp, workers=1)
    args = sweep_args(exp, out)
    full = cli(*args, preexec_fn=file_size_limit(50_000))  # chunks fit, runs.parquet does not
    assert full.returncode == 3, full.stderr
    err = one_line(full.stderr)
    assert f"{out}/runs.parquet: cannot write: " in err and "--resume" in err
    assert len(list((out / "chunks").glob("part-*.parquet"))) == 40  # nothing lost
    done = cli(*args, "--resume")
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(load_results(out), expected)


def test_a_full_disk_under_the_runs_spool_says_where_and_what_to_do(tmp_path: Path) -> None:
    """Without --out, negsim run spools its summary's columns to TMPDIR: a full disk there is
    one line naming that file and TMPDIR, with exit status 3, and leaves no spool behind."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    args = ("run", str(MINI), "--runs", "20000", "--eu-runs", "0")
    full = cli(*args, env=env, preexec_fn=file_size_limit(20_000))
    assert full.returncode == 3, full.stderr
    err = one_line(full.stderr)
    assert "spool.parquet: cannot write: " in err and "TMPDIR" in err
    assert str(tmp) in err
    assert list(tmp.iterdir()) == []  # the spool's folder is removed with it
    assert cli(*args, env=env).returncode == 0  # with room, the same command runs


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process may not write into: read-only by mode, or (root may write
    anywhere) a folder under /sys, which refuses even root."""
    if os.geteuid() != 0:
        out = tmp_path / "out"
        out.mkdir(mode=0o555)
        return out
    out = Path("/sys/negsim-fault-test/out")
    try:
        out.parent.mkdir()
    except OSError:
        return out
    out.parent.rmdir()  # pragma: no cover
    pytest.skip("no folder refuses root here")


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    exp, out = write_exp(tmp_path), unwritable_folder(tmp_path)
    done = cli(*sweep_args(exp, out))
    assert done.returncode == 3, done.stderr
    err = one_line(done.stderr)
    assert str(out) in err and ("permission denied" in err or "not permitted" in err), err
    assert not out.exists() or list(out.iterdir()) == []


def test_run_out_refuses_a_sweep_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    exp, out = write_exp(tmp_path), tmp_path / "out"
    run_experiment(exp, out=out, workers=1)
    before = (out / "runs.parquet").read_bytes()
    assert main(["run", str(MINI), "--runs", "3", "--out", str(out)]) == 2
    assert "holds the results of a sweep" in one_line(capsys.readouterr().err)
    assert (out / "runs.parquet").read_bytes() == before


def test_a_lock_held_by_a_live_process_refuses_and_a_stale_one_is_taken_over(
    tmp_path: Path, capsys: pytest.CaptureFixture, expected: pd.DataFrame
) -> None:
    exp, out = write_exp(tmp_path), tmp_path / "out"
    interrupted(exp, out, 3)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / LOCK).write_text(json.dumps({"pid": live.pid, "command": "sweep"}))
        assert main(sweep_args(exp, out, "--resume")) == 4
        assert f"in use by negsim process {live.pid}" in one_line(capsys.readouterr().err)
        assert main(sweep_args(exp, out, "--force")) == 4  # --force does not break a live lock
    finally:
        live.kill()
        live.wait()
    assert (out / "chunks" / "part-000000.parquet").exists()  # nothing touched meanwhile
    assert main(sweep_args(exp, out, "--resume")) == 0  # its owner is gone: stale
    pd.testing.assert_frame_equal(load_results(out), expected)
    assert not (out / LOCK).exists()


def test_a_second_sweep_on_a_running_folder_refuses(tmp_path: Path, expected: pd.DataFrame) -> None:
    exp, out = write_exp(tmp_path), tmp_path / "out"
    args = sweep_args(exp, out)
    first = subprocess.Popen([sys.executable, "-m", "negsim.cli", *args])
    try:
        deadline = time.monotonic() + 60
        while not (out / LOCK).exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(first.pid, signal.SIGSTOP)  # frozen while it holds the folder
        for extra in (["--resume"], ["--force"]):
            second = cli(*args, *extra)
            assert second.returncode == 4, second.stderr
            assert f"in use by negsim process {first.pid}" in one_line(second.stderr)
        os.kill(first.pid, signal.SIGCONT)
        assert first.wait(timeout=60) == 0
    finally:
        first.kill()
        first.wait()
    pd.testing.assert_frame_equal(load_results(out), expected)


# --- signals and processes: clean stops, no orphans, workers that die --------------------------


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid`` (pid -> start time), from /proc: psutil is not needed."""
    parent: dict[int, int] = {}
    start: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry.name)], start[int(entry.name)] = int(fields[1]), fields[19]
    found, todo = {}, [pid]
    while todo:
        p = todo.pop()
        for child, ppid in parent.items():
            if ppid == p and child not in found:
                found[child] = start[child]
                todo.append(child)
    return found


def survivors(procs: dict[int, str], within: float) -> list[int]:
    """The processes of ``procs`` still running (not gone, not a zombie) after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        left = [p for p, s in procs.items() if alive(p, s)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.fixture(scope="module")
def long_expected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A sweep long enough to be stopped in the middle (4,000 runs in 40 chunks)."""
    folder = tmp_path_factory.mktemp("long")
    exp = write_exp(folder, reps=1000, chunk=100)
    return exp, run_experiment(exp, workers=1)


def start_and_stop(exp: Path, out: Path, signum: int) -> tuple[subprocess.Popen, dict[int, str]]:
    """Start a two-worker sweep, wait for its first chunk, send ``signum`` to the main process
    alone; return it and the processes it had started."""
    cmd = [sys.executable, "-m", "negsim.cli", *sweep_args(exp, out)[:-4], "--workers", "2"]
    proc = subprocess.Popen([*cmd, "--quiet", "--no-plots"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob("chunks/part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.01)
    procs = descendants(proc.pid)
    assert proc.poll() is None and len(procs) >= 3, "no pool to stop (forkserver, 2 workers)"
    os.kill(proc.pid, signum)
    return proc, procs


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_the_pool_keeps_the_chunks_and_says_resume(
    tmp_path: Path, long_expected: tuple[Path, pd.DataFrame], signum: int
) -> None:
    exp, expected = long_expected
    out = tmp_path / "out"
    proc, procs = start_and_stop(exp, out, signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert f"interrupted by {signal.Signals(signum).name}" in err and "--resume" in err
    assert survivors(procs, 10) == []  # workers, forkserver, resource tracker: all gone
    assert not (out / LOCK).exists()
    done = cli(*sweep_args(exp, out, "--resume"))
    assert done.returncode == 0, done.stderr
    got = load_results(out)
    assert got["run"].is_unique and len(got) == len(expected)  # nothing lost or doubled
    pd.testing.assert_frame_equal(got, expected)


def test_no_process_outlives_a_sigkilled_main_process(
    tmp_path: Path, long_expected: tuple[Path, pd.DataFrame]
) -> None:
    exp, expected = long_expected
    out = tmp_path / "out"
    proc, procs = start_and_stop(exp, out, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert survivors(procs, 10) == []  # the workers noticed their parent was gone
    done = cli(*sweep_args(exp, out, "--resume"))  # the dead owner's lock is stale
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(load_results(out), expected)


def die_on_chunk(fn, job):  # runs in a worker: module level, so it pickles by name
    """A worker that dies hard (as under the OOM killer) whenever it gets chunk 2."""
    if job.index == 2:
        os._exit(9)
    return fn(job)


class DyingPool(LocalPool):
    def submit(self, fn, /, *args, **kwargs):
        return super().submit(die_on_chunk, fn, *args, **kwargs)


def test_a_worker_that_dies_twice_has_its_runs_recorded_as_failed(
    tmp_path: Path, expected: pd.DataFrame
) -> None:
    pool = DyingPool(2)
    try:
        got = run_experiment(write_exp(tmp_path), out=tmp_path / "out", executor=pool)
    finally:
        pool.shutdown()
    lost = got["run"].between(8, 11)  # chunk 2 of 4 runs each
    assert got["run"].tolist() == list(range(20))  # the sweep finished: nothing missing
    assert (got.loc[lost, "error"] == LOST).all() and got.loc[lost, "outcome"].isna().all()
    pd.testing.assert_frame_equal(got[~lost], expected[~lost])


def test_a_worker_killed_once_is_retried_and_nothing_is_lost(
    tmp_path: Path, long_expected: tuple[Path, pd.DataFrame]
) -> None:
    exp, expected = long_expected
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "negsim.cli", *sweep_args(exp, out)[:-4], "--workers", "2"]
    proc = subprocess.Popen([*cmd, "--quiet", "--no-plots"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob("chunks/part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = set(descendants(proc.pid)) - children(proc.pid)  # grandchildren: the workers
    assert workers, "no worker to kill"
    os.kill(min(workers), signal.SIGKILL)  # as the OOM killer would
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    pd.testing.assert_frame_equal(load_results(out), expected)


def children(pid: int) -> set[int]:
    """Direct children of ``pid`` (the forkserver and the resource tracker of a sweep)."""
    out = set()
    for entry in Path("/proc").iterdir():
        try:
            if (
                entry.name.isdigit()
                and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid
            ):
                out.add(int(entry.name))
        except OSError:
            continue
    return out


# --- every run fails: an honest summary, no crash in the plots ---------------------------------


def always_fails(cp, params):
    raise FloatingPointError("injected failure")


def test_when_every_run_fails_run_says_so(monkeypatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(dynamics, "simulate", always_fails)
    assert main(["run", str(MINI), "--runs", "5", "--workers", "1"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("mini: all 5 runs failed") and "FloatingPointError" in out, out
    assert "0.000" not in out and "Traceback" not in err


def test_when_every_run_fails_the_sweep_finishes_without_plots(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(dynamics, "simulate", always_fails)
    exp, out = write_exp(tmp_path), tmp_path / "out"
    args = ["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]
    assert main([*args, "--discover", "breakdown"]) == 1
    text, err = capsys.readouterr()
    assert "all 20 runs failed" in text and "every run failed" in text and "Traceback" not in err
    assert len(load_results(out)) == 20


# --- early refusal: inputs that would hang, addresses that do not answer, --set blamed -----------


def test_a_fifo_or_stdin_as_scenario_or_base_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    child = tmp_path / "child.yaml"
    child.write_text("extends: /dev/stdin\nname: child\n")
    for target in (fifo, child):
        done = cli("validate", str(target), timeout=30)
        assert done.returncode == 2 and "not a regular file" in one_line(done.stderr)
    with subprocess.Popen(  # /dev/stdin is an open pipe nobody writes to
        [sys.executable, "-m", "negsim.cli", "run", str(child), "--runs", "2"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "not a regular file" in one_line(err)


def test_a_sweep_too_large_for_the_disk_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture
) -> None:
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=10**6))  # 1 MB
    exp, out = write_exp(tmp_path, reps=10_000), tmp_path / "out"  # 40,000 runs
    assert main(sweep_args(exp, out)) == 3
    err = one_line(capsys.readouterr().err)
    assert "40,000 runs need about" in err and "MiB are free" in err
    assert not out.exists()


def test_a_run_too_large_for_its_spool_is_refused_with_the_estimate(
    capsys: pytest.CaptureFixture,
) -> None:
    """Without --out the summary's columns are spooled to the temporary folder's disk."""
    assert main(["run", str(MINI), "--runs", str(10**12)]) == 3
    err = one_line(capsys.readouterr().err)
    assert "1,000,000,000,000 runs need about" in err and "are free on the disk of" in err


class Silent:
    """A TCP server that accepts and never speaks (like a web server waiting for a request)."""

    def __enter__(self) -> int:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()
        return self.sock.getsockname()[1]

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.conns.append(self.sock.accept()[0])

    def __exit__(self, *exc: object) -> None:
        for c in self.conns:
            c.close()
        self.sock.close()


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


@pytest.mark.parametrize("kind", ["nonsense", "closed", "silent"])
def test_a_bad_scheduler_address_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture, kind: str
) -> None:
    exp, out = write_exp(tmp_path), tmp_path / "out"
    with Silent() as silent_port:
        address = {
            "nonsense": "not an address",
            "closed": f"tcp://127.0.0.1:{free_port()}",
            "silent": f"tcp://127.0.0.1:{silent_port}",
        }[kind]
        started = time.monotonic()
        status = main(["sweep", str(exp), "--out", str(out), "--scheduler", address, "--quiet"])
    assert status == (2 if kind == "nonsense" else 5)
    err = one_line(capsys.readouterr().err)
    assert "--scheduler" in err and time.monotonic() - started < 10
    assert not out.exists()


def test_a_set_that_breaks_a_distribution_is_blamed_not_the_files_line(
    capsys: pytest.CaptureFixture,
) -> None:
    arg = "actors.russia.concession.beta.uniform.0=0.9"  # low above the file's high 0.6
    assert main(["run", str(MINI), "--runs", "2", "--set", arg]) == 2
    err = one_line(capsys.readouterr().err)
    assert f"(from --set {arg})" in err and f"{MINI}:35" not in err, err


def test_a_read_only_file_system_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    """A folder on a file system mounted read-only (root may write anywhere else): run --out
    and sweep --out each end in one line naming the path and exit 3, not a traceback. The
    mount lives in a private mount namespace (unshare -m), gone with the command."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a read-only file system")
    ro = tmp_path / "ro"
    ro.mkdir()
    exp = write_exp(tmp_path)
    for args in (
        ["run", str(MINI), "--runs", "5", "--out", f"{ro}/out"],
        sweep_args(exp, ro / "sweep"),
    ):
        negsim = shlex.join([sys.executable, "-m", "negsim.cli", *map(str, args)])
        mount = f"mount -t tmpfs -o ro,size=1m tmpfs {shlex.quote(str(ro))} && {negsim}"
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", mount],
            capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
        if "unshare" in done.stderr and done.returncode != 3:
            pytest.skip(f"no private mount namespace here: {done.stderr.strip()}")
        assert done.returncode == 3, done.stderr
        err = one_line(done.stderr)
        assert str(ro) in err and "read-only" in err, err
    assert list(ro.iterdir()) == []  # the real folder, under the mount, was never touched


class StuckPool(LocalPool):
    """A pool whose first workers die as they send their results, as CPython's reader then
    leaves them: the futures never complete and nothing reports the pool broken; only a
    dead worker shows it. After a restart, tasks run in this process."""

    def __init__(self) -> None:
        self._max_workers, self.generation = 2, 0

    def submit(self, fn, /, *args, **kwargs):
        from concurrent.futures import Future

        fut: Future = Future()
        if self.generation:
            fut.set_result(fn(*args, **kwargs))
        return fut  # the first generation's never complete

    def lost_worker(self) -> bool:
        return self.generation == 0

    def restart(self) -> None:
        self.generation += 1

    def stop(self) -> None:
        pass


def test_a_worker_that_dies_sending_its_result_does_not_hang_the_runs() -> None:
    """The dead worker is noticed though no future completes, and its tasks run again."""
    from negsim.execution import run_tasks

    pool, got = StuckPool(), {}
    runner = threading.Thread(
        target=run_tasks, args=(pool, lambda t: t * 10, range(5), got.__setitem__, str)
    )
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive(), "run_tasks hung on a pool whose worker died"
    assert got == {t: t * 10 for t in range(5)} and pool.generation == 1


def test_a_local_pool_notices_a_killed_worker() -> None:
    pool = LocalPool(1)
    try:
        pool.submit(time.sleep, 0.5).result(timeout=60)  # the worker is up
        assert not pool.lost_worker()
        (proc,) = pool._pool._processes.values()  # type: ignore[attr-defined]
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=10)
        assert pool.lost_worker()
    finally:
        pool.stop()
