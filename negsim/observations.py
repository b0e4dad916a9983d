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
from negsim.params import Params
from negsim.scenario.compile import Compiled, cluster_mask


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


def happened(cp: Compiled, params: Params, summary: dict[str, np.ndarray]) -> np.ndarray:
    """(B, O) whether each run shows each observation's event (before comparing with
    ``expect``)."""
    obs = specs(cp)
    out = np.zeros((params.n_runs, len(obs)), dtype=bool)
    for k, o in enumerate(obs):
        if o.kind == "agreed":
            out[:, k] = (summary["agreed_in"][:, o.mask] == o.forum + 1).any(axis=1)
        elif o.kind == "at_table":
            broke_in = summary["broke_in"]
            out[:, k] = (broke_in == 0) | (broke_in > o.forum + 1)
        elif o.kind == "holds":
            out[:, k] = (summary["holds"][:, o.mask] == 1).all(axis=1)
        else:
            out[:, k] = _moved(cp, params, summary["trajectory"], o)
    return out


def satisfied(cp: Compiled, params: Params, summary: dict[str, np.ndarray]) -> np.ndarray:
    """(B, O) whether each run agrees with each observation."""
    expect = np.array([o.expect for o in specs(cp)], dtype=bool)
    return happened(cp, params, summary) == expect[None, :]


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
    return np.where(np.isfinite(after) & np.isfinite(before), step, False)[:, o.mask].all(axis=1)
