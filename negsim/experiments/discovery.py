"""Scenario discovery: which inputs, in which ranges, make an outcome likely (PRIM).

The Patient Rule Induction Method (Friedman & Fisher, 1999) starts from a box holding every run
and repeatedly peels off the slice (a fraction ``alpha`` of the runs still inside, at the
bottom or top of one input) whose removal leaves the highest share of runs with the outcome.
Each step trades coverage (the share of all outcome runs still inside) for density (the share
of runs inside that have the outcome); the analyst reads the trajectory and picks a box. The
box is reported as ranges on the few inputs it restricts, which is the readable answer to
"when does Moscow walk out?".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from negsim.experiments.analysis import indicator


@dataclass(frozen=True)
class Box:
    step: int
    coverage: float  # share of outcome runs inside the box
    density: float  # share of runs inside the box with the outcome
    support: float  # share of all runs inside the box
    n: int
    limits: dict[str, tuple[float, float]]  # restricted inputs only: [low, high] inside the box
    full: dict[str, tuple[float, float]]  # the same inputs' full ranges


@dataclass(frozen=True)
class Prim:
    focus: str
    hits: int
    runs: int
    boxes: list[Box]
    unit: str = "runs"  # what a case is: a run, or an EMA experiment (a share over runs)

    def trajectory(self) -> pd.DataFrame:
        """One row per peeling step: step, coverage, density, support, n, restricted."""
        return pd.DataFrame(
            [
                {
                    "step": b.step,
                    "coverage": b.coverage,
                    "density": b.density,
                    "support": b.support,
                    "n": b.n,
                    "restricted": len(b.limits),
                }
                for b in self.boxes
            ]
        )

    def pick(self, min_coverage: float = 0.5) -> Box:
        """The densest box that still holds ``min_coverage`` of the outcome runs."""
        ok = [b for b in self.boxes if b.coverage >= min_coverage - 1e-12] or self.boxes[:1]
        return max(ok, key=lambda b: (round(b.density, 12), b.coverage))


def prim(
    x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_support: float = 0.05, focus: str = ""
) -> Prim:
    """Peel boxes over the numeric inputs ``x`` for the binary outcome ``y``."""
    x = x.loc[:, x.nunique() > 1]
    names = list(x.columns)
    data = x.to_numpy(dtype=float)
    y = np.asarray(y, dtype=bool)
    n, hits = len(y), int(y.sum())
    lo_full, hi_full = data.min(axis=0), data.max(axis=0)
    lo, hi = lo_full.copy(), hi_full.copy()  # the box: only peeled sides move
    mask = np.ones(n, dtype=bool)
    boxes = [_box(0, mask, y, names, lo, hi, lo_full, hi_full, hits)]
    while hits and mask.mean() > min_support and data.shape[1]:
        xm, ym = data[mask], y[mask]
        if ym.all():  # nothing left to gain
            break
        q = np.quantile(xm, [alpha, 1 - alpha], axis=0)
        best: tuple[float, int, int, np.ndarray] | None = None
        for side, keep in (
            (0, _peel(xm >= q[0], xm > xm.min(axis=0))),
            (1, _peel(xm <= q[1], xm < xm.max(axis=0))),
        ):
            count = keep.sum(axis=0)
            dens = (keep & ym[:, None]).sum(axis=0) / np.maximum(count, 1)
            dens[(count == 0) | (count == len(ym))] = -1.0
            j = int(np.argmax(dens + count * 1e-12))  # ties: keep more runs
            if dens[j] >= 0 and (best is None or dens[j] > best[0]):
                best = (float(dens[j]), side, j, keep[:, j])
        if best is None or best[0] < ym.mean() - 1e-12:
            break
        _, side, j, keep = best
        kept = xm[keep, j]
        if side == 0:
            lo[j] = kept.min()
        else:
            hi[j] = kept.max()
        idx = np.flatnonzero(mask)
        mask = mask.copy()
        mask[idx[~keep]] = False
        boxes.append(_box(len(boxes), mask, y, names, lo, hi, lo_full, hi_full, hits))
    return Prim(focus, hits, n, boxes)


def _peel(primary: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """A quantile peel removes nothing where many runs share the extreme value (a grid): then
    peel that value alone."""
    nothing = np.asarray(primary.all(axis=0))  # asarray: typed an array, not maybe a scalar
    return np.where(nothing[None, :], fallback, primary)


def _box(
    step: int,
    mask: np.ndarray,
    y: np.ndarray,
    names: list[str],
    lo: np.ndarray,
    hi: np.ndarray,
    lo_full: np.ndarray,
    hi_full: np.ndarray,
    hits: int,
) -> Box:
    restricted = np.flatnonzero((lo > lo_full) | (hi < hi_full))
    return Box(
        step=step,
        coverage=float(y[mask].sum() / hits) if hits else 0.0,
        density=float(y[mask].mean()) if mask.any() else 0.0,
        support=float(mask.mean()),
        n=int(mask.sum()),
        limits={names[j]: (float(lo[j]), float(hi[j])) for j in restricted},
        full={names[j]: (float(lo_full[j]), float(hi_full[j])) for j in restricted},
    )


def inputs_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The inputs PRIM may restrict: every sampled input (``in:``) or, when a sweep did not
    record them, the design's inputs; named by their scenario path."""
    cols = [c for c in frame.columns if c.startswith("in:")]
    if not cols:
        cols = [c for c in frame.columns if c.startswith("design:")]
    return frame[cols].rename(columns=lambda c: c.split(":", 1)[1])


