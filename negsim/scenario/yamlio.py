"""Safe YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` silently keeps the last of two duplicate keys and forgets line numbers;
an analyst editing a 600-line scenario needs both caught and located. Only the safe constructor
is ever used: tags that would build Python objects are errors, never executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from negsim.errors import NegsimError

Path_ = tuple[str | int, ...]
MAX_BYTES = 2_000_000  # a scenario is a few hundred KiB at most; larger input is a mistake
MAX_ALIASES = 200  # aliases are rare in scenarios; many of them is the shape of an alias bomb


class Located:
    """Maps value paths to (file, line) so validation errors can point at the source."""

    def __init__(self) -> None:
        self.lines: dict[Path_, tuple[str, int]] = {}

    def where(self, path: Path_) -> tuple[str | None, int | None]:
        """The file and line of the deepest known prefix of ``path``."""
        for n in range(len(path), -1, -1):
            hit = self.lines.get(tuple(path[:n]))
            if hit:
                return hit
        return None, None

    def update(self, other: Located) -> None:
        self.lines.update(other.lines)


class _Loader(yaml.SafeLoader):
    pass


def _record(node: yaml.Node, path: Path_, file: str, loc: Located, seen: set[int]) -> None:
    loc.lines[path] = (file, node.start_mark.line + 1)
    if id(node) in seen:  # an alias: its target has been walked already
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: dict[Any, int] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise NegsimError(
                    "mapping keys must be plain scalars",
                    file,
                    knode.start_mark.line + 1,
                    _fmt(path),
                )
            key = knode.value
            if knode.tag == "tag:yaml.org,2002:bool":
                raise NegsimError(
                    f"key '{key}' is read by YAML as a true/false value; put it in quotes",
                    file,
                    knode.start_mark.line + 1,
                    _fmt(path),
                )
            if key == "<<":
                raise NegsimError(
                    "YAML merge keys ('<<') are not supported; use 'extends:'",
                    file,
                    knode.start_mark.line + 1,
                    _fmt(path),
                )
            if key in keys:
                raise NegsimError(
                    f"duplicate key '{key}' (first given on line {keys[key]})",
                    file,
                    knode.start_mark.line + 1,
                    _fmt(path),
                )
            keys[key] = knode.start_mark.line + 1
            _record(vnode, (*path, key), file, loc, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record(item, (*path, i), file, loc, seen)


def _fmt(path: Path_) -> str | None:
    return ".".join(str(p) for p in path) or None


def read_yaml(file: str | Path) -> tuple[Any, Located]:
    """Read one YAML file safely; return its data and where each value stands."""
    name = str(file)
    try:
        raw = Path(file).read_bytes()
    except FileNotFoundError:
        raise NegsimError("file not found", name) from None
    except OSError as exc:
        raise NegsimError(f"cannot read file ({exc.strerror})", name) from None
    if len(raw) > MAX_BYTES:
        raise NegsimError(f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}", name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NegsimError(f"not UTF-8 text (byte {exc.start})", name) from None
    loc = Located()
    try:
        events = list(yaml.parse(text, Loader=_Loader))
        aliases = sum(isinstance(e, yaml.AliasEvent) for e in events)
        if aliases > MAX_ALIASES:
            raise NegsimError(f"{aliases} YAML aliases; at most {MAX_ALIASES} are allowed", name)
        node = yaml.compose(text, Loader=_Loader)
        if node is None:
            raise NegsimError("file is empty", name)
        _record(node, (), name, loc, set())
        data = _Loader(text).construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        if "could not determine a constructor" in str(exc):
            problem = f"tag {exc.problem.split()[-1]} is not allowed (only plain YAML data)"
        raise NegsimError(f"invalid YAML: {problem}", name, line) from None
    except yaml.YAMLError as exc:
        raise NegsimError(f"invalid YAML: {exc}", name) from None
    except RecursionError:
        raise NegsimError("YAML nesting is too deep", name) from None
    return data, loc
