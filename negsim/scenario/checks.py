"""Checks a schema cannot express: references, ranges of distributions, sides of reservations.

Each check returns (path, message) pairs so the loader can point at the file and line.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from negsim.errors import NegsimError
from negsim.forum_rules import FORUM_RULES
from negsim.scenario.resolve import (
    Where,
    decisive_of,
    focus_of,
    group_members,
    group_order,
    members_of,
    resolve,
    subgroups,
)
from negsim.scenario.schema import (
    DEFAULT_TACTIC,
    DIST_KINDS,
    DISTS,
    MAX_EXCHANGES,
    RANGES,
    UP,
    Scenario,
)
from negsim.tactics import TACTICS

Problem = tuple[Where, str]
# the range that applies to each number-valued key (patience.rounds is ranged as 'patience')
FIELD_RANGE = {**{name: name for name in RANGES}, "rounds": "patience"}
MAX_GROUP_DEPTH = 16  # groups within groups; the OSCE's blocs and caucuses need three or four
MAX_GROUP_WORK = 100_000  # group visits it takes to expand every group through its subgroups
MAX_TOTAL_EXCHANGES = 1000  # the whole schedule, like the horizon's range


def check_scenario(s: Scenario) -> list[Problem]:
    """Every problem found, in file order as far as possible."""
    nesting = _group_nesting(s)
    if nesting:
        return nesting
    try:
        groups = group_members(s)
    except NegsimError as exc:
        return [(tuple((exc.path or "groups").split(".")), exc.message)]
    problems = list(_names(s, groups))
    problems += list(_observations(s))
    problems += list(_numbers(s.model_dump(exclude_none=True, round_trip=True), ()))
    if problems:
        return problems
    return list(_actors(s, groups))


def _group_nesting(s: Scenario) -> list[Problem]:
    """Cycles, depth and path count of nested groups, from the shared dependency-order walk.

    Membership itself is expanded once per group, but a cycle has no meaning and nesting
    thousands deep, or layers that each include all the layers below (exponentially many
    paths), are no scenario a person writes or can read: all three are refused up front.
    """
    subs = subgroups(s)
    try:
        order = group_order(s)
    except NegsimError as exc:
        return [(tuple((exc.path or "groups").split(".")), exc.message)]
    depth: dict[str, int] = {}
    work: dict[str, int] = {}
    for g in order:
        depth[g] = 1 + max((depth[c] for c in subs[g]), default=0)
        work[g] = 1 + sum(work[c] for c in subs[g])
    if depth and max(depth.values()) > MAX_GROUP_DEPTH:
        g = max(depth, key=depth.__getitem__)
        return [
            (
                ("groups", g, "members"),
                f"groups nest {depth[g]} levels deep inside each other; at most "
                f"{MAX_GROUP_DEPTH} are allowed",
            )
        ]
    total = sum(work.values())
    if total > MAX_GROUP_WORK:
        g = max(work, key=work.__getitem__)
        return [
            (
                ("groups", g, "members"),
                f"groups include each other in too many layers (expanding them takes {total:.3g} "
                f"steps, at most {MAX_GROUP_WORK:,}); list actors directly in some groups",
            )
        ]
    return []


def _bounds(value: Any) -> tuple[float, float] | None:
    if isinstance(value, DISTS):
        return value.support()
    if isinstance(value, (int, float)):
        return float(value), float(value)
    return None


def _span(value: Any) -> tuple[float, float]:
    """The bounds of a value the schema has already made a number or a distribution."""
    bounds = _bounds(value)
    if bounds is None:
        raise TypeError(f"expected a number or a distribution, got {value!r}")
    return bounds


def _numbers(data: Any, where: Where) -> Iterator[Problem]:
    """Every number and distribution lies within the range of the field it sits in."""
    if isinstance(data, dict):
        for key, value in data.items():
            name = FIELD_RANGE.get(str(key))
            if name is not None and (_is_dist(value) or isinstance(value, (int, float))):
                yield from _in_range(value, (*where, key), RANGES[name])
            else:
                yield from _numbers(value, (*where, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _numbers(item, (*where, i))


def _is_dist(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in DIST_KINDS


def _in_range(value: Any, where: Where, bounds: tuple[float, float]) -> Iterator[Problem]:
    """A number, or a uniform/triangular's every parameter, or a normal's mean, in range.

    A normal's draws are clipped to the range; a mean outside it would pile them on the bound.
    """
    lo, hi = bounds
    if isinstance(value, dict):
        kind, params = next(iter(value.items()))
        if kind == "choice":  # every value it can take (a malformed one the schema reports)
            params = params.get("values", []) if isinstance(params, dict) else []
        vals = list(params)[:1] if kind == "normal" else list(params)
        what = "mean " if kind == "normal" else ""
    else:
        vals, what = [value], ""
    for v in vals:
        if not lo <= v <= hi:
            yield where, f"{what}{v:g} is outside the allowed range [{lo}, {hi}]"
            return


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
            # a bloc may share the id of the group it is made of (a bloc made of a group that
            # does not exist is reported as that, below)
            made_of = s.blocs[n].members if kind == "bloc" else None
            own = made_of is not None and (made_of == n or made_of not in s.groups)
            if n in taken and not (taken[n] == "group" and own):
                article = "an" if taken[n][0] in "aeiou" else "a"
                yield (f"{kind}s", n), f"id '{n}' is already used by {article} {taken[n]}"
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
            elif a in s.actors and a not in groups.get(s.blocs[b].members, [a]):
                msg = f"'{a}' is not a member of bloc '{b}', which cannot bind it"
                yield (*at, "bound_by"), msg
        yield from _seated(s, forum, at, groups)
        if forum.chair is not None and forum.chair not in s.chairs:
            yield (*at, "chair"), f"chair '{forum.chair}' is not in 'chairs'"
        for item in forum.agenda or []:
            if item not in issues and item not in clusters:
                yield (*at, "agenda"), f"'{item}' is neither an issue nor a cluster"
        if forum.exchanges is None and forum.hours is None and forum.format == "meeting":
            yield at, "a meeting needs 'hours' or 'exchanges'"
        elif forum.exchanges is None and forum.hours is not None and forum.format == "meeting":
            per = s.rules.hours_per_exchange
            count = forum.hours / per
            if not count <= MAX_EXCHANGES:
                msg = f"{forum.hours:g} hours at {per:g} hours per exchange make {count:.4g}"
                msg += " exchanges"
                yield (*at, "hours"), f"{msg}; a forum has at most {MAX_EXCHANGES}"
    total = sum(_exchanges(s, forum) for forum in s.forums.values())
    if total > MAX_TOTAL_EXCHANGES:
        msg = f"the schedule has {total:.4g} exchanges in all; at most {MAX_TOTAL_EXCHANGES}"
        yield ("forums",), msg
    o = s.outcomes
    old_names = {"focal": "russia", "bloc": "west", "lead": "west_lead"}
    for new, old in old_names.items():
        if getattr(o, new) and getattr(o, old):
            yield ("outcomes", old), f"'{old}' is the old name of '{new}'; give one of them"
    focal, bloc_id, lead = focus_of(s)
    for key, name, pool, kind in (
        ("focal", focal, s.actors, "an actor"),
        ("lead", lead, s.actors, "an actor"),
        ("bloc", bloc_id, s.blocs, "a bloc"),
    ):
        if name is None and key != "bloc":
            yield ("outcomes",), f"no {key} actor found; name one with outcomes.{key}"
        elif name is not None and name not in pool:
            yield (
                ("outcomes", key if getattr(o, key) else old_names[key]),
                f"'{name}' is not {kind}",
            )
    if o.core not in clusters:
        yield ("outcomes", "core"), f"'{o.core}' is not an issue cluster"
    for n in decisive_of(s):
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


def _exchanges(s: Scenario, forum: Any) -> float:
    """How many exchanges a forum will have (as the compiler counts them)."""
    if forum.exchanges is not None:
        return forum.exchanges
    if forum.format == "written" or forum.hours is None:
        return 1
    return max(1, math.ceil(min(forum.hours / s.rules.hours_per_exchange, 1e9)))


def _seated(s: Scenario, forum: Any, at: Where, groups: dict[str, list[str]]) -> Iterator[Problem]:
    """Each bloc party has someone at the table who is not also the other party."""
    known = set(s.actors) | set(s.groups) | set(s.blocs)
    names = [*forum.parties, *(forum.participants or [])]
    if len(set(forum.parties)) < 2 or any(n not in known for n in names):
        return  # reported already
    kinds = ["bloc" if p in s.blocs else "actor" for p in forum.parties]
    rule = FORUM_RULES[forum.decision_rule]
    unseatable = rule.seating_problem(kinds)
    if unseatable:
        yield (*at, "decision_rule"), unseatable
    if rule.needs_chair and not forum.chair:
        yield (*at, "chair"), f"a {rule.name} forum needs a chair to propose the compromise"
    seated = set(members_of(s, forum.participants or list(forum.parties), groups))
    for pid in forum.parties:
        if pid not in s.blocs or s.blocs[pid].members not in groups:
            continue
        other = next(o for o in forum.parties if o != pid)
        others = set(members_of(s, [other], groups))
        if not [a for a in members_of(s, [pid], groups) if a in seated and a not in others]:
            yield (
                (*at, "parties"),
                (
                    f"bloc '{pid}' has nobody at the table: its members are all the other party "
                    "or not among the participants"
                ),
            )


REQUIRED = ("side", "capability", "cohesion_susceptibility", "wedge_susceptibility")


def _tactic(fields: dict, at: Where) -> Iterator[Problem]:
    """The actor's tactic gets the exponent it declares: inside its range, or none at all."""
    name, rule_at = fields.get(("concession", "rule"), (DEFAULT_TACTIC, at))
    tactic, beta = TACTICS[name], fields.get(("concession", "beta"))
    if tactic.beta_range is None:
        if beta is not None and beta[1][:-1] == rule_at[:-1]:  # written beside the rule
            yield beta[1], f"a {name} tactic takes no beta; remove it"
        return
    if beta is None:
        yield at, "no 'concession.beta' for this actor, nor in its groups or the defaults"
        return
    lo, hi = tactic.beta_range
    f_lo, f_hi = RANGES["beta"]  # a normal's draws are clipped to the field's range
    b_lo, b_hi = _bounds(beta[0]) or (lo, hi)
    b_lo, b_hi = max(b_lo, f_lo), min(b_hi, f_hi)
    if b_lo < lo or b_hi > hi:
        shown = f"is {b_lo:g}" if b_lo == b_hi else f"can range from {b_lo:g} to {b_hi:g}"
        yield beta[1], f"beta {shown}, outside the {name} tactic's range [{lo:g}, {hi:g}]"


