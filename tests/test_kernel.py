"""The compiled kernel: a run's result is its own, and the model is the one the arrays wrote.

Each run is computed by itself in the kernel, so it is bit-identical alone and in any batch
(the numpy engine it replaced differed in the last bits between batch sizes). Against the
numpy engine's stored run states (``tests/data/numpy_engine_reference.npz``, written by the
last commit before the kernel on 24 runs of every shipped scenario), every discrete outcome
is identical and every continuous one agrees to round-off: a change of dynamics, even one
that moves a concession by 1e-9, fails it.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from negsim import dynamics
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario
from negsim.state import RunState

from .conftest import ROOT, SCENARIOS

REFERENCE = ROOT / "tests" / "data" / "numpy_engine_reference.npz"
SHIPPED = sorted(SCENARIOS.glob("**/*.yaml"))


def _state(name: str, runs: np.ndarray | range, seed: int) -> RunState:
    path = next(p for p in SHIPPED if p.stem == name)
    cp = compile_scenario(load_scenario(path))
    return dynamics.simulate(cp, draw(cp, runs, seed)[1])


def _same(a: RunState, b: RunState) -> None:
    for f in fields(RunState):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


def test_a_run_is_bit_identical_alone_and_in_batches_of_1_7_and_512() -> None:
    path = SCENARIOS / "baseline.yaml"
    cp = compile_scenario(load_scenario(path))
    whole = dynamics.simulate(cp, draw(cp, range(512), 9)[1])
    for size in (7, 1):
        for start in (0, 7, 503) if size == 1 else range(0, 512, 7):
            runs = range(start, min(start + size, 512))
            part = dynamics.simulate(cp, draw(cp, runs, 9)[1])
            rows = slice(runs.start, runs.stop)
            for f in fields(RunState):
                np.testing.assert_array_equal(
                    getattr(part, f.name), getattr(whole, f.name)[rows], err_msg=f.name
                )


@pytest.mark.parametrize("name", [p.stem for p in SHIPPED])
def test_the_kernel_computes_the_numpy_engines_model(name: str) -> None:
    ref = np.load(REFERENCE)
    st = _state(name, range(24), 2022)
    for key in ref.files:
        scenario, field = key.split("/")
        if scenario != name:
            continue
        want, got = ref[key], getattr(st, field)
        if want.dtype.kind in "biu":
            np.testing.assert_array_equal(got, want, err_msg=field)
        else:
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=field)


def test_the_reference_tells_a_changed_model_apart() -> None:
    """The comparison above can fail: a cohesion pull weaker by a millionth moves the
    concession levels beyond its tolerance."""
    ref = np.load(REFERENCE)
    path = SCENARIOS / "baseline.yaml"
    cp = compile_scenario(load_scenario(path))
    params = draw(cp, range(24), 2022)[1]
    from dataclasses import replace

    weaker = replace(params, bloc_cohesion=params.bloc_cohesion * (1 - 1e-6))
    c = dynamics.simulate(cp, weaker).c
    assert np.abs(c - ref["baseline/c"]).max() > 1e-12


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_a_person_at_a_terminal_is_told_the_first_call_compiles(monkeypatch) -> None:
    """The first use compiles the kernel for about a minute: a terminal is told, once; a
    pipe (a script, --json, the tests) never is, and a call that returns in time says
    nothing."""
    import sys
    import threading

    from negsim import kernel

    monkeypatch.setattr(kernel, "_done", threading.Event())
    monkeypatch.setattr(kernel, "_told", threading.Event())
    assert kernel.first_use() is None  # the tests' stderr is no terminal
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    monkeypatch.setattr(kernel, "NOTICE_AFTER", 0.01)
    kernel.ran(kernel.first_use())  # returned in time
    threading.Event().wait(0.05)
    assert term.text == ""
    slow = kernel.first_use()
    assert slow is not None
    slow.join()
    assert "compiling the model" in term.text
    kernel.ran(slow, whole=True)
    assert kernel.first_use() is None  # compiled: never again in this process


def test_a_change_to_any_kernel_source_invalidates_every_cached_kernel_function(
    tmp_path: Path,
) -> None:
    """numba stamps a cached function with its own file only, though it compiles in what it
    calls from the others: each kernel function's stamp also holds the hash of all the
    kernel's sources, and an edit of any one file (here choice.py) changes that hash."""
    import shutil

    from negsim.kernel import cache, choice, exchange

    for fn in (exchange.exchange, choice.decide):
        assert fn._cache._impl.locator.get_source_stamp()[1] == cache.sources_hash()
    copy = tmp_path / "kernel"
    shutil.copytree(cache.KERNEL, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert cache.sources_hash(copy) == cache.sources_hash()
    (copy / "choice.py").write_text((copy / "choice.py").read_text() + "\n# an edit\n")
    assert cache.sources_hash(copy) != cache.sources_hash()


def test_every_kernel_module_compiles_through_the_stamping_njit() -> None:
    """A kernel module that imported numba's njit itself would escape the stamp above."""
    from negsim.kernel import cache

    for path in sorted(cache.KERNEL.glob("*.py")):
        if path.name != "cache.py":
            assert "from numba import" not in path.read_text(), path.name


def test_consecutive_actors_are_read_as_a_view_with_the_same_positions() -> None:
    """A bloc's members, when consecutive, are selected as a slice (a view, not a gather):
    the positions must be the gather's to the bit, and any other list is left as it is."""
    from .conftest import SCENARIOS

    cp = compile_scenario(load_scenario(SCENARIOS / "baseline.yaml"))
    members = cp.blocs[cp.bloc].members
    assert dynamics.span(members) == slice(int(members[0]), int(members[-1]) + 1)
    gaps = np.array([2, 3, 5])
    assert dynamics.span(gaps) is gaps and dynamics.span(4) == 4
    params = draw(cp, range(16), 3)[1]
    st = dynamics.simulate(cp, params)
    gathered = params.ideal[:, members] + st.c[:, members] * (
        st.reservation[:, members] - params.ideal[:, members]
    )
    assert np.array_equal(dynamics.positions(params, st, members), gathered)


@pytest.mark.parametrize("name", ["baseline", "divided_nato", "flexible_washington"])
def test_a_blocs_bound_read_in_place_is_the_consensus_of_its_gathered_members(name: str) -> None:
    """bloc_bound reads the members' values where they are (caps, holds, observations); it
    must be, to the bit, the consensus rule over the members gathered, whichever the values:
    the ideals, the reservations drawn and as the runs bent them, a non-contiguous copy."""
    from negsim.forum_rules import consensus_bound

    from .conftest import SCENARIOS

    cp = compile_scenario(load_scenario(SCENARIOS / f"{name}.yaml"))
    params = draw(cp, range(64), 5)[1]
    st = dynamics.simulate(cp, params)
    members = cp.blocs[cp.bloc].members
    dirn = dynamics.direction(members, params, cp.n_issues)
    bent = not np.array_equal(st.reservation, params.reservation)
    for x in (params.ideal, params.reservation, st.reservation, st.reservation[:, :, ::-1]):
        want = consensus_bound(x[:, members], dirn)
        assert np.array_equal(dynamics.bloc_bound(cp, cp.bloc, x, dirn), want)
    assert bent or name != "divided_nato"  # its reservations do bend: a second set of values


@pytest.mark.parametrize("name", ["baseline", "divided_nato", "flexible_washington"])
def test_the_trajectory_bound_is_the_consensus_of_the_members_positions(name: str) -> None:
    """The reported bloc's bound in the trajectory is computed in one compiled pass; it must
    be, to the bit, the consensus rule applied to the members' positions."""
    from negsim.forum_rules import consensus_bound

    from .conftest import SCENARIOS

    cp = compile_scenario(load_scenario(SCENARIOS / f"{name}.yaml"))
    params = draw(cp, range(64), 5)[1]
    st = RunState.start(cp, params)
    members = cp.blocs[cp.bloc].members
    dirn = dynamics.direction(members, params, cp.n_issues)
    opening, moved = consensus_bound(params.ideal[:, members], dirn), False
    for _ in dynamics.steps(cp, params, st):
        want = consensus_bound(dynamics.positions(params, st, members), dirn)
        assert np.array_equal(dynamics.trajectory_point(cp, params, st)[:, 2], want)
        moved = moved or not np.array_equal(want, opening)
    assert moved  # the members' positions did move: the comparison is not of the ideals
