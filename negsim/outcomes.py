"""Outcomes of runs: each issue's status and the run's class, and the shares of both.

Computed from a :class:`RunState` by the same code for both engines, so the result table of a
run does not depend on which engine produced it. The figures of a run's row (these two among
them) are entries of :mod:`negsim.figures`.
"""

from __future__ import annotations

import enum

import numpy as np
import pandas as pd

from negsim import rules
from negsim.params import Params
from negsim.scenario.compile import Compiled
from negsim.spool import RunTable, raised
from negsim.state import RunState


class Outcome(enum.IntEnum):
    AGREEMENT = 0  # the core agreed
    PARTIAL = 1  # something agreed, not the whole core
    STALEMATE = 2  # nothing agreed, talks go on
    BREAKDOWN = 3  # a party left the process

    @property
    def label(self) -> str:
        return self.name.lower()


OUTCOMES = tuple(o.label for o in Outcome)  # the outcome classes' names, in order


class IssueStatus(enum.IntEnum):
    AGREED = 0
    OPEN = 1  # reservations overlap, no deal yet
    DEADLOCK = 2  # reservations do not overlap

    @property
    def label(self) -> str:
        return self.name.lower()


def issue_status(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    """(B, I) IssueStatus codes: agreed, else open where the decisive parties' reservations
    still leave a zone of agreement, else deadlock."""
    dec = cp.decisive
    ideal, res = params.ideal[:, dec], st.reservation[:, dec]
    zone = rules.zone_exists(ideal, res, params.tolerance[:, None])
    return np.where(
        st.agreed, IssueStatus.AGREED, np.where(zone, IssueStatus.OPEN, IssueStatus.DEADLOCK)
    ).astype(np.int8)


def outcome_class(cp: Compiled, st: RunState) -> np.ndarray:
    """(B,) Outcome codes: a walk-out is a breakdown whatever was agreed before it."""
    core_done = st.agreed[:, cp.core].all(axis=1)
    return np.select(
        [st.broke, core_done, st.agreed.any(axis=1)],
        [Outcome.BREAKDOWN, Outcome.AGREEMENT, Outcome.PARTIAL],
        Outcome.STALEMATE,
    ).astype(np.int8)


def failed(frame: pd.DataFrame) -> pd.Series:
    """Which rows are runs that raised (their outcome is unknown)."""
    if "error" not in frame:
        return pd.Series(False, index=frame.index)
    return pd.Series(raised(frame["error"]), index=frame.index)


def distribution(frame: pd.DataFrame | RunTable, issues: tuple[str, ...]) -> dict:
    """Shares of outcome classes and of issue statuses among the runs that completed (the
    ``--json`` summary's content; None when none completed: a share of nothing is no 0),
    each issue's agreed values (percentiles over the runs that agreed it), and how many runs
    failed. The table is read an issue at a time (a spooled million runs: a few columns)."""
    table = RunTable.of(frame)
    bad = int(table.failed.sum())
    n = len(table) - bad

    def share(hits: pd.Series) -> float | None:  # None, not 0, when no run completed
        return float(hits.sum() / n) if n else None

    outcome = table.done(["outcome"])["outcome"]
    out = {o.label: share(outcome == o.label) for o in Outcome}
    per_issue = {}
    for iid in issues:
        status = table.column(f"{iid}.status")
        per_issue[iid] = {
            **{s.label: share(status == s.label) for s in IssueStatus},
            "value": _percentiles(agreed_values(table, iid)),
        }
    return {"outcomes": out, "issues": per_issue, "failed": bad}


def agreed_values(table: RunTable, issue: str) -> pd.Series:
    """The values ``issue`` was agreed at, over the completed runs that agreed it."""
    got = table.done([f"{issue}.status", f"{issue}.value"])
    return got.loc[got[f"{issue}.status"] == IssueStatus.AGREED.label, f"{issue}.value"]


def _percentiles(values: pd.Series) -> dict | None:
    """5th, 50th and 95th percentile and mean of agreed values; None where nothing agreed."""
    if values.empty:
        return None
    q = values.quantile([0.05, 0.5, 0.95]).to_numpy()
    return {
        "p05": float(q[0]),
        "p50": float(q[1]),
        "p95": float(q[2]),
        "mean": float(values.mean()),
    }
