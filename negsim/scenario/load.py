"""YAML -> validated Scenario: ``extends:`` inheritance, ``--set`` overrides, clear errors.

Errors name the file and line of the offending value, including values that came from a base
file through ``extends:`` or from a ``--set`` on the command line, and say in plain words what
was expected and what was found.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import functools
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from negsim.errors import NegsimError
from negsim.scenario.checks import check_scenario
from negsim.scenario.schema import DIST_KINDS, Scenario
from negsim.scenario.yamlio import Located, parse_yaml, read_yaml, short

MAX_EXTENDS = 10
SET_PREFIX = "--set "


def deep_merge(
    base: dict, over: dict, on_replace: Callable[[tuple], None] | None = None, _at: tuple = ()
) -> dict:
    """Mappings merge key by key; anything else (lists, numbers, distributions) is replaced.

    ``on_replace`` hears the path of every value replaced wholesale, so the caller can forget
    where the replaced value's parts stood.
    """
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not _is_dist(value):
            out[key] = deep_merge(out[key], value, on_replace, (*_at, key))
        else:
            if on_replace is not None and key in out:
                on_replace((*_at, key))
            out[key] = value
    return out


def _is_dist(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in DIST_KINDS


def _resolved(path: Path) -> str | None:
    try:
        return str(path.resolve())
    except (OSError, ValueError, RuntimeError):
        return None


def _kind_of(path: Path) -> str:
    """'file', 'folder' or 'missing' (unusable names count as missing)."""
    try:
        if path.is_dir():
            return "folder"
        return "file" if path.exists() else "missing"
    except (OSError, ValueError):
        return "missing"


def read_raw(file: str | Path, _chain: tuple[str, ...] = ()) -> tuple[dict, Located]:
    """The merged raw mapping of a scenario file and its ``extends:`` chain."""
    path = Path(file)
    data, loc = read_yaml(path)
    if not isinstance(data, dict):
        kind = {str: "text", list: "a list", type(None): "null"}.get(type(data), "a single value")
        raise NegsimError(
            f"a scenario must be a mapping, not {kind} (write 'key: value' lines)",
            str(file),
            loc.where(())[1],
        )
    if "extends" not in data:
        return data, loc
    parent = data["extends"]
    f, line = loc.where(("extends",))
    if not isinstance(parent, str) or not parent.strip():
        raise NegsimError("'extends' must be a file name", f, line, "extends")
    chain = (*_chain, _resolved(path) or str(path))
    base_path = path.parent / parent
    if _resolved(base_path) in chain:
        names = [Path(c).name for c in chain] + [base_path.name]
        raise NegsimError("'extends:' forms a cycle: " + " -> ".join(names), f, line, "extends")
    if len(chain) > MAX_EXTENDS:
        raise NegsimError(f"'extends:' chain is deeper than {MAX_EXTENDS}", f, line, "extends")
    kind = _kind_of(base_path)
    if kind == "folder":
        raise NegsimError(f"'{short(parent)}' is a folder, not a scenario file", f, line, "extends")
    if kind == "missing":
        raise NegsimError(f"extends a file that does not exist: {base_path}", f, line, "extends")
    base, base_loc = read_raw(base_path, chain)
    replaced: list[tuple] = []
    merged = deep_merge(base, data, replaced.append)
    base_loc.forget_under(*replaced)
    base_loc.update(loc)
    merged.pop("extends", None)
    return merged, base_loc


def parse_value(text: str, source: str = "--set value", file: str | None = None) -> Any:
    """A ``--set`` value is YAML: ``1``, ``0.4``, ``[a, b]``, ``{uniform: [1, 3]}``.

    It goes through the same safe reader as files: no tags, no alias bombs, no deep nesting.
    """
    if not text.strip():
        raise NegsimError(f"{source}: the value is empty", file)
    try:
        return parse_yaml(text, source)[0]
    except NegsimError as exc:
        msg = "the value is empty" if exc.message == "file is empty" else exc.message
        raise NegsimError(f"{source}: {msg}", file) from None


def apply_set(raw: dict, loc: Located, assignment: str, file: str | None = None) -> None:
    """Apply ``a.b.c=value`` to the raw mapping; the path must already exist up to its parent."""
    source = f"{SET_PREFIX}{assignment}"
    if "=" not in assignment:
        raise NegsimError(f"--set expects PATH=VALUE, got {assignment!r}", file)
    dotted, text = assignment.split("=", 1)
    set_value(raw, loc, dotted, lambda: parse_value(text, source, file), source, file)


def set_value(
    raw: dict,
    loc: Located,
    dotted: str,
    value: Callable[[], Any],
    source: str,
    file: str | None = None,
) -> None:
    """Put ``value()`` at the dotted path: ``--set``'s rules and messages, for a value already
    parsed (``--set`` text) or given as a Python object (:meth:`negsim.Scenario.with_values`).

    ``value`` is called only once the path is known to exist up to its parent, so a misspelt
    path is reported before a bad value, as ``--set`` always did.
    """
    parts: list[Any] = dotted.strip().split(".")
    if parts[0] == "extends":
        raise NegsimError(
            f"--set {dotted}: 'extends' cannot be changed with --set; edit the file", file
        )
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            parts[i] = int(part)
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            where = ".".join(map(str, parts[:i])) or "the scenario"
            if isinstance(node, list):
                raise NegsimError(
                    f"--set {dotted}: index {part} is out of range ('{where}' has {_items(node)})",
                    file,
                )
            if not isinstance(node, dict):
                raise NegsimError(f"--set {dotted}: '{where}' holds a value, not a mapping", file)
            known = ", ".join(sorted(map(str, node))[:12])
            raise NegsimError(
                f"--set {dotted}: no '{part}' under '{where}'"
                + (f" (known: {known})" if known else ""),
                file,
            )
    last = parts[-1]
    parsed = value()
    if isinstance(node, list):
        if not (last.isdigit() and int(last) < len(node)):
            raise NegsimError(
                f"--set {dotted}: index {last} is out of range "
                f"('{'.'.join(map(str, parts[:-1]))}' has {_items(node)})",
                file,
            )
        parts[-1] = int(last)
        node[int(last)] = parsed
    elif isinstance(node, dict):
        node[last] = parsed
    else:
        raise NegsimError(
            f"--set {dotted}: '{'.'.join(map(str, parts[:-1]))}' holds a value, not a mapping",
            file,
        )
    loc.forget_under(tuple(parts))
    loc.lines[tuple(parts)] = (source, 0)


def _items(seq: list) -> str:
    return f"{len(seq)} item{'s' * (len(seq) != 1)}"


def _located(loc: Located, path: tuple, file: str) -> tuple[str, int | None, str]:
    """File, line and a note for an error at ``path``; values from ``--set`` name the override."""
    f, line = loc.where(path)
    if f is not None and f.startswith(SET_PREFIX):
        return file, None, f" (from {f})"
    n = len(path)
    for key, (source, _) in loc.lines.items():  # a --set inside this value made it wrong
        if len(key) > n and key[:n] == tuple(path) and source.startswith(SET_PREFIX):
            return file, None, f" (from {source})"
    return f or file, line or None, ""


def validate(raw: dict, loc: Located, file: str) -> Scenario:
    """Pydantic validation, then cross-reference checks; the first problem becomes the error,
    in file order, and carries every other one (``problems``) for ``negsim validate --all``."""
    clash = path_collision(raw)
    if clash:
        spots = sorted(clash, key=lambda p: loc.where(p)[1] or 0)
        f, line, note = _located(loc, spots[1], file)
        a, b = ("[" + "][".join(map(repr, p)) + "]" for p in spots)
        raise NegsimError(
            f"{b} and {a} have the same dotted path (an id containing '.' makes paths "
            "collide, and --set, experiments and sampled values name them by path); rename "
            "the id" + note,
            f,
            line,
            ".".join(map(str, spots[1])),
        )
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        found = []  # reported in file order (within the file that holds it), not model order
        for err in exc.errors(include_url=False):
            f, line, note = _located(loc, _clean(err["loc"], err["type"])[0], file)
            path, msg = explain(err)
            found.append(NegsimError(msg + note, f, line, _dotted(path)))
        found.sort(key=lambda e: (e.file != file, e.line is None, e.line or 0))
        raise _first(found) from None
    problems = check_scenario(scenario)
    if problems:
        found = []
        for path, msg in problems:
            f, line, note = _located(loc, tuple(path), file)
            found.append(NegsimError(msg + note, f, line, _dotted(path)))
        raise _first(found)  # the checks report in file order, the specific problem first
    return scenario


def path_collision(raw: Any) -> tuple[tuple, tuple] | None:
    """Two different places whose dotted paths are the same string, e.g. actor ``germany`` with
    issue ``positions.hotline`` and actor ``germany.positions`` with issue ``hotline``: --set,
    experiments and sampled leaves all name values by dotted path, so one would stand for both."""
    seen: dict[str, tuple] = {}
    stack: list[tuple[tuple, Any]] = [((), raw)]
    walked: set[int] = set()  # a node reached twice is a YAML alias: walk it once, not 2^n times
    while stack:
        where, node = stack.pop()
        if id(node) in walked:
            continue
        walked.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            path = (*where, key)
            dotted = ".".join(map(str, path))
            other = seen.setdefault(dotted, path)
            if other != path:
                return other, path
            if isinstance(value, dict | list):
                stack.append((path, value))
    return None


def _first(found: list[NegsimError]) -> NegsimError:
    """The first problem, counting the rest, and carrying them all."""
    first, more = found[0], len(found) - 1
    if more:
        first = NegsimError(
            f"{first.message} (and {more} more problem{'s' * (more > 1)})",
            first.file,
            first.line,
            first.path,
        )
    first.problems = found
    return first


def _dotted(path: tuple | list) -> str | None:
    return ".".join("~" if p is None else str(p) for p in path) or None


# --- pydantic errors in plain words ---------------------------------------------------------

FORMS = {"uniform": "[low, high]", "triangular": "[low, mode, high]", "normal": "[mean, sd]"}
BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def describe(value: Any) -> str:
    """A short, safe description of a value for an error message (never a full repr)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{short(value)}'" if value else "empty text"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "a whole number too large to use"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    if isinstance(value, (list, tuple)):
        return "an empty list" if not value else "a list"
    if isinstance(value, (set, frozenset)):
        return "a set"
    return f"a {type(value).__name__}"


