"""The datasets a figure's own plot shows, computed from a run table by tested functions.

They live beside the registry rather than in :mod:`negsim.experiments.analysis` so that a
figure's entry can draw its plot without the figures depending on the experiments package
(which depends on the figures).

What interval a share may carry depends on how the runs were drawn (:class:`Layout`): the runs
of ``negsim run`` are independent draws (Wilson); the replications of one design point are
independent draws given the point (Wilson per point); a grid's levels are the analyst's choice,
so its runs are shown per point and never pooled into one "probability"; the points of a
sampled design (Saltelli's Sobol blocks, Morris trajectories, a Latin hypercube) are not
independent runs, so a share pooled over them carries a bootstrap over design points (whole
Saltelli blocks, whole trajectories), never a Wilson band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from negsim.outcomes import OUTCOMES, agreed_values, failed
from negsim.spool import RunTable

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile
BOOT_REPS = 1000  # bootstrap resamples of the design points
BOOT_TAG = 0x626F6F74  # "boot": the bootstrap's seed stream, apart from the runs' and design's
CLUSTER_NAMES = {"sobol": "Saltelli blocks", "morris": "Morris trajectories"}


@dataclass(frozen=True)
class Layout:
    """How a run table's runs were drawn: ``kind`` is "runs" (independent draws, as ``negsim
    run``) or the experiment's design, ``names`` its inputs (columns ``design:NAME``), ``seed``
    the experiment's (the bootstrap's generator derives from it), ``labels`` the inputs' names
    on a plot."""

    kind: str = "runs"
    names: tuple[str, ...] = ()
    seed: int = 0
    labels: tuple[str, ...] = ()  # a reader's name for each input, as ``names``

    def label(self, name: str) -> str:
        """The reader's name of one of the design's inputs (its path if none is given)."""
        return dict(zip(self.names, self.labels, strict=False)).get(name, name)

    def grid(self, frame: pd.DataFrame) -> bool:
        """A grid of more than one point: its runs are shown per point, never pooled."""
        return self.kind == "grid" and not self.independent(frame)

    def independent(self, frame: pd.DataFrame) -> bool:
        """Every run an independent draw of one distribution: Wilson intervals hold."""
        if self.kind == "runs" or not self.names or "point" not in frame:
            return True
        return frame["point"].nunique() <= 1

    def clusters(self, frame: pd.DataFrame) -> np.ndarray:
        """Each run's unit of the bootstrap: a Saltelli block of d + 2 points (SALib writes a
        base row, its d cross rows and its second base row together), a Morris trajectory of
        d + 1 points, else the design point (its replications stay together)."""
        point = frame["point"].to_numpy()
        d = len(self.names)
        return {"sobol": point // (d + 2), "morris": point // (d + 1)}.get(self.kind, point)

    def cluster_name(self) -> str:
        return CLUSTER_NAMES.get(self.kind, "design points")

    def rng(self) -> np.random.Generator:
        """A fresh generator per call, so every plot's bootstrap is reproducible alone."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, BOOT_TAG]))


def layout_of(frame: pd.DataFrame) -> Layout:
    """The layout a results folder's plots attach to its table (``frame.attrs["layout"]``);
    a table without one is independent runs."""
    layout = frame.attrs.get("layout")
    return layout if isinstance(layout, Layout) else Layout()