def _actors(s: Scenario, groups: dict[str, list[str]]) -> Iterator[Problem]:
    """After inheritance every actor is complete and its reservations lie on its own side."""
    names = set(s.issues) | {i.cluster for i in s.issues.values()}
    for a, fields in resolve(s, groups).items():
        at = ("actors", a)
        for key in REQUIRED:
            if (key,) not in fields:
                yield at, f"no '{key}' for this actor, nor in its groups or the defaults"
        yield from _tactic(fields, at)
        for link_key in ("linkage", "patience"):
            if (link_key,) in fields:
                value, where = fields[(link_key,)]
                for k, item in enumerate(value if isinstance(value, list) else [value]):
                    for n in [
                        *getattr(item, "gated", []),
                        *getattr(item, "unlocked_by", []),
                        *getattr(item, "judged_on", []),
                        *getattr(item, "credited", []),
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
            ideal, _ = fields[("positions", iid, "ideal")]
            res, res_where = fields[("positions", iid, "reservation")]
            i_lo, i_hi = _span(ideal)
            r_lo, r_hi = _span(res)
            if side in UP and r_lo < i_hi:
                yield (
                    res_where,
                    (
                        f"reservation on '{iid}' can fall below the ideal "
                        f"(reservation from {r_lo:g}, ideal up to {i_hi:g}); an actor on side "
                        f"'{side}' concedes toward 1, so its reservation must be >= ideal"
                    ),
                )
            if side not in UP and r_hi > i_lo:
                yield (
                    res_where,
                    (
                        f"reservation on '{iid}' can rise above the ideal "
                        f"(reservation up to {r_hi:g}, ideal from {i_lo:g}); an actor on side "
                        f"'{side}' concedes toward 0, so its reservation must be <= ideal"
                    ),
                )
            limit = fields.get(("positions", iid, "limit"))
            if limit is not None:
                yield from _limit(iid, side, (r_lo, r_hi), limit)


def _limit(
    iid: str, side: str, res: tuple[float, float], limit: tuple[object, Where]
) -> Iterator[Problem]:
    """A red line may bend only outward: the limit lies at or beyond the reservation."""
    l_lo, l_hi = _span(limit[0])
    if side in UP and l_lo < res[1] - 1e-12:
        yield (
            limit[1],
            f"limit on '{iid}' can fall below the reservation (limit from {l_lo:g}, "
            f"reservation up to {res[1]:g}); a limit is how far the reservation may bend, "
            "so it must be >= the reservation",
        )
    if side not in UP and l_hi > res[0] + 1e-12:
        yield (
            limit[1],
            f"limit on '{iid}' can rise above the reservation (limit up to {l_hi:g}, "
            f"reservation from {res[0]:g}); a limit is how far the reservation may bend, "
            "so it must be <= the reservation",
        )


def _observations(s: Scenario) -> Iterator[Problem]:
    """Each observation names a forum of the schedule and an issue or cluster that exist; one
    about a bloc's bound needs a reported bloc."""
    names = set(s.issues) | {i.cluster for i in s.issues.values()}
    for oid, obs in s.observations.items():
        at = ("observations", oid)
        if obs.forum is not None and obs.forum not in s.forums:
            yield (*at, "forum"), f"no forum '{obs.forum}' in the schedule"
        if obs.issue is not None and obs.issue not in names:
            yield (*at, "issue"), f"'{obs.issue}' is neither an issue nor a cluster"
        if obs.kind == "response" and obs.forum in s.forums:
            parties = s.forums[obs.forum].parties
            for key in ("by", "to"):
                if getattr(obs, key) not in parties:
                    yield (
                        (*at, key),
                        (
                            f"'{getattr(obs, key)}' is no party of forum '{obs.forum}' "
                            f"(parties: {', '.join(parties)})"
                        ),
                    )
        if obs.kind in ("moved", "holds") and not s.blocs:
            yield (*at, "kind"), f"an observation of kind {obs.kind} needs a bloc to report"
