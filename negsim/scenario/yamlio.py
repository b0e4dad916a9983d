"""Safe YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` silently keeps the last of two duplicate keys and forgets line numbers;
an analyst editing a 600-line scenario needs both caught and located. Only the safe constructor
is ever used, and only for plain data: any other tag is an error before anything is built.
Size, nesting and aliases are bounded while the file is read, so no input can make the loader
hang or fill memory.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from negsim.errors import NegsimError

Path_ = tuple[Any, ...]
MAX_BYTES = 2_000_000  # a scenario is a few hundred KiB at most; larger input is a mistake
MAX_ALIASES = 200  # aliases are rare in scenarios; many of them is the shape of an alias bomb
MAX_DEPTH = 32  # a scenario nests about 7 levels; composing nodes recurses once per level

_CORE = "tag:yaml.org,2002:"
PLAIN_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
# what PyYAML's reader refuses; checked first so both parsers report it the same way
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_KIND = {
    _CORE + "int": "a whole number",
    _CORE + "float": "a number",
    _CORE + "timestamp": "a date",
    _CORE + "bool": "true/false",
}


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

    def forget_under(self, *paths: Path_) -> None:
        """Drop what is recorded strictly below each path (its value was replaced wholesale).

        One pass over the record whatever the number of paths, so merging a large base file
        stays linear.
        """
        gone = {tuple(p) for p in paths}
        if not gone:
            return
        for key in [k for k in self.lines if any(k[:n] in gone for n in range(len(k)))]:
            del self.lines[key]


def short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters, so a huge value cannot flood an error line."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# libyaml parses ~30 times faster than pure Python (a 2 MB list: under a second instead of
# twenty); the constructor is PyYAML's safe one either way.
_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE):
    pass


def _check_shape(text: str, name: str) -> None:
    """Refuse deep nesting and alias bombs from the event stream, before any node is built.

    The event parser is iterative; composing nodes recurses once per level, and expanding
    aliases can multiply the data without bound, so both are bounded here first.

    negsim's bounds must hold whatever the parser: libyaml builds since PyYAML 6.0.4 stop at
    a nesting depth of their own, and their scanner reads up to 1,024 characters ahead, so
    they can refuse a file before its events reach the count below. When the fast parser
    refuses a file, the count is redone with the pure-Python parser (which reads ahead the
    same window but never refuses depth), so negsim's rule is the one reported; only a
    file that breaks none of them gets the parser's own complaint.
    """
    try:
        _count_shape(text, name, _Loader)
    except yaml.YAMLError:
        if _BASE is not yaml.SafeLoader:
            _count_shape(text, name, yaml.SafeLoader)
        raise


def _event_line(event: yaml.Event) -> int | None:
    """An event's 1-based line (the parser always marks one; the type allows none)."""
    return event.start_mark.line + 1 if event.start_mark is not None else None


