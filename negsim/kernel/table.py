"""The compiled kernel's arguments: parameters, state, a forum's table, scratch, results.

Numba reads named tuples of arrays; these builders make them from the model's own objects
(:class:`~negsim.params.Params`, :class:`~negsim.state.RunState`, a compiled forum), so the
kernel's field names are the model's. A party is described by flat member lists with start
offsets (:func:`negsim.forum_rules.flat`, positions in the table), its kind (-1: one
actor, else its bloc rule's kernel code) and, for an actor bound by a bloc, that bloc's.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from negsim.params import Params
from negsim.state import RunState

BLOCK = 32  # runs per block of the kernel: their parameters and state (~40 kB a run) fit in cache
ParamArrays = namedtuple("ParamArrays", Params.NAMES)  # type: ignore[misc]
StateArrays = namedtuple("StateArrays", tuple(RunState.__dataclass_fields__))  # type: ignore[misc]
TableArrays = namedtuple(
    "TableArrays",
    "idx seated party_of tactic linked decider kinds starts members codes bloc bind_kind "
    "bstarts bmembers bcodes bends has_cap caps dirs moved agenda sq days link_gated link_on "
    "patience_on credited_on grid sweeps w_by w_to w_code w_index w_mask",
)
Scalars = namedtuple(
    "Scalars",
    "forum number t record proposes decides everyone package share_n share_w "
    "forum_deadline deadline_days hours",
)
Scratch = namedtuple(
    "Scratch",
    "live x xc offers prop step cap acc ok who yes vx vw order work flat mcap tcap tvotes "
    "moves now dvec nw nneed nideal ncap tsal tstep tideal rsal leads wedges",
)
Outputs = namedtuple(
    "Outputs",
    "live x offers proposal ok blocker seen responses out expected judged",
)


def params_arrays(params: Params) -> Any:
    """The parameters as the kernel reads them (C order: one compiled layout)."""
    return ParamArrays(*(np.ascontiguousarray(getattr(params, k)) for k in Params.NAMES))


def state_arrays(st: RunState) -> Any:
    """The run state's own arrays (not copies): the kernel writes them in place."""
    return StateArrays(*(getattr(st, k) for k in RunState.__dataclass_fields__))


def scratch(t: Any, n_b: int, n_i: int) -> Any:
    """Working arrays of a call: what one phase of the exchange hands the next, per run of
    a block (rows ``b - b0``: at most BLOCK, so they stay in cache and are reused by every
    block, each run's rows written before they are read), and one run's buffers."""
    n_p, n_k, n_m = len(t.idx), len(t.kinds), len(t.members)
    big, n_b = max(n_p, n_i, 1), max(min(n_b, BLOCK), 1)
    table, issues = (n_b, n_p, n_i), (n_m, n_i)
    return Scratch(
        live=np.zeros((n_b, n_i), bool), x=np.zeros(table), xc=np.zeros((n_p, n_i)),
        offers=np.zeros((n_b, n_k, n_i)), prop=np.zeros((n_b, n_i)), step=np.zeros(table),
        cap=np.zeros(table), acc=np.zeros(table, bool), ok=np.zeros(n_i, bool),
        who=np.zeros(n_i, np.int64), yes=np.zeros(n_i, bool), vx=np.zeros(big), vw=np.zeros(big),
        order=np.zeros(big, np.int64), work=np.zeros(n_i), flat=np.zeros(max(n_p * n_i, 1)),
        mcap=np.zeros(n_p), tcap=np.zeros((n_b, n_p)), tvotes=np.zeros((n_b, n_p)),
        moves=np.zeros(n_k), now=np.zeros(n_k), dvec=np.zeros(n_i), nw=np.zeros(issues),
        nneed=np.zeros(issues), nideal=np.zeros(issues), ncap=np.zeros(n_m), tsal=np.zeros(table),
        tstep=np.zeros(n_i), tideal=np.zeros(table), rsal=np.zeros(n_i),
        leads=np.zeros(n_k, np.int64), wedges=np.zeros(n_k),
    )  # fmt: skip


def outputs(n_b: int, n_a: int, t: Any, n_i: int, record: bool) -> Any:
    """What an exchange did, per run; the transcript's arrays only when recording."""
    n_p, n_k = len(t.idx), len(t.kinds)
    r = n_b if record else 0
    expected = np.full((n_b, n_a), np.nan)
    return Outputs(
        np.zeros((n_b, n_i), bool), np.zeros((r, n_p, n_i)), np.zeros((n_b, n_k, n_i)),
        np.zeros((n_b, n_i)), np.zeros((n_b, n_i), bool), np.full((n_b, n_i), -1, np.int64),
        np.zeros((r, n_p, t.link_on.shape[1])), np.zeros((r, n_k, n_p, n_i), np.int8),
        np.zeros((n_b, n_a), bool), expected, expected.copy(),
    )  # fmt: skip
