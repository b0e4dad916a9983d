"""The state of a batch of runs: what both engines hand to the outcome functions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negsim.params import Params
from negsim.scenario.compile import Compiled


@dataclass
class RunState:
    """Arrays with a leading batch axis B; A actors, I issues, F forums."""

    c: np.ndarray  # (B, A, I) concession levels
    best: np.ndarray  # (B, A, I) the best value each actor has been offered, NaN until offered
    prog: np.ndarray  # (B, A, I) progress: share of the way from status quo to ideal, best so far
    agreed: np.ndarray  # (B, I) bool
    value: np.ndarray  # (B, I) agreed value, NaN where not agreed
    agreed_in: np.ndarray  # (B, I) the forum (index) of the deal, -1 where none
    agreed_at: np.ndarray  # (B, I) the exchange within that forum (1-based), 0 where none
    blocker: np.ndarray  # (B, I) who last refused the table's proposal (a party code), -1 none
    strikes: np.ndarray  # (B, A) rounds without enough progress
    broke: np.ndarray  # (B,) bool: a party walked out
    broke_in: np.ndarray  # (B,) the forum (index) it walked out in or after, -1 where none
    rounds: np.ndarray  # (B,) forums completed
    trajectory: np.ndarray  # (B, F, 3, I): focal actor, lead, bloc bound after each forum
    reservation: np.ndarray  # (B, A, I) reservations now (they bend toward a limit)
    judged: np.ndarray  # (B, A) the progress each deciding actor judged last
    moves: np.ndarray  # (B, A) how many times it has seen that progress rise
    answers: np.ndarray  # (B, R) each watched answer was as observed every time so far
    answered: np.ndarray  # (B, R) the watched party answered at all

    @classmethod
    def start(cls, cp: Compiled, params: Params) -> RunState:
        a, i, f = cp.n_actors, cp.n_issues, len(cp.forums)
        b = params.n_runs
        return cls(
            c=np.zeros((b, a, i)),
            best=np.full((b, a, i), np.nan),
            prog=np.zeros((b, a, i)),
            agreed=np.zeros((b, i), dtype=bool),
            value=np.full((b, i), np.nan),
            agreed_in=np.full((b, i), -1, dtype=np.int64),
            agreed_at=np.zeros((b, i), dtype=np.int64),
            blocker=np.full((b, i), -1, dtype=np.int64),
            strikes=np.zeros((b, a)),
            broke=np.zeros(b, dtype=bool),
            broke_in=np.full(b, -1, dtype=np.int64),
            rounds=np.zeros(b, dtype=np.int64),
            trajectory=np.full((b, f, 3, i), np.nan),
            reservation=params.reservation.copy(),
            judged=np.zeros((b, a)),
            moves=np.zeros((b, a)),
            answers=np.ones((b, len(cp.watched)), dtype=bool),
            answered=np.zeros((b, len(cp.watched)), dtype=bool),
        )