def _count_shape(text: str, name: str, loader: type) -> None:
    """Count nesting and aliases in ``loader``'s events; raise negsim's error past a bound."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise NegsimError(
                    f"values are nested deeper than {MAX_DEPTH} levels",
                    name,
                    _event_line(event),
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise NegsimError(
                    f"more than {MAX_ALIASES} YAML aliases (*name); a scenario needs few, "
                    "and many are the shape of an alias bomb",
                    name,
                    _event_line(event),
                )


def _fmt(path: Path_) -> str | None:
    return ".".join(str(p) for p in path) or None


def _tag_error(node: yaml.Node, name: str, path: Path_) -> NegsimError:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode) and node.tag in (_CORE + "value", _CORE + "merge"):
        # a plain '=' or '<<' that YAML reads as something other than text
        return NegsimError(
            f"'{short(node.value)}' has a special meaning in YAML; put it in quotes",
            name,
            line,
            _fmt(path),
        )
    tag = node.tag.replace(_CORE, "!!")
    return NegsimError(
        f"tag {short(tag, 60)} is not allowed (only plain YAML data: text, numbers, "
        "true/false, dates, lists and mappings)",
        name,
        line,
        _fmt(path),
    )


def _scalar(loader: Any, node: yaml.ScalarNode, name: str, path: Path_) -> Any:
    """Build one scalar, turning a conversion failure (2022-13-45, !!int two) into an error."""
    try:
        return loader.construct_object(node)
    except (ValueError, OverflowError, ArithmeticError) as exc:
        kind = _KIND.get(node.tag, "a value")
        raise NegsimError(
            f"cannot read '{short(node.value)}' as {kind} ({short(str(exc), 80)})",
            name,
            node.start_mark.line + 1,
            _fmt(path),
        ) from None


def _record(
    loader: Any, node: yaml.Node, path: Path_, name: str, loc: Located, seen: set[int]
) -> None:
    """Check tags and keys, build scalars, and note the line of every value below ``node``."""
    if id(node) in seen:  # an alias: its target has been walked already
        return
    seen.add(id(node))
    if node.tag not in PLAIN_TAGS:
        raise _tag_error(node, name, path)
    if isinstance(node, yaml.MappingNode):
        keys: dict[Any, int] = {}
        for knode, vnode in node.value:
            line = knode.start_mark.line + 1
            if not isinstance(knode, yaml.ScalarNode):
                if knode.tag not in PLAIN_TAGS:
                    raise _tag_error(knode, name, path)
                raise NegsimError("mapping keys must be plain scalars", name, line, _fmt(path))
            if knode.tag == _CORE + "merge":
                raise NegsimError(
                    "YAML merge keys ('<<') are not supported; use 'extends:'",
                    name,
                    line,
                    _fmt(path),
                )
            if knode.tag == _CORE + "bool":
                raise NegsimError(
                    f"key '{knode.value}' is read by YAML as a true/false value; put it in quotes",
                    name,
                    line,
                    _fmt(path),
                )
            if knode.tag not in PLAIN_TAGS:
                raise _tag_error(knode, name, path)
            key = _scalar(loader, knode, name, path)
            if key is None:
                raise NegsimError("key must be text, got null (~)", name, line, _fmt(path))
            if key in keys:
                raise NegsimError(
                    f"duplicate key '{short(knode.value)}' (first given on line {keys[key]})",
                    name,
                    line,
                    _fmt(path),
                )
            keys[key] = line
            loc.lines[(*path, key)] = (name, line)
            _record(loader, vnode, (*path, key), name, loc, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            loc.lines[(*path, i)] = (name, item.start_mark.line + 1)
            _record(loader, item, (*path, i), name, loc, seen)
    elif isinstance(node, yaml.ScalarNode):  # the only other kind of node
        _scalar(loader, node, name, path)


def _problem(exc: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's or libyaml's complaint, with what stands at the spot where that helps."""
    parts = [p.strip() for p in (exc.context, exc.problem) if p]
    msg = ": ".join(parts) or "malformed YAML"
    mark = exc.problem_mark
    lines = text.splitlines()
    rest = ""
    if mark is not None and 0 <= mark.line < len(lines):
        rest = lines[mark.line][mark.column :]
    if rest.startswith("\t") or "'\\t'" in msg:
        msg += " (a tab; YAML indentation must use spaces)"
    alias = re.match(r"\*([^\s,\[\]{}]+)", rest)
    if "undefined alias" in msg and alias and alias.group(1) not in msg:
        msg += f" '*{short(alias.group(1))}'"
    return msg


def parse_yaml(text: str, name: str) -> tuple[Any, Located]:
    """Parse YAML text safely; return its data and where each value stands.

    ``name`` is what errors call the source: a file name, or ``--set PATH=VALUE``.
    """
    bad = _NON_PRINTABLE.search(text)
    if bad:
        raise NegsimError(
            f"control character U+{ord(bad.group()):04X} is not allowed in YAML text",
            name,
            text.count("\n", 0, bad.start()) + 1,
        )
    loc = Located()
    try:
        _check_shape(text, name)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise NegsimError("file is empty", name)
            loc.lines[()] = (name, node.start_mark.line + 1)
            _record(loader, node, (), name, loc, set())
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise NegsimError(f"invalid YAML: {short(_problem(exc, text), 200)}", name, line) from None
    except yaml.YAMLError as exc:
        raise NegsimError(f"invalid YAML: {short(str(exc), 200)}", name) from None
    except RecursionError:  # the depth bound makes this unreachable; keep it one line anyway
        raise NegsimError("YAML nesting is too deep", name) from None
    return data, loc


def _read_bytes(name: str) -> bytes:
    """At most MAX_BYTES + 1 bytes: an endless or huge input is refused, never read whole."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not wait; only regular files are read
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError
            if not stat.S_ISREG(mode):
                raise NegsimError(
                    "not a regular file (a pipe, device or socket could keep negsim waiting "
                    "or never end); give a scenario file",
                    name,
                )
            os.set_blocking(fd, True)
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_BYTES:
                raise NegsimError(f"file is {size:,} bytes; the limit is {MAX_BYTES:,}", name)
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise NegsimError("file not found", name) from None
    except IsADirectoryError:
        raise NegsimError("is a folder, not a scenario file", name) from None
    except OSError as exc:
        raise NegsimError(f"cannot read file ({exc.strerror or exc})", name) from None
    except ValueError:  # e.g. a NUL byte in the file name
        raise NegsimError("not a usable file name", name) from None
    if len(raw) > MAX_BYTES:
        raise NegsimError(f"file is more than {MAX_BYTES:,} bytes, the limit", name)
    return raw


def read_yaml(file: str | Path) -> tuple[Any, Located]:
    """Read one YAML file safely; return its data and where each value stands."""
    name = str(file)
    raw = _read_bytes(name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NegsimError(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", name, line
        ) from None
    return parse_yaml(text, name)
