"""netref's modules import downward only, and no two import each other (docs/architecture.md).

Read statically with ast: every import counts, in a function or under ``TYPE_CHECKING`` as much
as at the top, since a type-only circle is still a circle for a reader. ``from pkg import mod``
is an import of ``pkg.mod`` (a package's ``__init__`` runs first, but that edge is Python's, not
the code's). The probe package's own order is checked by tests/probes/test_structure.py.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "netref"

#: The layers, bottom first: a module may import its own layer or one below, never one above.
#: A module's layer is the one of its longest listed prefix.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("netref", "netref.versions", "netref.ports", "netref.exits"),
    ("netref.catalog",),
    ("netref.identify",),
    ("netref.probes",),  # internal order: tests/probes/test_structure.py
    ("netref.check.lexer", "netref.check.values"),
    ("netref.check.blocks", "netref.check.filelevel", "netref.check.noqa"),
    ("netref.check.compat",),
    ("netref.check.scanner",),
    ("netref.check.registry", "netref.check.rules"),  # the rules package: load_all(), the discovery
    ("netref.check.rules.",),  # the rule modules (a name ending in "." means its modules only)
    ("netref.check.codes",),
    ("netref.check.config", "netref.check.explain", "netref.check.files", "netref.check.fixer"),
    ("netref.check",),
    ("netref.targets", "netref.scan_values"),
    ("netref.jobs", "netref.scan_udp"),
    ("netref.scan",),
    ("netref.render",),
    ("netref.views",),
    ("netref.options",),
    ("netref.command_options",),  # each command's own options (its modules)
    ("netref.cli",),
    ("netref.__main__",),
)


def module_files() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The netref modules ``name`` imports (anywhere in the file)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                kept = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*kept, *([node.module] if node.module else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


@functools.cache
def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer(module: str) -> int:
    best, rank = -1, -1
    for number, names in enumerate(LAYERS):
        for prefix in names:
            below = prefix if prefix.endswith(".") else prefix + "."
            if (module == prefix or module.startswith(below)) and len(prefix) > best:
                best, rank = len(prefix), number
    return rank


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_netref_imports_itself_back() -> None:
    assert cycles(import_graph()) == []


def test_every_module_has_a_layer() -> None:
    assert [module for module in import_graph() if layer(module) < 0] == []


@pytest.mark.parametrize("module", sorted(import_graph()))
def test_imports_go_downward(module: str) -> None:
    upward = sorted(dep for dep in import_graph()[module] if layer(dep) > layer(module))
    assert upward == [], f"{module} (layer {layer(module)}) imports a higher layer: {upward}"


def test_the_check_circle_of_issue_21_stays_broken() -> None:
    graph = import_graph()
    assert "netref.check.scanner" not in graph["netref.check.noqa"]
    assert "netref.check.registry" not in graph["netref.check.scanner"]
    assert "netref.scan" not in graph["netref.scan_udp"]
