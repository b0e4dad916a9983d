"""mkdocs hook: the command-line page shows what ``negsim --help`` and ``negsim COMMAND
--help`` print, taken from the parser itself at build time, so the page cannot drift from
the commands."""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

MARKER = "{{ negsim_help }}"


def help_texts() -> dict[str, str]:
    """``{"negsim": top-level help, "negsim run": run's help, ...}`` at a fixed width."""
    from negsim.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; the page has one width
    parser = build_parser()
    out = {"negsim": parser.format_help()}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[f"negsim {name}"] = sub.format_help()
    return out


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if MARKER not in markdown:
        return markdown
    parts = [f"## `{cmd}`\n\n```text\n{text.rstrip()}\n```\n" for cmd, text in help_texts().items()]
    return markdown.replace(MARKER, "\n".join(parts))


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """The docstrings' Sphinx roles (``:meth:`x```) shown as the plain code they name."""
    return re.sub(r":(?:meth|func|class|attr|mod|exc|data):(<code>)", r"\1", html)
