"""The imports point one way: the layers in pyproject.toml hold, and no import runs in a circle.

The layers are import-linter contracts, which ``scripts/test`` runs; these
tests show that a wrong-way import breaks them, and that the README draws the
layers the contracts name. Circles are read from the source (``ast``),
counting only the imports that run: the ones under ``if TYPE_CHECKING:`` and
``strawberry.lazy`` references are not.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("schema", "server")


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


LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)


def test_the_layers_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_way", "broken"),
    [
        ("schema/engine/ids.py", "schema.domains.students", ("layers", "engine")),
        ("schema/engine/ids.py", "server.services.catalog", ("engine",)),
        ("server/db/orm.py", "server.http.app", ("layers",)),
    ],
    ids=["engine to a domain", "engine to the runtime", "database to the surface"],
)
def test_a_wrong_way_import_breaks_a_contract(
    tmp_path: Path, module: str, wrong_way: str, broken: tuple[str, ...]
) -> None:
    for name in ("server", "schema"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a") as source:
        source.write(f"\nimport {wrong_way}  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout
    said = " ".join(result.stdout.split())  # long names are wrapped over lines
    contracts = _contracts()
    assert f"Contracts: {len(contracts) - len(broken)} kept, {len(broken)} broken." in said
    assert all(f"{contracts[name]['name']} BROKEN" in said for name in broken)


def _contracts() -> dict[str, dict[str, Any]]:
    linter = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in linter["contracts"]}


def test_the_readme_draws_the_layers_the_contract_names() -> None:
    layers = _contracts()["layers"]["layers"]
    readme = (ROOT / "README.md").read_text()
    [diagram] = re.findall(r"```mermaid\n(.*?)```", readme, re.DOTALL)
    # Each box of the picture, top to bottom: its label, the layer's modules.
    drawn = re.findall(r'\["([^"]+)"\]', diagram)
    assert [" | ".join(label.split("<br>")) for label in drawn] == layers
