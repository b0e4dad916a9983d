"""Red lines that may bend and a consensus that can break: cohesion and wedge pressure move
members' reservations toward their declared limits, and the bloc's consensus holds until
every member has bent."""

from __future__ import annotations

import numpy as np
import pytest

from negsim.cli import main
from negsim.dynamics import simulate
from negsim.runner import run_many
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario

from .conftest import SCENARIOS

BASE = SCENARIOS / "baseline.yaml"
LIMIT = "groups.nato.defaults.positions.enlargement.limit"
WEDGE = (
    "actors.russia.wedge=0.6",
    "groups.nato.defaults.wedge_susceptibility=0.5",
    "groups.nato_new_members.defaults.wedge_susceptibility=0.4",
    "groups.western_europe.defaults.wedge_susceptibility=0.5",
    "groups.frontline_allies.defaults.wedge_susceptibility=0.3",
)


def end_state(overrides: list[str], runs: int = 300, seed: int = 4):
    cp = compile_scenario(load_scenario(BASE, overrides))
    _, params = draw(cp, list(range(runs)), seed)
    return cp, params, simulate(cp, params)


def holds(overrides: list[str], runs: int = 1500) -> float:
    cp = compile_scenario(load_scenario(BASE, overrides))
    return float(run_many(cp, range(runs), 5).frame["enlargement.holds"].mean())


def test_without_a_limit_no_reservation_moves() -> None:
    _, params, st = end_state([f"{LIMIT}=0", "groups.nato.defaults.wedge_susceptibility=0.9"])
    np.testing.assert_array_equal(st.reservation, params.reservation)


def test_reservations_bend_outward_and_never_past_the_limit() -> None:
    cp, params, st = end_state([f"{LIMIT}=0.5", *WEDGE])
    j = cp.issues.index("enlargement")
    nato = cp.blocs[[b.id for b in cp.blocs].index("nato")].members
    r0, r = params.reservation[:, nato, j], st.reservation[:, nato, j]
    assert (r >= r0 - 1e-12).all() and (r <= 0.5 + 1e-12).all()
    assert (r > r0 + 0.05).mean() > 0.5  # they really bend under this pressure
    others = np.ones(cp.n_issues, dtype=bool)
    others[j] = False  # issues without a limit keep their reservations exactly
    np.testing.assert_array_equal(st.reservation[:, :, others], params.reservation[:, :, others])


def test_the_consensus_holds_until_every_member_has_bent() -> None:
    """A strong wedge with a pause acceptable to the alliance breaks the open-door consensus
    in most runs; one member whose red line cannot bend (the frontline allies') vetoes it."""
    broken = holds([f"{LIMIT}=0.5", *WEDGE])
    assert broken < 0.3
    veto = "groups.frontline_allies.defaults.positions.enlargement={limit: 0}"
    assert holds([f"{LIMIT}=0.5", *WEDGE, veto]) == 1.0
    assert holds([f"{LIMIT}=0", *WEDGE]) == 1.0


def test_a_chance_the_allies_would_accept_a_pause_is_the_mixture() -> None:
    """'A 30% chance the allies would accept a pause on accessions' is one line; the share of
    runs whose consensus holds equals the mixture of the two fixed settings within sampling
    error."""
    n = 1500
    mixed = holds([f"{LIMIT}={{choice: {{values: [0, 0.5], p: [0.7, 0.3]}}}}", *WEDGE], n)
    parts = {v: holds([f"{LIMIT}={v}", *WEDGE], n) for v in (0, 0.5)}
    want = 0.7 * parts[0] + 0.3 * parts[0.5]
    assert parts[0] - parts[0.5] > 0.5  # the two settings really differ
    assert abs(mixed - want) <= 4 * np.sqrt(want * (1 - want) / n)


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("0.2", "limit on 'missiles' can fall below the reservation"),
        ("{uniform: [0.4, 0.9]}", "limit on 'missiles' can fall below the reservation"),
        ("1.2", "outside the allowed range"),
    ],
)
def test_a_limit_short_of_the_reservation_is_one_line(value: str, expect: str, capsys) -> None:
    path = "actors.united_states.positions.missiles.limit"  # reservation uniform [0.45, 0.7]
    assert main(["run", str(BASE), "--runs", "2", "--set", f"{path}={value}"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expect in err and "Traceback" not in err
