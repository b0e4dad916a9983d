"""The state of a batch of runs: what both engines hand to the outcome functions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.scenario.compile import Compiled


@dataclass
class RunState:
    """Arrays with a leading batch axis B; A actors, I issues, F forums."""

    c: np.ndarray  # (B, A, I) concession levels
    first_other: np.ndarray  # (B, A, I) the other side's first offer each actor saw
    prog: np.ndarray  # (B, A, I) progress each actor sees in the other side's offer
    agreed: np.ndarray  # (B, I) bool
    value: np.ndarray  # (B, I) agreed value, NaN where not agreed
    strikes: np.ndarray  # (B, A) rounds without enough progress
    broke: np.ndarray  # (B,) bool: a party walked out
    rounds: np.ndarray  # (B,) forums completed
    trajectory: np.ndarray  # (B, F, 3, I): Russia, west lead, west bloc bound after each forum

    @classmethod
    def start(cls, cp: Compiled, b: int) -> RunState:
        a, i, f = cp.n_actors, cp.n_issues, len(cp.forums)
        return cls(
            c=np.zeros((b, a, i)),
            first_other=np.full((b, a, i), np.nan),
            prog=np.zeros((b, a, i)),
            agreed=np.zeros((b, i), dtype=bool),
            value=np.full((b, i), np.nan),
            strikes=np.zeros((b, a)),
            broke=np.zeros(b, dtype=bool),
            rounds=np.zeros(b, dtype=np.int64),
            trajectory=np.full((b, f, 3, i), np.nan),
        )
