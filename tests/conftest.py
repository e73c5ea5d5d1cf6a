"""Shared fixtures: real sandbox servers on loopback, on SQLite and (when configured) PostgreSQL.

Set APPSTORE_SANDBOX_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run
every server-backed test on PostgreSQL as well; each server then gets a database of its own.

``sandbox`` and ``sandbox_with(*args)`` are servers shared by the whole session (tests isolate
themselves with ``new_app()``); ``start_sandbox(*args)`` starts a test's own and
``start_module_sandbox(*args)`` a module's, for tests that restart, kill or stop it or need its
clock untouched. Each stops when its test or module ends.
"""

from __future__ import annotations

import compileall
import os
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.sandbox_process import SandboxProcess, stop_all
from tests.shared_sandboxes import RECORDS, shared_sandbox, stop_recorded

POSTGRES_URL = os.environ.get("APPSTORE_SANDBOX_TEST_DATABASE_URL")
PACKAGE = Path(__file__).resolve().parents[1] / "src" / "appstore_sandbox"

# pytest caches the assertion-rewritten test modules only where bytecode may be written; under
# PYTHONDONTWRITEBYTECODE every xdist worker would rewrite all of them again on every run (60 %
# of collecting the suite). This conftest loads before any test module is rewritten.
sys.dont_write_bytecode = False


def pytest_sessionstart(session: pytest.Session) -> None:
    """Every ``serve`` and engine process the suite starts imports the package afresh; where
    PYTHONDONTWRITEBYTECODE is set (CI machines often set it) each would compile it again."""
    if "PYTEST_XDIST_WORKER" not in os.environ and PACKAGE.is_dir():
        compileall.compile_dir(PACKAGE, quiet=1)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The process that ends an xdist run stops the sandboxes its workers shared."""
    if "PYTEST_XDIST_WORKER" in os.environ:
        return
    factory: pytest.TempPathFactory | None = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        stop_recorded(factory.getbasetemp() / RECORDS)


BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with the fewest tests run first. The slow modules (a server killed, restarted,
    a demo, a nested pytest) hold a few long tests each; started last, as xdist's loadscope
    would by default (``--no-loadscope-reorder`` in pyproject keeps this order), one of them
    would finish alone on one core. The many quick tests fill the end instead. The sort is
    stable, and keeps each backend's tests together (a session fixture per backend)."""
    per_module = Counter(item.nodeid.split("::")[0] for item in items)

    def order(item: pytest.Item) -> tuple[int, int]:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend", BACKENDS[0]) if callspec else BACKENDS[0]
        return BACKENDS.index(backend), per_module[item.nodeid.split("::")[0]]

    items.sort(key=order)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class DatabaseFactory:
    """Creates a throwaway PostgreSQL database per server and drops them all at the end."""

    def __init__(self, admin_url: str) -> None:
        self._admin = create_engine(
            make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
        )
        self._admin_url = make_url(admin_url)
        self._created: list[str] = []

    def create(self) -> str:
        name = f"sandbox_test_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return self._admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self._admin.connect() as connection:
            for name in self._created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._admin.dispose()


@pytest.fixture(scope="session")
def databases() -> Iterator[DatabaseFactory | None]:
    if not POSTGRES_URL:
        yield None
        return
    factory = DatabaseFactory(POSTGRES_URL)
    yield factory
    factory.drop_all()


StartSandbox = Callable[..., SandboxProcess]


@contextmanager
def _sandboxes(
    backend: str, databases: DatabaseFactory | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartSandbox]:
    """A way to start sandboxes; every one started stops when the block ends."""
    started: list[SandboxProcess] = []

    def start(*extra_args: str) -> SandboxProcess:
        database_url = databases.create() if backend == "postgresql" and databases else None
        data_dir: Path = tmp_path_factory.mktemp("sandbox")
        process = SandboxProcess(data_dir, database_url, list(extra_args)).start()
        started.append(process)
        return process

    try:
        yield start
    finally:
        stop_all(started)


@pytest.fixture
def start_sandbox(
    backend: str, databases: DatabaseFactory | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartSandbox]:
    """Start a fresh sandbox (own data dir and database) with extra ``serve`` arguments; it
    stops when the test ends (an idle server still polls, so none outlives its test)."""
    with _sandboxes(backend, databases, tmp_path_factory) as start:
        yield start


@pytest.fixture(scope="module")
def start_module_sandbox(
    backend: str, databases: DatabaseFactory | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartSandbox]:
    """As ``start_sandbox``, for a module's own server: it stops when the module ends."""
    with _sandboxes(backend, databases, tmp_path_factory) as start:
        yield start


@pytest.fixture(scope="session")
def _start_session_sandbox(
    backend: str, databases: DatabaseFactory | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartSandbox]:
    with _sandboxes(backend, databases, tmp_path_factory) as start:
        yield start


SandboxWith = Callable[..., SandboxProcess]


@pytest.fixture(scope="session")
def sandbox_with(
    _start_session_sandbox: StartSandbox, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> SandboxWith:
    """The sandbox started with these ``serve`` arguments, shared by every test asking for them.

    Under xdist on SQLite, every worker shares it too (``tests.shared_sandboxes``); a
    PostgreSQL database belongs to the worker that made it, so there each worker starts its own.
    Tests on a shared sandbox isolate themselves with ``new_app()`` and never stop it.
    """
    shared: dict[tuple[str, ...], SandboxProcess] = {}
    across_workers = backend == "sqlite" and "PYTEST_XDIST_WORKER" in os.environ
    records = tmp_path_factory.getbasetemp().parent / RECORDS

    def start_unowned(extra_args: tuple[str, ...]) -> SandboxProcess:
        return SandboxProcess(tmp_path_factory.mktemp("sandbox"), None, list(extra_args)).start()

    def get(*extra_args: str) -> SandboxProcess:
        if extra_args not in shared:
            shared[extra_args] = (
                shared_sandbox(records, extra_args, lambda: start_unowned(extra_args))
                if across_workers
                else _start_session_sandbox(*extra_args)
            )
        return shared[extra_args]

    return get


@pytest.fixture(scope="session")
def sandbox(sandbox_with: SandboxWith) -> SandboxProcess:
    """One shared sandbox on default settings; tests must not depend on each other's state."""
    return sandbox_with()
