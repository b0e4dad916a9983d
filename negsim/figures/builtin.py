"""The figures every run's row has, one registry entry each, in the result table's order.

A new figure is one more ``register(Figure(...))`` here: its compute function (from the
Compiled scenario, the Params and the end RunState of a batch), and the optional parts that
put it in the summaries, the text report and the plots (see :class:`Figure`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from negsim import rules
from negsim.dynamics import bloc_bound, direction, trajectory_point
from negsim.figures.registry import (
    Compute,
    Draw,
    Figure,
    Plot,
    Report,
    cells,
    coded,
    histogram,
    mean,
    nullable_int,
    register,
)
from negsim.kernel import forecasts as compiled
from negsim.outcomes import IssueStatus, Outcome, issue_status, outcome_class
from negsim.params import Params
from negsim.scenario.compile import Compiled
from negsim.state import RunState

if TYPE_CHECKING:
    from matplotlib.figure import Figure as Drawing


def share_agreed(status: pd.Series) -> float:
    return float((status == IssueStatus.AGREED.label).mean())


def _gap(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    point = trajectory_point(cp, params, st)
    return np.abs(point[:, 0] - point[:, 2])


def _bloc_spread(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    if cp.bloc is None:
        return np.full(params.n_runs, np.nan)
    members = np.asarray(cp.blocs[cp.bloc].members, dtype=np.int64)
    out = np.empty(params.n_runs)  # positions(...).std(axis=1).mean(axis=1), in one pass
    compiled.spread(np.ascontiguousarray(params.ideal), st.reservation, st.c, members, out)
    return out


def _core_progress(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    k = slice(cp.focal, cp.focal + 1)  # the focal actor's alone, not every actor's
    return rules.utility_progress(
        st.prog[:, k], params.ideal[:, k], cp.status_quo, params.salience[:, k], cp.core[None]
    )[:, 0]


def _focal_utility(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    k, sq = cp.focal, cp.status_quo
    outcome = np.where(st.agreed, st.value, sq)
    ideal, sal = params.ideal[:, k], params.salience[:, k]
    need = np.abs(sq - ideal)
    gained = rules.gain(outcome, ideal, sq)
    total = (sal * need).sum(axis=1)
    return np.where(total > 0, (sal * gained).sum(axis=1) / np.where(total > 0, total, 1), 1.0)


def _count_or_na(values: np.ndarray) -> pd.arrays.IntegerArray:
    """A 1-based number (a forum's place, an exchange), NA where it is 0: there was none."""
    ints = np.asarray(values).astype(np.int64)
    return pd.arrays.IntegerArray(ints, mask=ints <= 0)  # as pd.array(..., "Int64"), direct


def consensus_holds(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    """Whether the reported bloc's consensus holds on each issue (B, I): its bound over every
    member's reservation (what its most reluctant member accepts) ends within the tolerance
    of where it began. 1 holds, 0 broke, NaN where no bloc is reported."""
    if cp.bloc is None:
        return np.full(st.agreed.shape, np.nan)
    dirn = direction(cp.blocs[cp.bloc].members, params, cp.n_issues)
    start = bloc_bound(cp, cp.bloc, params.reservation, dirn)
    end = bloc_bound(cp, cp.bloc, st.reservation, dirn)
    return (np.abs(end - start) <= params.tolerance[:, None] + rules.EPS).astype(float)


def _forecast(statistic: Callable[..., None]) -> Compute:
    """A classic forecast's figure: ``statistic`` over the actors' initial positions,
    weighted by capability x salience (a compiled pass of :mod:`negsim.kernel.forecasts`,
    equal to the bit to the array formula the tests hold it to)."""

    def compute(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
        out = np.empty((params.n_runs, cp.n_issues))
        arrays = (params.ideal, params.capability, params.salience)
        statistic(*(np.ascontiguousarray(a) for a in arrays), out)
        return out

    return compute


_forecast_mean = _forecast(compiled.forecast_mean)
_forecast_median = _forecast(compiled.forecast_median)


def _forecast_eu(cp: Compiled, params: Params, st: RunState) -> np.ndarray:
    from negsim.expected_utility import forecast

    return forecast(params.ideal, params.capability, params.salience)


def _median(values: pd.Series) -> float:
    """A design point's median of a figure over its runs (NaN where no run has a value)."""
    return float(values.median()) if values.notna().any() else np.nan


def _core_line(cp: Compiled, values: pd.Series) -> tuple[str, ...]:
    q = values.quantile([0.05, 0.5, 0.95]).to_numpy()
    who = cp.names[cp.focal]
    return (f"{who}'s core progress: median {q[1]:.3f} (5-95%: {q[0]:.3f}-{q[2]:.3f})",)


def _spread_line(cp: Compiled, values: pd.Series) -> tuple[str, ...]:
    if cp.bloc is None:
        return ()
    name = cp.party_names[cp.n_actors + cp.bloc]
    return (f"{name} spread of members' positions: mean {values.mean():.3f}",)


def _rounds_line(cp: Compiled, values: pd.Series) -> tuple[str, ...]:
    return (f"rounds completed: mean {values.mean():.2f} of {len(cp.forums)}",)


def _broke_line(cp: Compiled, values: pd.Series) -> tuple[str, ...]:
    """The breakdown share per forum: in which round the walk-outs came."""
    n = max(len(values), 1)
    cells = [f"{f.id} {(values == k + 1).sum() / n:.3f}" for k, f in enumerate(cp.forums)]
    return ("breakdown by forum: " + ", ".join(cells),)


def _grid_labels(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """A grid's inputs and their readers' names, for the axis of design points."""
    from negsim.figures.data import layout_of

    layout = layout_of(frame)
    return list(layout.names), [layout.label(n) for n in layout.names]


def _holds_plot(frame: pd.DataFrame, column: str, name: str) -> Drawing | None:
    """Per design point for a grid, else pooled with the interval the runs' drawing allows."""
    from negsim import plots
    from negsim.figures import data as analysis

    layout = analysis.layout_of(frame)
    title = f"{name}: consensus holds"
    if layout.grid(frame):
        shares = analysis.point_shares(frame, analysis.holds_hits(frame), layout)
        return None if shares.empty else plots.holds_per_point(shares, *_grid_labels(frame), title)
    shares = analysis.holds_shares(frame, layout)
    note = analysis.interval_note(frame, layout)
    return None if shares.empty else plots.consensus_holds(shares, title, note)


def _issue_plot(drawing: str, title: str) -> Draw:
    """A plot of the per-issue distributions (gaps, deals), drawn by ``plots.<drawing>``; a
    sweep's pools its design points, and says so."""

    def draw(frame: pd.DataFrame, column: str, name: str) -> Drawing | None:
        from negsim import plots
        from negsim.figures import data as analysis

        dist = analysis.issue_distributions(frame)
        if not dist.attrs["measures"]:
            return None  # neither measure recorded
        note = analysis.pooled_note(frame, analysis.layout_of(frame))
        return getattr(plots, drawing)(dist, f"{name}: {title}", note)

    return draw


def _outcome_plot(frame: pd.DataFrame, column: str, name: str) -> Drawing:
    """A grid's outcomes per design point; else the shares, with the design's interval."""
    from negsim import plots
    from negsim.figures import data as analysis

    layout = analysis.layout_of(frame)
    if layout.grid(frame):
        stacked = analysis.stacked_point_shares(frame, layout)
        return plots.outcomes_per_point(stacked, *_grid_labels(frame), f"{name}: outcomes")
    shares = analysis.outcome_shares(frame, layout)
    note = analysis.interval_note(frame, layout)
    if layout.independent(frame):
        return plots.outcome_probabilities(shares, f"{name}: probability of each outcome", note)
    what = f"share of the runs of the {layout.kind} design"
    return plots.outcome_probabilities(shares, f"{name}: share of each outcome", note, what)


# -- the figures ----------------------------------------------------------------------------

_MEAN = cells(lambda v: f"{v.mean():.2f}" if v.notna().any() else "-")  # '-': not defined here
_FC = "fc.: capability x salience weighted mean/median of initial positions"

register(
    Figure(
        "outcome",
        "run",
        lambda cp, params, st: outcome_class(cp, st),
        "the run's class: agreement, partial, stalemate or breakdown",
        dtype=np.int8,
        missing=-1,
        to_column=coded(Outcome),
        record=None,  # always kept: every summary and analysis starts from it
        plot=Plot(_outcome_plot, "outcomes"),
    )
)
register(
    Figure(
        "rounds",
        "run",
        lambda cp, params, st: st.rounds,
        "forums completed before the end or a breakdown",
        column="rounds_completed",
        to_column=nullable_int,
        point=mean,
        report=Report(_rounds_line, order=3),
    )
)
register(
    Figure(
        "core_progress",
        "run",
        _core_progress,
        "the focal actor's utility gained on the core issues over the status quo, as a share of "
        "what it needs (best offers so far)",
        point=mean,
        report=Report(_core_line, order=1),
    )
)
register(
    Figure(
        "bloc_spread",
        "run",
        _bloc_spread,
        "spread (std) of the reported bloc members' final positions, mean over issues",
        point=mean,
        report=Report(_spread_line, order=2),
        plot=Plot(
            histogram(
                "bloc members' spread",
                "spread of the bloc members' positions at the end (standard deviation, 0-1 scale)",
                "larger spread: a less united bloc",
            )
        ),
    )
)
register(
    Figure(
        "status",
        "issue",
        issue_status,
        "agreed, open (the decisive parties' reservations overlap) or deadlock",
        dtype=np.int8,
        missing=-1,
        to_column=coded(IssueStatus),
        point=share_agreed,
        point_name="agreed",
        report=Report(
            lambda cp, v: tuple(f"{(v == s.label).mean():.3f}" for s in IssueStatus),
            heads=(("agreed", 8), ("open", 8), ("deadlock", 9)),
            order=1,
        ),
    )
)
register(
    Figure(
        "value",
        "issue",
        lambda cp, params, st: st.value,
        "the agreed value, NaN where not agreed",
        point=_median,  # a point's median deal, over the runs that agreed the issue
        report=Report(
            cells(lambda v: f"{v.mean():.2f}" if v.notna().any() else "-"),
            heads=(("value", 7),),
            order=3,
        ),
        plot=Plot(_issue_plot("agreed_values", "deals"), "agreed_values"),
    )
)
register(
    Figure(
        "gap",
        "issue",
        _gap,
        "final distance between the focal actor's position and the reported bloc's bound",
        report=Report(
            _MEAN,
            heads=(("gap", 7),),
            order=2,
            legend="gap: distance between the focal actor's position and the reported bloc's "
            "consensus bound at the end",
        ),
        plot=Plot(_issue_plot("gap_distributions", "final gaps"), "gaps"),
    )
)
for name, compute, head, order in (
    ("forecast_mean", _forecast_mean, ("fc.mean", 9), 4),
    ("forecast_median", _forecast_median, ("fc.median", 10), 5),
):  # the classic forecasts, alike but for their statistic
    register(
        Figure(
            name,
            "issue",
            compute,
            f"classic forecast: capability x salience weighted {name.removeprefix('forecast_')}"
            " of the initial positions",
            record="forecasts",
            point=_median,
            report=Report(_MEAN, (head,), order=order, legend=_FC),
        )
    )
register(
    Figure(
        "forecast_eu",
        "issue",
        _forecast_eu,
        "Bueno de Mesquita's expected-utility forecast (Scholz et al. 2011) from the run's "
        "initial positions, capabilities and saliences",
        record="forecast_eu",
        on_demand=True,  # ~5x the cost of the run itself: a sweep's record: asks for it by name
        point=_median,
    )
)
register(
    Figure(
        "agreed_in",
        "issue",
        lambda cp, params, st: st.agreed_in + 1,
        "the forum of the deal, by its place in the schedule (1 = the first), NA where none",
        dtype=np.int64,
        missing=0,
        to_column=_count_or_na,
    )
)
register(
    Figure(
        "agreed_at",
        "issue",
        lambda cp, params, st: st.agreed_at,
        "the exchange of the deal within its forum (1-based), NA where none",
        dtype=np.int64,
        missing=0,
        to_column=_count_or_na,
    )
)
register(
    Figure(
        "blocked_by",
        "issue",
        lambda cp, params, st: st.blocker,
        "who last refused the table's proposal on an issue left open (a party, or the largest "
        "refusing voter), empty where it was agreed or never proposed",
        dtype=np.int64,
        missing=-1,
        labels=lambda cp: cp.party_names,
    )
)
register(
    Figure(
        "focal_utility",
        "run",
        _focal_utility,
        "the focal actor's utility gained over the status quo by what was agreed, as a share of "
        "what its ideal package would give (0 = nothing gained)",
        point=mean,
    )
)
register(
    Figure(
        "holds",
        "issue",
        consensus_holds,
        "the reported bloc's consensus holds: its most reluctant member's reservation ends "
        "within the tolerance of where it began (1), or every member has bent (0)",
        report=Report(
            _MEAN,
            heads=(("holds", 7),),
            order=6,
            legend="holds: share of runs in which the reported bloc's consensus bound stays "
            "where it began",
        ),
        plot=Plot(_holds_plot, "consensus_holds"),
    )
)
register(
    Figure(
        "broke_in",
        "run",
        lambda cp, params, st: st.broke_in + 1,
        "the forum in or after which a party walked out, by its place in the schedule "
        "(1 = the first), NA where none",
        dtype=np.int64,
        missing=0,
        to_column=_count_or_na,
        report=Report(_broke_line, order=4),
    )
)
register(
    Figure(
        "trajectory",
        "forum",
        lambda cp, params, st: st.trajectory,
        "positions of the focal actor, the lead and the reported bloc's bound after each forum",
    )
)
