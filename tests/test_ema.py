"""negsim as an EMA Workbench model, and experiment files' levers: apart from the uncertainties.

The EMA tests need the ``ema`` extra (in ``test``); without it they are skipped, and the one
test that runs anyway checks the one-line message that says which extra to install.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import negsim
import negsim.ema
import negsim.workbench
from negsim.errors import NegsimError
from negsim.experiments.discovery import limits_table, report
from negsim.experiments.prepare import prepare
from negsim.experiments.spec import Range, Values, read_experiment
from tests.conftest import MINI, ROOT, SCENARIOS

EU = SCENARIOS / "examples" / "eu_car_emissions.yaml"
HORIZON = "rules.horizon"
BETA = "defaults.concession.beta"

EXP = """name: levers
description: a small experiment with a lever
scenario: {mini}
set: {{rules.horizon: 4}}
parameters:
  actors.russia.patience.rounds: {{values: [1, 2, 3]}}
levers:
  {lever}: {{range: [1.5, 4.0]}}
design: latin_hypercube
points: 4
replications: 2
seed: 5
"""


def experiment(tmp_path: Path, lever: str = "actors.usa.concession.beta") -> Path:
    path = tmp_path / "levers.yaml"
    path.write_text(EXP.format(mini=MINI, lever=lever))
    return path


def test_without_the_workbench_one_line_names_the_extra(monkeypatch) -> None:
    monkeypatch.setattr(negsim.workbench, "available", lambda: False)
    with pytest.raises(NegsimError) as err:
        negsim.ema.model(EU)
    assert "negsim[ema]" in str(err.value) and "\n" not in str(err.value)


def test_the_shipped_experiments_read_without_levers() -> None:
    for file in sorted((ROOT / "experiments").glob("*.yaml")):
        exp, _ = read_experiment(file)
        assert exp.levers == {} and exp.swept == exp.parameters


def test_levers_are_swept_beside_the_parameters(tmp_path: Path) -> None:
    prep = prepare(experiment(tmp_path))
    assert prep.exp.levers == {"actors.usa.concession.beta": Range(range=(1.5, 4.0))}
    assert prep.swept == ("actors.russia.patience.rounds", "actors.usa.concession.beta")
    assert prep.design.names == prep.swept
    lever = prep.design.values[:, 1]
    assert ((lever >= 1.5) & (lever <= 4.0)).all() and len(set(lever)) == 4


def test_a_lever_the_scenario_lacks_is_the_same_one_line_error(tmp_path: Path) -> None:
    path = experiment(tmp_path, "actors.usa.concession.btea")
    with pytest.raises(NegsimError) as err:
        prepare(path)
    assert (err.value.file, err.value.line, err.value.path) == (
        str(path), 8, "actors.usa.concession.btea",
    )  # fmt: skip
    assert "no 'btea' under 'actors.usa.concession'" in str(err.value)


def test_a_lever_may_not_overlap_a_parameter(tmp_path: Path) -> None:
    with pytest.raises(NegsimError, match=r"overlaps parameters\.actors\.russia\.patience\.rounds"):
        prepare(experiment(tmp_path, "actors.russia.patience.rounds"))


ema = pytest.mark.skipif(not negsim.ema.available(), reason="needs the ema extra")


@ema
def test_parameters_match_the_supports() -> None:
    import ema_workbench as em

    m = negsim.ema.model(SCENARIOS / "baseline.yaml", outcomes=["breakdown"])
    params = {p.variable_name[0]: p for p in m.uncertainties}
    assert len(params) == len(negsim.load(SCENARIOS / "baseline.yaml").inputs)
    choice = params["groups.nato.defaults.positions.enlargement.limit"]  # {choice: [0, 0.5]}
    assert isinstance(choice, em.CategoricalParameter)
    real = params["actors.russia.patience.outside_option"]  # uniform [0.05, 0.3]
    assert isinstance(real, em.RealParameter) and not isinstance(real, em.IntegerParameter)
    assert (real.lower_bound, real.upper_bound) == pytest.approx((0.05, 0.3))
    whole = negsim.ema.Input("x", Values(values=[1, 2, 3]), 0, 10).parameter()
    assert isinstance(whole, em.IntegerParameter) and not isinstance(whole, em.CategoricalParameter)
    assert [o.name for o in m.outcomes] == ["breakdown"]


@ema
def test_an_experiment_is_its_batch_runs_from_a_seed_of_its_values() -> None:
    m = negsim.ema.model(EU, ["agreement", "delay.agreed"], 40, uncertainties=[HORIZON, BETA])
    run = m.function
    values = {HORIZON: 7.0, BETA: 0.5}
    shares = run(**values)
    assert shares == run(**dict(reversed(values.items())))  # its values, not their order
    seed = run.seed_for(values)
    direct = negsim.run(EU, 40, seed, fixed=values).shares()
    assert shares["agreement"] == pytest.approx(direct["agreement"])
    assert shares["agreement"] == pytest.approx(shares["delay__agreed"])
    assert run.seed_for({HORIZON: 7.5, BETA: 0.5}) != seed


@ema
def test_an_unknown_input_or_outcome_is_one_line() -> None:
    with pytest.raises(NegsimError, match="fixed: not an uncertain value"):
        negsim.ema.model(EU, uncertainties=["rules.horizn"])
    with pytest.raises(NegsimError, match="outcomes:"):
        negsim.ema.model(EU, outcomes=["walkout"])


@ema
def test_an_experiment_files_levers_are_ema_levers(tmp_path: Path) -> None:
    m = negsim.ema.from_experiment(experiment(tmp_path))
    assert [p.variable_name[0] for p in m.uncertainties] == ["actors.russia.patience.rounds"]
    assert [p.variable_name[0] for p in m.levers] == ["actors.usa.concession.beta"]
    assert [o.name for o in m.outcomes] == ["breakdown"] and m.function.runs == 2
    experiments, outcomes = negsim.ema.perform(m, 3, seed=1, policies=2)
    assert len(experiments) == 6 and np.isfinite(outcomes["breakdown"]).all()
    _, same = negsim.ema.perform(m, 3, seed=1, policies=2)
    assert np.array_equal(outcomes["breakdown"], same["breakdown"])


@ema
def test_prim_through_the_adapter_finds_the_eu_deadline(monkeypatch) -> None:
    """The README's example (its ``py`` block): 50 EMA experiments x 50 runs of the EU case.
    A deal needs a short horizon (negsim screen ranks the deadline first); PRIM must restrict
    it, with a small quasi-p."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```py\n(.*?)```", text, flags=re.S)
    monkeypatch.chdir(ROOT)
    names: dict = {}
    exec(compile(block, "README.md", "exec"), names)
    found = names["found"]
    assert found.engine.startswith("EMA Workbench")
    assert HORIZON in found.box.limits and found.box.density >= 0.8
    hi = found.box.limits[HORIZON][1]
    assert hi < 10.0  # of 6 to 14 exchanges
    assert found.qp[HORIZON][1] is not None and found.qp[HORIZON][1] < 0.05
    table = limits_table(found).set_index("input")
    assert table.loc[HORIZON, "high"] == pytest.approx(hi)
    assert table.loc[HORIZON, "high_frac"] < 0.5
    text = report(found)
    assert "quasi-p" in text and HORIZON in text and "CART" in text
    assert found.scores is not None and found.scores.index[0] == HORIZON
