"""What happened in a run, as events a program can check and lines a person can read.

The agent model turns what each exchange did into an :class:`Event` per offer and response,
agreement and walk-out; the transcript is their rendering ("Brussels, exchange 3: NATO offers
missiles 0.40; Russia defers: progress on core 0.02 below its threshold 0.30").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim import rules
from negsim.dynamics import Exchange, Judgement
from negsim.params import Params
from negsim.rules import Response
from negsim.scenario.compile import Compiled, Party
from negsim.state import RunState

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
    kind: str  # offer | agreed | blocked | walkout
    party: str  # who offers, agrees on behalf of the table, or walks out
    party_name: str
    issue: str | None = None
    value: float | None = None
    responder: str | None = None
    responder_name: str | None = None
    response: Response | None = None
    reason: str = ""

    def line(self) -> str:
        head = f"{self.forum_name}, exchange {self.exchange}"
        if self.kind == "walkout":
            when = head if self.exchange else f"After {self.forum_name}"
            return f"{when}: {self.party_name} walks out: {self.reason}"
        if self.kind == "agreed":
            return f"{head}: AGREED {self.issue} at {self.value:.2f}"
        if self.kind == "blocked":
            return f"{head}: proposal {self.issue} {self.value:.2f}; {self.reason}"
        assert self.response is not None  # an offer's event carries the answer
        verb = VERBS[self.response]
        reason = f"{': ' if not self.reason.startswith(' (') else ''}{self.reason}"
        return (
            f"{head}: {self.party_name} offers {self.issue} {self.value:.2f}; "
            f"{self.responder_name} {verb}{reason if self.reason else ''}"
        )


def exchange_events(cp: Compiled, rec: Exchange) -> list[Event]:
    """What a person reads of one exchange (B = 1): each party's offer on each live issue
    with every other party's answer, then what was agreed; after a forum's last exchange, who
    blocked each issue still open."""
    forum, tab = rec.table.forum, rec.table
    out: list[Event] = []
    for k, party in enumerate(forum.parties):
        for j, other in enumerate(forum.parties):
            if j == k:
                continue
            members = tab.local[j]
            codes = rec.responses[0, k][members]  # type: ignore[index]
            for i in np.flatnonzero(rec.live[0]):
                code = Response(int(codes[:, i].max()))
                why = _why(cp, rec, other, members, codes[:, i], code, int(i))
                out.append(
                    Event(
                        forum.id,
                        forum.name,
                        rec.number,
                        "offer",
                        party.id,
                        party.name,
                        cp.issues[i],
                        float(rec.offers[k][0, i]),
                        other.id,
                        other.name,
                        code,
                        why,
                    )
                )
    for i in np.flatnonzero(rec.agreed[0]):
        out.append(
            Event(
                forum.id,
                forum.name,
                rec.number,
                "agreed",
                "table",
                "the table",
                cp.issues[i],
                float(rec.proposal[0, i]),
            )
        )
    if rec.number == forum.exchanges:
        for i in np.flatnonzero(rec.live[0] & ~rec.agreed[0]):
            who = int(rec.blocker[0, i])
            name = cp.party_names[who] if who >= 0 else "nobody"
            out.append(
                Event(
                    forum.id,
                    forum.name,
                    rec.number,
                    "blocked",
                    name,
                    name,
                    cp.issues[i],
                    float(rec.proposal[0, i]),
                    reason=f"no deal: blocked by {name}",
                )
            )
    return out


def judgement_events(cp: Compiled, params: Params, st: RunState, verdict: Judgement) -> list[Event]:
    """Who walked out after an exchange or a forum, and why, in the terms of its patience."""
    out = []
    for k in np.flatnonzero(verdict.out[0]):
        if cp.decides[k]:
            why = (
                f"staying is worth {verdict.expected[0, k]:.2f} (progress "
                f"{verdict.judged[0, k]:.2f} so far, {int(st.moves[0, k])} concessions seen), "
                f"less than its outside option {params.outside_option[0, k]:.2f}"
            )
        else:
            why = (
                f"progress {verdict.judged[0, k]:.2f} below the "
                f"{params.progress_required[0, k]:.2f} it requires, "
                f"{int(st.strikes[0, k])} rounds without it (patience "
                f"{params.patience_rounds[0, k]:.1f})"
            )
        forum = verdict.forum
        who = (cp.actors[k], cp.names[k])
        out.append(
            Event(
                forum.id,
                forum.name,
                verdict.number,
                "walkout",
                *who,
                response=Response.WALK_OUT,
                reason=why,
            )
        )
    return out


def _why(
    cp: Compiled,
    rec: Exchange,
    party: Party,
    members: np.ndarray,
    codes: np.ndarray,
    code: Response,
    j: int,
) -> str:
    if party.bloc is None:
        return reason(cp, rec, int(members[0]), code, j)
    if code == Response.ACCEPT:
        return f" (all {len(members)} members)"
    idx = rec.table.idx
    who = [cp.names[idx[m]] for m, c in zip(members, codes, strict=True) if c == code]
    names = ", ".join(who[:3]) + (f" and {len(who) - 3} more" if len(who) > 3 else "")
    return f"{len(who)} of {len(members)} members ({names})"


def reason(cp: Compiled, rec: Exchange, m: int, code: Response, j: int) -> str:
    """Why participant ``m`` (a position at the table) answered as it did, in its own terms."""
    p = rec.table.p
    ideal, res, x = p.ideal[0, m, j], p.reservation[0, m, j], rec.x[0, m, j]
    if code in (Response.ACCEPT, Response.WALK_OUT):  # a walk-out gives its reason once
        return ""
    if code == Response.REJECT:
        if abs(res - ideal) < rules.EPS:
            return f"red line at {ideal:.2f}"
        return f"beyond its reservation {res:.2f}"
    k = rec.table.idx[m]
    for q in range(cp.link_gated.shape[1]):
        seen, thr = rec.seen[0, m, q], p.link_threshold[0, m, q]  # type: ignore[index]
        if cp.link_gated[k, q, j] and seen < thr - rules.EPS:
            on = label(cp, cp.link_on[k, q])
            return f"progress on {on} {seen:.2f} below its threshold {thr:.2f}"
    return f"inside its reservation {res:.2f}, short of its aspiration {x:.2f}"


def label(cp: Compiled, mask: np.ndarray) -> str:
    """Name a set of issues by its clusters where it is made of whole clusters."""
    chosen = {c for c, on in zip(cp.clusters, mask, strict=True) if on}
    if all(mask[j] for j, c in enumerate(cp.clusters) if c in chosen):
        return "/".join(sorted(chosen))
    return "/".join(i for i, on in zip(cp.issues, mask, strict=True) if on)
