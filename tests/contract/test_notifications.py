"""Request a Test Notification and Get Test Notification Status through Apple's client."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from appstoreserverlibrary.api_client import APIError, APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.CheckTestNotificationResponse import (
    CheckTestNotificationResponse,
)
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.NotificationTypeV2 import NotificationTypeV2
from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

from tests.conftest import StartSandbox
from tests.receivers import receiver
from tests.sandbox_process import AppCredentials, SandboxProcess
from tests.targets import refused_url, target_server


def set_url(sandbox: SandboxProcess, app: AppCredentials, url: str, env: str = "sandbox") -> None:
    with sandbox.control() as control:
        control.put(
            f"/apps/{app.bundle_id}/notification-urls/{env}", json={"url": url}
        ).raise_for_status()


def wait_for_attempts(
    client: AppStoreServerAPIClient, token: str, count: int = 1, timeout_s: float = 15
) -> CheckTestNotificationResponse:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status = client.get_test_notification_status(token)
            if status.sendAttempts and len(status.sendAttempts) >= count:
                return status
        except APIException as error:
            if error.api_error != APIError.TEST_NOTIFICATION_NOT_FOUND:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} attempts for {token} in {timeout_s} s")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def short_timeout(start_sandbox: StartSandbox) -> SandboxProcess:
    """A server whose receiver timeout (500 ms) the slow target exceeds."""
    return start_sandbox("--delivery-timeout-ms", "500")


def _raises(error: APIError, status: int) -> Any:
    return pytest.raises(
        APIException, check=lambda e: e.http_status_code == status and e.api_error == error
    )


def test_the_receiver_gets_a_test_notification_apples_verifier_accepts(
    sandbox: SandboxProcess,
) -> None:
    app = sandbox.new_app()
    client = sandbox.apple_client(app)
    with receiver(200) as inbox:
        set_url(sandbox, app, inbox.url)
        token = client.request_test_notification().testNotificationToken
        assert token
        status = wait_for_attempts(client, token)
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
    with receiver(503) as inbox:
        set_url(sandbox, app, inbox.url)
        token = client.request_test_notification().testNotificationToken
        assert token
        wait_for_attempts(client, token)
        with sandbox.control() as control:
            control.post("/clock/advance", json={"seconds": 400 * 3600}).raise_for_status()
        time.sleep(0.6)
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
