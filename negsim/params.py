"""Typed parameters of a batch of runs: every sampled number, with its shape, in one place.

The scenario compiler fills these arrays (constants broadcast, distributions drawn per run);
the dynamics read them by name. The list of per-actor fields exists only here, as field
metadata, so gathering the rows of the actors at a table is one call, not a hand-kept list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import ClassVar

import numpy as np


def _actor(doc: str) -> np.ndarray:
    return field(metadata={"per_actor": True, "doc": doc})


def _other(doc: str) -> np.ndarray:
    return field(metadata={"per_actor": False, "doc": doc})


@dataclass(frozen=True)
class Params:
    """Parameter arrays with a leading batch axis B (A actors, I issues, K linkages, Q blocs)."""

    ideal: np.ndarray = _actor("(B, A, I) where each actor wants each issue")
    reservation: np.ndarray = _actor("(B, A, I) the furthest it will go")
    salience: np.ndarray = _actor("(B, A, I) how much each issue matters to it")
    capability: np.ndarray = _actor("(B, A) its weight")
    side: np.ndarray = _actor("(B, A) +1 concedes up the scale (west), -1 down (east)")
    beta: np.ndarray = _actor("(B, A) concession exponent of time-dependent tactics")
    reciprocity: np.ndarray = _actor("(B, A) share of the other side's move it matches")
    cohesion_susceptibility: np.ndarray = _actor("(B, A) pull toward its bloc")
    wedge_susceptibility: np.ndarray = _actor("(B, A) pull toward the other side's wedge")
    wedge: np.ndarray = _actor("(B, A) wedge pressure it exerts on a facing bloc")
    link_threshold: np.ndarray = _actor("(B, A, K) progress each linkage waits for")
    patience_rounds: np.ndarray = _actor("(B, A) rounds without progress it tolerates")
    progress_required: np.ndarray = _actor("(B, A) progress it needs between rounds")
    bloc_cohesion: np.ndarray = _other("(B, Q) strength of each bloc's pull")
    horizon: np.ndarray = _other("(B,) deadline in exchanges")
    tolerance: np.ndarray = _other("(B,) how close offers must come to agree")

    PER_ACTOR: ClassVar[tuple[str, ...]]
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
Params.PER_ACTOR = tuple(f.name for f in fields(Params) if f.metadata["per_actor"])