def bootstrap_ci(
    hit: np.ndarray, cluster: np.ndarray, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile 95% interval of a share over resampled clusters (whole design points or
    blocks with all their replications): the runs of one cluster are not independent draws.
    NaN with fewer than two clusters."""
    _, code = np.unique(cluster, return_inverse=True)
    sums = np.bincount(code, weights=hit.astype(float))
    counts = np.bincount(code).astype(float)
    c = len(counts)
    if c < 2:
        return (np.nan, np.nan)
    est = np.empty(BOOT_REPS)
    for start in range(0, BOOT_REPS, 100):  # in slices: a large design stays small in memory
        idx = rng.integers(0, c, (min(100, BOOT_REPS - start), c))
        est[start : start + len(idx)] = sums[idx].sum(axis=1) / counts[idx].sum(axis=1)
    lo, hi = np.quantile(est, [0.025, 0.975])
    return (float(lo), float(hi))


def pooled_share(hit: np.ndarray, frame: pd.DataFrame, layout: Layout) -> dict:
    """A share over all of ``frame``'s runs with the interval their drawing allows: Wilson for
    independent runs, a bootstrap over design points otherwise; a grid refuses (its levels are
    not a population to pool)."""
    if layout.grid(frame):
        raise ValueError("a grid's runs are shown per design point, never pooled as a share")
    k, n = int(hit.sum()), len(hit)
    if layout.independent(frame):
        return share_rows(k, n)
    lo, hi = bootstrap_ci(hit, layout.clusters(frame), layout.rng()) if n else (np.nan,) * 2
    return {"k": k, "n": n, "share": k / n if n else np.nan, "lo": lo, "hi": hi}


def interval_note(frame: pd.DataFrame, layout: Layout) -> str:
    """What a pooled share's whiskers are, in the words a plot's title uses."""
    if layout.independent(frame):
        return "whiskers: 95% Wilson interval (independent runs)"
    c = len(np.unique(layout.clusters(frame)))
    return f"whiskers: 95% bootstrap over the design's {c} {layout.cluster_name()}"


def pooled_note(frame: pd.DataFrame, layout: Layout) -> str:
    """'' for independent runs, else how many design points a distribution pools."""
    if layout.independent(frame):
        return ""
    return f"all {frame['point'].nunique()} design points ({layout.kind}) pooled"


def point_shares(frame: pd.DataFrame, hits: dict[str, np.ndarray], layout: Layout) -> pd.DataFrame:
    """Per design point and target, the share of the point's completed runs with a Wilson 95%
    interval (a point's replications are independent draws given its inputs): columns point,
    design:NAME..., target, k, n, share, lo, hi."""
    done = ~failed(frame).to_numpy()
    design = [f"design:{n}" for n in layout.names]
    rows = []
    for p, where in frame.groupby("point", sort=True).indices.items():
        where = np.asarray(where)  # positions (pandas-stubs allow an Index or a list too)
        idx = where[done[where]]
        values = {c: frame[c].iloc[idx[0]] for c in design} if len(idx) else {}
        for t, hit in hits.items():
            h = hit[idx]
            h = h[~np.isnan(h)]
            rows.append({"point": p, **values, "target": t, **share_rows(int(h.sum()), len(h))})
    return pd.DataFrame(rows, columns=["point", *design, "target", "k", "n", "share", "lo", "hi"])


def outcome_hits(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per outcome class, 1.0 where a run has it (0 elsewhere, NaN where the run failed)."""
    bad = failed(frame).to_numpy()
    out = frame["outcome"].astype(str).to_numpy()
    return {o: np.where(bad, np.nan, (out == o).astype(float)) for o in OUTCOMES}


def holds_hits(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per issue with a reported bloc, 1.0 where its consensus held (NaN: failed or no bloc)."""
    bad = failed(frame).to_numpy()
    return {
        c.removesuffix(".holds"): np.where(bad, np.nan, frame[c].to_numpy(dtype=float))
        for c in frame.columns
        if c.endswith(".holds") and frame[c].notna().any()
    }


def share_ci(k: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score 95% interval of a share k/n: honest about how few runs a rare
    outcome rests on (never below 0 or above 1, not degenerate at 0 or n). The closed form,
    so a summary needs no statistics library loaded."""
    p, z2 = k / n, Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    lo = 0.0 if k == 0 else max(centre - half, 0.0)  # exact at the ends: centre - half is
    hi = 1.0 if k == n else min(centre + half, 1.0)  # 0 (or 1) there, up to round-off
    return float(min(lo, p)), float(max(hi, p))


def share_rows(k: int, n: int) -> dict:
    lo, hi = share_ci(k, n) if n else (np.nan, np.nan)
    return {"k": k, "n": n, "share": k / n if n else np.nan, "lo": lo, "hi": hi}


def outcome_shares(frame: pd.DataFrame, layout: Layout | None = None) -> pd.DataFrame:
    """Share of each outcome class over the completed runs with its 95% interval (Wilson for
    independent runs, a bootstrap over design points for a sampled design; a grid refuses:
    see :func:`point_shares`): columns outcome, k, n, share, lo, hi."""
    layout = layout or layout_of(frame)
    done = frame[~failed(frame)]  # runs that raised have no outcome
    out = done["outcome"].astype(str).to_numpy()
    rows = [
        {"outcome": o, **pooled_share((out == o).astype(float), done, layout)} for o in OUTCOMES
    ]
    return pd.DataFrame(rows)


def stacked_point_shares(frame: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """Per design point, each outcome class stacked on those before it: ``bottom`` and ``top``
    are the cumulative shares below and up to the class, ``lo``/``hi`` the Wilson 95% interval
    of ``top`` (a cumulative share is a binomial share of the point's replications too), so
    every boundary of a stacked bar carries its own interval. Columns point, design:NAME...,
    outcome, k, n, share, bottom, top, lo, hi."""
    shares = point_shares(frame, outcome_hits(frame), layout).rename(columns={"target": "outcome"})
    shares["cum"] = shares.groupby("point")["k"].cumsum()
    ci = [
        share_ci(int(c), int(n)) if n else (np.nan, np.nan)
        for c, n in zip(shares["cum"], shares["n"], strict=True)
    ]
    shares["top"] = shares["cum"] / shares["n"].where(shares["n"] > 0)
    shares["bottom"] = shares["top"] - shares["share"]
    shares["lo"], shares["hi"] = [c[0] for c in ci], [c[1] for c in ci]
    return shares.drop(columns="cum")


MEASURES = pd.CategoricalDtype(["gap", "agreed value"])


def issue_distributions(frame: pd.DataFrame) -> pd.DataFrame:
    """Long table issue, measure (``gap`` or ``agreed value``), value: the final distance
    between the focal actor and the bloc's bound per issue, and the values of the deals
    reached. ``issue`` and ``measure`` are categorical (a million runs' long table is mostly
    those two), and ``attrs["issues"]`` keeps every issue, with a deal or not;
    ``attrs["measures"]`` the measures the table recorded (none: nothing to draw)."""
    issues = [c.removesuffix(".status") for c in frame.columns if c.endswith(".status")]
    kinds = pd.CategoricalDtype(issues)
    parts, present = [], []
    for k, i in enumerate(issues):
        for measure, column in (("gap", f"{i}.gap"), ("agreed value", f"{i}.value")):
            if column in frame:
                v = frame[column]
                if measure == "agreed value":
                    v = v[frame[f"{i}.status"] == "agreed"]
                present.append(measure)
                parts.append(_long(kinds, k, measure, v.to_numpy(dtype=float)))
    out = pd.concat(parts, ignore_index=True) if parts else _long(kinds, 0, "gap", np.empty(0))
    out.attrs.update(issues=issues, measures=list(dict.fromkeys(present)))
    return out


def _long(kinds: pd.CategoricalDtype, k: int, measure: str, v: np.ndarray) -> pd.DataFrame:
    """The rows of issue ``k``'s ``measure`` in the long table of :func:`issue_distributions`."""
    code = MEASURES.categories.get_loc(measure)
    return pd.DataFrame(
        {
            "issue": pd.Categorical.from_codes(np.full(len(v), k), dtype=kinds),
            "measure": pd.Categorical.from_codes(np.full(len(v), code), dtype=MEASURES),
            "value": v,
        }
    )


def by_outcome(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A run figure (``column``) beside each run's outcome: columns outcome and ``column``;
    ``attrs["pooled"]`` says how many design points it pools ('' for independent runs)."""
    out = pd.DataFrame({"outcome": frame["outcome"].astype(str), column: frame[column]})
    out.attrs["pooled"] = pooled_note(frame, layout_of(frame))
    return out


def holds_shares(frame: pd.DataFrame, layout: Layout | None = None) -> pd.DataFrame:
    """Per issue, the share of runs in which the reported bloc's consensus held, with its 95%
    interval as :func:`outcome_shares` gives it: columns issue, k, n, share, lo, hi (issues
    without a bloc left out). A grid refuses: :func:`point_shares` of :func:`holds_hits`."""
    layout = layout or layout_of(frame)
    done = frame[~failed(frame)]
    rows = []
    for issue, hit in holds_hits(done).items():
        keep = ~np.isnan(hit)
        rows.append({"issue": issue, **pooled_share(hit[keep], done[keep], layout)})
    return pd.DataFrame(rows, columns=["issue", "k", "n", "share", "lo", "hi"])


FORECASTS = ("value", "mean", "median", "eu")  # the side-by-side columns, in their order


def forecasts(
    frame: pd.DataFrame | RunTable,
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
    table = RunTable.of(frame)
    rows = []
    for j, iid in enumerate(issues):
        agreed = agreed_values(table, iid)  # a column or two at a time (a spooled table)
        column = eu[:, j] if len(eu) else np.array([np.nan])
        rows.append(
            {
                "issue": iid,
                "value": float(agreed.median()) if len(agreed) else np.nan,
                "mean": float(table.column(f"{iid}.forecast_mean").median()),
                "median": float(table.column(f"{iid}.forecast_median").median()),
                "eu": float(np.nanmedian(column)) if np.isfinite(column).any() else np.nan,
                "actual": np.nan if (a := (actual or {}).get(iid)) is None else float(a),
            }
        )
    return pd.DataFrame(rows, columns=["issue", *FORECASTS, "actual"])
