"""What happened in a run, as events a program can check and lines a person can read.

The agent model records an :class:`Event` per offer-and-response, agreement and walk-out; the
transcript is their rendering ("Brussels, exchange 3: NATO offers missiles 0.40; Russia
defers: progress on core 0.02 below its threshold 0.30").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from negsim import rules
from negsim.agents import Negotiator
from negsim.rules import Response
from negsim.scenario.compile import Compiled, ForumSpec, Party

VERBS = {
    Response.ACCEPT: "accepts",
    Response.DEFER: "defers",
    Response.REJECT: "rejects",
    Response.WALK_OUT: "walks out",
}


@dataclass(frozen=True)
class Event:
    forum: str
    forum_name: str
    exchange: int  # 0 for events between rounds
    kind: str  # offer | agreed | walkout
    party: str  # who offers, agrees on behalf of the table, or walks out
    party_name: str
    issue: str | None = None
    value: float | None = None
    responder: str | None = None
    responder_name: str | None = None
    response: Response | None = None
    reason: str = ""

    def line(self) -> str:
        if self.kind == "walkout":
            return f"After {self.forum_name}: {self.party_name} walks out: {self.reason}"
        head = f"{self.forum_name}, exchange {self.exchange}"
        if self.kind == "agreed":
            return f"{head}: AGREED {self.issue} at {self.value:.2f}"
        verb = VERBS[self.response]
        reason = f"{': ' if not self.reason.startswith(' (') else ''}{self.reason}"
        return (
            f"{head}: {self.party_name} offers {self.issue} {self.value:.2f}; "
            f"{self.responder_name} {verb}{reason if self.reason else ''}"
        )


def offer_events(
    cp: Compiled,
    forum: ForumSpec,
    exchange: int,
    party: Party,
    offer: np.ndarray,
    other: Party,
    members: Sequence[Negotiator],
    codes: np.ndarray,
    live: np.ndarray,
) -> list[Event]:
    """One event per live issue: ``party`` offers, ``other`` (its ``members``) answers."""
    out = []
    for j in np.flatnonzero(live[0]):
        code = Response(int(codes[:, j].max()))
        out.append(
            Event(
                forum.id,
                forum.name,
                exchange,
                "offer",
                party.id,
                party.name,
                cp.issues[j],
                float(offer[0, j]),
                other.id,
                other.name,
                code,
                _why(cp, other, members, codes[:, j], code, j),
            )
        )
    return out


def _why(
    cp: Compiled,
    party: Party,
    members: Sequence[Negotiator],
    codes: np.ndarray,
    code: Response,
    j: int,
) -> str:
    if party.bloc is None:
        return reason(cp, members[0], code, j)
    if code == Response.ACCEPT:
        return f" (all {len(members)} members)"
    who = [m.name for m, c in zip(members, codes, strict=True) if c == code]
    names = ", ".join(who[:3]) + (f" and {len(who) - 3} more" if len(who) > 3 else "")
    return f"{len(who)} of {len(members)} members ({names})"


def reason(cp: Compiled, m: Negotiator, code: Response, j: int) -> str:
    """Why an actor answered as it did, in the terms of its own rules."""
    ideal, res, x = m.ideal[0, j], m.reservation[0, j], m.position[0, j]
    if code == Response.ACCEPT:
        return ""
    if code == Response.REJECT:
        if abs(res - ideal) < rules.EPS:
            return f"red line at {ideal:.2f}"
        return f"beyond its reservation {res:.2f}"
    m.movable()
    for q in range(m.link_gated.shape[0]):
        seen, thr = m.linkage_seen[0, q], m.link_threshold[0, q]
        if m.link_gated[q, j] and seen < thr - rules.EPS:
            return f"progress on {label(cp, m.link_on[q])} {seen:.2f} below its threshold {thr:.2f}"
    return f"inside its reservation {res:.2f}, short of its aspiration {x:.2f}"


def label(cp: Compiled, mask: np.ndarray) -> str:
    """Name a set of issues by its clusters where it is made of whole clusters."""
    chosen = {c for c, on in zip(cp.clusters, mask, strict=True) if on}
    if all(mask[j] for j, c in enumerate(cp.clusters) if c in chosen):
        return "/".join(sorted(chosen))
    return "/".join(i for i, on in zip(cp.issues, mask, strict=True) if on)
