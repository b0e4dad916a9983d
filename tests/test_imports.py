"""No import cycles inside negsim: no module imports one that (directly or not) imports it back.

Read from the source with ``ast``, so imports inside functions count too: a cycle hidden in a
function body still ties the two modules together, and is the kind a later edit turns into an
ImportError at start-up. Imports under ``if TYPE_CHECKING:`` are left out: they never run, they
only name types for annotations (negsim.agents names negsim.model's class that way).
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "negsim"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    nodes, todo = [], [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The negsim modules ``path`` imports. ``from pkg import sub`` counts as importing the
    submodule ``pkg.sub`` (not the package: every submodule's import runs its package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    return {name: imports_of(path, name, known) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_the_imports_that_matter() -> None:
    graph = import_graph()
    assert "negsim.execution" in graph["negsim.runner"]
    assert "negsim.experiments.cli" in graph["negsim.cli"]  # a function-local import
    assert "negsim.experiments.storage" in graph["negsim.experiments.sweep"]
    assert "negsim.model" not in graph["negsim.agents"]  # only under TYPE_CHECKING


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert cycles(import_graph()) == []


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_validating_a_scenario_loads_neither_numba_nor_mesa() -> None:
    """``negsim validate`` and ``negsim schema`` read the rule registries only: the rules
    name their kernel codes from a module without numba, so nothing is compiled or loaded
    that a run needs (about half a second of CPU), and the agent model stays unloaded."""
    import subprocess
    import sys

    code = (
        "import sys; from negsim.cli import main; "
        f"main(['validate', {str(ROOT / 'scenarios' / 'baseline.yaml')!r}]); "
        "print(sorted(m for m in ('numba', 'mesa') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_run_leaves_scipy_linalg_unloaded_and_importable() -> None:
    """numba's BLAS probe would import all of scipy.linalg on a run's first kernel call; the
    kernel skips it (it uses no BLAS), and scipy.linalg still imports, and works, after."""
    import subprocess
    import sys

    code = (
        "import sys; from negsim.cli import main; "
        f"main(['run', {str(ROOT / 'tests' / 'data' / 'mini.yaml')!r}, '--runs', '20']); "
        "print('scipy.linalg' in sys.modules); "
        "import scipy.linalg, numpy; print(scipy.linalg.det(numpy.eye(2)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-2:] == ["False", "1.0"]
