"""Fuzzing the loader: whatever the input, it is accepted and runs, or refused in one line.

Three sources of bad input: the text of ``tests/data/mini.yaml`` mutated as a careless editor
(or a broken disk) would, valid generated scenarios mutated structurally, and random ``--set``
overrides. The property is the same for all: the loader either accepts, and then the scenario
compiles and a two-run batch runs, or it raises ``NegsimError`` with a one-line message. Any
other exception is a bug. Hypothesis is derandomized and bounded so this file runs in seconds.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negsim.errors import NegsimError
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario, read_raw, validate
from negsim.scenario.yamlio import Located

from .conftest import MINI
from .strategies import raw_scenarios

FUZZ = settings(
    max_examples=250,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MINI_BYTES = MINI.read_bytes()
WORD = re.compile(rb"[A-Za-z0-9_.\-]+")
NUMBER = re.compile(rb"(?<=[ \[])[0-9][0-9.]*(?=[,\]}\n])")
PLAUSIBLE = [
    b"0",
    b"1",
    b"0.05",
    b"0.3",
    b"0.7",
    b"3",
    b"{uniform: [0.2, 0.8]}",
    b"{normal: [0.5, 0.1]}",
    b"{triangular: [0, 0.5, 1]}",
]
TOKENS = [
    *PLAUSIBLE,
    b"",
    b"~",
    b"null",
    b"true",
    b"no",
    b"-1",
    b"0",
    b"2",
    b"1e9",
    b"1.0e+999",
    b".nan",
    b".inf",
    b"-.inf",
    b"abc",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b"- x",
    b"&a",
    b"*a",
    b"!!python/object/apply:os.system ['true']",
    b"!!binary AA==",
    b"!foo",
    b"'",
    b'"',
    b"<<",
    b"=",
    b"[1, 2, 3]",
    b"{uniform: [1, 0]}",
    b"{normal: [0.5, -1]}",
    b"{normal: [0.5, 100]}",
    b"{triangular: [0, 2, 1]}",
    b"{gaussian: [0, 1]}",
    b"2022-13-45",
    b"2022-01-10",
    b"1" * 5000,
    b"0x1F",
    b"1_0",
    b"7:30",
    b"usa",
    b"russia",
    b"alliance",
    b"all",
    b"core",
    b"arms_control",
    b"sg",
    b"---",
    b"...",
    b"%YAML 1.1",
    "\u2028".encode(),
    b"\x00",
    b"\xff\xfe",
    "é".encode(),
]


def check_outcome(load) -> str:
    """Run ``load``; accepted scenarios must compile and run, refusals must be one line."""
    try:
        scenario = load()
    except NegsimError as exc:
        msg = str(exc)
        assert "\n" not in msg and msg.splitlines() == [msg], repr(msg)
        assert "Traceback" not in msg
        return msg
    cp = compile_scenario(scenario)
    params = draw(cp, [0, 1], 0)[1]
    bad = sorted(k for k, v in params.as_dict().items() if not np.isfinite(v).all())
    assert not bad, f"accepted, but these parameters are not finite: {bad}"
    results = run_many(cp, range(2), 0)
    assert len(results.frame) == 2
    # the runner records a run that raises instead of stopping; for an accepted scenario none may
    errors = results.frame.get("error", pd.Series([""] * 2))
    assert (errors.fillna("") == "").all(), list(errors)
    numeric = results.frame.select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(numeric).any()
    return ""


# --- text mutations ---------------------------------------------------------------------------


TEXT_OPS = [
    *["number"] * 6,
    *["token"] * 2,
    *["delete", "duplicate", "swap", "truncate", "tab", "garbage"],
]


@st.composite
def mutated_text(draw) -> bytes:
    """mini.yaml after one to four careless edits."""
    data = MINI_BYTES
    rnd = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(1, 3))):
        op = rnd.choice(TEXT_OPS)
        lines = data.splitlines(keepends=True)
        if op in ("delete", "duplicate", "swap") and lines:
            i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
            if op == "delete":
                del lines[i]
            elif op == "duplicate":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = b"".join(lines)
        elif op in ("token", "number"):
            pattern, pool = (NUMBER, PLAUSIBLE) if op == "number" else (WORD, TOKENS)
            words = list(pattern.finditer(data))
            if words:
                m = rnd.choice(words)
                data = data[: m.start()] + rnd.choice(pool) + data[m.end() :]
        elif op == "truncate":
            data = data[: rnd.randrange(len(data) + 1)]
        else:
            at = rnd.randrange(len(data) + 1)
            junk = b"\t" if op == "tab" else draw(st.binary(min_size=1, max_size=6))
            data = data[:at] + junk + data[at:]
    return data


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "s.yaml"


@FUZZ
@given(data=mutated_text())
def test_mutated_text_is_run_or_refused_in_one_line(data: bytes, fuzz_file: Path) -> None:
    fuzz_file.write_bytes(data)
    msg = check_outcome(lambda: load_scenario(fuzz_file))
    if msg:
        assert msg.startswith(str(fuzz_file)), msg


# --- structural mutations of generated scenarios ----------------------------------------------

WEIRD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-1.0, 0.0, 1e-300, 1.5, 2.0, 60.0, 1e9, float("nan"), float("inf")]),
    st.text(max_size=8),
    st.sampled_from(["w0", "w1", "r", "west", "all", "i0", "core", "nowhere", ""]),
    st.lists(st.floats(-2, 60, allow_nan=False), max_size=4),
    st.lists(st.sampled_from(["w0", "r", "west", "all", "i0", "core", "nowhere"]), max_size=3),
    st.dictionaries(
        st.sampled_from(["uniform", "triangular", "normal", "gaussian"]),
        st.lists(st.floats(-2, 60, allow_nan=False), max_size=4),
        max_size=2,
    ),
    st.just({}),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
    st.just(10**40),
)


def paths(node: Any, at: tuple = ()) -> list[tuple]:
    """Every path to a value inside nested dicts and lists."""
    out = [at] if at else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*at, i))
    return out


def parent_of(raw: dict, path: tuple) -> Any:
    node: Any = raw
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def mutated_raw(draw) -> dict:
    """A valid generated scenario after one to three structural mutations."""
    raw = copy.deepcopy(draw(raw_scenarios()))
    rnd = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(1, 3))):
        spots = paths(raw)
        numbers = [p for p in spots if isinstance(parent_of(raw, p)[p[-1]], (int, float))]
        op = rnd.choice(["drop", "replace", "replace", "scale", "extra", "edge", "edge", "edge"])
        path = rnd.choice(numbers if op in ("scale", "edge") and numbers else spots)
        parent, key = parent_of(raw, path), path[-1]
        if op == "edge":  # a legal but extreme value: the range ends, tiny spreads
            parent[key] = rnd.choice([0, 1, 0.0, 1.0, 1e-12, 0.999999, 0.5, 5e-324])
        elif op == "drop":
            if isinstance(parent, list):
                parent.pop(key)
            else:
                del parent[key]
        elif op == "replace":
            parent[key] = draw(WEIRD)
        elif op == "scale" and isinstance(parent[key], (int, float)):
            parent[key] = parent[key] * draw(st.sampled_from([-1, 0, 10, 1000, 1e308]))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["colour", "ideal", "rule", "members", "x"]))] = draw(WEIRD)
    return raw


@FUZZ
@given(raw=mutated_raw())
def test_mutated_structure_is_run_or_refused_in_one_line(raw: dict) -> None:
    check_outcome(lambda: validate(raw, Located(), "<fuzz>"))


NOT_A_NUMBER = [
    float("nan"),
    float("inf"),
    float("-inf"),
    True,
    False,
    "0.5",
    "abc",
    dt.date(2022, 1, 10),
    [0.5],
    10**400,
]


@FUZZ
@given(raw=raw_scenarios(), rnd=st.randoms(use_true_random=False))
def test_every_number_refuses_nan_inf_and_non_numbers(raw: dict, rnd) -> None:
    """Wherever a number is read, NaN, infinity, booleans, text and dates are refused."""
    raw = copy.deepcopy(raw)
    numbers = [
        p
        for p in paths(raw)
        if isinstance(parent_of(raw, p)[p[-1]], (int, float))
        and not isinstance(parent_of(raw, p)[p[-1]], bool)
    ]
    path = rnd.choice(numbers)
    bad = rnd.choice(NOT_A_NUMBER)
    parent_of(raw, path)[path[-1]] = bad
    with pytest.raises(NegsimError) as info:
        compile_scenario(validate(raw, Located(), "<fuzz>"))
    assert "\n" not in str(info.value)


# --- random --set overrides -------------------------------------------------------------------

MINI_RAW = read_raw(MINI)[0]
SET_PATHS = [".".join(map(str, p)) for p in paths(MINI_RAW)]
SET_VALUES = [t.decode("utf-8", "replace") for t in TOKENS if b"\x00" not in t]


NUMBER_PATHS = [
    ".".join(map(str, p))
    for p in paths(MINI_RAW)
    if isinstance(parent_of(MINI_RAW, p)[p[-1]], (int, float))
]


@FUZZ
@given(
    path=st.one_of(st.sampled_from(NUMBER_PATHS), st.sampled_from(SET_PATHS), st.text(max_size=12)),
    value=st.one_of(
        st.sampled_from([t.decode() for t in PLAUSIBLE]),
        st.sampled_from(SET_VALUES),
        st.text(max_size=12),
    ),
)
def test_random_set_is_run_or_refused_in_one_line(path: str, value: str) -> None:
    msg = check_outcome(lambda: load_scenario(MINI, [f"{path}={value}"]))
    if msg:
        assert msg.startswith(str(MINI)), msg
