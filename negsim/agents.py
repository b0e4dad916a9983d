"""Mesa agents: a Negotiator per state, a Chair per bloc.

Agents see a read-only :class:`RoundView` of the exchange, never the model or each other's
internals; each decision is one call of a pure function from :mod:`negsim.rules` on the agent's
own rows (batch axis of size one), the very calls the batch engine makes on many runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from negsim import rules

if TYPE_CHECKING:
    from negsim.scenario.compile import BlocSpec


@dataclass(frozen=True)
class RoundView:
    """What an agent is told about the current exchange."""

    forum: str
    exchange: int
    t_frac: np.ndarray  # (1, 1): time elapsed as a share of the horizon
    live: np.ndarray  # (1, I) issues on the table and not yet agreed
    other_offer: np.ndarray  # (1, I) the other side's offer


class Negotiator(mesa.Agent):
    """One OSCE participating state: ideal, reservation, salience per issue and its tactics."""

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        actor_id: str,
        name: str,
        params: dict[str, np.ndarray],
        rule: int,
        link_gated: np.ndarray,
        link_on: np.ndarray,
    ) -> None:
        super().__init__(model)
        self.index, self.actor_id, self.name = index, actor_id, name
        row = slice(index, index + 1)
        self.ideal = params["ideal"][:, index]
        self.reservation = params["reservation"][:, index]
        self.salience = params["salience"][:, index]
        self.capability = params["capability"][:, row]
        self.beta = params["beta"][:, row]
        self.reciprocity = params["reciprocity"][:, row]
        self.link_threshold = params["link_threshold"][:, index]
        self.cohesion_susceptibility = params["cohesion_susceptibility"][:, row]
        self.wedge_susceptibility = params["wedge_susceptibility"][:, row]
        self.wedge = params["wedge"][:, row]
        self.rule = np.array([[rule]])
        self.link_gated, self.link_on = link_gated, link_on
        self.span = rules.span(self.ideal, self.reservation)
        self.c = np.zeros_like(self.ideal)
        self.first_other = np.full_like(self.ideal, np.nan)
        self.prog = np.zeros_like(self.ideal)
        self.last_step = np.zeros_like(self.ideal)
        self.linkage_seen = np.zeros_like(self.link_threshold)

    @property
    def position(self) -> np.ndarray:
        return rules.position(self.ideal, self.reservation, self.c)

    def observe(self, view: RoundView) -> None:
        """Note the other side's offer and how far it has come toward this actor's ideal."""
        self.first_other = np.where(
            view.live & np.isnan(self.first_other), view.other_offer, self.first_other
        )
        new = np.where(
            view.live, rules.progress(view.other_offer, self.first_other, self.ideal), self.prog
        )
        self.last_step = new - self.prog
        self.prog = new

    def movable(self) -> np.ndarray:
        """Issues linkage lets this actor move on (1, I); records what each linkage sees."""
        open_, self.linkage_seen = rules.linkage_open(
            self.prog, self.salience, self.link_gated, self.link_on, self.link_threshold
        )
        return open_

    def respond(self, view: RoundView) -> np.ndarray:
        """ACCEPT / DEFER / REJECT per issue for the other side's offer (1, I)."""
        return rules.respond(
            view.other_offer, self.ideal, self.position, self.reservation, ~self.movable()
        )

    def concede(self, view: RoundView) -> None:
        target = rules.concession_target(
            self.rule, self.c, view.t_frac, self.beta, self.reciprocity, self.last_step
        )
        self.c = rules.concede(self.c, target, self.movable() & view.live)

    def settle(self, x: np.ndarray, live: np.ndarray) -> None:
        """Take a position others pulled it to (cohesion, wedge), within its own range."""
        self.c = np.where(live, rules.settle(x, self.span), self.c)


class Chair(mesa.Agent):
    """Speaks for a bloc: states what its decision rule lets it offer and keeps it together."""

    def __init__(
        self, model: mesa.Model, bloc: BlocSpec, bloc_index: int, name: str, cohesion: np.ndarray
    ) -> None:
        super().__init__(model)
        self.bloc, self.bloc_index, self.name = bloc, bloc_index, name
        self.cohesion = cohesion  # (1,)

    @staticmethod
    def stack(members: list[Negotiator]) -> tuple[np.ndarray, np.ndarray]:
        x = np.stack([m.position for m in members], axis=1)
        w = np.concatenate([m.capability for m in members], axis=1)
        return x, w

    def offer(self, members: list[Negotiator], dirn: np.ndarray) -> np.ndarray:
        x, w = self.stack(members)
        return rules.bloc_offer(x, w, dirn, self.bloc.rule)

    def bound(self, members: list[Negotiator], dirn: np.ndarray) -> np.ndarray:
        """What every member would accept at most: the consensus bound of reservations."""
        res = np.stack([m.reservation for m in members], axis=1)
        return rules.consensus_bound(res, dirn)

    def cohere(self, members: list[Negotiator], live: np.ndarray, wedge: Negotiator | None) -> None:
        """Pull members toward the bloc position; the other side's wedge pulls the other way."""
        x, w = self.stack(members)
        mean = rules.weighted_mean(x, w)
        sus = np.concatenate([m.cohesion_susceptibility for m in members], axis=1)
        x = rules.drift(x, mean[:, None, :], self.cohesion[:, None, None], sus[..., None])
        if wedge is not None:
            wsus = np.concatenate([m.wedge_susceptibility for m in members], axis=1)
            x = rules.drift(x, wedge.position[:, None, :], wedge.wedge[:, :, None], wsus[..., None])
        for k, m in enumerate(members):
            m.settle(x[:, k], live)
