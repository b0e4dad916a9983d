"""Group inheritance: each actor's effective fields, and where each value was written.

Knowing the written place of every value matters twice: error messages point at it, and a
distribution written once in a group default is drawn once per run and shared by all members
(the group's uncertain stance), not drawn independently for each of 57 states.
"""

from __future__ import annotations

from typing import Any

from negsim.errors import NegsimError
from negsim.scenario.schema import ActorFields, Scenario

Key = tuple[str, ...]
Where = tuple[str | int, ...]
Resolved = dict[Key, tuple[Any, Where]]


def group_members(scenario: Scenario) -> dict[str, list[str]]:
    """Each group's actors (transitively through nested groups), in the file's actor order.

    Groups are expanded in dependency order, each once (no recursion, no repeated work), so
    deep or heavily shared nesting costs time linear in the number of memberships.
    """
    order = {a: i for i, a in enumerate(scenario.actors)}
    found: dict[str, set[str]] = {}
    state: dict[str, int] = {}  # 1: being expanded, 2: done
    for root in scenario.groups:
        stack = [(root, iter(scenario.groups[root].members))]
        state[root] = state.get(root, 0) or 1
        if state[root] == 2:
            continue
        found[root] = set()
        while stack:
            g, members = stack[-1]
            m = next(members, None)
            if m is None:
                stack.pop()
                state[g] = 2
                if stack:
                    found[stack[-1][0]] |= found[g]
                continue
            if m in scenario.actors:
                found[g].add(m)
            elif m in scenario.groups:
                if state.get(m) == 1:
                    cycle = [name for name, _ in stack] + [m]
                    raise NegsimError(
                        "groups include each other in a cycle: "
                        + " -> ".join(cycle[cycle.index(m) :]),
                        path=f"groups.{m}.members",
                    )
                if state.get(m) == 2:
                    found[g] |= found[m]
                else:
                    state[m] = 1
                    found[m] = set()
                    stack.append((m, iter(scenario.groups[m].members)))
    return {g: sorted(found[g], key=order.__getitem__) for g in scenario.groups}


def members_of(scenario: Scenario, names: list[str], groups: dict[str, list[str]]) -> list[str]:
    """Actor ids named directly or through groups or blocs, in file order, without repeats."""
    chosen: set[str] = set()
    for n in names:
        if n in scenario.actors:
            chosen.add(n)
        elif n in groups:
            chosen.update(groups[n])
        elif n in scenario.blocs:
            chosen.update(groups.get(scenario.blocs[n].members, []))
    return [a for a in scenario.actors if a in chosen]


def _flatten(fields: ActorFields, where: Where) -> Resolved:
    out: Resolved = {}
    for name in ("side", "capability", "cohesion_susceptibility", "wedge_susceptibility", "wedge"):
        value = getattr(fields, name)
        if value is not None:
            out[(name,)] = (value, (*where, name))
    if fields.concession is not None:
        for name in ("rule", "beta", "reciprocity"):
            value = getattr(fields.concession, name)
            if value is not None:
                out[("concession", name)] = (value, (*where, "concession", name))
    for issue, pos in fields.positions.items():
        for name in ("ideal", "reservation", "salience"):
            value = getattr(pos, name)
            if value is not None:
                out[("positions", issue, name)] = (value, (*where, "positions", issue, name))
    if fields.linkage is not None:
        out[("linkage",)] = (fields.linkage, (*where, "linkage"))
    if fields.patience is not None:
        out[("patience",)] = (fields.patience, (*where, "patience"))
    return out


def resolve(scenario: Scenario, groups: dict[str, list[str]] | None = None) -> dict[str, Resolved]:
    """Effective fields of every actor: defaults, then its groups in file order, then itself."""
    groups = group_members(scenario) if groups is None else groups
    base = _flatten(scenario.defaults, ("defaults",))
    layers = [
        (set(groups[g]), _flatten(spec.defaults, ("groups", g, "defaults")))
        for g, spec in scenario.groups.items()
    ]
    out: dict[str, Resolved] = {}
    for actor_id, actor in scenario.actors.items():
        merged = dict(base)
        for members, layer in layers:
            if actor_id in members:
                merged.update(layer)
        merged.update(_flatten(actor, ("actors", actor_id)))
        out[actor_id] = merged
    return out
