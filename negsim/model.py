"""NegotiationModel: one run of a scenario as a Mesa model, one exchange per step.

It drives the same dynamics the batch engine drains (:func:`negsim.dynamics.steps`) with a
batch of one, and turns what each exchange did into transcript events; it computes no step of
its own. Agents are Mesa agents a user can inspect (an actor's position, a bloc's offer):
after each exchange the model calls every agent's ``step``, which refreshes what the agent
shows (its position, its offer at the table, whether it is seated) from the run state, and the
DataCollector records those attributes and the model's ``outcome`` after every step.

The scenario's uncertain inputs are model parameters a Mesa user can set by their dotted path
(``NegotiationModel(cp, **{"actors.russia.patience.hope": 0.3})``, ``mesa.batch_run``'s
``parameters``, a SolaraViz slider); an input not given is drawn from its distribution.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from negsim import dynamics
from negsim.agents import BlocAgent, Negotiator
from negsim.outcomes import Outcome, outcome_class
from negsim.params import Params
from negsim.scenario.compile import (
    Compiled,
    check_fixed,
    compile_scenario,
    draw,
    run_generator,
)
from negsim.scenario.load import load_scenario
from negsim.state import RunState
from negsim.transcript import Event, exchange_events, judgement_events


class NegotiationModel(mesa.Model):
    """Run ``run`` of root seed ``seed``; ``params`` (a batch of one) if already drawn."""

    running: bool  # mesa.Model's flag (set True by its __init__), declared for the checker

    def __init__(
        self,
        scenario: Compiled | str | Path,
        run: int = 0,
        seed: int = 0,
        transcript: bool = True,
        fixed: dict[str, float] | None = None,
        params: Params | None = None,
        **kwargs: float,
    ) -> None:
        """``kwargs``: uncertain inputs by dotted path (as ``fixed``), for Mesa's tools, which
        hand model parameters as keyword arguments; a path that is no input raises
        :class:`~negsim.errors.NegsimError` at once."""
        cp = (
            scenario
            if isinstance(scenario, Compiled)
            else compile_scenario(load_scenario(scenario))
        )
        super().__init__(rng=run_generator(seed, run))  # Mesa's own; the dynamics draw nothing
        fixed = {**(fixed or {}), **kwargs}
        check_fixed(cp, fixed, what="")
        self.inputs = {k: float(v) for k, v in fixed.items()}
        if params is None:
            fixed_one = {k: np.array([v]) for k, v in (fixed or {}).items()}
            params = draw(cp, [run], seed, fixed_one)[1]
        self.cp, self.params, self.run_index, self.seed = cp, params, run, seed
        self.state = RunState.start(cp, self.params)
        self.keep_transcript = transcript
        self.events: list[Event] = []
        self.last: dynamics.Exchange | None = None
        self._steps = dynamics.steps(cp, params, self.state, record=transcript)
        self._left = cp.total_exchanges
        self.negotiators = [Negotiator(self, k) for k in range(cp.n_actors)]
        self.blocs = [BlocAgent(self, q) for q in range(len(cp.blocs))]
        reporters: dict = {
            iid: (lambda a, j=j: float(a.position[j])) for j, iid in enumerate(cp.issues)
        }
        reporters |= {
            f"offer.{iid}": (lambda a, j=j: float(a.offer[j]) if a.offer is not None else None)
            for j, iid in enumerate(cp.issues)
        }
        reporters["seated"] = "seated"
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "forum": lambda m: m.last.table.forum.id if m.last else "",
                "exchange": lambda m: m.last.number if m.last else 0,
                "forum_done": lambda m: m.forum_done,
                "agreed": lambda m: int(m.state.agreed.sum()),
                "broke": lambda m: bool(m.state.broke[0]),
                "outcome": lambda m: m.outcome,
            },
            agent_reporters=reporters,
        )
        self.forum_done = False

    def step(self) -> None:
        """One exchange of the current forum; after a forum's last one, the judgement."""
        if not self.running:
            return
        rec = next(self._steps)
        assert isinstance(rec, dynamics.Exchange)
        self.last, self._left = rec, self._left - 1
        if self.keep_transcript:
            self.events += exchange_events(self.cp, rec)
            if rec.verdict is not None:
                self.events += judgement_events(self.cp, self.params, self.state, rec.verdict)
        if rec.number == rec.table.forum.exchanges:
            verdict = next(self._steps)
            assert isinstance(verdict, dynamics.Judgement)
            if self.keep_transcript:
                self.events += judgement_events(self.cp, self.params, self.state, verdict)
        self.forum_done = rec.number == rec.table.forum.exchanges
        self.agents.do("step")  # each agent refreshes what it shows from the run state
        if self._left == 0 or self.state.broke[0]:
            self.running = False
        self.datacollector.collect(self)  # every step, as Mesa's batch_run reads it

    def run(self) -> NegotiationModel:
        while self.running:
            self.step()
        return self

    # -- reading the run -------------------------------------------------------------------

    @property
    def last_offers(self) -> dict[str, np.ndarray]:
        """Each party's offer in the last exchange (B = 1)."""
        if self.last is None:
            return {}
        parties = self.last.table.forum.parties
        return {p.id: o for p, o in zip(parties, self.last.offers, strict=True)}

    @property
    def last_directions(self) -> dict[str, np.ndarray]:
        if self.last is None:
            return {}
        parties = self.last.table.forum.parties
        return {p.id: d for p, d in zip(parties, self.last.table.dirs, strict=True)}

    @property
    def agreed(self) -> np.ndarray:
        return self.state.agreed

    def positions(self) -> np.ndarray:
        """Every actor's current position (1, A, I)."""
        return self.params.ideal + self.state.c * (self.state.reservation - self.params.ideal)

    @property
    def outcome(self) -> str:
        """The run's class so far (final once the model stops): a Mesa model reporter."""
        return Outcome(int(outcome_class(self.cp, self.state)[0])).label

    def positions_by_forum(self) -> pd.DataFrame:
        """Each agent's position per issue after each forum, from the DataCollector: one row
        per (forum, agent), with the agent's id and kind (an actor or a bloc's offer)."""
        agents = self.datacollector.get_agent_vars_dataframe().reset_index()
        steps = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        ends = {k + 1: row.forum for k, row in steps.iterrows() if row.forum_done}
        agents = agents[agents["Step"].isin(ends)]
        who = {a.unique_id: a for a in self.agents}
        agents.insert(0, "forum", agents["Step"].map(ends))
        agents.insert(1, "agent", [who[u].ident for u in agents["AgentID"]])
        agents.insert(2, "kind", [who[u].kind for u in agents["AgentID"]])
        return agents.drop(columns=["Step", "AgentID"]).reset_index(drop=True)

    @property
    def transcript(self) -> list[str]:
        return [e.line() for e in self.events]
