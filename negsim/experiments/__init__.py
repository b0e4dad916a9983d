"""Experiments: sweeps of a scenario over a design, their results on disk, and their analysis.

For notebooks::

    from negsim.experiments import SweepOptions, run_experiment, load_results
    table = run_experiment("experiments/patience_cohesion.yaml", out="out/pc", workers=2)
    table = run_experiment("experiments/patience_cohesion.yaml", SweepOptions(workers=2))
    table = load_results("out/pc")

The names are imported on first use, so ``negsim validate`` does not pay for pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SweepOptions", "load_results", "load_trajectories", "run_experiment"]


def __getattr__(name: str) -> Any:
    if name in ("SweepOptions", "run_experiment"):
        from negsim.experiments import sweep

        return getattr(sweep, name)
    if name in ("load_results", "load_trajectories"):
        from negsim.experiments import storage

        return getattr(storage, name)
    raise AttributeError(name)
