"""Production retries after the sandbox clock moves; retries survive restarts and are sent once.

The servers here poll for due notifications every 50 ms (``--notification-poll-ms``), so a retry
goes out right after the clock advance that makes it due.
"""

from __future__ import annotations

import itertools

import pytest
from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult

from tests.conftest import StartSandbox
from tests.contract.notification_helpers import PollProbe, advance, set_url, wait_for_attempts
from tests.receivers import receiver
from tests.sandbox_process import SandboxProcess

HOUR_S = 3600
QUICK_POLL = ("--notification-poll-ms", "50")


@pytest.fixture(scope="module")
def own(start_module_sandbox: StartSandbox) -> SandboxProcess:
    """A server of this module's own, whose clock the tests move (each with an app of its own)."""
    return start_module_sandbox(*QUICK_POLL)


@pytest.fixture
def retrying(own: SandboxProcess) -> SandboxProcess:
    """This module's server, running (the test with two processes stops it)."""
    return own if own.running else own.start()


def test_retries_follow_apples_schedule(retrying: SandboxProcess) -> None:
    sandbox = retrying
    app = sandbox.new_app()
    client = sandbox.apple_client(app, "production")
    with receiver(500) as inbox, receiver(500) as probe_inbox:
        set_url(sandbox, app, inbox.url, "production")
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token, 1)
        for attempts, hours in enumerate((1, 12, 24, 48, 72), start=2):
            advance(sandbox, hours * HOUR_S)
            status = wait_for_attempts(client, token, attempts)
            # Had a retry gone out before its time (say, before the hour had passed), this
            # attempt would be one too many, and a gap below would be 0.
            assert inbox.count == attempts, "no retry before its time"
        probe = PollProbe(sandbox, probe_inbox)
        advance(sandbox, 1000 * HOUR_S)
        probe.wait()
    assert status.sendAttempts is not None
    assert len(status.sendAttempts) == 6, "one attempt and five retries, no more"
    assert inbox.count == 6
    dates = [a.attemptDate or 0 for a in status.sendAttempts]
    gaps_h = [round((b - a) / 1000 / HOUR_S) for a, b in itertools.pairwise(dates)]
    assert gaps_h == [1, 12, 24, 48, 72]
    assert {a.sendAttemptResult for a in status.sendAttempts} == {
        SendAttemptResult.UNSUCCESSFUL_HTTP_RESPONSE_CODE
    }
    assert len({body["signedPayload"] for body in inbox.bodies}) == 1, "retries resend the same"


def test_a_retry_that_succeeds_ends_the_retries(retrying: SandboxProcess) -> None:
    sandbox = retrying
    app = sandbox.new_app()
    client = sandbox.apple_client(app, "production")
    with receiver(500) as inbox, receiver(500) as probe_inbox:
        set_url(sandbox, app, inbox.url, "production")
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token, 1)
        inbox.status = 200
        advance(sandbox, HOUR_S)
        status = wait_for_attempts(client, token, 2)
        probe = PollProbe(sandbox, probe_inbox)
        advance(sandbox, 100 * HOUR_S)
        probe.wait()
    assert status.sendAttempts is not None
    assert [a.sendAttemptResult for a in status.sendAttempts] == [
        SendAttemptResult.UNSUCCESSFUL_HTTP_RESPONSE_CODE,
        SendAttemptResult.SUCCESS,
    ]
    assert inbox.count == 2


def test_pending_retries_survive_a_restart(retrying: SandboxProcess) -> None:
    sandbox = retrying
    app = sandbox.new_app()
    with receiver(500) as inbox:
        set_url(sandbox, app, inbox.url, "production")
        token = sandbox.apple_client(app, "production").request_test_notification()
        assert token.testNotificationToken
        wait_for_attempts(sandbox.apple_client(app, "production"), token.testNotificationToken)
        sandbox.restart()
        advance(sandbox, HOUR_S)
        status = wait_for_attempts(
            sandbox.apple_client(app, "production"), token.testNotificationToken, 2
        )
    assert status.sendAttempts is not None and len(status.sendAttempts) == 2
    assert inbox.count == 2


def test_two_processes_on_one_database_send_each_retry_once(retrying: SandboxProcess) -> None:
    first = retrying
    second = SandboxProcess(first.data_dir, first.database_url, list(QUICK_POLL)).start()
    try:
        app = first.new_app()
        client = first.apple_client(app, "production")
        with receiver(500) as inbox:
            set_url(first, app, inbox.url, "production")
            tokens = [client.request_test_notification().testNotificationToken for _ in range(20)]
            for token in tokens:
                assert token
                wait_for_attempts(client, token, 1)
            advance(first, HOUR_S)
            for token in tokens:
                assert token
                wait_for_attempts(client, token, 2)
            with second.control() as control:
                clock = control.get("/clock").json()
            # A stopping worker finishes every attempt it claimed: once both processes have
            # stopped, whatever either would have sent has arrived.
            stopped = [second.stop(), first.stop()]
            assert [s.returncode if s else None for s in stopped] == [0, 0]
        assert inbox.count == 40, "20 first attempts and 20 retries, none sent twice"
        assert clock["offsetMs"] >= HOUR_S * 1000, "the second process follows the shared clock"
    finally:
        second.stop()
