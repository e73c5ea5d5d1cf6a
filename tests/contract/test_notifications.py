"""Request a Test Notification and Get Test Notification Status through Apple's client."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.NotificationTypeV2 import NotificationTypeV2
from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

from tests.conftest import SandboxWith
from tests.contract.notification_helpers import (
    PollProbe,
    advance,
    send_test_notification,
    set_url,
    wait_for_attempts,
)
from tests.receivers import receiver
from tests.sandbox_process import SandboxProcess
from tests.targets import refused_url, target_server


@pytest.fixture(scope="module")
def short_timeout(sandbox_with: SandboxWith) -> SandboxProcess:
    """A server whose receiver timeout (500 ms) the slow target exceeds."""
    return sandbox_with("--delivery-timeout-ms", "500")


def _raises(error: APIError, status: int) -> Any:
    return pytest.raises(
        APIException, check=lambda e: e.http_status_code == status and e.api_error == error
    )


def test_the_receiver_gets_a_test_notification_apples_verifier_accepts(
    sandbox: SandboxProcess,
) -> None:
    app = sandbox.new_app()
    with receiver(200) as inbox:
        _, status = send_test_notification(sandbox, app, inbox)
    assert inbox.count == 1
    verifier = SignedDataVerifier([sandbox.root_der], False, Environment.SANDBOX, app.bundle_id)
    decoded = verifier.verify_and_decode_notification(inbox.bodies[0]["signedPayload"])
    assert decoded.notificationType == NotificationTypeV2.TEST
    assert decoded.data is not None and decoded.data.bundleId == app.bundle_id
    assert decoded.data.environment == Environment.SANDBOX
    assert decoded.version == "2.0"
    assert status.sendAttempts is not None
    assert [a.sendAttemptResult for a in status.sendAttempts] == [SendAttemptResult.SUCCESS]
    assert status.signedPayload == inbox.bodies[0]["signedPayload"]


def test_production_notifications_carry_the_app_apple_id(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    client = sandbox.apple_client(app, "production")
    with receiver(200) as inbox:
        set_url(sandbox, app, inbox.url, "production")
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token)
    verifier = SignedDataVerifier(
        [sandbox.root_der], False, Environment.PRODUCTION, app.bundle_id, app.app_apple_id
    )
    decoded = verifier.verify_and_decode_notification(inbox.bodies[0]["signedPayload"])
    assert decoded.data is not None and decoded.data.appAppleId == app.app_apple_id


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        ("500", SendAttemptResult.UNSUCCESSFUL_HTTP_RESPONSE_CODE),
        ("slow", SendAttemptResult.TIMED_OUT),
        ("close-mid-response", SendAttemptResult.PREMATURE_CLOSE),
        ("hang-up", SendAttemptResult.PREMATURE_CLOSE),
    ],
)
def test_failed_deliveries_are_classified(
    short_timeout: SandboxProcess, behaviour: str, expected: SendAttemptResult
) -> None:
    sandbox = short_timeout
    app = sandbox.new_app()
    client = sandbox.apple_client(app)
    with target_server(behaviour) as url:
        set_url(sandbox, app, url)
        token = client.request_test_notification().testNotificationToken
        assert token
        status = wait_for_attempts(client, token)
    assert status.sendAttempts is not None
    assert [a.sendAttemptResult for a in status.sendAttempts] == [expected]


def test_refused_connections_are_no_response(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    client = sandbox.apple_client(app)
    set_url(sandbox, app, refused_url())
    token = client.request_test_notification().testNotificationToken
    assert token
    status = wait_for_attempts(client, token)
    assert status.sendAttempts is not None
    assert [a.sendAttemptResult for a in status.sendAttempts] == [SendAttemptResult.NO_RESPONSE]


def test_sandbox_never_retries(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    client = sandbox.apple_client(app)
    with receiver(503) as inbox, receiver(500) as probe_inbox:
        set_url(sandbox, app, inbox.url)
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token)
        probe = PollProbe(sandbox, probe_inbox)
        advance(sandbox, 400 * 3600)
        probe.wait()
    assert inbox.count == 1


def test_without_a_url_is_4040007(sandbox: SandboxProcess) -> None:
    with _raises(APIError.SERVER_NOTIFICATION_URL_NOT_FOUND, 404):
        sandbox.apple_client(sandbox.new_app()).request_test_notification()


def test_status_lookups(sandbox: SandboxProcess) -> None:
    app = sandbox.new_app()
    client = sandbox.apple_client(app)
    with _raises(APIError.INVALID_TEST_NOTIFICATION_TOKEN, 400):
        client.get_test_notification_status("not a token")
    with _raises(APIError.TEST_NOTIFICATION_NOT_FOUND, 404):
        client.get_test_notification_status(str(uuid.uuid4()))
    with receiver(200) as inbox:
        set_url(sandbox, app, inbox.url)
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token)
    with _raises(APIError.TEST_NOTIFICATION_NOT_FOUND, 404):
        sandbox.apple_client(sandbox.new_app()).get_test_notification_status(token)
    with _raises(APIError.TEST_NOTIFICATION_NOT_FOUND, 404):
        sandbox.apple_client(app, "production").get_test_notification_status(token)
