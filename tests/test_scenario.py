"""Loading scenarios: inheritance, overrides, and one clear line for every mistake."""

from __future__ import annotations

import json

import pytest

from negsim.cli import main
from negsim.errors import NegsimError
from negsim.scenario.compile import compile_scenario
from negsim.scenario.load import load_scenario
from negsim.scenario.schema import json_schema

from .conftest import MINI, SCENARIOS


def error_of(path, overrides=()) -> NegsimError:
    with pytest.raises(NegsimError) as info:
        compile_scenario(load_scenario(path, overrides))
    return info.value


def test_mini_compiles_with_inheritance() -> None:
    cp = compile_scenario(load_scenario(MINI))
    k = cp.actors.index("poland")
    j = cp.issues.index("missiles")
    assert cp.base["reservation"][0, k, j] == 0.4  # actor override beats the default
    assert cp.base["capability"][0, k] == 0.1  # inherited from defaults
    # the default's uniform reservation is one leaf shared by every inheriting actor
    leaf = next(lf for lf in cp.leaves if lf.path.endswith("missiles.reservation"))
    reservations = [t for t in leaf.targets if t[0] == "reservation"]  # its limit follows it
    assert len(reservations) == 3  # usa, germany, austria (poland overrides, russia own)


@pytest.mark.parametrize(
    ("change", "expect_a", "expect_b"),
    [
        ("unknown_key", "unknown key", "actors.usa.colour"),
        ("duplicate", "duplicate key 'usa'", "first given on line"),
        ("range", "outside the allowed range [1.0, 1000.0]", "rules.horizon"),
        ("unknown_actor", "party 'nato' is neither an actor nor a bloc", "forums.bilateral"),
        ("wrong_side", "can fall below the ideal", "actors.poland.positions.missiles"),
        ("syntax", "invalid YAML", "s.yaml:"),
        ("empty", "file is empty", "s.yaml"),
        ("python_tag", "tag", "not allowed"),
        ("bad_dist", "uniform needs low < high", "salience"),
        ("bool_key", "true/false value", "put it in quotes"),
    ],
)
def test_mistakes_give_one_clear_line(change, expect_a, expect_b, mini_text, write) -> None:
    text = {
        "unknown_key": mini_text.replace("usa: {name: USA,", "usa: {name: USA, colour: red,"),
        "duplicate": mini_text.replace("  poland:\n", "  usa: {name: again}\n  poland:\n"),
        "range": mini_text.replace("horizon: 8", "horizon: -3"),
        "unknown_actor": mini_text.replace(
            "parties: [usa, russia], bound_by", "parties: [nato, russia], bound_by"
        ),
        "wrong_side": mini_text.replace(
            "missiles: {reservation: 0.4}", "missiles: {ideal: 0.5, reservation: 0.4}"
        ),
        "syntax": mini_text.replace("name: mini", "name: [mini"),
        "empty": "",
        "python_tag": mini_text.replace(
            "name: mini", "name: !!python/object/apply:os.system ['echo hacked']"
        ),
        "bad_dist": mini_text.replace("salience: 0.3}", "salience: {uniform: [0.5, 0.1]}}"),
        "bool_key": mini_text.replace("unlocked_by:", "on:"),
    }[change]
    path = write(text)
    err = error_of(path)
    msg = str(err)
    assert expect_a in msg and expect_b in msg, msg
    assert "\n" not in msg
    assert msg.startswith(str(path))


def test_error_names_the_line(mini_text, write) -> None:
    path = write(mini_text.replace("horizon: 8", "horizon: -3"))
    err = error_of(path)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "horizon" in t)
    assert err.line == line


