"""Hypothesis strategies: random but valid scenarios, small enough to run by the hundred."""

from __future__ import annotations

from hypothesis import strategies as st

from negsim.scenario.compile import Compiled, compile_scenario
from negsim.scenario.load import validate
from negsim.scenario.yamlio import Located
from negsim.tactics import TACTICS

unit = st.floats(0.0, 1.0, allow_nan=False)
CLUSTERS = ("core", "arms_control", "principles")


def concession(draw: st.DrawFn) -> dict:
    """A registered tactic, with an exponent inside its own declared range where it takes one."""
    name = draw(st.sampled_from(list(TACTICS)))
    out: dict = {"rule": name, "reciprocity": draw(numbers(0.0, 1.0))}
    if TACTICS[name].beta_range is not None:
        lo, hi = TACTICS[name].beta_range
        out["beta"] = draw(numbers(max(lo, 0.05), min(hi, 5.0), normal=False))
    return out


@st.composite
def numbers(draw, lo: float, hi: float, normal: bool = True):
    """A plain number or a distribution inside [lo, hi] (a normal only where ``normal``)."""
    kinds = ["number", "number", "uniform", "triangular"] + (["normal"] if normal else [])
    kind = draw(st.sampled_from(kinds))
    a = draw(st.floats(lo, hi, allow_nan=False))
    if kind == "number":
        return a
    b = draw(st.floats(lo, hi, allow_nan=False).filter(lambda v: abs(v - a) > 1e-3))
    a, b = min(a, b), max(a, b)
    if kind == "uniform":
        return {"uniform": [a, b]}
    if kind == "triangular":
        return {"triangular": [a, draw(st.floats(a, b)), b]}
    return {"normal": [(a + b) / 2, max((b - a) / 4, 1e-3)]}


@st.composite
def position(draw, side: str):
    """Ideal and reservation on the right side of each other (red lines included)."""
    ideal = draw(unit)
    red = draw(st.booleans())
    if side == "west":
        res = ideal if red else draw(st.floats(ideal, 1.0))
    else:
        res = ideal if red else draw(st.floats(0.0, ideal))
    if not red and abs(res - ideal) > 0.02 and draw(st.booleans()):
        lo, hi = sorted((ideal, res))
        mid = (lo + hi) / 2
        res = {"uniform": [mid, hi]} if side == "west" else {"uniform": [lo, mid]}
        ideal = lo if side == "west" else hi
    return {"ideal": ideal, "reservation": res, "salience": draw(numbers(0.0, 1.0))}


@st.composite
def raw_scenarios(draw) -> dict:
    n_issues = draw(st.integers(1, 4))
    issues = {
        f"i{k}": {
            "name": f"Issue {k}",
            "cluster": CLUSTERS[k % 3] if k else "core",
            "scale": {0: "west", 1: "east"},
            "source": "generated",
        }
        for k in range(n_issues)
    }
    n_west = draw(st.integers(2, 6))
    actors: dict[str, dict] = {}
    for k in range(n_west + 1):
        aid, side = (f"w{k}", "west") if k < n_west else ("r", "east")
        actors[aid] = {
            "name": aid.upper(),
            "side": side,
            "capability": draw(st.floats(0.01, 1.0)),
            "cohesion_susceptibility": draw(numbers(0.0, 1.0)),
            "wedge_susceptibility": draw(numbers(0.0, 1.0)),
            "concession": concession(draw),
            "positions": {i: draw(position(side)) for i in issues},
        }
    r = actors["r"]
    r["wedge"] = draw(numbers(0.0, 1.0))
    others = sorted({v["cluster"] for v in issues.values()} - {"core"})
    if others and draw(st.booleans()):
        r["linkage"] = [
            {"gated": others, "unlocked_by": ["core"], "threshold": draw(numbers(0.0, 1.0))}
        ]
    if draw(st.booleans()):
        r["patience"] = {
            "rounds": draw(numbers(0.0, 4.0)),
            "progress_required": draw(numbers(0.0, 1.0)),
            "judged_on": ["core"],
        }
    west = [a for a in actors if a != "r"]
    rule = draw(st.sampled_from(["consensus", "majority"]))
    forums = {
        "one": {
            "name": "One",
            "date": "2022-01-10",
            "exchanges": draw(st.integers(1, 4)),
            "decision_rule": "bilateral",
            "parties": ["w0", "r"],
            "bound_by": {"w0": "west"} if draw(st.booleans()) else {},
        },
        "two": {
            "name": "Two",
            "date": "2022-01-12",
            "exchanges": draw(st.integers(1, 4)),
            "decision_rule": "bloc_consensus",
            "parties": ["west", "r"],
        },
        "three": {
            "name": "Three",
            "date": "2022-01-13",
            "exchanges": draw(st.integers(1, 3)),
            "decision_rule": "consensus_all",
            "parties": ["all", "r"],
            "participants": ["all"],
            "agreement": draw(st.sampled_from(["issues", "package"])),
        },
        "four": {  # two or more parties deciding by a vote or through a mediator
            "name": "Four",
            "date": "2022-01-14",
            "exchanges": draw(st.integers(1, 3)),
            "decision_rule": draw(
                st.sampled_from(["majority", "qualified_majority", "mediator", "consensus_all"])
            ),
            "parties": [
                "r",
                *draw(st.lists(st.sampled_from(west), min_size=1, max_size=3, unique=True)),
            ],
            "chair": "sg",
            "mediator": draw(st.sampled_from(["nash", "weighted_median"])),
            "agreement": draw(st.sampled_from(["issues", "package"])),
        },
    }
    return {
        "name": "generated",
        "issues": issues,
        "actors": actors,
        "groups": {"west": {"members": west}, "all": {"members": ["west", "r"]}},
        "blocs": {
            "west": {"members": "west", "decision_rule": rule, "cohesion": draw(numbers(0.0, 1.0))},
            "all": {
                "members": "all",
                "decision_rule": "consensus",
                "cohesion": draw(numbers(0.0, 1.0)),
            },
        },
        "chairs": {"sg": {"name": "Chair", "role": "chair"}},
        "forums": forums,
        "rules": {"horizon": draw(numbers(2.0, 30.0))},
        "outcomes": {
            "tolerance": draw(st.floats(0.0, 0.2)),
            "russia": "r",
            "west": "west",
            "west_lead": "w0",
            "decisive": ["r", "west"],
        },
    }


@st.composite
def compiled_scenarios(draw) -> Compiled:
    return compile_scenario(validate(draw(raw_scenarios()), Located(), "<generated>"))
