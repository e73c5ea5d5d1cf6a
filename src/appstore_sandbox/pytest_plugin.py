"""The pytest plugin (entry point ``pytest11``): a sandbox for your suite in three lines.

    def test_receiver_accepts_a_test_notification(appstore_sandbox, appstore_verifier): ...

Fixtures: ``appstore_sandbox`` (a :class:`appstore_sandbox.Sandbox`, one per session, or per
worker under pytest-xdist; reset before each test that asks for it, unless the test is marked
``@pytest.mark.appstore_sandbox_keep_state``), ``appstore_client`` (Apple's
``AppStoreServerAPIClient`` for the default app), ``appstore_verifier`` (Apple's
``SignedDataVerifier`` trusting the sandbox's root) and ``appstore_receiver`` (a
:class:`appstore_sandbox.NotificationReceiver` on loopback, the default app's Sandbox notification
URL, emptied before each test).

Options: ``--appstore-sandbox-url URL`` uses a sandbox already running instead of starting one,
and resets it like one it started (so it runs one xdist worker); ``--appstore-sandbox-database-url
URL`` starts it on PostgreSQL, and under xdist each worker on a database of its own, made beside
that one and dropped at the end (see ``worker_databases``).

Nothing starts, and nothing heavy is imported, unless a test asks for a fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from appstoreserverlibrary.api_client import AppStoreServerAPIClient
    from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

    from appstore_sandbox.notification_receiver import NotificationReceiver
    from appstore_sandbox.testing import Sandbox

KEEP_STATE = "appstore_sandbox_keep_state"
ATTACH_UNDER_XDIST = (
    "--appstore-sandbox-url runs one worker: each test resets the sandbox it attaches to, so "
    "xdist workers sharing it reset each other's; use -n 0 (or -p no:xdist), or leave the "
    "option out to start a sandbox per worker"
)
SQLITE_UNDER_XDIST = (
    "under pytest -n, --appstore-sandbox-database-url takes a postgresql:// URL (each worker "
    "gets a database of its own beside it); leave it out for a SQLite sandbox per worker"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("appstore-sandbox")
    group.addoption(
        "--appstore-sandbox-url",
        default=None,
        help="Use the sandbox running at this URL (http://HOST:PORT) instead of starting one. "
        "It is reset (apps, purchases, clock; not its certificates or default key) before each "
        "test that asks for appstore_sandbox, so give it one kept for tests. Not under pytest "
        "-n 2 or more: workers would reset each other's state.",
    )
    group.addoption(
        "--appstore-sandbox-database-url",
        default=None,
        help="Start the sandbox on this database (postgresql://...) instead of SQLite; under "
        "pytest -n, each worker on a database of its own made beside it (NAME_gw0, ...; the "
        "role needs CREATEDB) and dropped at the end.",
    )
    group.addoption(
        "--appstore-sandbox-admin-token",
        default=None,
        help="The running sandbox's admin token, if it has one.",
    )


@pytest.hookimpl(trylast=True)  # after xdist has worked out its number of workers
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{KEEP_STATE}: don't reset the sandbox before this test")
    if hasattr(config, "workerinput") or _xdist_workers(config) < 2:
        return
    options = config.option
    if options.appstore_sandbox_url:
        raise pytest.UsageError(ATTACH_UNDER_XDIST)
    database_url = options.appstore_sandbox_database_url
    if database_url and not database_url.startswith("postgresql"):
        raise pytest.UsageError(SQLITE_UNDER_XDIST)


def _xdist_workers(config: pytest.Config) -> int:
    """How many workers pytest-xdist starts (0 without it, or with -n 0)."""
    if getattr(config.option, "dist", "no") == "no":
        return 0
    specs: list[str] = getattr(config.option, "tx", None) or []
    return sum(_spec_count(spec) for spec in specs)


def _spec_count(spec: str) -> int:
    count, star, _ = spec.partition("*")  # "2*popen" is two workers
    return int(count) if star and count.isdigit() else 1


def _worker_id(config: pytest.Config) -> str | None:
    workerinput: dict[str, object] | None = getattr(config, "workerinput", None)
    return None if workerinput is None else str(workerinput["workerid"])


@pytest.fixture(scope="session")
def appstore_sandbox_session(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """The session's sandbox, never reset by itself (``appstore_sandbox`` resets it)."""
    from appstore_sandbox.testing import Sandbox

    options = request.config.option
    if options.appstore_sandbox_url:
        attached = Sandbox.attach(
            options.appstore_sandbox_url, options.appstore_sandbox_admin_token
        )
        yield attached
        attached.stop()  # closes the connection; a sandbox it didn't start keeps running
        return
    with ExitStack() as stack:
        database_url = options.appstore_sandbox_database_url
        worker = _worker_id(request.config)
        if database_url and worker and database_url.startswith("postgresql"):
            from appstore_sandbox.worker_databases import worker_database

            database_url = stack.enter_context(worker_database(database_url, worker))
        yield stack.enter_context(Sandbox(database_url=database_url))


@pytest.fixture
def appstore_sandbox(appstore_sandbox_session: Sandbox, request: pytest.FixtureRequest) -> Sandbox:
    """The sandbox, in its first-start state unless the test is marked to keep state."""
    if request.node.get_closest_marker(KEEP_STATE) is None:
        appstore_sandbox_session.reset()
    return appstore_sandbox_session


@pytest.fixture
def appstore_client(appstore_sandbox: Sandbox) -> AppStoreServerAPIClient:
    """Apple's client for the default app, in the Sandbox environment."""
    return appstore_sandbox.client()


@pytest.fixture
def appstore_verifier(appstore_sandbox: Sandbox) -> SignedDataVerifier:
    """Apple's verifier for the default app's Sandbox environment, trusting the sandbox's root."""
    return appstore_sandbox.verifier()


@pytest.fixture(scope="session")
def appstore_receiver_session(
    appstore_sandbox_session: Sandbox,
) -> Iterator[NotificationReceiver]:
    """The session's notification receiver (``appstore_receiver`` empties it for each test)."""
    from appstore_sandbox.notification_receiver import NotificationReceiver

    with NotificationReceiver(appstore_sandbox_session.verifier()) as receiver:
        yield receiver


@pytest.fixture
def appstore_receiver(
    appstore_sandbox: Sandbox,
    appstore_verifier: SignedDataVerifier,
    appstore_receiver_session: NotificationReceiver,
) -> NotificationReceiver:
    """A receiver that verifies every notification with ``appstore_verifier``, emptied, and
    set as the default app's Sandbox notification URL after ``appstore_sandbox``'s reset."""
    receiver = appstore_receiver_session
    receiver.verifier = appstore_verifier
    receiver.clear()
    appstore_sandbox.set_notification_url(receiver.url)
    return receiver
