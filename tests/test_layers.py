"""Packages depend downward only; a surface never imports another surface.

Every way a module can load another counts: ``import``, ``from ... import`` (absolute, relative,
or names taken from the root package), and ``importlib.import_module``/``__import__`` with a name
that is spelled out (a constant, or an f-string whose start names the module). Imports made only
for type checking (under ``if TYPE_CHECKING:``) are not dependencies at run time, and are checked
on their own: one pointing upward would be a dependency turned round by hand (routes once named
the composition root so).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "appstore_sandbox"
ROOT = "appstore_sandbox"

# Top to bottom. A module may import its own package and anything in a lower layer, and other
# members of its own layer except in the layer of Apple's surfaces, which stay independent.
# "__init__" is the root package itself: the public face (``from appstore_sandbox import
# Sandbox``), so nothing inside may import from it.
SURFACES = {"retention", "perftest", "notifications", "subscriptions"}
LAYERS: list[set[str]] = [
    {"__main__", "__init__"},
    {
        "cli",
        "testing",
        "pytest_plugin",
        "notification_receiver",
        "worker_databases",
        "serve_thread",
    },
    {"serve_process", "control_client"},
    {"http", "example"},  # the ASGI app and its pipeline; the example endpoint
    {"sandbox", "reset"},  # the composition root
    {"workflows"},  # the only code that crosses surfaces
    SURFACES,  # each with its Apple routes, control routes, service and models
    {"control"},  # the sandbox's own admin: apps, keys, certificates, clock, faults, catalog
    {"apple_request", "realtime"},  # apple_request: what every Apple route starts with
    {"catalog", "auth", "ratelimit"},
    {"store"},
    {"outbound"},
    {
        "errors",
        "declared_errors",
        "service_registry",
        "config",
        "clock",
        "signing",
        "environments",
        "urls",
        "keyfiles",
        "defaults",
        "faults",
        "sealing",
        "version",
        "ticker",
        "resettable",
    },
]


def _layer_of(part: str) -> int:
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"appstore_sandbox.{part} is in no layer: add it to LAYERS")


def _dotted_name(module: Path) -> str:
    """``appstore_sandbox.store.database`` for src/appstore_sandbox/store/database.py."""
    parts = module.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(dotted: str) -> str:
    """The top-level piece of the package a dotted name lies in ("__init__" for the root)."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_submodule(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def _absolute(module_name: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name of ``from <level dots><target> import ...`` written in ``module_name``."""
    if level == 0:
        return target or ""
    base = module_name.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([target] if target else [])])


def _spelled_out(node: ast.expr, module_name: str) -> str | None:
    """The module name an ``import_module`` argument names, as far as the source spells it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        prefix = ""
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                prefix += value.value
            elif isinstance(value, ast.FormattedValue) and ast.unparse(value.value) == "__name__":
                prefix += module_name
            else:
                break
        return prefix.rstrip(".") or None
    return None


def _runtime_imports(
    tree: ast.AST, module_name: str = ROOT, is_package: bool = False, type_checking: bool = False
) -> list[tuple[int, str]]:
    """(line, imported part) for every appstore_sandbox import outside TYPE_CHECKING blocks (and
    inside them too, with ``type_checking``)."""
    found: list[tuple[int, str]] = []

    def note(line: int, dotted: str) -> None:
        if dotted == ROOT or dotted.startswith(ROOT + "."):
            found.append((line, _part(dotted)))

    def visit(node: ast.AST) -> None:
        if (
            isinstance(node, ast.If)
            and "TYPE_CHECKING" in ast.unparse(node.test)
            and not type_checking
        ):
            for child in node.orelse:
                visit(child)
            return
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                note(line, alias.name)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module_name, is_package, node.level, node.module)
            if source == ROOT:
                for alias in node.names:
                    named = alias.name if _is_submodule(alias.name) else ""
                    note(line, f"{ROOT}.{named}" if named else ROOT)
            else:
                note(line, source)
        elif isinstance(node, ast.Call) and node.args:
            called = ast.unparse(node.func)
            if called in {"importlib.import_module", "import_module", "__import__"}:
                spelled = _spelled_out(node.args[0], module_name)
                if spelled is not None:
                    note(line, spelled)
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(tree)
    return found


def upward_imports(type_checking: bool = False) -> list[str]:
    problems = []
    for module in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in module.parts:
            continue
        module_name = _dotted_name(module)
        importer = _part(module_name)
        tree = ast.parse(module.read_text())
        is_package = module.name == "__init__.py"
        for line, imported in _runtime_imports(tree, module_name, is_package, type_checking):
            if imported == importer:
                continue
            where = f"{module.relative_to(PACKAGE)}:{line} imports {imported}"
            if _layer_of(imported) < _layer_of(importer):
                problems.append(where)
            elif imported in SURFACES and importer in SURFACES:
                problems.append(f"{where} (surfaces stay independent)")
    return problems


def test_no_package_imports_upward_or_sideways() -> None:
    assert upward_imports() == []


def test_no_import_for_type_checking_points_upward() -> None:
    assert upward_imports(type_checking=True) == []


def test_the_check_sees_an_upward_import() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "from appstore_sandbox.store import Store\n"
        "if TYPE_CHECKING:\n    from appstore_sandbox.sandbox import Sandbox\n"
        "def f():\n    from appstore_sandbox.cli import main\n"
    )
    assert _runtime_imports(tree) == [(2, "store"), (6, "cli")]
    assert _runtime_imports(tree, type_checking=True) == [(2, "store"), (4, "sandbox"), (6, "cli")]


def test_the_check_sees_names_taken_from_the_root_package() -> None:
    tree = ast.parse("from appstore_sandbox import reset, __version__\n")
    assert _runtime_imports(tree) == [(1, "reset"), (1, "__init__")]
    assert _layer_of("__init__") < _layer_of("http")  # so http importing __version__ is upward


def test_the_check_sees_import_module_with_a_spelled_out_name() -> None:
    tree = ast.parse(
        "import importlib\n"
        "importlib.import_module('appstore_sandbox.testing')\n"
        "importlib.import_module(f'appstore_sandbox.cli.{name}')\n"
        "importlib.import_module(f'{__name__}.{module}')\n"
        "__import__('appstore_sandbox.sandbox')\n"
    )
    found = _runtime_imports(tree, "appstore_sandbox.store", is_package=True)
    assert found == [(2, "testing"), (3, "cli"), (4, "store"), (5, "sandbox")]


def test_the_check_sees_relative_imports() -> None:
    tree = ast.parse(
        "from . import gate\nfrom ..sandbox import Sandbox\nfrom .models import Health\n"
    )
    found = _runtime_imports(tree, "appstore_sandbox.control.routes")
    assert found == [(1, "control"), (2, "sandbox"), (3, "control")]
    in_root = _runtime_imports(ast.parse("from . import sandbox\n"), "appstore_sandbox.reset")
    assert in_root == [(1, "sandbox")]
    in_http = _runtime_imports(ast.parse("from . import gate\n"), "appstore_sandbox.http.app")
    assert in_http == [(1, "http")]
