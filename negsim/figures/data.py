"""The datasets a figure's own plot shows, computed from a run table by tested functions.

They live beside the registry rather than in :mod:`negsim.experiments.analysis` so that a
figure's entry can draw its plot without the figures depending on the experiments package
(which depends on the figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from negsim.outcomes import OUTCOMES, failed

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


def share_ci(k: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score 95% interval of a share k/n: honest about how few runs a rare
    outcome rests on (never below 0 or above 1, not degenerate at 0 or n). The closed form,
    so a summary needs no statistics library loaded."""
    p, z2 = k / n, Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def share_rows(k: int, n: int) -> dict:
    lo, hi = share_ci(k, n) if n else (np.nan, np.nan)
    return {"k": k, "n": n, "share": k / n if n else np.nan, "lo": lo, "hi": hi}


def outcome_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Share of each outcome class with its 95% interval: columns outcome, k, n, share, lo, hi."""
    frame = frame[~failed(frame)]  # runs that raised have no outcome
    n = len(frame)
    counts = frame["outcome"].astype(str).value_counts()
    return pd.DataFrame([{"outcome": o, **share_rows(int(counts.get(o, 0)), n)} for o in OUTCOMES])


def issue_distributions(frame: pd.DataFrame) -> pd.DataFrame:
    """Long table issue, measure (``gap`` or ``agreed value``), value: the final distance
    between the focal actor and the bloc's bound per issue, and the values of the deals reached."""
    issues = [c.removesuffix(".status") for c in frame.columns if c.endswith(".status")]
    parts = []
    for i in issues:
        if f"{i}.gap" in frame:
            parts.append(pd.DataFrame({"issue": i, "measure": "gap", "value": frame[f"{i}.gap"]}))
        if f"{i}.value" in frame:
            agreed = frame.loc[frame[f"{i}.status"] == "agreed", f"{i}.value"]
            parts.append(pd.DataFrame({"issue": i, "measure": "agreed value", "value": agreed}))
    if not parts:
        return pd.DataFrame(columns=["issue", "measure", "value"])
    return pd.concat(parts, ignore_index=True)


def by_outcome(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A run figure (``column``) beside each run's outcome: columns outcome and ``column``."""
    return pd.DataFrame({"outcome": frame["outcome"].astype(str), column: frame[column]})


def holds_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Per issue, the share of runs in which the reported bloc's consensus held, with its 95%
    interval: columns issue, k, n, share, lo, hi (issues without a bloc left out)."""
    frame = frame[~failed(frame)]
    rows = []
    for column in [c for c in frame.columns if c.endswith(".holds")]:
        values = frame[column].dropna()
        if len(values):
            issue = column.removesuffix(".holds")
            rows.append({"issue": issue, **share_rows(int((values == 1).sum()), len(values))})
    return pd.DataFrame(rows, columns=["issue", "k", "n", "share", "lo", "hi"])


FORECASTS = ("value", "mean", "median", "eu")  # the side-by-side columns, in their order


def forecasts(
    frame: pd.DataFrame,
    issues: tuple[str, ...],
    eu: np.ndarray,
    actual: dict[str, float | None] | None = None,
) -> pd.DataFrame:
    """The four forecasts per issue, each the median over runs, beside the documented outcome.

    ``value``: the concession model's agreed value over the runs that agreed the issue (NaN
    where none did); ``mean``/``median``: the capability x salience weighted mean and median
    of the initial positions; ``eu``: the expected-utility model's forecast (``eu`` (K, I),
    :func:`negsim.expected_utility.run_forecasts`, often on fewer runs); ``actual``: what the
    scenario declares happened, NaN where it declares nothing. One row per issue."""
    done = frame[~failed(frame)]
    rows = []
    for j, iid in enumerate(issues):
        agreed = done.loc[done[f"{iid}.status"] == "agreed", f"{iid}.value"]
        column = eu[:, j] if len(eu) else np.array([np.nan])
        rows.append(
            {
                "issue": iid,
                "value": float(agreed.median()) if len(agreed) else np.nan,
                "mean": float(done[f"{iid}.forecast_mean"].median()),
                "median": float(done[f"{iid}.forecast_median"].median()),
                "eu": float(np.nanmedian(column)) if np.isfinite(column).any() else np.nan,
                "actual": np.nan if (a := (actual or {}).get(iid)) is None else float(a),
            }
        )
    return pd.DataFrame(rows, columns=["issue", *FORECASTS, "actual"])
