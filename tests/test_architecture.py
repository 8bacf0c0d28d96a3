"""The shape of the code: no import cycle between apps, no module past the size we can read.

The graph counts every ``import`` of ``ambit.<app>`` anywhere in a module, including imports
inside functions (which hide a cycle rather than end it). Only imports under
``if TYPE_CHECKING:`` are left out: they are annotations, not dependencies at run time.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "ambit"
MAX_LINES = 600


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def _app_of(path: Path) -> str | None:
    """The app a module belongs to (``ambit/okrs/dashboard/views.py`` → ``okrs``); None for the
    project modules (``settings``, ``urls``), which sit above every app."""
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
            found.extend((f"{node.module}.{alias.name}", node.lineno) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def app_graph() -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) → the import sites, e.g. ``okrs/views.py:21``."""
    apps = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _modules():
        source = _app_of(path)
        if source is None:
            continue
        for name, line in _imported_modules(ast.parse(path.read_text(), str(path))):
            parts = name.split(".")
            if len(parts) < 2 or parts[0] != "ambit" or parts[1] not in apps or parts[1] == source:
                continue
            site = f"{path.relative_to(ROOT)}:{line}"
            if site not in edges[(source, parts[1])]:
                edges[(source, parts[1])].append(site)
    return edges


def app_cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one app (Tarjan), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def test_no_import_cycle_between_apps() -> None:
    edges = app_graph()
    cycles = app_cycles(edges)
    detail = [
        f"{a} -> {b}: {', '.join(sites)}"
        for group in cycles
        for (a, b), sites in sorted(edges.items())
        if a in group and b in group
    ]
    assert cycles == [], "Apps import each other:\n" + "\n".join(detail)


def test_core_imports_no_other_app() -> None:
    outgoing = {b: sites for (a, b), sites in app_graph().items() if a == "core"}
    assert outgoing == {}, outgoing


def test_the_checker_sees_imports_inside_functions_and_skips_type_checking_blocks() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ambit.okrs.models import Objective\n"
        "def f():\n    from ambit.front import views\n"
    )
    names = [name for name, _ in _imported_modules(tree)]
    assert "ambit.front" in names
    assert "ambit.okrs.models" not in names
    assert app_cycles({("a", "b"): ["x"], ("b", "a"): ["y"], ("b", "c"): ["z"]}) == [["a", "b"]]


def test_no_module_is_longer_than_600_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}, f"Split these modules (over {MAX_LINES} lines): {long}"
