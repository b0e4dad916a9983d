"""Typed parameters of a batch of runs: every sampled number, with its shape, in one place.

The scenario compiler fills these arrays (constants broadcast, distributions drawn per run);
the dynamics read them by name. The list of per-actor fields exists only here, so gathering
the rows of the actors at a table is one call, not a hand-kept list.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class Params:
    """Parameter arrays with a leading batch axis B (A actors, I issues, K linkages, Q blocs)."""

    ideal: np.ndarray  # (B, A, I) where each actor wants each issue
    reservation: np.ndarray  # (B, A, I) the furthest it will go
    salience: np.ndarray  # (B, A, I) how much each issue matters to it
    capability: np.ndarray  # (B, A) its weight
    votes: np.ndarray  # (B, A) its votes under a weighted decision rule
    side: np.ndarray  # (B, A) +1 concedes up the scale, -1 down
    beta: np.ndarray  # (B, A) concession exponent of time-dependent tactics
    reciprocity: np.ndarray  # (B, A) share of the other side's move it matches
    cohesion_susceptibility: np.ndarray  # (B, A) pull toward its bloc
    wedge_susceptibility: np.ndarray  # (B, A) pull toward the other side's wedge
    wedge: np.ndarray  # (B, A) wedge pressure it exerts on a facing bloc
    link_threshold: np.ndarray  # (B, A, K) progress each linkage waits for
    patience_rounds: np.ndarray  # (B, A) rounds without progress it tolerates
    progress_required: np.ndarray  # (B, A) progress it needs between rounds
    outside_option: np.ndarray  # (B, A) what walking out is worth, on the scale of progress
    discount: np.ndarray  # (B, A) per-day discount factor of a later deal
    limit: np.ndarray  # (B, A, I) how far its reservation may bend (the reservation: none)
    hope: np.ndarray  # (B, A) progress it believes the other side could still give
    learning: np.ndarray  # (B, A) share of the gap between hope and offers closed each day
    expected_wait: np.ndarray  # (B, A) prior mean days to the other side's next concession
    confidence: np.ndarray  # (B, A) the prior's shape: concessions' worth of evidence
    deadline_days: np.ndarray  # (B, A) days it gives the talks, 0: the scenario's
    credit: np.ndarray  # (B, A) weight of progress on its credited issues
    bloc_cohesion: np.ndarray  # (B, Q) strength of each bloc's pull
    horizon: np.ndarray  # (B,) deadline in exchanges
    tolerance: np.ndarray  # (B,) how close offers must come to agree

    # the one list of fields with an actor axis after the batch axis
    PER_ACTOR: ClassVar[tuple[str, ...]] = (
        "ideal", "reservation", "salience", "capability", "votes", "side", "beta", "reciprocity",
        "cohesion_susceptibility", "wedge_susceptibility", "wedge", "link_threshold",
        "patience_rounds", "progress_required", "outside_option", "discount", "limit", "hope",
        "learning", "expected_wait", "confidence", "deadline_days", "credit",
    )  # fmt: skip
    NAMES: ClassVar[tuple[str, ...]]

    @property
    def n_runs(self) -> int:
        return self.ideal.shape[0]

    def actors(self, idx: np.ndarray) -> Params:
        """The same runs restricted to the actors ``idx`` (per-run fields unchanged)."""
        return replace(self, **{k: getattr(self, k)[:, idx] for k in self.PER_ACTOR})

    def runs(self, rows: slice | np.ndarray) -> Params:
        """A subset of the runs (rows of the batch axis)."""
        return Params(**{k: getattr(self, k)[rows] for k in self.NAMES})

    def as_dict(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k) for k in self.NAMES}


Params.NAMES = tuple(f.name for f in fields(Params))
