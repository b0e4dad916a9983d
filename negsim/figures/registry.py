"""The registry of per-run figures: the entry type, the registry, and what reads it.

Everything here is generic: no figure is named. The figures themselves are registered in
:mod:`negsim.figures.builtin`; the building blocks at the end make an entry short to write.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from negsim.params import Params
from negsim.scenario.compile import Compiled
from negsim.state import RunState

if TYPE_CHECKING:
    from matplotlib.figure import Figure as Drawing

Per = Literal["run", "issue", "forum"]
Compute = Callable[[Compiled, Params, RunState], np.ndarray]
Draw = Callable[[pd.DataFrame, str, str], "Drawing | None"]  # (run table, column, experiment)
INPUTS = "inputs"  # the record name of the sampled inputs' ``in:`` columns


@dataclass(frozen=True)
class Report:
    """A figure's part in ``negsim run``'s text summary, over the runs that completed.

    ``text(cp, values)`` gives a run figure's lines, or an issue figure's cells of one issue's
    row, right-aligned under ``heads`` (header, width). ``order`` places it (lower first, ties
    in registry order): the text's layout is older than the registry and differs from the
    table's. ``legend`` is its note under the summary.
    """

    text: Callable[[Compiled, pd.Series], tuple[str, ...]]
    heads: tuple[tuple[str, int], ...] = ()
    order: int = 100
    legend: str = ""


@dataclass(frozen=True)
class Plot:
    """A figure's plot in a results folder: ``draw(frame, column, experiment name)`` returns it,
    or None when the table holds nothing to draw; saved as ``plots/STEM.png`` and ``.svg``."""

    draw: Draw
    stem: str = ""  # "" = the figure's column


@dataclass(frozen=True)
class Figure:
    """One per-run figure. ``compute`` returns an array (B, *shape): () per run, (I,) per issue,
    (F, 3, I) per forum; its dtype casts safely to ``dtype``, which also holds ``missing``, the
    value of a run that raised (so a failed run's summary needs no hand-kept twin)."""

    name: str  # key in summarize()'s dict
    per: Per
    compute: Compute
    doc: str  # what it measures, for readers of the table
    column: str = ""  # "" = name
    dtype: type = np.float64
    missing: float = np.nan
    to_column: Callable[[np.ndarray], Any] = np.asarray  # summary values -> table column
    labels: Callable[[Compiled], Sequence[str]] | None = None  # codes -> names (-1: none)
    record: str | None = ""  # the name in ``record:`` that keeps it; "" = column, None = always
    on_demand: bool = False  # computed only where a record names it: it costs more than a run
    point: Callable[[pd.Series], float] | None = None  # its summary over a design point's runs
    point_name: str = ""  # the summary column, ISSUE.point_name per issue; "" = column
    report: Report | None = None
    plot: Plot | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "column", self.column or self.name)
        if self.record == "":
            object.__setattr__(self, "record", self.column)
        object.__setattr__(self, "point_name", self.point_name or self.column)

    def shape(self, cp: Compiled) -> tuple[int, ...]:
        """Its array's shape after the batch axis."""
        i = cp.n_issues
        return {"run": (), "issue": (i,), "forum": (len(cp.forums), 3, i)}[self.per]

    def column_at(self, issue: str) -> str:
        """Its column for ``issue`` (a run figure's one column whatever the issue)."""
        return f"{issue}.{self.column}" if self.per == "issue" else self.column

    def columns(self, issues: Sequence[str]) -> list[str]:
        """Its columns in the result table, in table order; none for a forum figure."""
        if self.per == "forum":
            return []
        return [self.column] if self.per == "run" else [self.column_at(i) for i in issues]


FIGURES: dict[str, Figure] = {}


def register(fig: Figure) -> Figure:
    """Add a figure: from now on it is computed, tabled, recorded, summarised and drawn."""
    if fig.name in FIGURES:
        raise ValueError(f"two figures named {fig.name!r}")
    if fig.per != "forum" and any(f.column == fig.column for f in of(fig.per)):
        raise ValueError(f"two {fig.per} figures with the column {fig.column!r}")
    FIGURES[fig.name] = fig
    return fig


def unregister(name: str) -> Figure:
    """Remove a figure (for tests and plug-ins that add one for a while)."""
    return FIGURES.pop(name)


def of(per: Per) -> list[Figure]:
    """The figures with one shape of columns, in registry order."""
    return [f for f in FIGURES.values() if f.per == per]


def reported(per: Per) -> list[tuple[Figure, Report]]:
    """The figures in the text summary with their part in it, in its order."""
    shown = [(f, f.report) for f in of(per) if f.report is not None]
    return sorted(shown, key=lambda fr: fr[1].order)


# -- the entry points: every figure of a batch, its failed runs, its table -------------------


def computed(extra: Collection[str] = ()) -> list[Figure]:
    """The figures a batch computes: all but those on demand, and those whose record name is
    in ``extra`` (a sweep's ``record:``)."""
    return [f for f in FIGURES.values() if not f.on_demand or f.record in extra]


def summarize(
    cp: Compiled, params: Params, st: RunState, extra: Collection[str] = ()
) -> dict[str, np.ndarray]:
    """Every figure of a batch that completed, by name: arrays (B, *figure.shape(cp)); the
    figures on demand only where ``extra`` names them."""
    return {f.name: f.compute(cp, params, st) for f in computed(extra)}


