"""Per-run figures: what a run's row of the result table holds, each figure one registry entry.

A :class:`Figure` says everything the rest of negsim needs to know about one figure: how it is
computed from a batch's end state, its column(s) in the result table, the value a run that
raised gets, the name that keeps it in a sweep (``record:``), how design points summarise it,
its part in ``negsim run``'s text summary and its plot in a results folder. :func:`summarize`,
:func:`failed_summary`, :func:`table`, the sweep's recordable columns, the analysis, the report
and the plots all read :data:`FIGURES`, so a new figure is one :func:`register` call in
:mod:`negsim.figures.builtin` (or anywhere, before the runs).

Columns: a figure ``per="run"`` is one column named ``column``; ``per="issue"`` is one column
``ISSUE.column`` per issue; ``per="forum"`` (the trajectory) is kept beside the table, never in
it. The table has the run figures in registry order, then each issue's figures in that order.
"""

from negsim.figures import builtin as builtin  # registers the figures every run has
from negsim.figures.registry import (
    FIGURES,
    INPUTS,
    Figure,
    Plot,
    Report,
    default_record,
    failed_summary,
    of,
    recordable,
    recorded,
    register,
    reported,
    summarised,
    summarize,
    table,
    unregister,
)

__all__ = [
    "FIGURES",
    "INPUTS",
    "Figure",
    "Plot",
    "Report",
    "default_record",
    "failed_summary",
    "of",
    "recordable",
    "recorded",
    "register",
    "reported",
    "summarised",
    "summarize",
    "table",
    "unregister",
]
