"""The Mesa model: a driver of the shared dynamics at B = 1 that a Mesa user can read."""

from __future__ import annotations

import numpy as np
import pytest

from negsim.model import NegotiationModel
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def cp():
    return compile_scenario(load_scenario(SCENARIOS / "baseline.yaml"))


def test_datacollector_holds_every_agents_position_after_each_forum(cp) -> None:
    model = NegotiationModel(cp, 4, seed=2022).run()
    frame = model.positions_by_forum()
    done = [f.id for f in cp.forums][: int(model.state.rounds[0])]
    assert list(dict.fromkeys(frame["forum"])) == done
    assert len(frame) == len(done) * (cp.n_actors + len(cp.blocs))
    for f, fid in enumerate(done):
        rows = frame[frame["forum"] == fid].set_index("agent")
        focal = rows.loc[cp.actors[cp.focal], list(cp.issues)].to_numpy(dtype=float)
        assert focal == pytest.approx(model.state.trajectory[0, f, 0])
        bloc = rows.loc[cp.blocs[cp.bloc].id, list(cp.issues)].to_numpy(dtype=float)
        assert bloc == pytest.approx(model.state.trajectory[0, f, 2])
    assert set(frame["kind"]) == {"actor", "bloc"}


def test_handed_parameters_are_used_not_drawn_again(cp) -> None:
    """Run 7 given run 8's parameters is run 8: the model draws nothing of its own."""
    params = draw(cp, [7], 11)[1]
    assert NegotiationModel(cp, 7, 11, params=params).run().transcript == (
        NegotiationModel(cp, 7, 11).run().transcript
    )
    borrowed = NegotiationModel(cp, 7, 11, params=draw(cp, [8], 11)[1]).run()
    own = NegotiationModel(cp, 8, 11).run()
    assert borrowed.transcript == own.transcript
    assert np.array_equal(borrowed.state.c, own.state.c)
    assert borrowed.transcript != NegotiationModel(cp, 7, 11).run().transcript


def test_one_step_is_one_exchange(cp) -> None:
    model = NegotiationModel(cp, 0, seed=1, transcript=False)
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps <= cp.total_exchanges
    if not model.state.broke[0]:
        assert steps == cp.total_exchanges


def test_mesa_batch_run_yields_the_outcome_column(cp) -> None:
    """A Mesa user's batch_run over the model gets the outcome as a model reporter. Mesa 3.4+
    hands the seed in through its own ``rng`` argument (into the model's ``seed``); 3.3 takes
    it as a parameter."""
    import inspect

    import mesa

    params = {"scenario": [cp], "run": [0, 1, 2], "transcript": [False]}
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        seeding: dict = {"rng": [5]}
    else:
        params["seed"], seeding = [5], {"iterations": 1}
    rows = mesa.batch_run(
        NegotiationModel,
        parameters=params,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
        **seeding,
    )
    outcome = {r["run"]: r["outcome"] for r in rows}  # a row per agent, the run's on each
    assert outcome == {
        k: NegotiationModel(cp, k, 5, transcript=False).run().outcome for k in (0, 1, 2)
    }
    assert set(outcome.values()) <= {"agreement", "partial", "stalemate", "breakdown"}


def test_agents_step_takes_in_the_last_exchange(cp) -> None:
    """Every agent has a Mesa ``step``; after an exchange, the parties' agents hold their
    offers and the seated actors know they sat, and the DataCollector records both."""
    model = NegotiationModel(cp, 4, seed=2022)
    assert all(callable(getattr(a, "step", None)) for a in model.agents)
    model.step()
    rec = model.last
    by_id = {a.ident: a for a in model.agents}
    for party, offer in zip(rec.table.forum.parties, rec.offers, strict=True):
        assert np.array_equal(by_id[party.id].offer, offer[0])
    seated = {cp.actors[k] for k in rec.table.idx[np.asarray(rec.table.seated, dtype=bool)]}
    assert {a.ident for a in model.negotiators if a.seated} == seated
    frame = model.datacollector.get_agent_vars_dataframe()
    assert {"seated", *(f"offer.{i}" for i in cp.issues)} <= set(frame.columns)
    assert int(frame["seated"].sum()) == len(seated)


def test_uncertain_inputs_are_model_parameters(cp) -> None:
    """An input by its dotted path is a keyword argument, as Mesa's tools hand parameters:
    the same run as ``fixed=``, kept on the model, and a misspelt path is refused at once."""
    from negsim.errors import NegsimError

    path = "actors.russia.patience.outside_option"
    by_kwarg = NegotiationModel(cp, 3, 1, **{path: 0.3}).run()
    assert by_kwarg.inputs == {path: 0.3}
    assert by_kwarg.transcript == NegotiationModel(cp, 3, 1, fixed={path: 0.3}).run().transcript
    with pytest.raises(NegsimError, match="did you mean"):
        NegotiationModel(cp, 3, 1, **{"actors.russia.patience.outside_optio": 0.3})


def test_mesa_batch_run_sweeps_an_input_by_its_path(cp) -> None:
    """``mesa.batch_run`` over an uncertain input: one outcome per value, the model's own."""
    import inspect

    import mesa

    path = "actors.russia.patience.outside_option"
    params = {"scenario": [cp], "run": [2], "transcript": [False], path: [0.05, 0.3]}
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        seeding: dict = {"rng": [5]}
    else:
        params["seed"], seeding = [5], {"iterations": 1}
    rows = mesa.batch_run(
        NegotiationModel, parameters=params, number_processes=1,
        data_collection_period=-1, display_progress=False, **seeding,
    )  # fmt: skip
    got = {r[path]: r["outcome"] for r in rows}
    assert got == {
        v: NegotiationModel(cp, 2, 5, transcript=False, **{path: v}).run().outcome
        for v in (0.05, 0.3)
    }
