"""Packages depend downward only; a surface never imports another surface.

Imports made only for type checking (under ``if TYPE_CHECKING:``) are not dependencies at run
time and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "appstore_sandbox"

# Top to bottom. A module may import its own package and anything in a lower layer, and other
# members of its own layer except in the layer of Apple's surfaces, which stay independent.
SURFACES = {"retention", "perftest", "notifications", "subscriptions"}
LAYERS: list[set[str]] = [
    {"__main__"},
    {"cli", "testing", "pytest_plugin", "notification_receiver", "worker_databases"},
    {"app", "gate", "example", "sandbox_routes", "docs_assets"},
    {"sandbox", "reset"},
    {"control"},
    SURFACES,
    {"apple_request", "realtime"},
    {"catalog", "auth", "ratelimit"},
    {"store"},
    {
        "errors",
        "openapi_errors",
        "config",
        "clock",
        "signing",
        "outbound",
        "environments",
        "urls",
        "keyfiles",
        "defaults",
        "faults",
        "sealing",
        "inbound_hosts",
        "allowed_methods",
    },
]
# The package's __init__ imports nothing.
STANDALONE = {"__init__"}


def _layer_of(part: str) -> int:
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"appstore_sandbox.{part} is in no layer: add it to LAYERS")


def _part(module: Path) -> str:
    relative = module.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, imported part) for every appstore_sandbox import outside TYPE_CHECKING blocks."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "appstore_sandbox" and len(parts) > 1:
                found.append((getattr(node, "lineno", 0), parts[1]))
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(tree)
    return found


def upward_imports() -> list[str]:
    problems = []
    for module in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in module.parts:
            continue
        importer = _part(module)
        for line, imported in _runtime_imports(ast.parse(module.read_text())):
            if imported == importer:
                continue
            where = f"{module.relative_to(PACKAGE)}:{line} imports {imported}"
            if importer in STANDALONE:
                problems.append(f"{where} (a stand-alone module)")
            elif imported in STANDALONE and imported != "__init__":
                continue
            elif _layer_of(imported) < _layer_of(importer):
                problems.append(where)
            elif imported in SURFACES and importer in SURFACES:
                problems.append(f"{where} (surfaces stay independent)")
    return problems


def test_no_package_imports_upward_or_sideways() -> None:
    assert upward_imports() == []


def test_the_check_sees_an_upward_import() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "from appstore_sandbox.store import Store\n"
        "if TYPE_CHECKING:\n    from appstore_sandbox.sandbox import Sandbox\n"
        "def f():\n    from appstore_sandbox.cli import main\n"
    )
    assert _runtime_imports(tree) == [(2, "store"), (6, "cli")]
