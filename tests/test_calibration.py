"""Calibration to the record: observations as predicates, ABC that recovers a known setting,
the posterior as the source of a forecast."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from negsim import calibration
from negsim.cli import main
from negsim.dynamics import simulate
from negsim.observations import happened, specs
from negsim.scenario.compile import compile_scenario, draw
from negsim.scenario.load import load_scenario

from .conftest import MINI, SCENARIOS

PATIENCE = "actors.russia.patience.rounds"


def observe(truth: dict[str, float]) -> list[str]:
    """Observations generated from a known setting: what its run shows, as a scenario line."""
    events = {
        "after_bilateral": "kind: at_table, forum: bilateral",
        "after_council": "kind: at_table, forum: council",
        "after_plenary": "kind: at_table, forum: plenary",
        "no_core_deal_council": "kind: agreed, forum: council, issue: core",
    }

    def line(expect: dict[str, bool]) -> str:
        body = ", ".join(
            f"{k}: {{{v}, expect: {str(expect[k]).lower()}, source: synthetic}}"
            for k, v in events.items()
        )
        return f"observations={{{body}}}"

    cp = compile_scenario(load_scenario(MINI, [line(dict.fromkeys(events, True))]))
    _, params = draw(cp, [0], 0, {k: np.array([v]) for k, v in truth.items()})
    shown = happened(cp, params, simulate(cp, params))[0]
    return [line(dict(zip(events, map(bool, shown), strict=True)))]


def test_calibrating_to_a_known_setting_recovers_it() -> None:
    """Moscow's patience 1.5 (walks out after the second round without core progress): the
    posterior puts it between 1 and 2, where the prior (triangular 0, 1, 3) spreads it out."""
    lines = observe({PATIENCE: 1.5})
    assert "forum: council, expect: false" in lines[0]  # the truth walked out after round 2
    cp = compile_scenario(load_scenario(MINI, lines))
    prior, post, _ = calibration.calibrate(cp, particles=400, seed=3)
    j = post.paths.index(PATIENCE)
    assert (post.distance == 0).all()
    assert ((post.values[:, j] >= 1.0 - 1e-9) & (post.values[:, j] < 2.0 + 1e-9)).all()
    narrow = calibration.narrowing(prior, post).set_index("input")
    assert narrow.loc[PATIENCE, "iqr_ratio"] < 0.7  # [1, 2) of the prior's [0, 3]
    assert abs(narrow.loc[PATIENCE, "posterior_median"] - 1.5) < 0.3


def test_the_recovery_can_fail_a_wrong_truth_is_excluded() -> None:
    """The same record excludes a patience that would have stayed: it is not a formality."""
    lines = observe({PATIENCE: 1.5})
    cp = compile_scenario(load_scenario(MINI, lines))
    values, _ = draw(cp, [0], 0, {PATIENCE: np.array([2.5])})
    dist, _ = calibration.discrepancy(cp, values)
    assert dist[0] >= 1


def test_the_baseline_calibration_reproduces_the_week_and_says_what_informs(tmp_path) -> None:
    out = tmp_path / "cal"
    assert main(["calibrate", str(SCENARIOS / "baseline.yaml"), "--out", str(out),
                 "--particles", "2000"]) == 0  # fmt: skip
    narrow = pd.read_csv(out / "narrowing.csv").set_index("input")
    informed = set(narrow.index[narrow["informed"]])
    assert "actors.russia.patience.outside_option" in informed  # staying the week tells of it
    assert len(informed) < 20  # and the noise of 225 others is not read as information
    manifest = json.loads((out / "manifest.json").read_text())
    post = pd.read_parquet(out / "posterior.parquet")
    assert (post["distance"] == 0).all() and post["weight"].sum() == pytest.approx(1.0)
    info = {o["observation"]: o for o in manifest["observations"]}
    assert not info["no_core_deal_geneva"]["informative"]  # every prior run has no core deal
    assert info["russia_at_table_after_vienna"]["informative"]
    last = manifest["generations"][-1]
    assert last["epsilon"] == 0 and last["ess"] > 100
    assert (out / "plots" / "prior_posterior.png").stat().st_size > 10_000
    assert (out / "plots" / "posterior_pairs.png").stat().st_size > 10_000


def test_the_same_seed_gives_the_same_posterior() -> None:
    cp = compile_scenario(load_scenario(MINI, observe({PATIENCE: 1.5})))
    a = calibration.calibrate(cp, particles=100, seed=9)[1]
    b = calibration.calibrate(cp, particles=100, seed=9)[1]
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.weights, b.weights)


def test_a_variant_is_forecast_from_the_posterior(tmp_path, capsys) -> None:
    """Calibrated on the week, the written replies are forecast from settings in which Moscow
    stayed the week: no walk-out within it, and the prior beside the posterior."""
    out = tmp_path / "cal"
    baseline, variant = SCENARIOS / "baseline.yaml", SCENARIOS / "written_replies.yaml"
    assert main(["calibrate", str(baseline), "--out", str(out), "--particles", "300"]) == 0
    capsys.readouterr()
    args = ["run", str(variant), "--runs", "400", "--eu-runs", "0", "--posterior", str(out)]
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["prior"]) == set(doc["outcomes"])
    assert doc["prior"]["breakdown"] > doc["outcomes"]["breakdown"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "breakdown by forum: geneva 0.000, brussels 0.000, vienna 0.000" in text
    assert "prior  posterior" in text
    for k in range(4):  # run K's transcript tells the run of the table: the same particle
        table = tmp_path / f"table{k}"
        more = ["--transcript", "--run", str(k), "--out", str(table)]
        assert main([*args[:3], "40", *args[4:], *more]) == 0
        line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Run "))
        outcome = pd.read_parquet(table / "runs.parquet")["outcome"].astype(str)[k]
        assert line.startswith(f"Run {k} (seed 0): {outcome};"), (line, outcome)


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("{kind: agreed, forum: nowhere, issue: core, expect: false, source: s}", "no forum"),
        ("{kind: agreed, forum: council, issue: nosuch, expect: false, source: s}", "neither"),
        ("{kind: at_table, forum: council, issue: core, expect: true, source: s}", "takes no"),
        ("{kind: moved, issue: missiles, expect: true, source: s}", "needs a forum"),
        ("{kind: agreed, forum: council, issue: core, expect: maybe, source: s}", "bool"),
        ("{kind: agreed, forum: council, issue: core, expect: true}", "source"),
    ],
)
def test_a_bad_observation_is_one_line(value: str, expect: str, capsys) -> None:
    assert main(["validate", str(MINI)]) == 0
    capsys.readouterr()
    assert main(["run", str(MINI), "--runs", "2", "--set", f"observations={{x: {value}}}"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expect in err and "Traceback" not in err


def test_calibrate_without_observations_is_one_line(tmp_path, capsys) -> None:
    assert main(["calibrate", str(MINI), "--out", str(tmp_path / "c")]) == 2
    assert "no observations" in capsys.readouterr().err


def test_an_interrupted_calibration_resumes_to_the_same_posterior(tmp_path) -> None:
    """Generations are kept as they complete; stopped after the first and called again, the
    calibration continues from it and ends where an uninterrupted one does."""
    cp = compile_scenario(load_scenario(MINI, observe({PATIENCE: 1.5})))
    whole = calibration.calibrate(cp, particles=200, seed=5, quantile=0.9)[1]
    assert len(whole.generations) >= 3  # several SMC steps, so the test means something
    keep = tmp_path / "generations"
    calibration.calibrate(cp, particles=200, seed=5, quantile=0.9, generations=1, checkpoint=keep)
    assert sorted(f.name for f in keep.glob("gen*.npz")) == ["gen0.npz", "gen1.npz"]
    resumed = calibration.calibrate(cp, particles=200, seed=5, quantile=0.9, checkpoint=keep)[1]
    np.testing.assert_array_equal(resumed.values, whole.values)
    np.testing.assert_array_equal(resumed.weights, whole.weights)
    assert [g.epsilon for g in resumed.generations] == [g.epsilon for g in whole.generations]
    other = compile_scenario(load_scenario(MINI, observe({PATIENCE: 0.5})))  # another record
    fresh = calibration.calibrate(other, particles=200, seed=5, quantile=0.9, checkpoint=keep)[1]
    assert not np.array_equal(fresh.values, whole.values)


def test_a_response_observation_reads_the_answers_the_transcript_tells() -> None:
    """'Russia neither accepts nor rejects in Brussels', computed in the batch engine, is the
    same as reading every answer Russia gives NATO's arms-control offers in the transcript."""
    from negsim.model import NegotiationModel
    from negsim.rules import Response

    cp = compile_scenario(load_scenario(SCENARIOS / "baseline.yaml"))
    k = [o.id for o in specs(cp)].index("russia_defers_on_arms_control")
    _, params = draw(cp, list(range(40)), 11)
    batch = happened(cp, params, simulate(cp, params))[:, k]
    for run in range(40):
        events = NegotiationModel(cp, run, seed=11).run().events
        answers = [
            e.response
            for e in events
            if e.forum == "brussels" and e.kind == "offer" and e.party == "nato"
            and e.responder == "russia" and cp.clusters[cp.issues.index(e.issue)] == "arms_control"
        ]  # fmt: skip
        assert batch[run] == (bool(answers) and set(answers) == {Response.DEFER}), run
    assert batch.any() and not batch.all()  # both kinds of run occur among these


