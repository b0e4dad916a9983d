"""The numbers behind every plot, computed from result tables by functions tests can check.

Each function takes a run table (``runs.parquet``) or trajectory table and returns a small
DataFrame; :mod:`negsim.plots` only draws what these return. Intervals follow the design
(:class:`negsim.figures.data.Layout`): Wilson 95% over a design point's replications, a bootstrap
over design points for a share pooled over a sampled design, and none pooled over a grid.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from negsim import figures
from negsim.experiments.designs import Design, analysis_seed
from negsim.experiments.spec import OUTCOMES
from negsim.figures.data import Layout, layout_of, point_shares, pooled_share, share_rows
from negsim.outcomes import failed
from negsim.spool import RunTable

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MAX_LEVELS = 12  # a parameter with more distinct values than this is binned along its axis
BINS = 8  # quantile bins along one input of a sampled design
HEAT_BINS = 6  # quantile bins per axis of a sampled design's heatmap


def indicator(frame: pd.DataFrame, focus: str) -> np.ndarray:
    """1 where a run has the focus: an outcome class, or ``ISSUE.agreed``."""
    if focus in OUTCOMES:
        return (frame["outcome"] == focus).to_numpy(dtype=float)
    issue = focus.removesuffix(".agreed")
    return (frame[f"{issue}.status"] == "agreed").to_numpy(dtype=float)


def point_summary(frame: pd.DataFrame | RunTable, names: list[str]) -> pd.DataFrame:
    """One row per design point: its inputs, runs, outcome shares (with intervals), the share
    of runs agreeing each issue, and mean figures (``summary.csv``). Read a column at a time
    (``frame`` may be a spooled table): a million runs' summary holds the point column and
    one other, not the table."""
    table = RunTable.of(frame)
    points = table.read(["point"])["point"].to_numpy()
    ids, first = np.unique(points, return_index=True)  # sorted, and each one's first run
    out = pd.DataFrame({"point": ids})
    for n in names:
        levels = table.read([f"design:{n}"])[f"design:{n}"].to_numpy()[first]
        out[f"design:{n}"] = pd.Series([tidy(v) for v in levels])
    out["runs"] = pd.Series(points).value_counts().reindex(ids).to_numpy()
    done_points = points[~table.failed]
    completed = pd.Series(done_points).value_counts().reindex(ids, fill_value=0).to_numpy()
    out["failed"] = out["runs"] - completed
    outcome = table.done(["outcome"])["outcome"].astype(str).to_numpy()
    for o in OUTCOMES:
        hits = pd.Series(outcome == o).groupby(done_points).sum()
        _share_columns(out, o, hits.reindex(ids, fill_value=0).to_numpy(), completed)
    for column, name, point in _point_figures(table):
        values = table.done([column])[column]
        out[name] = values.groupby(done_points).agg(point).reindex(ids).to_numpy(dtype=float)
    return out


def _share_columns(out: pd.DataFrame, o: str, hits: np.ndarray, n: np.ndarray) -> None:
    """Outcome ``o``'s share and its interval per point: columns o, o_lo, o_hi (NaN where a
    point has no completed run)."""
    rows = [share_rows(int(k), int(m)) if m else {} for k, m in zip(hits, n, strict=True)]
    for key, col in (("share", o), ("lo", f"{o}_lo"), ("hi", f"{o}_hi")):
        out[col] = [r.get(key, np.nan) for r in rows]


def _point_figures(table: RunTable) -> list[tuple[str, str, Callable[[pd.Series], float]]]:
    """(table column, summary column, point summary) of each recorded figure with one, issue
    figures first (by issue), then run figures: the column order ``summary.csv`` has always
    had."""
    columns = table.columns
    issues = [c.removesuffix(".status") for c in columns if c.endswith(".status")]
    found = [
        (f.column_at(i), f"{i}.{f.point_name}", f.point)
        for i in issues
        for f in figures.of("issue")
        if f.point is not None and f.column_at(i) in columns
    ]
    found += [
        (f.column, f.point_name, f.point)
        for f in figures.of("run")
        if f.point is not None and f.column in columns
    ]
    return found


def tidy(value: object) -> object:
    """A design value as a reader would write it: floats to 12 significant digits, so a grid
    level computed as 0.1 + 0.2 reads 0.3, not 0.30000000000000004 (far below any input's
    meaningful precision, and the runs themselves keep the exact value)."""
    if isinstance(value, float | np.floating) and np.isfinite(value):
        return float(f"{float(value):.12g}")
    return value


def whole_numbered(values: pd.Series | np.ndarray) -> bool:
    """Whether an input takes whole numbers only, over a span of two or more (rounds, days,
    exchanges): drawn as steps, not joined by lines. A 0/1 pair is no count."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return bool(len(v)) and bool(np.all(v == np.round(v))) and float(np.ptp(v)) >= 2


