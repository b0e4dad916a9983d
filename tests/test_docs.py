"""The documentation builds (``mkdocs build --strict``), offline, from the docstrings of the
public API and the parser's own --help texts, so neither can drift from the code unnoticed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
API = (  # each a heading of the API page, from its docstring
    "negsim.api.load",
    "negsim.api.Scenario.with_values",
    "negsim.api.run",
    "negsim.api.Result",
    "negsim.api.Result.shares",
    "negsim.api.Result.transcript",
    "negsim.api.sweep",
)

pytest.importorskip("mkdocstrings_handlers.python", reason="needs the docs extra")


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_docs_build_strict_with_api_and_commands(tmp_path: Path) -> None:
    from negsim.cli import build_parser

    done = _build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert done.returncode == 0, done.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    for name in API:
        assert f'id="{name}"' in api, name
    assert ":meth:" not in api  # the Sphinx roles are shown as the code they name
    cli = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "{{ negsim_help }}" not in cli
    commands = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices)
    for name in commands.choices:
        assert f"negsim {name}" in cli, name
    assert "--runs RUNS" in cli  # run's options, from its parser


def test_a_documented_object_that_disappears_fails_the_build(tmp_path: Path) -> None:
    """The same site with the API page naming an object that does not exist: the strict
    build fails and names it (what happens when a documented function is removed)."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    api = tmp_path / "docs" / "api.md"
    api.write_text(api.read_text() + "\n::: negsim.api.no_such_function\n", encoding="utf-8")
    done = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "negsim.api.no_such_function" in done.stderr + done.stdout
