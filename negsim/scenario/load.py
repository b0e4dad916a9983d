"""YAML -> validated Scenario: ``extends:`` inheritance, ``--set`` overrides, clear errors.

Errors name the file and line of the offending value, including values that came from a base
file through ``extends:`` or from a ``--set`` on the command line.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from negsim.errors import NegsimError
from negsim.scenario.checks import check_scenario
from negsim.scenario.schema import Scenario
from negsim.scenario.yamlio import Located, read_yaml

MAX_EXTENDS = 10


def deep_merge(base: dict, over: dict) -> dict:
    """Mappings merge key by key; anything else (lists, numbers, distributions) is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not _is_dist(value):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _is_dist(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in {"uniform", "triangular", "normal"}
    )


def read_raw(file: str | Path, _chain: tuple[str, ...] = ()) -> tuple[dict, Located]:
    """The merged raw mapping of a scenario file and its ``extends:`` chain."""
    path = Path(file)
    key = str(path.resolve())
    if key in _chain:
        raise NegsimError(
            "'extends:' forms a cycle: "
            + " -> ".join([Path(c).name for c in _chain] + [path.name]),
            str(file),
        )
    if len(_chain) >= MAX_EXTENDS:
        raise NegsimError(f"'extends:' chain is deeper than {MAX_EXTENDS}", str(file))
    data, loc = read_yaml(path)
    if not isinstance(data, dict):
        raise NegsimError(f"a scenario must be a mapping, not {type(data).__name__}", str(file), 1)
    parent = data.get("extends")
    if parent is None:
        return data, loc
    if not isinstance(parent, str):
        f, line = loc.where(("extends",))
        raise NegsimError("'extends' must be a file name", f, line, "extends")
    base_path = path.parent / parent
    if not base_path.exists():
        f, line = loc.where(("extends",))
        raise NegsimError(f"extends a file that does not exist: {base_path}", f, line, "extends")
    base, base_loc = read_raw(base_path, (*_chain, key))
    base_loc.update(loc)
    merged = deep_merge(base, data)
    merged.pop("extends", None)
    return merged, base_loc


def parse_value(text: str) -> Any:
    """A ``--set`` value is YAML: ``1``, ``0.4``, ``[a, b]``, ``{uniform: [1, 3]}``."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise NegsimError(f"--set value is not valid YAML: {text!r}") from None


def apply_set(raw: dict, loc: Located, assignment: str) -> None:
    """Apply ``a.b.c=value`` to the raw mapping; the path must already exist up to its parent."""
    if "=" not in assignment:
        raise NegsimError(f"--set expects PATH=VALUE, got {assignment!r}")
    dotted, text = assignment.split("=", 1)
    parts = dotted.strip().split(".")
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            known = ", ".join(sorted(map(str, node))[:12]) if isinstance(node, dict) else ""
            raise NegsimError(
                f"--set {dotted}: no '{part}' under "
                f"'{'.'.join(parts[:i]) or 'the scenario'}'"
                + (f" (known: {known})" if known else "")
            )
    last = parts[-1]
    if isinstance(node, list):
        if not (last.isdigit() and int(last) < len(node)):
            raise NegsimError(f"--set {dotted}: index {last} out of range")
        node[int(last)] = parse_value(text)
    elif isinstance(node, dict):
        node[last] = parse_value(text)
    else:
        raise NegsimError(f"--set {dotted}: '{'.'.join(parts[:-1])}' holds a value, not a mapping")
    loc.lines[tuple(parts)] = (f"--set {assignment}", 0)


def validate(raw: dict, loc: Located, file: str) -> Scenario:
    """Pydantic validation, then cross-reference checks; the first problem becomes the error."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = tuple(p for p in err["loc"] if not _is_union_tag(p))
        f, line = loc.where(where)
        more = len(exc.errors()) - 1
        msg = _message(err) + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        raise NegsimError(msg, f or file, line or None, ".".join(map(str, where)) or None) from None
    problems = check_scenario(scenario)
    if problems:
        path, msg = problems[0]
        f, line = loc.where(path)
        more = len(problems) - 1
        msg += f" (and {more} more problem{'s' * (more > 1)})" if more else ""
        raise NegsimError(msg, f or file, line or None, ".".join(map(str, path)))
    return scenario


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (
        part in {"number", "uniform", "triangular", "normal"}
        or part.startswith(("function-", "tagged-union"))
    )


def _message(err: dict) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "unknown key (not part of the scenario format; see 'negsim schema')"
    if kind == "missing":
        return "required key is missing"
    return msg.removeprefix("Value error, ")


def load_scenario(file: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Read, merge, override and validate a scenario file."""
    raw, loc = read_raw(file)
    raw = copy.deepcopy(raw)
    for assignment in overrides:
        apply_set(raw, loc, assignment)
    return validate(raw, loc, str(file))
