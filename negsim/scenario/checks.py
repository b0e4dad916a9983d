"""Checks a schema cannot express: references, ranges of distributions, sides of reservations.

Each check returns (path, message) pairs so the loader can point at the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from negsim.errors import NegsimError
from negsim.scenario.resolve import Where, group_members, resolve
from negsim.scenario.schema import RANGES, Normal, Scenario, Triangular, Uniform

Problem = tuple[Where, str]


def check_scenario(s: Scenario) -> list[Problem]:
    """Every problem found, in file order as far as possible."""
    try:
        groups = group_members(s)
    except NegsimError as exc:
        return [(tuple((exc.path or "groups").split(".")), exc.message)]
    problems = list(_names(s, groups))
    problems += list(_numbers(s.model_dump(exclude_none=True, round_trip=True), (), s))
    if problems:
        return problems
    return list(_actors(s, groups))


def _bounds(value: Any) -> tuple[float, float] | None:
    if isinstance(value, (Uniform, Triangular, Normal)):
        return value.support()
    if isinstance(value, (int, float)):
        return float(value), float(value)
    return None


def _numbers(data: Any, where: Where, s: Scenario) -> Iterator[Problem]:
    """Every number and distribution lies within the range of the field it sits in."""
    if isinstance(data, dict):
        for key, value in data.items():
            field = str(key)
            if (field in RANGES and not isinstance(value, (dict, list, str))) or (
                field in RANGES
                and isinstance(value, dict)
                and len(value) == 1
                and next(iter(value)) in {"uniform", "triangular"}
            ):
                lo, hi = RANGES[field]
                vals = value if not isinstance(value, dict) else next(iter(value.values()))
                vals = vals if isinstance(vals, (list, tuple)) else [vals]
                bad = [v for v in vals if not lo <= v <= hi]
                if bad:
                    yield (*where, key), f"{bad[0]} is outside the allowed range [{lo}, {hi}]"
            else:
                yield from _numbers(value, (*where, key), s)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _numbers(item, (*where, i), s)


def _names(s: Scenario, groups: dict[str, list[str]]) -> Iterator[Problem]:
    issues, clusters = set(s.issues), {i.cluster for i in s.issues.values()}
    taken: dict[str, str] = {}
    for kind, names in (
        ("actor", s.actors),
        ("group", s.groups),
        ("bloc", s.blocs),
        ("chair", s.chairs),
    ):
        for n in names:
            if n in taken and not (
                kind == "bloc" and taken[n] == "group" and s.blocs[n].members == n
            ):
                yield (f"{kind}s", n), f"id '{n}' is already used by a {taken[n]}"
            taken.setdefault(n, kind)
    for iid, issue in s.issues.items():
        for point in issue.scale:
            if not 0 <= point <= 1:
                yield ("issues", iid, "scale"), f"scale point {point} is outside [0, 1]"
    for g, spec in s.groups.items():
        for m in spec.members:
            if m not in s.actors and m not in s.groups:
                yield ("groups", g, "members"), f"member '{m}' is neither an actor nor a group"
    for b, bloc in s.blocs.items():
        if bloc.members not in s.groups:
            yield ("blocs", b, "members"), f"'{bloc.members}' is not a group"
    for c, chair in s.chairs.items():
        if chair.bloc is not None and chair.bloc not in s.blocs:
            yield ("chairs", c, "bloc"), f"'{chair.bloc}' is not a bloc"
    parties_ok = set(s.actors) | set(s.blocs)
    for f, forum in s.forums.items():
        at = ("forums", f)
        for p in forum.parties:
            if p not in parties_ok:
                yield (*at, "parties"), f"party '{p}' is neither an actor nor a bloc"
        if len(set(forum.parties)) < 2:
            yield (*at, "parties"), "the two parties must differ"
        for p in forum.participants or []:
            if p not in s.actors and p not in s.groups and p not in s.blocs:
                yield (*at, "participants"), f"participant '{p}' is not an actor or group"
        for a, b in forum.bound_by.items():
            if a not in forum.parties or a not in s.actors:
                yield (*at, "bound_by"), f"'{a}' is not an actor party of this forum"
            if b not in s.blocs:
                yield (*at, "bound_by"), f"'{b}' is not a bloc"
        if forum.chair is not None and forum.chair not in s.chairs:
            yield (*at, "chair"), f"chair '{forum.chair}' is not in 'chairs'"
        for item in forum.agenda or []:
            if item not in issues and item not in clusters:
                yield (*at, "agenda"), f"'{item}' is neither an issue nor a cluster"
        if forum.exchanges is None and forum.hours is None and forum.format == "meeting":
            yield at, "a meeting needs 'hours' or 'exchanges'"
        if forum.decision_rule == "bilateral" and any(p in s.blocs for p in forum.parties):
            yield (*at, "decision_rule"), "a bilateral forum is between two actors, not blocs"
    o = s.outcomes
    if o.russia not in s.actors:
        yield ("outcomes", "russia"), f"'{o.russia}' is not an actor"
    if o.west_lead not in s.actors:
        yield ("outcomes", "west_lead"), f"'{o.west_lead}' is not an actor"
    if o.west not in s.blocs:
        yield ("outcomes", "west"), f"'{o.west}' is not a bloc"
    if o.core not in clusters:
        yield ("outcomes", "core"), f"'{o.core}' is not an issue cluster"
    for n in o.decisive:
        if n not in s.actors and n not in s.groups and n not in s.blocs:
            yield ("outcomes", "decisive"), f"'{n}' is not an actor, group or bloc"
    for a, actor in s.actors.items():
        for iid in actor.positions:
            if iid not in issues:
                yield ("actors", a, "positions", iid), f"'{iid}' is not an issue"
    for g, spec in s.groups.items():
        for iid in spec.defaults.positions:
            if iid not in issues:
                yield ("groups", g, "defaults", "positions", iid), f"'{iid}' is not an issue"


REQUIRED = ("side", "capability", "cohesion_susceptibility", "wedge_susceptibility")


def _actors(s: Scenario, groups: dict[str, list[str]]) -> Iterator[Problem]:
    """After inheritance every actor is complete and its reservations lie on its own side."""
    names = set(s.issues) | {i.cluster for i in s.issues.values()}
    for a, fields in resolve(s, groups).items():
        at = ("actors", a)
        for key in REQUIRED:
            if (key,) not in fields:
                yield at, f"no '{key}' for this actor, nor in its groups or the defaults"
        if ("concession", "beta") not in fields:
            yield at, "no 'concession.beta' for this actor, nor in its groups or the defaults"
        for link_key in ("linkage", "patience"):
            if (link_key,) in fields:
                value, where = fields[(link_key,)]
                for k, item in enumerate(value if isinstance(value, list) else [value]):
                    for n in [
                        *getattr(item, "gated", []),
                        *getattr(item, "unlocked_by", []),
                        *getattr(item, "judged_on", []),
                    ]:
                        if n not in names:
                            loc = (*where, k) if isinstance(value, list) else where
                            yield loc, f"'{n}' is neither an issue nor a cluster"
        side = fields.get(("side",), ("west", ()))[0]
        for iid in s.issues:
            got = {
                n: fields.get(("positions", iid, n)) for n in ("ideal", "reservation", "salience")
            }
            missing = [n for n, v in got.items() if v is None]
            if missing:
                yield at, f"no {missing[0]} on issue '{iid}' (nor in its groups or defaults)"
                continue
            (ideal, _), (res, res_where) = got["ideal"], got["reservation"]
            i_lo, i_hi = _bounds(ideal)
            r_lo, r_hi = _bounds(res)
            if side == "west" and r_lo < i_hi:
                yield (
                    res_where,
                    (
                        f"reservation on '{iid}' can fall below the ideal "
                        f"(reservation from {r_lo:g}, ideal up to {i_hi:g}); a west-side"
                        " actor concedes toward 1, so its reservation must be >= ideal"
                    ),
                )
            if side == "east" and r_hi > i_lo:
                yield (
                    res_where,
                    (
                        f"reservation on '{iid}' can rise above the ideal "
                        f"(reservation up to {r_hi:g}, ideal from {i_lo:g}); an east-side"
                        " actor concedes toward 0, so its reservation must be <= ideal"
                    ),
                )
