"""Every kind of bad input ends in one clear line and exit status 2, through the real CLI.

Each file in ``tests/bad_input/`` is one mistake. Its first line says what is wrong and what the
error must say: ``# what is wrong | expect: fragment | line: N | file: other.yaml`` (``line``
and ``file`` are optional: the line the error must name, and the file it must name when that is
not the file itself, e.g. a broken base reached through ``extends:``). Inputs too large to commit
(a huge file, an endless device) are made here.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from negsim.cli import main

from .conftest import MINI, ROOT, negsim_cli

CORPUS_DIR = Path(__file__).resolve().parent / "bad_input"
CORPUS = sorted(CORPUS_DIR.glob("*.yaml"))
SECONDS = 10.0  # per call; a clean rejection takes milliseconds, a hang takes forever
PWNED = Path("/tmp/negsim_bad_input_pwned")  # what python_object_apply.yaml would create


def header(path: Path) -> dict[str, str]:
    """The fields of the first-line comment (read as bytes: some files are not UTF-8)."""
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    assert first.startswith("# "), f"{path.name}: first line must say what is wrong"
    what, *fields = first[2:].split(" | ")
    out = {"what": what}
    for f in fields:
        key, _, value = f.partition(": ")
        out[key] = value
    assert "expect" in out, f"{path.name}: first line needs '| expect: ...'"
    return out


def check_error(err: str, path: Path, head: dict[str, str]) -> None:
    """One line, naming the file (and line), containing the expected fragment, no traceback."""
    assert "Traceback" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, f"not exactly one line: {err!r}"
    named = path.parent / head["file"] if "file" in head else path
    prefix = f"negsim: error: {named}"
    if "line" in head:
        prefix += f":{head['line']}: "
    assert err.startswith(prefix), f"expected {prefix!r}, got {err!r}"
    assert head["expect"] in err, f"expected {head['expect']!r} in {err!r}"


def test_corpus_is_large_and_documented() -> None:
    assert len(CORPUS) >= 60
    for path in CORPUS:
        header(path)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_validate_rejects(path: Path, capsys) -> None:
    started = time.perf_counter()
    status = main(["validate", str(path)])
    elapsed = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    check_error(err, path, header(path))
    assert elapsed < SECONDS
    assert not PWNED.exists()


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_run_rejects_and_writes_nothing(path: Path, tmp_path: Path, capsys) -> None:
    out_dir = tmp_path / "out"
    started = time.perf_counter()
    status = main(["run", str(path), "--runs", "2", "--out", str(out_dir)])
    elapsed = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    check_error(err, path, header(path))
    assert elapsed < SECONDS
    assert not out_dir.exists()
    assert not PWNED.exists()


# (file, command): `run` imports the whole model (~3 s a process), `validate` only the loader
SUBPROCESS_CASES = [
    ("python_object_apply.yaml", "run"),
    ("billion_laughs.yaml", "run"),
    ("hours_huge.yaml", "run"),
    ("group_layers.yaml", "run"),
    ("alias_bomb_many.yaml", "validate"),
    ("deep_nesting_lists.yaml", "validate"),
    ("binary_garbage.yaml", "validate"),
    ("extends_cycle_a.yaml", "validate"),
    ("nan_salience.yaml", "validate"),
    ("inf_hours.yaml", "validate"),
]


def cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return negsim_cli(*args, timeout=timeout, cwd=ROOT, env=env)


@pytest.mark.parametrize(("name", "command"), SUBPROCESS_CASES)
def test_real_process_rejects(name: str, command: str, tmp_path: Path) -> None:
    path = CORPUS_DIR / name
    out_dir = tmp_path / "out"
    extra = ["--runs", "2", "--out", str(out_dir)] if command == "run" else []
    done = cli(command, str(path), *extra)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    check_error(done.stderr, path, header(path))
    assert not out_dir.exists()
    assert not PWNED.exists()


def test_validate_many_files_reports_each(capsys) -> None:
    files = [str(MINI), *map(str, CORPUS[:5])]
    assert main(["validate", *files]) == 2
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and "ok" in out
    assert err.count("\n") == 5 and "Traceback" not in err


# --- inputs made here rather than committed ---------------------------------------------------


def rejected(args: list[str], capsys) -> str:
    started = time.perf_counter()
    assert main(args) == 2
    assert time.perf_counter() - started < SECONDS
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("", "file is empty"),
        ("\n\n   \n", "file is empty"),
        ("---\n...\n", "must be a mapping, not null"),
        ("\ufeff", "file is empty"),
    ],
    ids=["empty", "blank", "empty-document", "only-bom"],
)
def test_empty_inputs(text: str, expect: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    err = rejected(["validate", str(path)], capsys)
    assert err.startswith(f"negsim: error: {path}") and expect in err


def test_huge_file_is_refused_before_parsing(tmp_path: Path, capsys) -> None:
    path = tmp_path / "huge.yaml"
    filler = "# padding " + "x" * 90 + "\n"
    path.write_text(MINI.read_text() + filler * 25_000)  # ~2.5 MB of otherwise valid YAML
    err = rejected(["validate", str(path)], capsys)
    assert f"{path}: " in err and "limit is 2,000,000" in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_input_is_not_read_to_the_end(capsys) -> None:
    err = rejected(["validate", "/dev/zero"], capsys)  # refused before a byte is read
    assert "not a regular file" in err


@pytest.mark.parametrize(
    ("target", "expect"),
    [("missing.yaml", "file not found"), (".", "is a folder")],
)
def test_unreadable_paths(target: str, expect: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / target
    err = rejected(["validate", str(path)], capsys)
    assert expect in err


def test_largest_allowed_file_is_read_in_bounded_time(tmp_path: Path, capsys) -> None:
    """Just under the size limit, 300,000 list items: refused in seconds, not minutes."""
    text = MINI.read_text().replace(
        "description: Small test scenario (not historical).", "description:\n" + "  - 1\n" * 300_000
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert len(text) < 2_000_000
    started = time.perf_counter()
    assert main(["validate", str(path)]) == 2
    assert time.perf_counter() - started < 30
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "description: expected text, got a list" in err


def test_groups_nested_thousands_deep(tmp_path: Path, capsys) -> None:
    """Deeper than Python's recursion limit: refused by a rule, not by a RecursionError."""
    chain = "".join(f"  g{k}: {{members: [g{k - 1}]}}\n" for k in range(1, 3000))
    text = MINI.read_text().replace("groups:\n", "groups:\n  g0: {members: [usa]}\n" + chain)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    err = rejected(["run", str(path), "--runs", "2"], capsys)
    assert "groups nest 3000 levels deep" in err


