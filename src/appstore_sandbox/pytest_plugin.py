"""The pytest plugin (entry point ``pytest11``): a sandbox for your suite in three lines.

    def test_receiver_accepts_a_test_notification(appstore_sandbox, appstore_verifier): ...

Fixtures: ``appstore_sandbox`` (a :class:`appstore_sandbox.Sandbox`, one per session, or per
worker under pytest-xdist; reset before each test that asks for it, unless the test is marked
``@pytest.mark.appstore_sandbox_keep_state``), ``appstore_client`` (Apple's
``AppStoreServerAPIClient`` for the default app) and ``appstore_verifier`` (Apple's
``SignedDataVerifier`` trusting the sandbox's root). Options: ``--appstore-sandbox-url URL`` uses
a sandbox already running instead of starting one; ``--appstore-sandbox-database-url URL``
starts it on PostgreSQL (under xdist, give each worker a database of its own).

Nothing starts, and nothing heavy is imported, unless a test asks for a fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from appstoreserverlibrary.api_client import AppStoreServerAPIClient
    from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

    from appstore_sandbox.testing import Sandbox

KEEP_STATE = "appstore_sandbox_keep_state"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("appstore-sandbox")
    group.addoption(
        "--appstore-sandbox-url",
        default=None,
        help="Use the sandbox running at this URL (http://HOST:PORT) instead of starting one.",
    )
    group.addoption(
        "--appstore-sandbox-database-url",
        default=None,
        help="Start the sandbox on this database (postgresql://...) instead of SQLite.",
    )
    group.addoption(
        "--appstore-sandbox-admin-token",
        default=None,
        help="The running sandbox's admin token, if it has one.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{KEEP_STATE}: don't reset the sandbox before this test")


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
    with Sandbox(database_url=options.appstore_sandbox_database_url) as started:
        yield started


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