def failed_summary(cp: Compiled, n: int, extra: Collection[str] = ()) -> dict[str, np.ndarray]:
    """What ``n`` runs that raised contribute: each figure's missing value (their rows keep
    their seed and error), for the same figures as :func:`summarize` given ``extra``."""
    return {f.name: np.full((n, *f.shape(cp)), f.missing, dtype=f.dtype) for f in computed(extra)}


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
    run = np.asarray(runs, dtype=np.int64)
    cols: dict[str, object] = {"run": run}
    for f in of("run"):
        if f.name in summary:
            cols[f.column] = _column(cp, f, summary[f.name])
    for j, iid in enumerate(cp.issues):
        for f in of("issue"):
            if f.name in summary:
                cols[f.column_at(iid)] = _column(cp, f, summary[f.name][:, j])
    error = {"error": errors if errors is not None else [""] * len(run)}
    if samples is None:
        return pd.DataFrame(cols | error)
    # the inputs as one block: a column at a time, pandas spends more on them than the runs
    inputs = pd.DataFrame(samples, columns=[f"in:{leaf.path}" for leaf in cp.leaves])
    return pd.concat([pd.DataFrame(cols), inputs, pd.DataFrame(error)], axis=1)


def _column(cp: Compiled, f: Figure, values: np.ndarray) -> Any:
    """A figure's table column: its own conversion, or its codes named by the scenario."""
    if f.labels is None:
        return f.to_column(values)
    recode, dtype = _categories(tuple(f.labels(cp)))
    codes = recode[np.where(values >= 0, values, -1).astype(np.intp)]
    return pd.Categorical.from_codes(codes, dtype=dtype)


@lru_cache(maxsize=256)
def _categories(labels: tuple[str, ...]) -> tuple[np.ndarray, pd.CategoricalDtype]:
    """A labelled figure's codes as categories (the labels, each once, in order), and the
    dtype, built once per scenario: pandas validates a dtype's categories when it is made,
    which cost more than the column. A blank label and code -1 (the appended last entry)
    are missing."""
    categories = list(dict.fromkeys(labels))
    where = {name: k for k, name in enumerate(categories)}
    recode = np.array([-1 if name == "" else where[name] for name in labels] + [-1])
    return recode, pd.CategoricalDtype(categories)


def recordable() -> tuple[str, ...]:
    """The names an experiment's ``record:`` takes, in the order a sweep's row has them: the
    table's figures, the inputs, then the figures kept beside the table."""
    names = [f.record for f in (*of("run"), *of("issue"))] + [INPUTS]
    names += [f.record for f in of("forum")]
    return tuple(dict.fromkeys(n for n in names if n))


def default_record() -> tuple[str, ...]:
    """What a sweep records when its experiment says nothing: every recordable name but the
    figures on demand (a sweep asks for those by name, knowing their cost) and the sampled
    inputs (most of a table's bytes, and regenerated exactly by ``negsim inputs``)."""
    left_out = {f.record for f in FIGURES.values() if f.on_demand} | {INPUTS}
    return tuple(n for n in recordable() if n not in left_out)


def summarised(column: str) -> bool:
    """Whether a summary reads ``column`` of the result table: the run, its outcome and error,
    and every figure that the text report or a design point's summary shows (so a job of a
    million runs spools these columns only, not the whole table: see :mod:`negsim.spool`)."""
    if column in ("run", "error"):
        return True
    fig = None if column.startswith(("in:", "design:")) else _owner(column)
    return fig is not None and (
        fig.record is None or fig.report is not None or fig.point is not None
    )


def _owner(column: str) -> Figure | None:
    """The figure a table column belongs to (None: run, error, an input, a design column)."""
    per: Per = "issue" if "." in column else "run"  # ISSUE.column, or a run figure's column
    name = column.rsplit(".", 1)[-1]
    return next((f for f in of(per) if f.column == name), None)


def recorded(column: str, record: Collection[str]) -> bool:
    """Whether a sweep that records ``record`` keeps ``column`` of the result table. Columns
    that belong to no figure (run, error) are always kept, as is a figure with record None."""
    if column.startswith("in:"):
        return INPUTS in record
    fig = _owner(column)
    return fig is None or fig.record is None or fig.record in record


# -- building blocks of the entries ---------------------------------------------------------


def coded(enum: Iterable[Any]) -> Callable[[np.ndarray], pd.Categorical]:
    """Codes -> a categorical column of the enum members' labels (-1, a failed run, is
    missing)."""
    labels = pd.Index([e.label for e in enum])
    return lambda codes: pd.Categorical.from_codes(codes.astype(int), labels)


def nullable_int(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Whole numbers that a failed run leaves missing (NaN in the summary)."""
    return pd.array(values, dtype="Int64")


def mean(values: pd.Series) -> float:
    """A design point's mean of a figure (whole numbers too: rounds are nullable integers)."""
    return float(values.astype(float).mean())


def histogram(title: str, xlabel: str, note: str = "") -> Draw:
    """A run figure's plot: its distribution over the runs, stacked by outcome."""

    def draw(frame: pd.DataFrame, column: str, name: str) -> Drawing:
        from negsim import plots
        from negsim.figures import data as analysis

        data = analysis.by_outcome(frame, column)
        return plots.histogram_by_outcome(data, column, xlabel, f"{name}: {title}", note)

    return draw


def cells(fmt: Callable[[pd.Series], str]) -> Callable[[Compiled, pd.Series], tuple[str, ...]]:
    """An issue figure's one cell in the text summary's issue table."""
    return lambda cp, values: (fmt(values),)