def _clean(loc: tuple, kind: str) -> tuple[tuple, bool]:
    """The loc as a path in the file: union tags dropped; whether the error is about a key."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if not (part == "[key]" or _is_tag(part, nxt, kind)):
            out.append(part)
    return tuple(out), "[key]" in loc


def _is_tag(part: Any, nxt: Any, kind: str) -> bool:
    """Whether a loc element names a union member (pydantic's, not a key in the file)."""
    if not isinstance(part, str):
        return False
    if part.startswith(("function-", "tagged-union")):
        return True
    if part in DIST_KINDS:  # the tag in front of the distribution's own field, or its check
        return nxt == part or (nxt is None and kind == "value_error")
    return part == "number" and nxt is None and kind not in ("extra_forbidden", "missing")


def _fields_at(path: tuple, root: type[BaseModel] = Scenario) -> list[str]:
    """The keys the format allows at ``path`` (for 'did you mean' hints)."""
    tp: Any = root
    for part in path:
        tp = _step(tp, part)
        if tp is None:
            return []
    models = _models(tp)
    return sorted({name for m in models for name in m.model_fields})


def _models(tp: Any) -> list[type[BaseModel]]:
    """The models a type annotation may hold (through Optional, unions and Annotated)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    if get_origin(tp) in (Annotated, Union, UnionType):
        return [m for arg in get_args(tp) for m in _models(arg)]
    return []


def _step(tp: Any, part: Any) -> Any:
    """The type found one key (or index) below a value of type ``tp``."""
    for model in _models(tp):
        if part in model.model_fields:
            return model.model_fields[part].annotation
    for arg in [tp, *get_args(tp)] if get_origin(tp) in (Annotated, Union, UnionType) else [tp]:
        if get_origin(arg) is dict:
            return get_args(arg)[1]
        if get_origin(arg) in (list, tuple):
            return get_args(arg)[0]
    return None


def explain(err: ErrorDetails, root: type[BaseModel] = Scenario) -> tuple[tuple, str]:
    """(path, message) for one pydantic error, in the words of the file format (``root``)."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    path, is_key = _clean(tuple(err["loc"]), kind)
    field = path[-1] if path else None
    parent = path[-2] if len(path) > 1 else None
    if kind == "missing":
        if parent in FORMS:  # a distribution's list is too short
            return path[
                :-2
            ], f"{parent} needs {_arity(parent)} numbers {FORMS[parent]}, got {field}"
        return path[:-1], f"required key '{field}' is missing"
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(field), _fields_at(path[:-1], root), n=1, cutoff=0.75)
        hint = f"did you mean '{close[0]}'?" if close else "see 'negsim schema'"
        return path, f"unknown key ({hint})"
    if kind in ("too_short", "too_long"):
        if field in FORMS:
            return path, f"{field} needs {_arity(field)} numbers {FORMS[field]}, got {len(value)}"
        n = ctx["min_length"] if kind == "too_short" else ctx["max_length"]
        noun = ("entry", "entries") if isinstance(value, dict) else ("item", "items")
        bound = "needs at least" if kind == "too_short" else "takes at most"
        return path, f"{bound} {n} {noun[n != 1]}, got {len(value)}"
    if kind in BOUNDS:
        limit = next(iter(ctx.values()), "?")
        what = "the standard deviation of a normal" if parent == "normal" else "value"
        return path, f"{what} must be {BOUNDS[kind]} {limit:g}, got {describe(value)}"
    if kind == "number_or_distribution" and isinstance(value, dict) and value:
        if len(value) == 1:
            name = short(str(next(iter(value))))
            return path, f"unknown distribution '{name}'; use uniform, triangular or normal"
        return path, (
            "a distribution is a mapping with exactly one key (uniform, triangular or normal), "
            f"got {len(value)} keys"
        )
    expected = _expected(kind, value, ctx)
    if expected is None:
        return path, short(str(err["msg"]).removeprefix("Value error, "), 200)
    if is_key:
        return path, f"key must be {expected.removeprefix('expected ')}, got {describe(value)}"
    return path, f"{expected}, got {describe(value)}"


