"""Packaging basics: one version everywhere, a licence, a citation and a changelog that agree."""

from __future__ import annotations

import tomllib

import yaml

import negsim

from .conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]


def test_the_version_has_one_source() -> None:
    assert negsim.__version__ == VERSION  # read from the installed metadata
    source = (ROOT / "negsim" / "__init__.py").read_text(encoding="utf-8")
    assert VERSION not in source  # not written down a second time


def test_citation_is_cff_1_2_with_the_packages_version_and_licence() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):  # the keys CFF 1.2.0 requires
        assert cff[key], key
    assert cff["version"] == VERSION
    assert cff["authors"] == [{"name": "negsim authors"}]
    assert cff["license"] == PYPROJECT["project"]["license"]["text"] == "MIT"


def test_licence_file_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 the negsim authors" in text


def test_changelog_has_this_version_and_unreleased() -> None:
    heads = [
        ln
        for ln in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
        if ln.startswith("## ")
    ]
    assert heads[0] == "## Unreleased"
    assert any(h.startswith(f"## {VERSION} ") for h in heads)
