"""Experiment files and designs: right shapes and ranges, reproducible, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from negsim.errors import NegsimError
from negsim.experiments.designs import design_size, make_design
from negsim.experiments.prepare import prepare
from negsim.experiments.spec import read_experiment

MINI = Path(__file__).resolve().parent / "data" / "mini.yaml"


def experiment(tmp_path: Path, body: str, name: str = "e.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"name: t\ndescription: test\nscenario: {MINI}\n{body}")
    return path


def design_of(tmp_path: Path, body: str):
    exp, _ = read_experiment(experiment(tmp_path, body))
    return make_design(exp)


PARAMS = """parameters:
  actors.russia.patience.rounds: {range: [1, 4]}
  blocs.alliance.cohesion: {range: [0.1, 0.9]}
  actors.russia.linkage.0.threshold: {triangular: [0.0, 0.1, 0.4]}
"""


def test_grid_takes_every_combination_of_levels(tmp_path: Path) -> None:
    d = design_of(
        tmp_path,
        "parameters:\n  actors.russia.patience.rounds: {values: [1, 3]}\n"
        "  blocs.alliance.cohesion: {range: [0.1, 0.9], levels: 3}\ndesign: grid\n",
    )
    assert d.values.tolist() == [[1, 0.1], [1, 0.5], [1, 0.9], [3, 0.1], [3, 0.5], [3, 0.9]]
    assert d.values.shape == (6, 2)
    assert d.names == ("actors.russia.patience.rounds", "blocs.alliance.cohesion")


@pytest.mark.parametrize(
    ("design", "extra", "points"),
    [
        ("monte_carlo", "points: 64", 64),
        ("latin_hypercube", "points: 64", 64),
        ("sobol", "samples: 16", 16 * (3 + 2)),
        ("morris", "samples: 10", 10 * (3 + 1)),
    ],
)
def test_random_designs_have_the_right_shape_and_stay_in_range(
    tmp_path: Path, design: str, extra: str, points: int
) -> None:
    body = f"{PARAMS}design: {design}\n{extra}\nseed: 5\n"
    d = design_of(tmp_path, body)
    assert d.values.shape == (points, 3)
    exp, _ = read_experiment(experiment(tmp_path, body))
    assert design_size(exp) == points
    assert (d.values[:, 0] >= 1).all() and (d.values[:, 0] <= 4).all()
    assert (d.values[:, 1] >= 0.1).all() and (d.values[:, 1] <= 0.9).all()
    assert (d.values[:, 2] >= 0).all() and (d.values[:, 2] <= 0.4).all()
    again = design_of(tmp_path, body)
    np.testing.assert_array_equal(d.values, again.values)
    other = design_of(tmp_path, body.replace("seed: 5", "seed: 6"))
    assert not np.array_equal(d.values, other.values)
    assert (d.problem is not None) == (design in ("sobol", "morris"))


def test_latin_hypercube_puts_one_point_in_every_stratum(tmp_path: Path) -> None:
    d = design_of(tmp_path, f"{PARAMS}design: latin_hypercube\npoints: 20\n")
    strata = np.floor((d.values[:, 1] - 0.1) / 0.8 * 20).astype(int)
    assert sorted(strata.tolist()) == list(range(20))


def test_values_in_a_random_design_are_drawn_from_the_list(tmp_path: Path) -> None:
    d = design_of(
        tmp_path,
        "parameters:\n  actors.russia.patience.rounds: {values: [1, 2, 5]}\n"
        "design: monte_carlo\npoints: 300\n",
    )
    assert set(d.values[:, 0].tolist()) == {1.0, 2.0, 5.0}


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            "parameters:\n  actors.russia.patience.rounds: {values: [1, 2]}\n"
            "  blocs.alliance.cohesion: {range: [0.1, 0.9]}\ndesign: sobol\nsamples: 8\n",
            5,
            "needs a range or a distribution",
        ),
        ("parameters:\n  blocs.alliance.cohesion: {range: [0.5, 0.5]}\ndesign: grid\n", 5, "empty"),
        (
            "parameters:\n  blocs.alliance.cohesion: {range: [0.1, 0.5]}\ndesign: grid\nrepz: 3\n",
            7,
            "unknown key",
        ),
        (
            "parameters:\n  blocs.alliance.cohesion: {range: [0.1, 0.5]}\ndesign: monte_carlo\n",
            6,
            "needs 'points'",
        ),
        (
            "parameters:\n  blocs.alliance.cohesion: {range: [0.1, 0.5]}\ndesign: sobol\n"
            "samples: 10\n",
            7,
            "power of 2",
        ),
        (
            "parameters:\n  blocs.alliance.cohesion: {rnage: [0.1, 0.5]}\ndesign: grid\n",
            5,
            "expected {values",
        ),
    ],
)
def test_bad_experiment_files_name_the_line(
    tmp_path: Path, body: str, line: int, words: str
) -> None:
    path = experiment(tmp_path, body)
    with pytest.raises(NegsimError) as err:
        prepare(path)
    assert err.value.file == str(path)
    assert err.value.line == line
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("param", "words"),
    [
        ("actors.russia.patience.rounsd", "no 'rounsd' under 'actors.russia.patience'"),
        ("actors.rusia.patience.rounds", "no 'rusia' under 'actors'"),
        ("actors.russia.name", "expected text"),
    ],
)
def test_a_path_the_scenario_lacks_is_an_error_at_its_line(
    tmp_path: Path, param: str, words: str
) -> None:
    value = "{values: [1, 2]}"
    path = experiment(tmp_path, f"parameters:\n  {param}: {value}\ndesign: grid\n")
    with pytest.raises(NegsimError) as err:
        prepare(path)
    assert (err.value.file, err.value.line, err.value.path) == (str(path), 5, param)
    assert words in str(err.value)


def test_a_swept_range_outside_the_fields_range_is_an_error(tmp_path: Path) -> None:
    path = experiment(
        tmp_path, "parameters:\n  blocs.alliance.cohesion: {range: [0.5, 1.5]}\ndesign: grid\n"
    )
    with pytest.raises(NegsimError) as err:
        prepare(path)
    assert err.value.file == str(path) and err.value.line == 5


def test_prepare_sweeps_leaves_and_fixes_single_values(tmp_path: Path) -> None:
    path = experiment(
        tmp_path,
        "set:\n  rules.horizon: 4\nparameters:\n"
        "  actors.russia.patience.rounds: {values: [1, 3]}\n"
        "  actors.usa.concession.beta: {values: [2.5]}\ndesign: grid\nreplications: 3\n",
    )
    prep = prepare(path)
    assert prep.swept == ("actors.russia.patience.rounds",)
    assert prep.n_runs == 2 * 3
    assert prep.raw["rules"]["horizon"] == 4
    assert prep.raw["actors"]["usa"]["concession"]["beta"] == 2.5
    assert prep.raw["actors"]["russia"]["patience"]["rounds"] == {"uniform": [1.0, 3.0]}
    assert len(prep.experiment_sha256) == 64
