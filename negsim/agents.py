"""Mesa agents: a Negotiator per actor, a BlocAgent per bloc (the voice the bloc speaks with).

They are views of their rows in the model's run state, not a second implementation: what an
agent does in an exchange is computed by :mod:`negsim.dynamics` for the whole table at once.
A Mesa user reads them as usual (``model.agents``, agent reporters, a Solara page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from negsim import dynamics
from negsim.forum_rules import BLOC_RULES

if TYPE_CHECKING:
    from negsim.model import NegotiationModel


class Negotiator(mesa.Agent):
    """One actor: ideal, reservation and salience per issue, its tactic and its position."""

    kind = "actor"

    def __init__(self, model: NegotiationModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.ident = model.cp.actors[index]
        self.name = model.cp.names[index]

    @property
    def position(self) -> np.ndarray:
        """Where it stands now on each issue (I,)."""
        m: NegotiationModel = self.model
        k = self.index
        ideal, res = m.params.ideal[0, k], m.state.reservation[0, k]
        return ideal + m.state.c[0, k] * (res - ideal)

    @property
    def ideal(self) -> np.ndarray:
        return self.model.params.ideal[0, self.index]

    @property
    def reservation(self) -> np.ndarray:
        return self.model.state.reservation[0, self.index]


class BlocAgent(mesa.Agent):
    """A bloc: the offer its decision rule lets it make from its members' current positions."""

    kind = "bloc"

    def __init__(self, model: NegotiationModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        spec = model.cp.blocs[index]
        self.ident = spec.id
        self.spec = spec

    @property
    def position(self) -> np.ndarray:
        """The offer the bloc would make now, all its members counted (I,)."""
        m: NegotiationModel = self.model
        x = m.positions()[:, self.spec.members]
        dirn = dynamics.direction(self.spec.members, m.params, m.cp.n_issues)
        w = m.params.capability[:, self.spec.members]
        return BLOC_RULES[self.spec.rule].offer(x, w, dirn)[0]