def test_cli_exit_status_2_without_traceback(mini_text, write, capsys) -> None:
    path = write(mini_text.replace("usa: {name: USA,", "usa: {name: USA, colour: red,"))
    assert main(["run", str(path), "--runs", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "colour" in err
    assert main(["validate", str(MINI), str(path)]) == 2


def test_extends_overrides_deeply(write) -> None:
    write(MINI.read_text(), "base.yaml")
    child = write(
        "extends: base.yaml\nname: child\nactors:\n  russia:\n    capability: 0.5\n", "child.yaml"
    )
    cp = compile_scenario(load_scenario(child))
    k = cp.actors.index("russia")
    assert cp.scenario.name == "child"
    assert cp.base["capability"][0, k] == 0.5
    assert cp.base["ideal"][0, k, 0] == 1.0  # everything else still from the base


def test_extends_cycle_and_missing_base(write) -> None:
    a = write("extends: b.yaml\nname: a\n", "a.yaml")
    write("extends: a.yaml\nname: b\n", "b.yaml")
    assert "cycle" in str(error_of(a))
    c = write("extends: nowhere.yaml\nname: c\n", "c.yaml")
    assert "does not exist" in str(error_of(c))


def test_error_in_base_file_points_at_base(write, mini_text) -> None:
    base = write(mini_text.replace("horizon: 8", "horizon: 0"), "base.yaml")
    child = write("extends: base.yaml\nname: child\n", "child.yaml")
    assert str(error_of(child)).startswith(str(base))


def test_set_overrides_a_value_and_reports_bad_paths() -> None:
    cp = compile_scenario(
        load_scenario(MINI, ["actors.russia.capability=0.3", "rules.horizon={uniform: [5, 9]}"])
    )
    assert cp.base["capability"][0, cp.actors.index("russia")] == 0.3
    assert any(leaf.path == "rules.horizon" for leaf in cp.leaves)
    err = error_of(MINI, ["actors.rusia.capability=0.3"])
    assert "no 'rusia'" in str(err)
    err = error_of(MINI, ["actors.russia.capability=7"])
    assert "--set actors.russia.capability=7" in str(err) and "range" in str(err)


def test_schema_is_json_schema(capsys) -> None:
    assert main(["schema"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == json.loads(json.dumps(json_schema()))
    assert "actors" in doc["properties"] and "$defs" in doc


def test_every_shipped_scenario_still_validates() -> None:
    for path in [MINI, *sorted(SCENARIOS.glob("*.yaml"))]:
        compile_scenario(load_scenario(path))


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("true", "expected a number, got true"),
        ("'0.1'", "expected a number, got '0.1'"),
        (".nan", "expected a finite number, got nan"),
        ("-.inf", "expected a finite number, got -inf"),
        ("2022-01-10", "expected a number, got 2022-01-10"),
        ("{uniform: [0.1, .inf]}", "expected a finite number, got inf"),
        ("{normal: [.nan, 0.1]}", "expected a finite number, got nan"),
        ("{normal: [3, 0.1]}", "mean 3 is outside the allowed range [0.0, 1.0]"),
    ],
)
def test_numbers_are_read_strictly(value, expect, mini_text, write) -> None:
    """No coercion of booleans, quoted text or dates, and no NaN or infinity, anywhere."""
    path = write(mini_text.replace("capability: 0.1", f"capability: {value}"))
    err = error_of(path)
    assert expect in str(err) and err.line == 10 and err.path.startswith("defaults.capability")


def test_error_line_is_the_offending_key_in_block_style(mini_text, write) -> None:
    path = write(mini_text.replace("    name: Austria\n", "    name: Austria\n    wedge: -1\n"))
    err = error_of(path)
    assert err.line == 29 and err.path == "actors.austria.wedge" and "-1 is outside" in str(err)


def test_set_value_never_builds_python_objects(tmp_path) -> None:
    marker = tmp_path / "ran"
    err = error_of(MINI, [f"name=!!python/object/apply:os.system ['touch {marker}']"])
    assert "is not allowed" in str(err) and not marker.exists()


def test_set_replacing_a_mapping_blames_the_override_not_the_file() -> None:
    err = error_of(MINI, ["actors.russia.linkage=[{gated: [trade], unlocked_by: [core]}]"])
    assert err.file == str(MINI) and err.line is None
    assert "(from --set actors.russia.linkage=" in str(err)


def test_validate_all_lists_every_problem_in_file_order(mini_text, write, capsys) -> None:
    bad = write(
        mini_text.replace("tolerance: 0.05", "tolerance: 0.9").replace(
            "cohesion: 0.3", "cohesion: 3"
        )
    )
    assert main(["validate", str(bad)]) == 2
    one = capsys.readouterr().err.splitlines()
    assert len(one) == 1 and "(and 1 more problem)" in one[0]
    assert main(["validate", "--all", str(bad)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert "blocs.alliance.cohesion" in lines[0] and "outcomes.tolerance" in lines[1]
    assert all(line.startswith(f"negsim: error: {bad}:") for line in lines)
