"""The numbers behind every plot, computed from result tables by functions tests can check.

Each function takes a run table (``runs.parquet``) or trajectory table and returns a small
DataFrame; :mod:`negsim.plots` only draws what these return. Shares carry Wilson 95% intervals
(:func:`negsim.figures.data.share_ci`) so a reader sees how many runs a rare outcome rests on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from negsim import figures
from negsim.experiments.designs import Design, analysis_seed
from negsim.experiments.spec import OUTCOMES
from negsim.figures.data import (
    share_rows,
)
from negsim.outcomes import failed

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MAX_LEVELS = 12  # a parameter with more distinct values than this is binned along its axis


def indicator(frame: pd.DataFrame, focus: str) -> np.ndarray:
    """1 where a run has the focus: an outcome class, or ``ISSUE.agreed``."""
    if focus in OUTCOMES:
        return (frame["outcome"] == focus).to_numpy(dtype=float)
    issue = focus.removesuffix(".agreed")
    return (frame[f"{issue}.status"] == "agreed").to_numpy(dtype=float)


def point_summary(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """One row per design point: its inputs, runs, outcome shares (with intervals), the share
    of runs agreeing each issue, and mean figures (``summary.csv``)."""
    issues = [c.removesuffix(".status") for c in frame.columns if c.endswith(".status")]
    rows = []
    for p, g in frame.groupby("point", sort=True):
        row: dict = {"point": p}
        row.update({f"design:{n}": tidy(g[f"design:{n}"].iloc[0]) for n in names})
        row["runs"] = len(g)
        g = g[~failed(g)]  # runs that raised have no outcome; they are counted apart
        row["failed"] = row["runs"] - len(g)
        counts = g["outcome"].astype(str).value_counts()
        for o in OUTCOMES:
            s = share_rows(int(counts.get(o, 0)), len(g)) if len(g) else {}
            row.update(
                {
                    o: s.get("share", np.nan),
                    f"{o}_lo": s.get("lo", np.nan),
                    f"{o}_hi": s.get("hi", np.nan),
                }
            )
        row.update(point_figures(g, issues))
        rows.append(row)
    return pd.DataFrame(rows)


def tidy(value: object) -> object:
    """A design value as a reader would write it: floats to 12 significant digits, so a grid
    level computed as 0.1 + 0.2 reads 0.3, not 0.30000000000000004 (far below any input's
    meaningful precision, and the runs themselves keep the exact value)."""
    if isinstance(value, float | np.floating) and np.isfinite(value):
        return float(f"{float(value):.12g}")
    return value


def point_figures(runs: pd.DataFrame, issues: list[str]) -> dict[str, float]:
    """Each recorded figure's summary over one point's completed runs (its ``point``), issue
    figures first: the column order ``summary.csv`` has always had."""
    row = {}
    for i in issues:
        for f in figures.of("issue"):
            if f.point is not None and f.column_at(i) in runs:
                row[f"{i}.{f.point_name}"] = f.point(runs[f.column_at(i)]) if len(runs) else np.nan
    for f in figures.of("run"):
        if f.point is not None and f.column in runs:
            row[f.point_name] = f.point(runs[f.column]) if len(runs) else np.nan
    return row


def levels_of(values: pd.Series, bins: int = 10) -> tuple[pd.Series, str]:
    """Each run's level along a parameter: its own value when the design used few distinct
    values (a grid), else the midpoint of its quantile bin. Returns (levels, 'values'|'bins')."""
    if values.nunique() <= MAX_LEVELS:
        return values, "values"
    cut = pd.qcut(values, bins, duplicates="drop")
    mids = cut.map(lambda iv: float(iv.mid)).astype(float)
    return mids, "bins"


def along(frame: pd.DataFrame, column: str, focus: list[str] | None = None) -> pd.DataFrame:
    """Share of each outcome (or ``ISSUE.agreed``) at each level of one input, with its 95%
    interval: columns level, target, k, n, share, lo, hi."""
    targets = focus or list(OUTCOMES)
    level, _ = levels_of(frame[column])
    rows = []
    for lv, idx in level.groupby(level, sort=True).groups.items():
        sub = frame.loc[idx]
        for t in targets:
            rows.append(
                {
                    "level": float(lv),  # type: ignore[arg-type]  # pandas-stubs: keys are Hashable
                    "target": t,
                    **share_rows(int(indicator(sub, t).sum()), len(sub)),
                }
            )
    return pd.DataFrame(rows)


def heatmap(frame: pd.DataFrame, x: str, y: str, focus: str) -> pd.DataFrame:
    """Share of runs with ``focus`` over two inputs: columns x, y, k, n, share, lo, hi."""
    lx, _ = levels_of(frame[x], 8)
    ly, _ = levels_of(frame[y], 8)
    hit = pd.Series(indicator(frame, focus), index=frame.index)
    g = hit.groupby([lx.rename("x"), ly.rename("y")], sort=True)
    # pandas-stubs type group keys as Hashable; here they are the numeric levels
    rows = [{"x": float(a), "y": float(b), **share_rows(int(s.sum()), len(s))} for (a, b), s in g]  # type: ignore[arg-type]
    return pd.DataFrame(rows)


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
