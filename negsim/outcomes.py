"""Outcomes of runs: issue status, the run's class, figures, and the classic forecasts.

Computed from a :class:`RunState` by the same code for both engines, so the result table of a
run does not depend on which engine produced it.
"""

from __future__ import annotations

import enum

import numpy as np
import pandas as pd

from negsim import rules
from negsim.dynamics import trajectory_point
from negsim.params import Params
from negsim.scenario.compile import Compiled
from negsim.state import RunState


class Outcome(enum.IntEnum):
    AGREEMENT = 0  # the core agreed
    PARTIAL = 1  # something agreed, not the whole core
    STALEMATE = 2  # nothing agreed, talks go on
    BREAKDOWN = 3  # a party left the process

    @property
    def label(self) -> str:
        return self.name.lower()


class IssueStatus(enum.IntEnum):
    AGREED = 0
    OPEN = 1  # reservations overlap, no deal yet
    DEADLOCK = 2  # reservations do not overlap

    @property
    def label(self) -> str:
        return self.name.lower()


def summarize(cp: Compiled, params: Params, st: RunState) -> dict[str, np.ndarray]:
    """Per-run arrays: outcome (B,), status/value/gap (B, I), figures (B,), forecasts (B, I)."""
    ideal, res, sal = params.ideal, params.reservation, params.salience
    x = rules.position(ideal, res, st.c)
    dec = cp.decisive
    zone = rules.zone_exists(ideal[:, dec], res[:, dec], params.tolerance[:, None])
    status = np.where(
        st.agreed, IssueStatus.AGREED, np.where(zone, IssueStatus.OPEN, IssueStatus.DEADLOCK)
    ).astype(np.int8)
    core_done = st.agreed[:, cp.core].all(axis=1)
    outcome = np.select(
        [st.broke, core_done, st.agreed.any(axis=1)],
        [Outcome.BREAKDOWN, Outcome.AGREEMENT, Outcome.PARTIAL],
        Outcome.STALEMATE,
    ).astype(np.int8)
    point = trajectory_point(cp, params, x)
    members = cp.blocs[cp.west].members
    weights = params.capability[:, :, None] * sal
    return {
        "outcome": outcome,
        "status": status,
        "value": st.value,
        "gap": np.abs(point[:, 0] - point[:, 2]),
        "core_progress": rules.weighted(st.prog[:, cp.russia], sal[:, cp.russia], cp.core),
        "west_spread": x[:, members].std(axis=1).mean(axis=1),
        "rounds": st.rounds,
        "forecast_mean": _ratio((weights * ideal).sum(axis=1), weights.sum(axis=1)),
        "forecast_median": _weighted_median_actors(ideal, weights),
        "trajectory": st.trajectory,
    }


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where nothing carries weight (no forecast can be made)."""
    return np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)


def _weighted_median_actors(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted median over the actor axis with per-issue weights: x, w (B, A, I)."""
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    pick = np.argmax(cum >= cum[:, -1:, :] / 2 - rules.EPS, axis=1)
    return np.take_along_axis(xs, pick[:, None, :], axis=1)[:, 0, :]


def failed_summary(cp: Compiled, n: int) -> dict[str, np.ndarray]:
    """What a run that raised contributes: nothing known (its row keeps its seed and error)."""
    i, f = cp.n_issues, len(cp.forums)
    nan = np.full((n, i), np.nan)
    return {
        "outcome": np.full(n, -1, dtype=np.int8),  # -1: a missing category
        "status": np.full((n, i), -1, dtype=np.int8),
        "value": nan,
        "gap": nan,
        "forecast_mean": nan,
        "forecast_median": nan,
        "core_progress": np.full(n, np.nan),
        "west_spread": np.full(n, np.nan),
        "rounds": np.full(n, np.nan),
        "trajectory": np.full((n, f, 3, i), np.nan),
    }


def table(
    cp: Compiled,
    summary: dict[str, np.ndarray],
    runs: np.ndarray,
    samples: np.ndarray | None = None,
    errors: list[str] | None = None,
) -> pd.DataFrame:
    """One row per run: the result table written to CSV/Parquet and used by plots.

    ``error`` is empty for a run that completed, else the exception it raised: a failing run
    is recorded with its seed rather than ending the whole batch.
    """
    cols: dict[str, object] = {
        "run": np.asarray(runs, dtype=np.int64),
        "outcome": pd.Categorical.from_codes(
            summary["outcome"].astype(int), [o.label for o in Outcome]
        ),
        "rounds_completed": pd.array(summary["rounds"], dtype="Int64"),
        "core_progress": summary["core_progress"],
        "west_spread": summary["west_spread"],
    }
    labels = [s.label for s in IssueStatus]
    for j, iid in enumerate(cp.issues):
        cols[f"{iid}.status"] = pd.Categorical.from_codes(
            summary["status"][:, j].astype(int), labels
        )
        cols[f"{iid}.value"] = summary["value"][:, j]
        cols[f"{iid}.gap"] = summary["gap"][:, j]
        cols[f"{iid}.forecast_mean"] = summary["forecast_mean"][:, j]
        cols[f"{iid}.forecast_median"] = summary["forecast_median"][:, j]
    if samples is not None:
        for j, leaf in enumerate(cp.leaves):
            cols[f"in:{leaf.path}"] = samples[:, j]
    cols["error"] = errors if errors is not None else [""] * len(cols["run"])
    return pd.DataFrame(cols)


def failed(frame: pd.DataFrame) -> pd.Series:
    """Which rows are runs that raised (their outcome is unknown)."""
    if "error" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["error"].fillna("").astype(str) != ""


def distribution(frame: pd.DataFrame, issues: tuple[str, ...]) -> dict:
    """Shares of outcome classes and of issue statuses among the runs that completed (the
    ``--json`` summary's content), and how many runs failed."""
    bad = failed(frame)
    done = frame[~bad]
    n = max(len(done), 1)
    out = {o.label: float((done["outcome"] == o.label).sum() / n) for o in Outcome}
    per_issue = {
        iid: {s.label: float((done[f"{iid}.status"] == s.label).sum() / n) for s in IssueStatus}
        for iid in issues
    }
    return {"outcomes": out, "issues": per_issue, "failed": int(bad.sum())}