def test_a_sweep_draws_the_inputs_its_design_leaves_from_the_posterior(tmp_path) -> None:
    """An experiment's posterior: the design sets its own inputs, every other input comes
    from the particles (no walk-out within the week), and another posterior is another
    experiment (its hash differs, so a resume cannot mix them)."""
    from negsim.experiments.prepare import prepare
    from negsim.inputs import regenerate

    cal = tmp_path / "cal"
    assert main(["calibrate", str(SCENARIOS / "baseline.yaml"), "--out", str(cal),
                 "--particles", "300", "--generations", "1"]) == 0  # fmt: skip
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        f"name: replies\ndescription: d\nscenario: {SCENARIOS / 'written_replies.yaml'}\n"
        "posterior: cal\ndesign: grid\nreplications: 200\nseed: 1\nparameters:\n"
        "  actors.united_states.positions.missiles.reservation: {values: [0.45, 0.7]}\n"
    )
    out = tmp_path / "out"
    assert main(["sweep", str(exp), "--out", str(out), "--quiet", "--no-plots"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    post = pd.read_parquet(cal / "posterior.parquet")
    drawn = regenerate(out)  # the inputs, as the sweep drew them (not stored)
    hope = "in:actors.russia.patience.hope"
    assert drawn[hope].isin(post[hope]).all() and len(drawn) == len(runs) == 400
    assert set(drawn["in:actors.united_states.positions.missiles.reservation"]) == {0.45, 0.7}
    assert not (runs["broke_in"] <= 3).any()  # the week's three forums: nobody left in them
    first = prepare(exp).experiment_sha256
    exp.write_text(exp.read_text().replace("posterior: cal\n", ""))
    assert prepare(exp).experiment_sha256 != first


def test_an_experiment_naming_no_calibration_is_one_line(tmp_path, capsys) -> None:
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        f"name: x\ndescription: d\nscenario: {MINI}\nposterior: nowhere\ndesign: monte_carlo\n"
        "points: 1\nreplications: 2\n"
    )
    assert main(["sweep", str(exp), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no posterior.parquet" in err
    assert ":4:" in err  # the line of posterior: in the experiment file
    assert not (tmp_path / "o" / "runs.parquet").exists()
