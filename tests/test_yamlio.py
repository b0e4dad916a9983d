"""negsim's own bounds on YAML input hold whatever limits the installed parser has of its own."""

from __future__ import annotations

import pytest
import yaml

from negsim.errors import NegsimError
from negsim.scenario import yamlio


class _StrictParser(yaml.SafeLoader):
    """A parser that, like libyaml since PyYAML 6.0.4, stops at a flow depth of its own."""

    LIMIT = 8

    def fetch_flow_collection_start(self, TokenClass):
        if self.flow_level >= self.LIMIT:
            raise yaml.scanner.ScannerError(None, None, "too deep for me", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)


@pytest.fixture
def strict_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "_Loader", _StrictParser)
    monkeypatch.setattr(yamlio, "_BASE", _StrictParser)  # anything but the pure-Python parser


def nested(depth: int) -> str:
    return "name: x\ndescription: " + "[" * depth + "1" + "]" * depth + "\n"


def test_negsim_depth_rule_wins_over_a_parser_that_stops_first(strict_parser: None) -> None:
    with pytest.raises(yaml.YAMLError):  # the stand-in really does stop first
        list(yaml.parse(nested(40), Loader=_StrictParser))
    with pytest.raises(NegsimError) as err:
        yamlio.parse_yaml(nested(40), "deep.yaml")
    assert err.value.file == "deep.yaml"
    assert err.value.line == 2
    assert f"nested deeper than {yamlio.MAX_DEPTH} levels" in str(err.value)


def test_a_parser_limit_below_negsims_is_still_one_negsim_error(strict_parser: None) -> None:
    """Deeper than the parser allows, shallower than negsim's bound: the parser's refusal,
    as one located negsim error rather than a traceback."""
    with pytest.raises(NegsimError) as err:
        yamlio.parse_yaml(nested(12), "deep.yaml")
    assert err.value.file == "deep.yaml"
    assert "invalid YAML" in str(err.value)


@pytest.mark.parametrize("depth", [yamlio.MAX_DEPTH + 1, 1000, 5000])
def test_deep_flow_nesting_is_refused_by_negsims_rule(depth: int) -> None:
    """With the installed parser (libyaml or not): 1000 is libyaml's own limit since 0.2.6."""
    with pytest.raises(NegsimError, match=f"nested deeper than {yamlio.MAX_DEPTH} levels"):
        yamlio.parse_yaml(nested(depth), "deep.yaml")


def test_nesting_up_to_the_bound_is_read() -> None:
    data, _ = yamlio.parse_yaml(nested(yamlio.MAX_DEPTH - 1), "ok.yaml")
    value = data["description"]
    for _ in range(yamlio.MAX_DEPTH - 1):
        value = value[0]
    assert value == 1
