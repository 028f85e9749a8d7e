"""The floor plan: stage packages that import forward only, no cycles, modules a reader can hold.

docs/architecture.md draws the pipeline; these tests keep the code to it. Imports inside functions
count (they are cycles all the same, only later); imports under ``if TYPE_CHECKING:`` do not (they
never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "wiebetaalt"
MAX_LINES = 400

#: What each stage may import, besides ``errors`` and itself. A stage never imports one to its
#: right in the pipeline (load → model → engine → decision …): the engine uses decisions, a
#: decision never runs the engine.
ALLOWED = {
    "model": set(),
    "load": {"model", "engine"},  # loading asks durable whether the framework builds
    "decision": {"model", "load"},  # the audit record hashes the postcode table
    "engine": {"model", "load", "decision"},
    "analysis": {"model", "load", "engine", "decision"},
    "testing": {"model", "load", "engine", "decision"},
    "batch": {"model", "load", "engine", "decision"},
    "cli": {"model", "load", "engine", "decision", "analysis", "testing", "batch"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _under_type_checking(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                    isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
                skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    return skipped


def _imports(name: str, path: Path) -> set[str]:
    """The package's modules that module ``name`` imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _under_type_checking(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in GRAPH[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .engine.engine import Engine\n"
                      "def later():\n    from .load.loader import load_framework\n", encoding="utf-8")
    assert _imports("wiebetaalt.sample", sample) == {"wiebetaalt.load.loader"}


def test_there_is_no_import_cycle():
    assert _cycles() == []


def test_a_cycle_would_be_found():
    GRAPH["wiebetaalt.model.case"].add("wiebetaalt.engine.engine")
    try:
        assert any("wiebetaalt.model.case" in cycle for cycle in _cycles())
    finally:
        GRAPH["wiebetaalt.model.case"].discard("wiebetaalt.engine.engine")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_longer_than_a_reader_can_hold(name: str):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name}: {lines} lines"


def test_every_stage_imports_only_the_stages_before_it():
    wrong = []
    for name, imported in GRAPH.items():
        stage = name.split(".")[1] if name.count(".") else None
        if stage not in ALLOWED:
            continue
        for target in imported:
            other = target.split(".")[1]
            if other not in (stage, "errors") and other not in ALLOWED[stage]:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_the_tree_is_the_pipeline():
    stages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert stages == set(ALLOWED)