def series_of(frame: pd.DataFrame, others: list[str]) -> pd.Series:
    """Each run's series along one input of a grid: the levels of the grid's other inputs,
    '0.3' or '0.3, 2' in ``others``' order ('' when there are none)."""
    if not others:
        return pd.Series("", index=frame.index)
    parts = [frame[f"design:{o}"].map(lambda v: f"{float(v):.3g}") for o in others]
    if len(parts) == 1:
        return parts[0]
    # pandas-stubs omit a list of Series from str.cat's ``others``; pandas documents it
    return parts[0].str.cat(parts[1:], sep=", ")  # type: ignore[arg-type]


def along_grid(frame: pd.DataFrame, name: str, targets: list[str], layout: Layout) -> pd.DataFrame:
    """Along one input of a grid, the share of each target at every design point, one series
    per level of the grid's other inputs, Wilson 95% per point (its replications): columns
    level, series, target, k, n, share, lo, hi; ``attrs["series"]`` names the other inputs.
    Nothing is pooled over the other inputs."""
    others = [o for o in layout.names if o != name]
    hits = {t: indicator_or_nan(frame, t) for t in targets}
    shares = point_shares(frame, hits, layout)
    first = frame.groupby("point", sort=True).head(1).set_index("point")
    shares["level"] = shares["point"].map(first[f"design:{name}"]).astype(float)
    shares["series"] = shares["point"].map(series_of(first, others))
    out = shares[["level", "series", "target", "k", "n", "share", "lo", "hi"]]
    out.attrs["series"] = ", ".join(layout.label(o) for o in others)
    return out


def along_bins(
    frame: pd.DataFrame, column: str, targets: list[str], layout: Layout, bins: int = BINS
) -> pd.DataFrame:
    """Along one input of a sampled design, the share of each target in quantile bins of the
    design points' values (each point counted once, so a bin holds about as many points as
    the next), or at each value where the design used few; interval: a bootstrap over the
    design's points or blocks in the bin (its runs are not independent draws). Columns bin,
    left, right (the bin's interval of the input), points, target, k, n, share, lo, hi."""
    done = frame[~failed(frame)]
    values = done[column].to_numpy(dtype=float)
    distinct = np.unique(values)
    if len(distinct) <= MAX_LEVELS:
        edges = None
        code = np.searchsorted(distinct, values)
    else:
        per_point = done.groupby("point")[column].first().to_numpy(dtype=float)
        edges = np.unique(np.quantile(per_point, np.linspace(0, 1, bins + 1)))
        code = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in np.unique(code):
        sub = done[code == b]
        left, right = (distinct[b],) * 2 if edges is None else (edges[b], edges[b + 1])
        head = {"bin": int(b), "left": float(left), "right": float(right)}
        head["points"] = int(sub["point"].nunique())
        for t in targets:
            hit = indicator(sub, t)
            rows.append({**head, "target": t, **pooled_share(hit, sub, layout)})
    return pd.DataFrame(rows)


def along(
    frame: pd.DataFrame,
    column: str,
    focus: list[str] | None = None,
    layout: Layout | None = None,
) -> pd.DataFrame:
    """Shares of each outcome (or ``ISSUE.agreed``) along one design input: per design point
    for a grid (:func:`along_grid`), in honest bins for a sampled design (:func:`along_bins`)."""
    layout = layout or layout_of(frame)
    targets = focus or list(OUTCOMES)
    if layout.grid(frame):
        return along_grid(frame, column.removeprefix("design:"), targets, layout)
    return along_bins(frame, column, targets, layout)


