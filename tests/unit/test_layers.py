"""The package's import graph: no cycles, and core modules never import a service or interface.

Cycles count every import, lazy (inside a function) and type-only (``if TYPE_CHECKING:``) too:
a cycle hidden that way still ties two modules together. The layer rule counts module-level
imports, which are what a module needs to load.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO_ROOT

SRC = REPO_ROOT / "src"
CORE = ("childguard.config", "childguard.errors", "childguard.auth", "childguard.audit")
CORE_PACKAGES = ("childguard.store",)
UPPER = ("childguard.media", "childguard.textrisk", "childguard.api", "childguard.cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str], *, lazy: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree) if lazy else tree.body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name in modules:
                found.add(name)
    return found


def _graph(*, lazy: bool = False) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in (SRC / "childguard").rglob("*.py")}
    modules = set(files)
    return {name: _imports(path, modules, lazy=lazy) - {name} for name, path in files.items()}


def test_no_import_cycles_even_through_lazy_or_type_only_imports() -> None:
    graph = _graph(lazy=True)
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_core_modules_import_no_service_or_interface() -> None:
    graph = _graph()
    upward = {
        (name, dep)
        for name, deps in graph.items()
        if name in CORE or name.startswith(CORE_PACKAGES) or name == "childguard.plugins"
        for dep in deps
        if dep.startswith(UPPER)
    }
    assert upward == set()