def _arity(dist: str) -> int:
    return FORMS[dist].count(",") + 1


_DISTS = "{uniform: [lo, hi]}, {triangular: [lo, mode, hi]}, {normal: [mean, sd]}"
EXPECTED = {
    "finite_number": "expected a finite number",
    "float": "expected a number",
    "int": "expected a whole number",
    "string": "expected text",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "set_type": "expected a list",
    "iterable_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "mapping_type": "expected a mapping",
    "date": "expected a date like 2022-01-10",
    "number_or_distribution": f"expected a number or one of {_DISTS}",
}


def _expected(kind: str, value: Any, ctx: dict) -> str | None:
    """What a type error expected, or None when pydantic's own words must do."""
    if kind == "literal_error":
        return f"expected one of {str(ctx.get('expected', '')).replace(' or ', ', ')}"
    if kind.startswith("float") and isinstance(value, (list, dict)):
        return EXPECTED["number_or_distribution"]  # a number field that may be a distribution
    for prefix, text in EXPECTED.items():
        if kind == prefix or kind.startswith(f"{prefix}_"):
            return text
    return None


def load_scenario(
    file: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    values: Mapping[str, Any] | None = None,
) -> Scenario:
    """Read, merge, override and validate a scenario file.

    ``overrides`` are ``--set`` strings (``PATH=YAML``); ``values`` maps the same paths to
    Python values, applied after them with the same rules and messages (the Python API's way,
    so a value never has to be written as YAML text first).
    """
    raw, loc = resolved_raw(file, overrides, values)
    return validate(raw, loc, str(file))


def resolved_raw(
    file: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    values: Mapping[str, Any] | None = None,
) -> tuple[dict, Located]:
    """The scenario as it will run, not yet validated: the file's data (``extends:`` merged)
    with the overrides and values applied. What :func:`load_scenario` validates, what a run's
    scenario hash is of, and what a results folder keeps as ``scenario.yaml``."""
    raw, loc = read_raw(file)
    raw = copy.deepcopy(raw)
    for assignment in overrides:
        apply_set(raw, loc, assignment, str(file))
    for dotted, value in (values or {}).items():
        source = f"{SET_PREFIX}{dotted}={value!r}"
        set_value(raw, loc, dotted, functools.partial(copy.deepcopy, value), source, str(file))
    return raw, loc
