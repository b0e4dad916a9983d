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

from dataclasses import dataclass

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
        f"Scenario discovery (PRIM) for '{result.focus}': {result.hits} of {result.runs} runs "
        f"({result.hits / max(result.runs, 1):.1%})",
    ]
    if not result.hits:
        return lines[0] + "; nothing to explain."
    lines.append(
        f"box of peeling step {box.step} of {len(result.boxes) - 1}: coverage {box.coverage:.2f} "
        f"(share of '{result.focus}' runs inside), density {box.density:.2f} (share of runs "
        f"inside with '{result.focus}'), {box.n} runs ({box.support:.1%} of all)"
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