def test_too_many_actors(tmp_path: Path, capsys) -> None:
    many = "".join(f"  a{k}: {{name: A{k}}}\n" for k in range(600))
    path = tmp_path / "s.yaml"
    path.write_text(MINI.read_text().replace("actors:\n", "actors:\n" + many))
    err = rejected(["validate", str(path)], capsys)
    assert "actors: takes at most 500 entries, got 605" in err


def test_huge_file_in_a_real_process(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"name: x\ndescription: " + b"y" * 3_000_000 + b"\n")
    done = cli("validate", str(path))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "limit is 2,000,000" in done.stderr


# --- bad --set overrides ---------------------------------------------------------------------

BAD_SETS = [
    ("actors.russia.capability", "--set expects PATH=VALUE"),
    ("actors.rusia.capability=0.3", "no 'rusia' under 'actors'"),
    ("actors.russia.capability=abc", "expected a number, got 'abc'"),
    ("actors.russia.capability=.nan", "expected a finite number, got nan"),
    ("actors.russia.capability=true", "expected a number, got true"),
    ("actors.russia.capability=7", "outside the allowed range"),
    ("rules.horizon={uniform: [9, 5]}", "uniform needs low < high"),
    ("rules.horizon={uniform: [5, 9]", "invalid YAML"),
    ("name=!!python/object/apply:os.system ['touch /tmp/negsim_bad_input_pwned']", "not allowed"),
    ("extends=other.yaml", "'extends' cannot be changed with --set"),
    ("actors.russia.linkage.5.threshold=0.1", "index 5 is out of range"),
    ("actors.russia.linkage.0.threshold=2", "outside the allowed range"),
    ("actors.russia.capability.x=1", "holds a value, not a mapping"),
    ("actors.russia.colour=red", "unknown key"),
    ("=1", "unknown key"),
    ("forums.council.hours=.inf", "expected a finite number, got inf"),
]


@pytest.mark.parametrize(("assignment", "expect"), BAD_SETS, ids=[s for s, _ in BAD_SETS])
def test_bad_set_override(assignment: str, expect: str, tmp_path: Path, capsys) -> None:
    out_dir = tmp_path / "out"
    err = rejected(
        ["run", str(MINI), "--runs", "2", "--set", assignment, "--out", str(out_dir)], capsys
    )
    assert err.startswith(f"negsim: error: {MINI}"), err
    assert expect in err, err
    assert not out_dir.exists()
    assert not PWNED.exists()


def test_set_error_names_the_override_not_a_stale_line(capsys) -> None:
    err = rejected(
        ["run", str(MINI), "--runs", "2", "--set", "actors.russia.linkage.0.threshold=2"], capsys
    )
    # the file's own line for that threshold must not be blamed for the override's value
    assert re.match(rf"negsim: error: {re.escape(str(MINI))}: ", err), err
    assert "(from --set actors.russia.linkage.0.threshold=2)" in err


def test_bad_set_in_a_real_process(tmp_path: Path) -> None:
    done = cli("run", str(MINI), "--runs", "2", "--set", "actors.russia.capability=.inf")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "finite" in done.stderr and "Traceback" not in done.stderr
