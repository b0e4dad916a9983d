"""The documented record as predicates over a run: which observations each run satisfies.

A scenario's ``observations:`` name events of the record (no core deal in Geneva, Moscow still
at the table after Vienna, NATO's bound moving on arms control in Brussels). Calibration keeps
the runs, and the settings of the uncertain inputs, that reproduce them; this module says, for
a batch of runs, which of them each run satisfies, from the same summary arrays every result
table is made of.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim import rules
from negsim.dynamics import bloc_bound, direction
from negsim.figures.builtin import consensus_holds
from negsim.params import Params
from negsim.scenario.compile import Compiled, cluster_mask
from negsim.state import RunState


@dataclass(frozen=True)
class Spec:
    """One observation laid out on the compiled scenario's indices."""

    id: str
    kind: str
    forum: int  # index in the schedule, -1 where none
    mask: np.ndarray  # (I,) the issues it is about
    expect: bool
    source: str


def specs(cp: Compiled) -> tuple[Spec, ...]:
    forums = [f.id for f in cp.forums]
    out = []
    for oid, obs in cp.scenario.observations.items():
        mask = (
            cluster_mask([obs.issue], cp.issues, cp.clusters)
            if obs.issue is not None
            else np.zeros(cp.n_issues, dtype=bool)
        )
        f = forums.index(obs.forum) if obs.forum is not None else -1
        out.append(Spec(oid, obs.kind, f, mask, obs.expect, obs.source))
    return tuple(out)


def happened(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    """(B, O) whether each run shows each observation's event (before comparing with
    ``expect``), from the end state of a batch."""
    obs = specs(cp)
    out = np.zeros((params.n_runs, len(obs)), dtype=bool)
    if any(o.kind == "holds" for o in obs):  # only then: it gathers every member's bound
        holds = consensus_holds(cp, params, st)
    r = 0
    for k, o in enumerate(obs):
        if o.kind == "agreed":
            out[:, k] = (st.agreed_in[:, o.mask] == o.forum).any(axis=1)
        elif o.kind == "at_table":
            out[:, k] = (st.broke_in < 0) | (st.broke_in > o.forum)
        elif o.kind == "holds":
            out[:, k] = (holds[:, o.mask] == 1).all(axis=1)
        elif o.kind == "response":
            out[:, k] = st.answered[:, r] & st.answers[:, r]
            r += 1
        else:
            out[:, k] = _moved(cp, params, st.trajectory, o)
    return out


def satisfied(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    """(B, O) whether each run agrees with each observation."""
    expect = np.array([o.expect for o in specs(cp)], dtype=bool)
    return happened(cp, params, st) == expect[None, :]


def _moved(cp: Compiled, params: Params, trajectory: np.ndarray, o: Spec) -> np.ndarray:
    """The reported bloc's bound moved its own way in forum f by more than the tolerance on
    every issue of the observation (from its members' ideals before the first forum)."""
    if cp.bloc is None:
        return np.zeros(params.n_runs, dtype=bool)
    dirn = direction(cp.blocs[cp.bloc].members, params, cp.n_issues)
    after = trajectory[:, o.forum, 2]
    if o.forum == 0:
        before = bloc_bound(cp, cp.bloc, params.ideal, dirn)
    else:
        before = trajectory[:, o.forum - 1, 2]
    step = dirn * (after - before) > params.tolerance[:, None] + rules.EPS
    kept = np.where(np.isfinite(after) & np.isfinite(before), step, False)[:, o.mask]
    return np.asarray(kept.all(axis=1))  # (B, I') -> (B,); asarray types it an array