def discover(
    frame: pd.DataFrame, focus: str, alpha: float = 0.05, min_support: float = 0.05
) -> Prim:
    """PRIM over a run table for one outcome class or ``ISSUE.agreed``."""
    return prim(inputs_of(frame), indicator(frame, focus) > 0, alpha, min_support, focus)


def describe(result: Prim, box: Box | None = None) -> str:
    """The chosen box as text: what it covers, how dense it is, the ranges that define it."""
    box = box or result.pick()
    lines = [
        f"Scenario discovery (PRIM) for '{result.focus}': {result.hits} of {result.runs} "
        f"{result.unit} ({result.hits / max(result.runs, 1):.1%})",
    ]
    if not result.hits:
        return lines[0] + "; nothing to explain."
    u = result.unit
    lines.append(
        f"box of step {box.step} of {len(result.boxes) - 1}: coverage {box.coverage:.2f} "
        f"(share of '{result.focus}' {u} inside), density {box.density:.2f} (share of {u} "
        f"inside with '{result.focus}'), {box.n} {u} ({box.support:.1%} of all)"
    )
    if not box.limits:
        lines.append("  no input restricted: the outcome is spread over the whole input space")
    width = max([len(k) for k in box.limits] + [10])
    for name, (lo, hi) in sorted(box.limits.items()):
        flo, fhi = box.full[name]
        lines.append(
            f"  {name:<{width}}  in [{lo:.3g}, {hi:.3g}]   (full range {flo:.3g} to {fhi:.3g})"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Discovery:
    """Scenario discovery for one outcome: the PRIM trajectory and its chosen box with each
    restriction's quasi-p value, the CART leaf densest in the outcome and feature scores, and
    which implementation made them (the EMA Workbench where installed, else negsim's PRIM)."""

    prim: Prim
    box: Box
    engine: str
    qp: dict[str, tuple[float | None, float | None]]  # input -> (lower, upper) quasi-p
    cart: Box | None = None
    scores: pd.Series | None = None  # input -> feature score, highest first


def design_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """The inputs a discovery restricts: the design's (``design:`` columns) where a design set
    any, else every sampled input (``in:``); named by their scenario path."""
    cols = [c for c in frame.columns if c.startswith("design:")]
    cols = [c for c in cols if frame[c].nunique() > 1]
    if not cols:
        return inputs_of(frame)
    return frame[cols].rename(columns=lambda c: c.split(":", 1)[1])


def analyse_runs(frame: pd.DataFrame, focus: str, min_coverage: float = 0.5) -> Discovery:
    """Scenario discovery over a run table, on the design's inputs (see
    :func:`design_inputs`), for an outcome class or ``ISSUE.agreed``."""
    x = design_inputs(frame)
    return analyse(x, indicator(frame, focus) > 0, focus, min_coverage)


def analyse(
    x: pd.DataFrame,
    y: np.ndarray,
    focus: str,
    min_coverage: float = 0.5,
    alpha: float = 0.05,
    min_support: float = 0.05,
    seed: int = 0,
    unit: str = "runs",
) -> Discovery:
    """PRIM (with pasting and quasi-p values), CART and feature scoring through the EMA
    Workbench where it is installed; negsim's own PRIM (no pasting, no quasi-p) where not."""
    from negsim import workbench

    x = x.loc[:, x.nunique() > 1].astype(float)
    y = np.asarray(y, dtype=bool)
    if not workbench.available() or not y.any() or y.all() or x.shape[1] == 0:
        result = replace(prim(x, y, alpha, min_support, focus), unit=unit)
        return Discovery(result, result.pick(min_coverage), "negsim", {})
    return _ema_analyse(x, y, focus, min_coverage, alpha, min_support, seed, unit)


def _ema_analyse(
    x: pd.DataFrame,
    y: np.ndarray,
    focus: str,
    min_coverage: float,
    alpha: float,
    min_support: float,
    seed: int,
    unit: str,
) -> Discovery:
    import inspect
    import warnings

    from negsim.workbench import workbench

    em = workbench()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, feature_scoring
        from ema_workbench.analysis import prim as emaprim
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

        kw = {"peel_alpha": alpha, "paste_alpha": alpha, "mass_min": min_support}
        if "threshold" in inspect.signature(emaprim.Prim.__init__).parameters:
            kw["threshold"] = 0.8  # EMA 2.x: only where find_box stops; we pick below
        found = emaprim.Prim(x, y, **kw).find_box()
        tree = cart.CART(x, y, mass_min=min_support)
        tree.build_tree()
        scores = feature_scoring.get_ex_feature_scores(
            x, y, mode=RuleInductionType.CLASSIFICATION, random_state=seed,
            max_features=max(1, round(x.shape[1] / 3)),  # EMA's default is 0 below 2 inputs
        )[0]  # fmt: skip
    traj = found.peeling_trajectory
    full = found.box_lims[0]
    boxes = [
        _lims_box(k, full, found.box_lims[k], traj.iloc[k]["coverage"],
                  traj.iloc[k]["density"], traj.iloc[k]["mass"], int(traj.iloc[k]["n"]))
        for k in range(len(found.box_lims))
    ]  # fmt: skip
    result = Prim(focus, int(y.sum()), len(y), boxes, unit)
    box = result.pick(min_coverage)
    qps = getattr(found, "p_values", None) or found.qp  # EMA 3 renamed qp to p_values
    qp = {
        k: tuple(None if q is None or q < 0 else float(q) for q in v)
        for k, v in qps[box.step].items()
        if k in box.limits
    }
    # EMA lists no leaves of an unsplit tree, and fails on a tree over a single input
    split = tree.clf.tree_.node_count > 1 and x.shape[1] > 1
    leaves = [
        _lims_box(k, full, lims, s["coverage"], s["density"], s["mass"], 0)
        for k, (lims, s) in enumerate(zip(tree.boxes, tree.stats, strict=True))
    ] if split else []  # fmt: skip
    best = max(leaves, key=lambda b: (b.density, b.coverage)) if leaves else None
    series = scores.iloc[:, 0].sort_values(ascending=False)
    return Discovery(result, box, f"EMA Workbench {em.__version__}", qp, best, series)  # type: ignore[arg-type]


def _lims_box(
    step: int, full: pd.DataFrame, lims: pd.DataFrame, cov: float, dens: float, mass: float, n: int
) -> Box:
    """One EMA box (a 2-row frame of lower and upper limits) as a :class:`Box`."""
    lo, hi = lims.iloc[0], lims.iloc[1]
    flo, fhi = full.iloc[0], full.iloc[1]
    restricted = [c for c in lims.columns if lo[c] > flo[c] or hi[c] < fhi[c]]
    return Box(
        step=step,
        coverage=float(cov),
        density=float(dens),
        support=float(mass),
        n=n,
        limits={c: (float(lo[c]), float(hi[c])) for c in restricted},
        full={c: (float(flo[c]), float(fhi[c])) for c in restricted},
    )


def limits_table(d: Discovery) -> pd.DataFrame:
    """The chosen box's limits, one row per restricted input: the box's and the full range,
    the box as a fraction of the full range (what the figure draws) and the quasi-p values."""
    rows = []
    for name, (lo, hi) in sorted(d.box.limits.items()):
        flo, fhi = d.box.full[name]
        width = (fhi - flo) or 1.0
        qlo, qhi = d.qp.get(name, (None, None))
        rows.append({
            "input": name, "low": lo, "high": hi, "full_low": flo, "full_high": fhi,
            "low_frac": (lo - flo) / width, "high_frac": (hi - flo) / width,
            "qp_low": qlo, "qp_high": qhi,
        })  # fmt: skip
    cols = ["input", "low", "high", "full_low", "full_high", "low_frac", "high_frac"]
    return pd.DataFrame(rows, columns=[*cols, "qp_low", "qp_high"])


def report(d: Discovery) -> str:
    """The discovery as text: the chosen PRIM box (:func:`describe`) with its quasi-p values,
    the densest CART leaf and the feature scores."""
    lines = [describe(d.prim, d.box), f"  (by {d.engine})"]
    if d.qp:
        lines.append("  quasi-p of each restriction (lower, upper; '-' not restricted there):")
        for name, (lo, hi) in sorted(d.qp.items()):
            lines.append(f"    {name}: {_p(lo)}, {_p(hi)}")
    elif d.engine == "negsim" and d.box.limits:
        lines.append("  (quasi-p values, pasting, CART and feature scores need the EMA Workbench)")
    if d.cart is not None:
        lines.append(
            f"CART: densest leaf: density {d.cart.density:.2f}, coverage {d.cart.coverage:.2f}, "
            f"{d.cart.support:.1%} of {d.prim.unit}"
        )
        for name, (lo, hi) in sorted(d.cart.limits.items()):
            lines.append(f"  {name} in [{lo:.3g}, {hi:.3g}]")
    if d.scores is not None:
        lines.append("feature scores (extra trees), highest first:")
        lines += [f"  {v:.3f}  {k}" for k, v in d.scores.head(10).items()]
    return "\n".join(lines)


def _p(q: float | None) -> str:
    return "-" if q is None else f"{q:.2g}"
