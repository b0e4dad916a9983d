"""NegotiationModel: the talks as a Mesa model, one exchange per step, with a transcript.

This is the reference engine: a run told agent by agent, readable and replayable. The batch
engine (:mod:`negsim.batch`) must reproduce its numbers for many runs at once.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from negsim import rules
from negsim.agents import Chair, Negotiator, RoundView
from negsim.batch import directions, trajectory_point
from negsim.scenario.compile import Compiled, ForumSpec, Party, compile_scenario, run_generator
from negsim.scenario.compile import sample as sample_params
from negsim.scenario.load import load_scenario
from negsim.state import RunState
from negsim.transcript import Event, offer_events


class NegotiationModel(mesa.Model):
    """One run of a scenario: run ``run`` of root seed ``seed`` (its own generator)."""

    def __init__(
        self,
        scenario: Compiled | str | Path,
        run: int = 0,
        seed: int = 0,
        transcript: bool = True,
        fixed: dict[str, float] | None = None,
    ) -> None:
        cp = (
            scenario
            if isinstance(scenario, Compiled)
            else compile_scenario(load_scenario(scenario))
        )
        rng = run_generator(seed, run)
        u = rng.random(len(cp.leaves))[None, :]
        super().__init__(rng=rng)
        self.cp, self.run_index, self.seed = cp, run, seed
        self.params = sample_params(cp, u, {k: np.array([v]) for k, v in (fixed or {}).items()})
        self.samples = u
        self.negotiators = [
            Negotiator(
                self,
                k,
                a,
                cp.names[k],
                self.params,
                int(cp.rule[k]),
                cp.link_gated[k],
                cp.link_on[k],
            )
            for k, a in enumerate(cp.actors)
        ]
        chairs = cp.scenario.chairs
        self.chairs = [
            Chair(
                self,
                b,
                q,
                chairs[b.chair].name if b.chair else b.id,
                self.params["bloc_cohesion"][:, q],
            )
            for q, b in enumerate(cp.blocs)
        ]
        self.schedule = [
            (f, e) for f, forum in enumerate(cp.forums) for e in range(forum.exchanges)
        ]
        self.tick = 0
        self.agreed = np.zeros((1, cp.n_issues), dtype=bool)
        self.value = np.full((1, cp.n_issues), np.nan)
        self.strikes = np.zeros((1, cp.n_actors))
        self.broke = np.zeros(1, dtype=bool)
        self.rounds = np.zeros(1, dtype=np.int64)
        self.trajectory = np.full((1, len(cp.forums), 3, cp.n_issues), np.nan)
        self.keep_transcript = transcript
        self.events: list[Event] = []
        self.last_offers: dict[str, np.ndarray] = {}
        self.last_directions: dict[str, np.ndarray] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "forum": lambda m: m.cp.forums[m.schedule[m.tick - 1][0]].id,
                "core_progress": lambda m: float(
                    rules.weighted(
                        m.negotiators[m.cp.russia].prog,
                        m.negotiators[m.cp.russia].salience,
                        m.cp.core,
                    )[0]
                ),
                "agreed": lambda m: int(m.agreed.sum()),
            }
        )

    # -- the schedule ----------------------------------------------------------------------

    def step(self) -> None:
        """One exchange of the current forum; after a forum's last one, the judgement."""
        if not self.running:
            return
        f, e = self.schedule[self.tick]
        forum = self.cp.forums[f]
        self.tick += 1
        self._exchange(forum, e)
        self.datacollector.collect(self)
        if e == forum.exchanges - 1:
            self._between_rounds(f, forum)
        if self.tick >= len(self.schedule) or self.broke[0]:
            self.running = False

    def run(self) -> NegotiationModel:
        while self.running:
            self.step()
        return self

    # -- one exchange ----------------------------------------------------------------------

    def _members(self, p: Party) -> list[Negotiator]:
        return [self.negotiators[k] for k in p.members]

    def _offer(self, p: Party, dirn: np.ndarray) -> np.ndarray:
        if p.bloc is not None:
            return self.chairs[p.bloc].offer(self._members(p), dirn)
        offer = self.negotiators[p.members[0]].position
        if p.bound_by is not None:
            bloc = self.cp.blocs[p.bound_by]
            bound = self.chairs[p.bound_by].bound([self.negotiators[k] for k in bloc.members], dirn)
            offer = rules.bounded(offer, bound, dirn)
        return offer

    def _exchange(self, forum: ForumSpec, e: int) -> None:
        pa, pb = forum.parties
        dirs = directions(forum, self.params)
        offers = (self._offer(pa, dirs[0]), self._offer(pb, dirs[1]))
        self.last_offers = {pa.id: offers[0], pb.id: offers[1]}
        self.last_directions = {pa.id: dirs[0], pb.id: dirs[1]}
        live = forum.agenda[None, :] & ~self.agreed
        t_frac = np.asarray(self.tick / self.params["horizon"])[:, None]
        views = {}
        for side, p in enumerate(forum.parties):
            view = RoundView(forum.id, e + 1, t_frac, live, offers[1 - side])
            views[p.id] = view
            for m in self._members(p):
                m.observe(view)
        if self.keep_transcript:
            self._record_offers(forum, e, offers, views)
        required = forum.required
        ideal = np.stack([self.negotiators[k].ideal for k in required], axis=1)
        res = np.stack([self.negotiators[k].reservation for k in required], axis=1)
        lo, hi = rules.acceptable_range(ideal, res)
        ok, val = rules.agreement(offers[0], offers[1], self.params["tolerance"][:, None], lo, hi)
        ok &= live
        self.value = np.where(ok, val, self.value)
        self.agreed |= ok
        if self.keep_transcript:
            for j in np.flatnonzero(ok[0]):
                self.events.append(
                    Event(
                        forum.id,
                        forum.name,
                        e + 1,
                        "agreed",
                        "table",
                        "the table",
                        self.cp.issues[j],
                        float(val[0, j]),
                    )
                )
        for p in forum.parties:
            for m in self._members(p):
                m.concede(views[p.id])
        for p, other in (forum.parties, forum.parties[::-1]):
            if p.bloc is not None:
                wedge = self.negotiators[other.members[0]] if other.bloc is None else None
                self.chairs[p.bloc].cohere(self._members(p), live, wedge)

    def _between_rounds(self, f: int, forum: ForumSpec) -> None:
        cp, params = self.cp, self.params
        self.rounds += 1
        prog = np.stack([m.prog for m in self.negotiators], axis=1)
        judged = rules.weighted(prog, params["salience"], cp.patience_on[None])
        part = np.zeros(cp.n_actors, dtype=bool)
        for p in forum.parties:
            part[p.members] = True
        short = (
            cp.has_patience[None] & part[None] & (judged < params["progress_required"] - rules.EPS)
        )
        self.strikes += short
        out = cp.has_patience[None] & (self.strikes > params["patience_rounds"] + rules.EPS)
        x = self.positions()
        self.trajectory[:, f] = trajectory_point(cp, params, x)
        if out.any():
            self.broke[:] = True
            if self.keep_transcript:
                for k in np.flatnonzero(out[0]):
                    why = (
                        f"progress {judged[0, k]:.2f} below the "
                        f"{params['progress_required'][0, k]:.2f} it requires, "
                        f"{int(self.strikes[0, k])} rounds without it (patience "
                        f"{params['patience_rounds'][0, k]:.1f})"
                    )
                    self.events.append(
                        Event(
                            forum.id,
                            forum.name,
                            0,
                            "walkout",
                            cp.actors[k],
                            cp.names[k],
                            reason=why,
                        )
                    )

    # -- reading the run -------------------------------------------------------------------

    def positions(self) -> np.ndarray:
        return np.stack([m.position for m in self.negotiators], axis=1)

    def state(self) -> RunState:
        """The run's state in the batch engine's layout (batch of one)."""
        return RunState(
            c=np.stack([m.c for m in self.negotiators], axis=1),
            first_other=np.stack([m.first_other for m in self.negotiators], axis=1),
            prog=np.stack([m.prog for m in self.negotiators], axis=1),
            agreed=self.agreed.copy(),
            value=self.value.copy(),
            strikes=self.strikes.copy(),
            broke=self.broke.copy(),
            rounds=self.rounds.copy(),
            trajectory=self.trajectory.copy(),
        )

    # -- transcript ------------------------------------------------------------------------

    @property
    def transcript(self) -> list[str]:
        return [e.line() for e in self.events]

    def _record_offers(
        self, forum: ForumSpec, e: int, offers: tuple[np.ndarray, ...], views: dict[str, RoundView]
    ) -> None:
        for side, p in enumerate(forum.parties):
            other = forum.parties[1 - side]
            members = self._members(other)
            view = views[other.id]
            codes = np.stack([m.respond(view) for m in members], axis=1)[0]
            self.events += offer_events(
                self.cp, forum, e + 1, p, offers[side], other, members, codes, view.live
            )
