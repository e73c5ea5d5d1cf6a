"""Production retries after the sandbox clock moves; retries survive restarts and are sent once."""

from __future__ import annotations

import itertools
import time

from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult

from tests.conftest import StartSandbox
from tests.contract.test_notifications import set_url, wait_for_attempts
from tests.receivers import receiver
from tests.sandbox_process import SandboxProcess

HOUR_S = 3600


def advance(sandbox: SandboxProcess, seconds: float) -> None:
    with sandbox.control() as control:
        control.post("/clock/advance", json={"seconds": seconds}).raise_for_status()


def test_retries_follow_apples_schedule(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    app = sandbox.default_app
    client = sandbox.apple_client(app, "production")
    with receiver(500) as inbox:
        set_url(sandbox, app, inbox.url, "production")
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token, 1)
        time.sleep(0.5)
        assert inbox.count == 1, "no retry before the hour has passed"
        for attempts, hours in enumerate((1, 12, 24, 48, 72), start=2):
            advance(sandbox, hours * HOUR_S)
            status = wait_for_attempts(client, token, attempts)
        advance(sandbox, 1000 * HOUR_S)
        time.sleep(0.6)
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


def test_a_retry_that_succeeds_ends_the_retries(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    app = sandbox.default_app
    client = sandbox.apple_client(app, "production")
    with receiver(500) as inbox:
        set_url(sandbox, app, inbox.url, "production")
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token, 1)
        inbox.status = 200
        advance(sandbox, HOUR_S)
        status = wait_for_attempts(client, token, 2)
        advance(sandbox, 100 * HOUR_S)
        time.sleep(0.6)
    assert status.sendAttempts is not None
    assert [a.sendAttemptResult for a in status.sendAttempts] == [
        SendAttemptResult.UNSUCCESSFUL_HTTP_RESPONSE_CODE,
        SendAttemptResult.SUCCESS,
    ]
    assert inbox.count == 2


def test_pending_retries_survive_a_restart(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    app = sandbox.default_app
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


def test_two_processes_on_one_database_send_each_retry_once(start_sandbox: StartSandbox) -> None:
    first = start_sandbox()
    second = SandboxProcess(first.data_dir, first.database_url).start()
    try:
        app = first.default_app
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
            time.sleep(1.0)  # both workers poll several times more
        assert inbox.count == 40, "20 first attempts and 20 retries, none sent twice"
        with second.control() as control:
            clock = control.get("/clock").json()
        assert clock["offsetMs"] >= HOUR_S * 1000, "the second process follows the shared clock"
    finally:
        second.stop()
