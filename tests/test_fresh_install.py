"""A fresh project that only installs ``appstore-sandbox`` and ``pytest`` can run the README's
example: the wheel built from this tree goes into a new virtualenv, with nothing else from the
repository, and the example passes there.

Nothing is fetched: the dependencies come from a local wheelhouse named by
``APPSTORE_SANDBOX_TEST_WHEELHOUSE`` (``.ci/run`` builds it; see ``_HOW``). uv makes the virtualenv
and installs into it in about two seconds, where ``python -m venv`` and pip take fifteen.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from uv import find_uv_bin

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "appstore_sandbox"
EXAMPLE = REPO / "examples" / "pytest" / "test_backend.py"
WHEELHOUSE_VARIABLE = "APPSTORE_SANDBOX_TEST_WHEELHOUSE"
_HOW = (
    "build the wheelhouse first, as .ci/run does: `.venv/bin/pip wheel -q -w .wheelhouse . "
    f"pytest hatchling && export {WHEELHOUSE_VARIABLE}=$PWD/.wheelhouse`"
)
# What a user's project has: a pyproject naming its two test dependencies, and the example.
PROJECT = """\
[project]
name = "subscription-backend"
version = "0"
dependencies = ["appstore-sandbox", "pytest"]
"""
_EXAMPLE_TIMEOUT_S = 180
_INSTALL_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    value = os.environ.get(WHEELHOUSE_VARIABLE)
    if not value:
        pytest.skip(f"{WHEELHOUSE_VARIABLE} is not set: {_HOW}")
    directory = Path(value)
    if not directory.is_dir():
        pytest.fail(f"{WHEELHOUSE_VARIABLE}={value} is not a directory: {_HOW}")
    return directory


@pytest.fixture(scope="module")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """uv's cache, new for this run: what gets installed comes from the wheelhouse alone."""
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture(scope="module")
def wheel(wheelhouse: Path, uv_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this tree as it is now (the wheelhouse's own may be older)."""
    out = tmp_path_factory.mktemp("dist")
    _uv(uv_cache, "build", "--wheel", "--out-dir", str(out), *_offline(wheelhouse), str(REPO))
    [built] = out.glob("appstore_sandbox-*.whl")
    return built


@pytest.fixture(scope="module")
def python(
    wheel: Path, wheelhouse: Path, uv_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The interpreter of a new virtualenv holding the wheel, pytest and their dependencies."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    _uv(uv_cache, "venv", "--python", sys.executable, str(venv))
    python = venv / "bin" / "python"
    install = ["--python", str(python), *_offline(wheelhouse), str(wheel), "pytest"]
    _uv(uv_cache, "pip", "install", *install)
    return python


def test_the_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    """Migrations, templates, static files: whatever the package reads at run time."""
    on_disk = {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = {name for name in archive.namelist() if name.startswith("appstore_sandbox/")}
    assert on_disk - in_wheel == set()


def test_the_fresh_venv_imports_the_installed_wheel(python: Path) -> None:
    found = _run(
        [str(python), "-c", "import appstore_sandbox; print(appstore_sandbox.__file__)"],
        cwd=python.parents[2],
        venv=python.parents[1],
        timeout=30,
    )
    assert found.returncode == 0, found.stderr
    location = Path(found.stdout.strip())
    assert location.is_relative_to(python.parents[1]), location
    assert not location.is_relative_to(REPO), location


def test_the_readme_example_passes_in_a_fresh_project(python: Path, tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    result = _run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLE.name],
        cwd=tmp_path,
        venv=python.parents[1],
        timeout=_EXAMPLE_TIMEOUT_S,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    counts = _summary(result.stdout)
    assert counts.get("passed") == _tests_in(EXAMPLE), output
    assert not {"failed", "error", "errors", "skipped"} & set(counts), output


def _offline(wheelhouse: Path) -> list[str]:
    return ["--offline", "--no-index", "--find-links", str(wheelhouse)]


def _uv(cache: Path, *args: str) -> None:
    command = [find_uv_bin(), "--no-config", "--quiet", "--cache-dir", str(cache), *args]
    env = {**_clean_env(), "UV_PYTHON_DOWNLOADS": "never"}
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=_INSTALL_TIMEOUT_S
    )
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}{result.stderr}"


def _run(
    command: list[str], cwd: Path, venv: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """As from a shell with the fresh virtualenv activated, and none of this suite's settings."""
    env = {
        **_clean_env(),
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout
    )


def _clean_env() -> Mapping[str, str]:
    mine = ("APPSTORE_SANDBOX_", "PYTEST_", "UV_", "PYTHON", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(mine)}


def _summary(stdout: str) -> dict[str, int]:
    """pytest's closing line, "3 passed, 1 warning in 4.20s", as {"passed": 3, "warning": 1}."""
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    return {word: int(number) for number, word in re.findall(r"(\d+) (\w+)", last)}


def _tests_in(path: Path) -> int:
    tree = ast.parse(path.read_text())
    return sum(
        isinstance(node, ast.FunctionDef) and node.name.startswith("test_") for node in tree.body
    )
