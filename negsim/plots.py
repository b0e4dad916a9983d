"""Figures of sweep results, for a reader who has not seen the code.

Every function takes the small table computed for it in :mod:`negsim.experiments.analysis` (or
:mod:`negsim.experiments.discovery`), draws on ``ax`` if given or on a new figure, and returns
the figure. Nothing here uses pyplot: figures are plain ``matplotlib.figure.Figure`` objects,
so plotting never changes global state and works without a display.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from negsim.calibration import Posterior

OUTCOME_COLOURS = {
    "agreement": "#1b9e77",
    "partial": "#7570b3",
    "stalemate": "#999999",
    "breakdown": "#d95f02",
}
SIDE_COLOURS = {"focal": "#c0392b", "lead": "#1f4e9c", "bloc": "#2e8b57"}
SCALE = "position on the issue's 0-1 scale"


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.5)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _wrap(text: str, width: int) -> str:
    """A long title wrapped line by line, so it fits the figure it heads."""
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def _title(ax: Axes, text: str, fontsize: float = 10) -> None:
    """A title wrapped to its figure's width (about 12 characters an inch at 10 pt)."""
    width = int(ax.figure.get_figwidth() * 120 / fontsize)  # type: ignore[union-attr]
    ax.set_title(_wrap(text, width), fontsize=fontsize)


def _err(mid: pd.Series, lo: pd.Series, hi: pd.Series) -> np.ndarray:
    """Whisker lengths below and above ``mid``: never negative (an interval's end may sit a
    rounding error inside its share) and 0 where there is no interval."""
    return np.clip(np.nan_to_num(np.vstack([mid - lo, hi - mid])), 0, None)


def _colour(target: str, k: int) -> str:
    return OUTCOME_COLOURS.get(target, "black")


def focus_text(focus: str) -> str:
    """'missiles.agreed' -> 'a deal on missiles'; outcome classes stay as they are."""
    if focus.endswith(".agreed"):
        return f"a deal on {focus.removesuffix('.agreed').replace('_', ' ')}"
    return focus


