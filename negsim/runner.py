"""Runs of a scenario -> result table, through either engine.

The batch engine is the default for many runs; the agent model is the reference, used for
transcripts and replay, and selectable everywhere so the two can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from negsim import batch
from negsim.model import NegotiationModel
from negsim.outcomes import summarize, table
from negsim.scenario.compile import Compiled, fill, leaf_values, uniforms
from negsim.state import RunState

ENGINES = ("batch", "agent")
CHUNK = 512  # runs per vectorised call: small enough to stay in cache; memory grows with it


@dataclass
class Results:
    frame: pd.DataFrame
    summary: dict[str, np.ndarray]
    engine: str


def _stack(states: list[RunState]) -> RunState:
    return RunState(
        **{
            k: np.concatenate([getattr(s, k) for s in states])
            for k in RunState.__dataclass_fields__
        }
    )


def run_many(
    cp: Compiled,
    runs: np.ndarray | range,
    seed: int,
    engine: str = "batch",
    chunk: int = CHUNK,
    fixed: dict[str, np.ndarray] | None = None,
) -> Results:
    """Runs ``runs`` (indices into the seed's run sequence) of a compiled scenario.

    ``fixed`` (leaf path -> one value per run) is how an experimental design sets inputs.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {ENGINES}")
    runs = np.asarray(runs, dtype=np.int64)
    u = uniforms(cp, runs, seed)
    fixed = {
        k: np.broadcast_to(np.asarray(v, dtype=float), len(runs)) for k, v in (fixed or {}).items()
    }
    values = leaf_values(cp, u, fixed)
    summaries = []
    for start in range(0, len(runs), chunk):
        part = slice(start, start + chunk)
        sub = {k: v[part] for k, v in fixed.items()}
        params = fill(cp, values[part])
        if engine == "batch":
            st = batch.simulate(cp, params)
        else:
            models = [
                NegotiationModel(
                    cp, int(k), seed, transcript=False, fixed={p: v[i] for p, v in sub.items()}
                )
                for i, k in enumerate(runs[part])
            ]
            st = _stack([m.run().state() for m in models])
        summaries.append(summarize(cp, params, st))
    summary = {k: np.concatenate([s[k] for s in summaries]) for k in summaries[0]}
    frame = table(cp, summary, runs, values)
    return Results(frame, summary, engine)