def heatmap(
    frame: pd.DataFrame, x: str, y: str, focus: str, layout: Layout | None = None
) -> pd.DataFrame:
    """Share of runs with ``focus`` over two inputs: one cell per pair of levels (a grid) or of
    quantile bins (a sampled design): columns x, y, points, k, n, share. ``attrs["over"]``
    names the design's other inputs each cell averages over (beside the scenario's own
    uncertain inputs, which every run draws)."""
    layout = layout or layout_of(frame)
    done = frame[~failed(frame)]
    lx, ly = (_cell_levels(done, c) for c in (x, y))
    hit = pd.Series(indicator(done, focus), index=done.index)
    g = hit.groupby([lx.rename("x"), ly.rename("y")], sort=True)
    point = done["point"] if "point" in done else pd.Series(0, index=done.index)
    # pandas-stubs type group keys as Hashable; here they are the numeric levels
    rows = [
        {"x": float(a), "y": float(b), "points": int(point[s.index].nunique()),  # type: ignore[arg-type]
         **share_rows(int(s.sum()), len(s))}
        for (a, b), s in g
    ]  # fmt: skip
    cells = pd.DataFrame(rows).drop(columns=["lo", "hi"])  # no interval drawn in a cell
    shown = {x.removeprefix("design:"), y.removeprefix("design:")}
    cells.attrs["over"] = [n for n in layout.names if n not in shown]
    cells.attrs["binned"] = [a for a, c in (("x", x), ("y", y)) if done[c].nunique() > MAX_LEVELS]
    return cells


def _cell_levels(frame: pd.DataFrame, column: str) -> pd.Series:
    """A heatmap axis: the input's own values when few, else the midpoint of its quantile bin
    over the design points."""
    values = frame[column]
    if values.nunique() <= MAX_LEVELS:
        return values.astype(float)
    cut = pd.qcut(values, HEAT_BINS, duplicates="drop")
    return cut.map(lambda iv: float(iv.mid)).astype(float)


def indicator_or_nan(frame: pd.DataFrame, focus: str) -> np.ndarray:
    """:func:`indicator`, NaN where the run failed (it has no outcome)."""
    return np.where(failed(frame).to_numpy(), np.nan, indicator(frame, focus))


def fan_quantiles(
    traj: pd.DataFrame, forums: list[str], issue: str, q: tuple[float, ...] = QUANTILES
) -> pd.DataFrame:
    """Quantiles of each side's position on ``issue`` after each forum, over the runs still at
    the table (a run that broke down has no position afterwards): columns forum, step, side,
    n, and q05 ... q95."""
    rows = []
    for step, forum in enumerate(forums):
        for side in ("focal", "lead", "bloc"):
            col = traj[f"traj:{forum}:{side}:{issue}"].to_numpy(dtype=float)
            col = col[~np.isnan(col)]
            qs = np.quantile(col, q) if len(col) else np.full(len(q), np.nan)
            row = {"forum": forum, "step": step, "side": side, "n": len(col)}
            row.update({f"q{round(p * 100):02d}": v for p, v in zip(q, qs, strict=True)})
            rows.append(row)
    return pd.DataFrame(rows)


def point_means(frame: pd.DataFrame, focus: str, n_points: int) -> np.ndarray:
    """Per design point, the share of its replications with ``focus`` (SALib's Y)."""
    hit = pd.Series(indicator(frame, focus)).groupby(frame["point"].to_numpy()).mean()
    return hit.reindex(range(n_points)).to_numpy()


def sensitivity(design: Design, frame: pd.DataFrame, focus: str, seed: int) -> pd.DataFrame:
    """Sobol (first-order S1 and total ST) or Morris (mu*, sigma) indices of ``focus`` for each
    swept input, with 95% bootstrap intervals, via SALib. Empty for other designs."""
    if design.problem is None or design.unit is None:
        return pd.DataFrame()
    y = point_means(frame, focus, design.n_points)
    names = list(design.names)
    if np.nanvar(y) == 0:
        return pd.DataFrame({"parameter": names}).assign(note=f"'{focus}' never varies")
    if design.kind == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(design.problem, y, calc_second_order=False, seed=analysis_seed(seed))
        cols = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        si = morris.analyze(
            design.problem,
            design.unit,
            y,
            num_levels=design.levels or 4,
            seed=analysis_seed(seed),
        )
        cols = ("mu_star", "mu_star_conf", "sigma", "mu")
    return pd.DataFrame({"parameter": names, **{c: np.asarray(si[c], dtype=float) for c in cols}})
