"""The imports point one way: the runtime, then the engine, then the domain modules.

Read from the source (``ast``), counting only the imports that run: the ones
under ``if TYPE_CHECKING:`` and ``strawberry.lazy`` references are not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("schema", "server")
ENGINE = "schema.engine"
# What the engine may use of the GraphQL side: the request context and the errors.
BESIDE_ENGINE = frozenset({"schema", "schema.common.context", "schema.common.errors"})


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for n in node.orelse for n in _runtime_imports_of(n))
            continue
        yield from _runtime_imports_of(node)


def _runtime_imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _runtime_imports(node)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif node.module is not None and node.level == 0:
                targets.add(node.module)
                # `from package import module` imports the module.
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {target for target in targets if target in modules} - {name}
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_no_import_circle() -> None:
    graph = _graph()
    circles = sorted(name for name in graph if name in _reachable(graph, name))
    assert circles == []


def test_the_engine_imports_no_domain_module_and_not_the_app() -> None:
    graph = _graph()
    engine = [name for name in graph if name == ENGINE or name.startswith(f"{ENGINE}.")]
    assert len(engine) > 5
    outside = {
        target
        for name in engine
        for target in _reachable(graph, name)
        if (target.startswith("schema") and not target.startswith(ENGINE))
        and target not in BESIDE_ENGINE
    }
    assert outside == set()
    assert all("server.http.app" not in _reachable(graph, name) for name in engine)
