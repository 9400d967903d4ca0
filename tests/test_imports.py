"""The apps' modules import one another one way: no cycle, even through an import inside a function.

An import tucked into a function to dodge a cycle still ties the two modules together, and it fails
at request time instead of at start-up. The graph is read from the source (ast), so the test needs
no database and sees every module, imported by a test or not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "routes", "homestays", "products", "news", "reports")


def project_modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported project module: line}, with the imports inside functions."""
    modules = project_modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        edges = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in filter(None, map(resolve, targets)):
                if target != name:
                    edges.setdefault(target, node.lineno)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str]:
    """One cycle of the graph as [a, b, …, a], or [] (depth-first search, three colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, {}):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    # portal.search.backend picks its database's module when Wagtail asks for the backend
    assert "portal.search.postgres" in graph["portal.search.backend"]
    assert find_cycle({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": 1}, "b": {}}) == []


def test_no_import_cycle_among_the_apps_modules():
    graph = import_graph()
    cycle = find_cycle(graph)
    where = [f"{a} imports {b} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False)]
    assert not cycle, "import cycle: " + "; ".join(where)


@pytest.mark.parametrize("app", [app for app in APPS if (ROOT / app / "views.py").exists() and (ROOT / app / "models.py").exists()])
def test_models_do_not_import_views(app):
    """Page logic flows views → models: a page asks `registry.page_view()` for its app's views,
    which the app registers from AppConfig.ready()."""
    graph = import_graph()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, {}))
        return False

    assert not reaches(f"{app}.models", f"{app}.views")
