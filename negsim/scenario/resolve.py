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


def subgroups(scenario: Scenario) -> dict[str, list[str]]:
    """The groups each group names among its members."""
    return {
        g: [m for m in spec.members if m in scenario.groups and m not in scenario.actors]
        for g, spec in scenario.groups.items()
    }


def group_order(scenario: Scenario) -> list[str]:
    """Every group after the groups it includes (an iterative depth-first walk, so no depth of
    nesting can overflow the stack); a cycle is a NegsimError naming it."""
    subs = subgroups(scenario)
    state: dict[str, int] = {}  # 1: being walked, 2: done
    order: list[str] = []
    for root in scenario.groups:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(subs[root]))]
        while stack:
            g, todo = stack[-1]
            sub = next(todo, None)
            if sub is None:
                stack.pop()
                state[g] = 2
                order.append(g)
            elif state.get(sub) == 1:
                chain = [x for x, _ in stack]
                chain = [*chain[chain.index(sub) :], sub]
                raise NegsimError(
                    "groups include each other in a cycle: " + " -> ".join(chain),
                    path=f"groups.{chain[0]}.members",
                )
            elif sub not in state:
                state[sub] = 1
                stack.append((sub, iter(subs[sub])))
    return order


def group_members(scenario: Scenario) -> dict[str, list[str]]:
    """Each group's actors (transitively through nested groups), in the file's actor order.

    Groups are expanded in dependency order, each once, reusing what their subgroups found.
    """
    order = {a: i for i, a in enumerate(scenario.actors)}
    subs = subgroups(scenario)
    found: dict[str, set[str]] = {}
    for g in group_order(scenario):
        found[g] = {m for m in scenario.groups[g].members if m in scenario.actors}
        for sub in subs[g]:
            found[g] |= found[sub]
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
        for name in ("ideal", "reservation", "salience", "limit"):
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


def decisive_of(s: Scenario) -> list[str]:
    """Whose reservations decide open vs deadlock: as written, else every forum's parties."""
    if s.outcomes.decisive:
        return list(s.outcomes.decisive)
    return list(dict.fromkeys(p for f in s.forums.values() for p in f.parties))


def focus_of(s: Scenario) -> tuple[str | None, str | None, str | None]:
    """The focal actor, the reported bloc and the traced lead, as named or by default.

    Defaults come from the scenario itself, never from a case: the first actor and the first
    bloc among the decisive, and the first actor that faces the focal actor at a table.
    ``None`` where the scenario offers none (a forum of states without a bloc has no bloc).
    """
    o, decisive = s.outcomes, decisive_of(s)
    focal = o.focal or o.russia or next((n for n in decisive if n in s.actors), None)
    bloc = o.bloc or o.west or next((n for n in decisive if n in s.blocs), None)
    lead = o.lead or o.west_lead
    if lead is None:
        facing = (p for f in s.forums.values() if focal in f.parties for p in f.parties)
        lead = next((p for p in facing if p != focal and p in s.actors), None)
    return focal, bloc, lead
