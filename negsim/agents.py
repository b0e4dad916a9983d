"""Mesa agents: a Negotiator per actor, a BlocAgent per bloc (the voice the bloc speaks with).

They are views of their rows in the model's run state, not a second implementation: what an
agent does in an exchange is computed by :mod:`negsim.dynamics` for the whole table at once.
Their ``step``, which the model calls after every exchange (``model.agents.do("step")``),
takes in what that exchange left: whether the agent sat at the table and the offer it made
there, kept as plain attributes. A Mesa user reads them as usual (``model.agents``, agent
reporters, a Solara page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import numpy as np

from negsim import dynamics
from negsim.forum_rules import BLOC_RULES

if TYPE_CHECKING:
    from negsim.model import NegotiationModel
    from negsim.scenario.compile import Party


class Negotiator(mesa.Agent):
    """One actor: ideal, reservation and salience per issue, its tactic and its position."""

    kind = "actor"

    def __init__(self, model: NegotiationModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.ident = model.cp.actors[index]
        self.name = model.cp.names[index]
        self.seated = False  # at the table of the last exchange
        self.offer: np.ndarray | None = None  # its offer there, where it speaks for a party

    def step(self) -> None:
        """Take in the last exchange: seated or not, and its own offer if it is a party."""
        self.seated, self.offer = _at_table(
            self, lambda p: p.bloc is None and self.index in p.members
        )

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
        self.seated = False  # the bloc was a party to the last exchange
        self.offer: np.ndarray | None = None  # the offer it made there

    def step(self) -> None:
        """Take in the last exchange: the offer the bloc made, if it was a party to it."""
        self.seated, self.offer = _at_table(self, lambda p: p.bloc == self.index)

    @property
    def position(self) -> np.ndarray:
        """The offer the bloc would make now, all its members counted (I,)."""
        m: NegotiationModel = self.model
        x = m.positions()[:, self.spec.members]
        dirn = dynamics.direction(self.spec.members, m.params, m.cp.n_issues)
        w = m.params.capability[:, self.spec.members]
        return BLOC_RULES[self.spec.rule].offer(x, w, dirn)[0]


def _at_table(agent: Negotiator | BlocAgent, speaks: Callable[[Party], bool]) -> tuple:
    """(seated, offer) of ``agent`` in the model's last exchange; ``speaks`` picks its party."""
    m: NegotiationModel = agent.model
    rec = m.last
    if rec is None:
        return False, None
    tab = rec.table
    offer = next(
        (o[0].copy() for p, o in zip(tab.forum.parties, rec.offers, strict=True) if speaks(p)),
        None,
    )
    if isinstance(agent, BlocAgent):
        return offer is not None, offer
    here = np.flatnonzero(tab.idx == agent.index)
    return bool(here.size and np.asarray(tab.seated)[here[0]]), offer