def outcome_probabilities(
    shares: pd.DataFrame,
    title: str,
    interval: str = "whiskers: 95% Wilson interval (independent runs)",
    what: str = "probability (share of runs)",
    ax: Axes | None = None,
) -> Figure:
    """Bars: the share of each outcome class with its 95% interval (``interval`` says which:
    Wilson for independent runs, a bootstrap over design points for a sampled design) and run
    counts. A grid is drawn per point instead (:func:`outcomes_per_point`)."""
    fig, ax = _axes(ax)
    x = np.arange(len(shares))
    err = _err(shares["share"], shares["lo"], shares["hi"])
    ax.bar(x, shares["share"], color=[_colour(o, k) for k, o in enumerate(shares["outcome"])])
    ax.errorbar(x, shares["share"], yerr=err, fmt="none", ecolor="black", capsize=5)
    for xi, row in zip(x, shares.itertuples(), strict=True):
        ax.annotate(
            f"{row.share:.1%}\n({row.k} runs)",
            (xi, np.nanmax([row.hi, row.share])),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_xticks(x, shares["outcome"])
    ax.set_ylim(0, 1.15)
    ax.set_ylabel(what)
    ax.set_xlabel("outcome of the week of talks")
    n = int(shares["n"].iloc[0]) if len(shares) else 0
    _title(ax, f"{title}\nn = {n} runs; bars: share, {interval}")
    return fig


def _point_ticks(ax: Axes, first: pd.DataFrame, names: list[str], labels: list[str]) -> None:
    """Tick each design point with its inputs' values, one line per input; a thin line between
    the levels of the first."""
    x = np.arange(len(first))
    ticks = ["\n".join(f"{float(first[f'design:{n}'].iloc[j]):.3g}" for n in names) for j in x]
    ax.set_xticks(x, ticks, fontsize=6)
    outer = first[f"design:{names[0]}"].to_numpy()
    for j in np.flatnonzero(outer[1:] != outer[:-1]):
        ax.axvline(j + 0.5, color="black", lw=0.4, alpha=0.5)
    ax.set_xlabel("design point: " + " / ".join(labels) + " (top to bottom)", fontsize=8)


def outcomes_per_point(
    stacked: pd.DataFrame, names: list[str], labels: list[str], title: str, ax: Axes | None = None
) -> Figure:
    """A grid's outcomes: one stacked bar per design point (the classes' shares of its runs),
    a whisker on each boundary (its Wilson 95% interval over the point's replications). Never
    pooled over the grid: its levels are the analyst's choice, not a population."""
    points = stacked["point"].nunique()
    fig, ax = _axes(ax, (max(7.0, 0.28 * points + 2.5), 5.0))
    first = stacked.drop_duplicates("point").sort_values("point")
    x = {p: j for j, p in enumerate(first["point"])}
    for k, (o, g) in enumerate(stacked.groupby("outcome", sort=False)):
        xs = g["point"].map(x).to_numpy()
        ax.bar(xs, g["share"], bottom=g["bottom"], width=0.8, color=_colour(str(o), k), label=o)
    last = list(dict.fromkeys(stacked["outcome"]))[-1]  # its top is 1 in every bar
    inner = stacked[stacked["outcome"] != last].drop_duplicates(["point", "top"])
    err = _err(inner["top"], inner["lo"], inner["hi"])
    xi = inner["point"].map(x).to_numpy()
    ax.errorbar(xi, inner["top"], yerr=err, fmt="none", ecolor="black", capsize=2, lw=0.7)
    _point_ticks(ax, first, names, labels)
    ax.set_xlim(-0.6, len(first) - 0.4)
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("share of the point's runs (stacked by outcome)")
    ax.legend(fontsize=8, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    n = stacked.drop_duplicates("point")["n"]
    each = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
    ax.set_title(
        f"{title}\neach bar one of the {points} design points ({each} runs each), not pooled over"
        " the grid\nwhiskers: 95% Wilson interval of each boundary over the point's runs",
        pad=22,
    )
    return fig


def consensus_holds(
    shares: pd.DataFrame,
    title: str,
    interval: str = "whiskers: 95% Wilson interval (independent runs)",
    ax: Axes | None = None,
) -> Figure:
    """Bars per issue: the share of runs in which the bloc's consensus held, with the 95%
    interval ``interval`` names (as :func:`outcome_probabilities`)."""
    fig, ax = _axes(ax, (7.0, 0.45 * len(shares) + 2.0))
    y = np.arange(len(shares))
    err = _err(shares["share"], shares["lo"], shares["hi"])
    ax.barh(y, shares["share"], color="#2e8b57")
    ax.errorbar(shares["share"], y, xerr=err, fmt="none", ecolor="black", capsize=4)
    ax.set_yticks(y, [i.replace("_", " ") for i in shares["issue"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("share of runs in which the consensus bound stays where it began")
    n = int(shares["n"].iloc[0]) if len(shares) else 0
    _title(ax, f"{title}\nn = {n} runs; bars: share, {interval}")
    return fig


def holds_per_point(
    shares: pd.DataFrame, names: list[str], labels: list[str], title: str, ax: Axes | None = None
) -> Figure:
    """A grid's consensus: per issue (rows) and design point (columns) the share of the point's
    runs in which the bloc's consensus held; the widest Wilson 95% interval in the title."""
    first = shares.drop_duplicates("point").sort_values("point")
    issues = list(dict.fromkeys(shares["target"]))
    fig, ax = _axes(ax, (max(7.0, 0.3 * len(first) + 3.0), 0.4 * len(issues) + 2.8))
    grid = shares.pivot(index="target", columns="point", values="share").loc[issues]
    im = ax.imshow(grid.to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    for (yi, xi), v in np.ndenumerate(grid.to_numpy()):
        if np.isfinite(v):
            c = "white" if v < 0.6 else "black"
            ax.text(xi, yi, f"{v:.2f}", ha="center", va="center", fontsize=5, color=c)
    ax.set_yticks(range(len(issues)), [i.replace("_", " ") for i in issues], fontsize=8)
    _point_ticks(ax, first, names, labels)
    fig.colorbar(im, ax=ax, label="share of the point's runs in which it held")
    half = float(np.nanmax(shares["hi"] - shares["lo"])) / 2
    _title(
        ax,
        f"{title}\nper design point ({int(first['n'].min())}+ runs each), not pooled over the grid;"
        f" widest 95% Wilson interval: +-{half:.2f}",
    )
    return fig


def _issues(dist: pd.DataFrame) -> list[str]:
    """The issues of a long table, in its order (its categories, when categorical)."""
    kind = dist["issue"].dtype
    if isinstance(kind, pd.CategoricalDtype):
        return [i for i in kind.categories if (dist["issue"] == i).any()]
    return list(dict.fromkeys(dist["issue"]))


def gap_distributions(
    dist: pd.DataFrame, title: str, note: str = "", ax: Axes | None = None
) -> Figure:
    """Box plots per issue of the final gap between the focal actor and the bloc's bound."""
    fig, ax = _axes(ax, (7.5, 5.0))
    gaps = dist[dist["measure"] == "gap"]
    issues = _issues(gaps)
    data = [gaps.loc[gaps["issue"] == i, "value"].dropna().to_numpy() for i in issues]
    ax.boxplot(data, orientation="horizontal", tick_labels=issues, whis=(5, 95), showfliers=False)
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("final gap |focal actor - bloc's consensus bound| on the issue's 0-1 scale")
    n = len(data[0]) if data else 0
    pooled = f"; {note}" if note else ""
    _title(ax, f"{title}\nper issue, n = {n} runs{pooled}; box: middle half, whiskers: 5-95%")
    return fig


def agreed_values(dist: pd.DataFrame, title: str, note: str = "", ax: Axes | None = None) -> Figure:
    """Where deals landed: the agreed values per issue (one dot per run with a deal)."""
    fig, ax = _axes(ax, (7.5, 5.0))
    vals = dist[dist["measure"] == "agreed value"]
    issues = dist.attrs.get("issues") or _issues(dist)
    rng = np.random.default_rng(0)  # jitter only: the data are not random
    for k, i in enumerate(issues):
        v = vals.loc[vals["issue"] == i, "value"].to_numpy()
        if len(v):
            ax.scatter(v, k + rng.uniform(-0.2, 0.2, len(v)), s=6, alpha=0.3, color="#7570b3")
        ax.annotate(f"{len(v)} deals", (1.03, k), va="center", fontsize=8, annotation_clip=False)
    ax.set_yticks(range(len(issues)), issues)
    ax.set_ylim(len(issues) - 0.5, -0.5)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("agreed value, " + SCALE)
    if vals.empty:
        ax.text(0.5, 0.5, "no deal on any issue in any run", transform=ax.transAxes, ha="center")
    pooled = f"; {note}" if note else ""
    _title(ax, f"{title}\nagreed values per issue (each dot one run with a deal){pooled}")
    return fig


def outcomes_along(
    data: pd.DataFrame,
    xlabel: str,
    title: str,
    note: str = "",
    steps: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Shares of each outcome along one input: per design point for a grid (``data`` has a
    ``series`` column: :func:`negsim.experiments.analysis.along_grid`), in bins for a sampled
    design (``left``/``right``: :func:`~negsim.experiments.analysis.along_bins`). ``steps``: a
    whole-numbered input, drawn as steps, not joined by slopes."""
    if "series" in data:
        return _along_grid(data, xlabel, title, steps)
    return _along_bins(data, xlabel, title, note, steps, ax)


def _along_grid(data: pd.DataFrame, xlabel: str, title: str, steps: bool) -> Figure:
    """One panel per target that occurs, one line per level of the other inputs."""
    seen = data.groupby("target", sort=False)["k"].sum()
    targets, never = list(seen[seen > 0].index) or list(seen.index[:1]), list(seen[seen == 0].index)
    cols = 2 if len(targets) == 4 else min(3, len(targets))
    rows = -(-len(targets) // cols)
    fig = Figure(figsize=(4.2 * cols + 0.5, 3.4 * rows + 1.6), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False, sharey=True).flat)
    series = list(dict.fromkeys(data["series"]))
    levels = np.sort(data["level"].unique())
    gap = float(np.min(np.diff(levels))) if len(levels) > 1 else 1.0
    colours = [matplotlib.colormaps["viridis"](v) for v in np.linspace(0, 0.9, len(series))]
    for ax, t in zip(axes, targets, strict=False):
        for j, (sr, c) in enumerate(zip(series, colours, strict=True)):
            g = data[(data["target"] == t) & (data["series"] == sr)].sort_values("level")
            x = g["level"] + (j - (len(series) - 1) / 2) * 0.06 * gap  # dodge the whiskers
            err = _err(g["share"], g["lo"], g["hi"])
            kind = "steps-mid" if steps else "default"
            ax.plot(x, g["share"], marker="o", ms=3, color=c, drawstyle=kind, label=sr or None)
            ax.errorbar(x, g["share"], yerr=err, fmt="none", ecolor=c, capsize=2, lw=0.8)
        ax.set_title(focus_text(str(t)), fontsize=10)
        ax.set_ylim(-0.02, 1.02)
        if steps:  # a count: whole-number ticks only
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.supxlabel(xlabel, fontsize=9)
    for ax in axes[len(targets) :]:
        ax.set_visible(False)
    fig.axes[0].set_ylabel("share of the point's runs")
    if series != [""]:
        head = _wrap(data.attrs.get("series", "other input"), 28)
        fig.legend(fontsize=7, title=head, title_fontsize=7, loc="outside right upper",
                   handles=fig.axes[0].get_legend_handles_labels()[0])  # fmt: skip
    n = data["n"]
    each = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
    absent = f"; never at any point: {', '.join(map(focus_text, never))}" if never else ""
    lines = ", one line per level of the other inputs" if series != [""] else ""
    text = (
        f"{title}\nshare at each design point ({each} runs each){lines}; whiskers: 95% Wilson"
        f" over the point's runs{absent}"
    )
    fig.suptitle(_wrap(text, int(10 * fig.get_figwidth())), fontsize=10)
    return fig


def _along_bins(
    data: pd.DataFrame, xlabel: str, title: str, note: str, steps: bool, ax: Axes | None
) -> Figure:
    """Per bin: a bar over the bin's interval at its share, a whisker at its middle, and the
    bin's count of design points under the axis."""
    fig, ax = _axes(ax, (7.5, 4.8))
    seen = data.groupby("target", sort=False)["k"].sum()
    never = list(seen[seen == 0].index) if (seen > 0).any() else []
    for k, (target, g) in enumerate(
        data[~data["target"].isin(never)].groupby("target", sort=False)
    ):
        c = _colour(str(target), k + 1)
        mid = (g["left"] + g["right"]) / 2
        err = _err(g["share"], g["lo"], g["hi"])
        binned = bool((g["right"] > g["left"]).any())
        label = focus_text(str(target))
        if binned:
            ax.hlines(g["share"], g["left"], g["right"], color=c, lw=2.5, label=label)
        else:
            kind = "steps-mid" if steps else "default"
            ax.plot(mid, g["share"], "o", color=c, label=label, drawstyle=kind)
        ax.errorbar(mid, g["share"], yerr=err, fmt="none", ecolor=c, capsize=3, lw=0.8)
    bins = data.drop_duplicates("bin")
    edges = bins[["left", "right"]].to_numpy(dtype=float)
    for (left, right), points in zip(edges.tolist(), bins["points"].tolist(), strict=True):
        middle = (left + right) / 2
        ax.annotate(f"{points}", (middle, 0.0), xytext=(0, 2), textcoords="offset points",
                    ha="center", fontsize=6, color="#555555")  # fmt: skip
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.legend(title="outcome", fontsize=8, loc="best")
    binned = bool((bins["right"] > bins["left"]).any())
    kind = f"{len(bins)} quantile bins" if binned else "each value"
    what = "bar: the bin's interval; number: its points" if binned else "number: its points"
    absent = f"; never in any run: {', '.join(map(focus_text, never))}" if never else ""
    points = int(bins["points"].sum())
    _title(ax, f"{title}\n{kind} of the design's {points} points ({what}); {note}{absent}", 9)
    ax.set_ylabel("share of the bin's runs" if binned else "share of the runs at the value")
    return fig


def outcome_heatmap(
    data: pd.DataFrame,
    xlabel: str,
    ylabel: str,
    focus: str,
    title: str,
    over: list[str] | tuple[str, ...] = (),
    ax: Axes | None = None,
) -> Figure:
    """Share of runs with ``focus`` over two inputs, one cell per level pair (or bin pair),
    labelled; the title names what each cell averages over (``over``: the design's other
    inputs, beside the scenario's own uncertain inputs every run draws)."""
    fig, ax = _axes(ax, (7.5, 5.5))
    grid = data.pivot(index="y", columns="x", values="share")
    im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1)
    for (yi, xi), v in np.ndenumerate(grid.to_numpy()):
        if np.isfinite(v):
            ax.text(
                xi,
                yi,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if v < 0.6 else "black",
            )
    ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" for v in grid.columns], fontsize=8)
    ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" for v in grid.index], fontsize=8)
    fig.colorbar(im, ax=ax, label=f"share of the cell's runs with {focus_text(focus)}")
    lo, hi = int(data["n"].min()), int(data["n"].max())
    each = f"{lo}" if lo == hi else f"{lo}-{hi}"
    named = "; ".join(over) if len(over) <= 3 else f"the design's {len(over)} other inputs"
    what = (
        f"averaged over {named} and the scenario's other uncertain inputs"
        if over
        else "over the scenario's other uncertain inputs (as each run draws them)"
    )
    binned = data.attrs.get("binned", ())
    ax.set_xlabel(xlabel + (" (quantile-bin middles)" if "x" in binned else ""))
    ax.set_ylabel(ylabel + (" (quantile-bin middles)" if "y" in binned else ""))
    _title(ax, f"{title}\n{int(data['n'].sum())} runs, {each} per cell; each cell {what}")
    return fig


def fan_chart(
    q: pd.DataFrame,
    forum_labels: list[str],
    side_labels: dict[str, str],
    issue: str,
    ax: Axes | None = None,
) -> Figure:
    """Positions of the focal actor, the lead and the bloc's bound after each forum: median line,
    25-75% band (dark) and 5-95% band (light) over the runs still at the table."""
    fig, ax = _axes(ax)
    for side, g in q.groupby("side", sort=False):
        c = SIDE_COLOURS.get(str(side), "black")
        x = g["step"].to_numpy()
        ax.fill_between(x, g["q05"], g["q95"], color=c, alpha=0.12, lw=0)
        ax.fill_between(x, g["q25"], g["q75"], color=c, alpha=0.3, lw=0)
        ax.plot(x, g["q50"], color=c, marker="o", ms=3, label=side_labels.get(str(side), side))
    ax.set_xticks(range(len(forum_labels)), forum_labels, fontsize=8)
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(issue, fontsize=10)
    return fig


def histogram_by_outcome(
    data: pd.DataFrame,
    column: str,
    xlabel: str,
    title: str,
    note: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Distribution of a run figure (``column``, from 0) over the runs, the outcomes stacked: a
    bar's height is all its runs, each colour the runs of one outcome (said on the plot)."""
    fig, ax = _axes(ax)
    hi = max(float(data[column].max()), 1e-6)
    bins = np.linspace(0, hi * 1.02, 40).tolist()  # a list: matplotlib's stub wants a Sequence
    groups = [(o, g[column].to_numpy()) for o, g in data.groupby("outcome", sort=False)]
    groups = [(o, v) for o, v in groups if len(v)]
    ax.hist(
        [v for _, v in groups],
        bins=bins,
        stacked=True,
        color=[_colour(str(o), k) for k, (o, _) in enumerate(groups)],
        label=[f"{o} ({len(v)})" for o, v in groups],
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("runs (stacked: bar height = all outcomes)")
    ax.legend(title="outcome (runs), stacked", fontsize=8)
    notes = "".join(f"; {t}" for t in (data.attrs.get("pooled", ""), note) if t)
    _title(ax, f"{title}\nn = {len(data)} runs, stacked by outcome{notes}")
    return fig


def sensitivity_bars(
    si: pd.DataFrame, kind: str, labels: dict[str, str], title: str, ax: Axes | None = None
) -> Figure:
    """Sobol: first-order and total indices per input with 95% intervals. Morris: mu* (overall
    effect) against sigma (non-linearity and interactions)."""
    fig, ax = _axes(ax, (8.0, 0.5 * len(si) + 2.5))
    names = [labels.get(p, p) for p in si["parameter"]]
    if kind == "sobol":
        y = np.arange(len(si))
        ax.barh(y - 0.2, si["S1"], 0.4, xerr=si["S1_conf"], label="first-order S1", color="C0")
        ax.barh(y + 0.2, si["ST"], 0.4, xerr=si["ST_conf"], label="total ST", color="C1")
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.5)
        ax.set_xlabel("share of the variance of the outcome probability explained")
        ax.legend(fontsize=8)
    else:
        ax.errorbar(si["mu_star"], si["sigma"], xerr=si["mu_star_conf"], fmt="o", color="C0")
        for name, xv, yv in zip(names, si["mu_star"], si["sigma"], strict=True):
            ax.annotate(name, (xv, yv), xytext=(4, 4), textcoords="offset points", fontsize=7)
        ax.set_xlabel("mu*: mean absolute change in the probability over each input's range")
        ax.set_ylabel("sigma: spread of those changes (interactions)")
    ax.set_title(title)
    return fig


def prim_trajectory(
    traj: pd.DataFrame, chosen: int, focus: str, title: str, ax: Axes | None = None
) -> Figure:
    """PRIM's peeling trajectory: coverage against density for every box, coloured by how many
    inputs the box restricts; the chosen box is circled."""
    fig, ax = _axes(ax)
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["restricted"], cmap="viridis", s=18)
    pick = traj[traj["step"] == chosen]
    ax.scatter(
        pick["coverage"],
        pick["density"],
        s=160,
        facecolors="none",
        edgecolors="red",
        label=f"chosen box (step {chosen})",
    )
    bar = fig.colorbar(sc, ax=ax, label="inputs restricted by the box")
    # the colorbar's locator is an AutoLocator (a MaxNLocator); the stub knows only Locator
    bar.ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    what = focus_text(focus)
    ax.set_xlabel(f"coverage: share of all runs with {what} that are inside the box")
    ax.set_ylabel(f"density: share of runs inside the box with {what}")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(title)
    return fig


FORECAST_STYLE = {  # column -> (label, marker, colour)
    "value": ("concession model: agreed value", "o", "#1f4e9c"),
    "mean": ("weighted mean", "s", "#999999"),
    "median": ("weighted median", "D", "#555555"),
    "eu": ("expected-utility model", "^", "#d95f02"),
}


def forecasts(data: pd.DataFrame, title: str, ax: Axes | None = None) -> Figure:
    """Per issue, the forecasts side by side (one marker each) and the documented outcome
    (a black bar) where the scenario declares one: which forecast lands nearest."""
    fig, ax = _axes(ax, (7.0, 1.6 + 0.45 * len(data)))
    y = np.arange(len(data))[::-1]
    for k, (col, (label, marker, colour)) in enumerate(FORECAST_STYLE.items()):
        ax.scatter(data[col], y + (k - 1.5) * 0.12, marker=marker, color=colour, label=label)
    if data["actual"].notna().any():
        ax.scatter(data["actual"], y, marker="|", s=400, color="black", label="actual outcome")
    ax.set_yticks(y, data["issue"])
    ax.set_xlim(-0.03, 1.03)
    ax.set_xlabel(SCALE)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return fig


def short_path(path: str) -> str:
    """An input's path as a label: 'groups.nato.defaults.positions.enlargement.limit' ->
    'nato: enlargement.limit' (whose value, then which)."""
    parts = [q for q in path.split(".") if q not in ("defaults", "positions")]
    if parts[0] in ("actors", "groups", "blocs") and len(parts) > 2:
        return f"{parts[1]}: {'.'.join(parts[2:])}"
    return ".".join(parts)


def screening(table: pd.DataFrame, method: str, title: str, top: int = 15) -> Figure:
    """One panel per outcome that moves: the ``top`` inputs by their effect on its share.
    Morris: mu* with its 95% interval (bootstrap, SALib); extremes: the signed change of the
    share from the input's low to its high end."""
    from negsim.outcomes import OUTCOMES

    moving = [o for o in OUTCOMES if (table[o].abs() > 0).any()] or [OUTCOMES[0]]
    table = table[table["effect"].abs() > 0] if (table["effect"].abs() > 0).any() else table
    fig = Figure(figsize=(8.0 * len(moving), 0.32 * top + 2.2), layout="constrained")
    for k, o in enumerate(moving):
        ax = fig.add_subplot(1, len(moving), k + 1)
        rows = table.reindex(table[o].abs().sort_values(ascending=False).index).head(top)
        y = np.arange(len(rows))
        err = rows.get(f"{o}.conf", None)
        ax.barh(y, rows[o], xerr=err, color=OUTCOME_COLOURS.get(o, "C0"), capsize=3)
        ax.set_yticks(y, [short_path(str(p)) for p in rows["input"]], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.5)
        what = (
            "mu*: mean |change| of the share over the input's range"
            if method == "morris"
            else "change of the share from the low to the high end"
        )
        ax.set_xlabel(what, fontsize=8)
        ax.set_title(f"{o}", fontsize=10)
    runs = table.attrs.get("runs")
    note = "; whiskers: 95% bootstrap interval of mu*" if method == "morris" else ""
    fig.suptitle(f"{title}\n{f'{runs} runs' if runs else ''}{note}")
    return fig


def posterior_marginals(prior: Posterior, post: Posterior, paths: list[str], title: str) -> Figure:
    """Per input, the prior sample's histogram against the posterior's (weighted): inputs the
    record informs stand out by a narrower or shifted posterior."""
    cols = 4
    rows = max(1, -(-len(paths) // cols))
    fig = Figure(figsize=(3.2 * cols, 2.6 * rows + 0.8), layout="constrained")
    for k, path in enumerate(paths):
        ax = fig.add_subplot(rows, cols, k + 1)
        j = list(post.paths).index(path)
        x_pr, x_po = prior.values[:, j], post.values[:, j]
        bins = np.linspace(min(x_pr.min(), x_po.min()), max(x_pr.max(), x_po.max()) + 1e-12, 21)
        edges = bins.tolist()  # matplotlib's stub takes bins as a Sequence[float]
        ax.hist(x_pr, bins=edges, density=True, alpha=0.5, color="#999999", label="prior")
        ax.hist(
            x_po, bins=edges, weights=post.weights, density=True, alpha=0.6, color="#c0392b",
            label="posterior",
        )  # fmt: skip
        ax.set_title(short_path(path), fontsize=8)
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.legend(fontsize=7)
    fig.suptitle(f"{title}\n{len(post.weights)} particles; densities")
    return fig


def posterior_pairs(post: Posterior, paths: list[str], title: str) -> Figure:
    """Pairwise scatter of the posterior particles over the top inputs (size by weight)."""
    n = len(paths)
    fig = Figure(figsize=(2.6 * n + 0.6, 2.6 * n + 0.8), layout="constrained")
    idx = [list(post.paths).index(p) for p in paths]
    w = post.weights / post.weights.max()
    for a in range(n):
        for b in range(n):
            ax = fig.add_subplot(n, n, a * n + b + 1)
            xa, xb = post.values[:, idx[b]], post.values[:, idx[a]]
            if a == b:
                ax.hist(xa, bins=20, weights=post.weights, color="#c0392b")
            else:
                ax.scatter(xa, xb, s=4 + 20 * w, alpha=0.4, color="#c0392b", lw=0)
            ax.tick_params(labelsize=6)
            if a == n - 1:
                ax.set_xlabel(short_path(paths[b]), fontsize=7)
            if b == 0:
                ax.set_ylabel(short_path(paths[a]), fontsize=7)
    fig.suptitle(title)
    return fig
