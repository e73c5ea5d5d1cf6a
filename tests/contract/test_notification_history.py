"""Get Notification History through Apple's client: filters, pagination and every error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from appstoreserverlibrary.api_client import APIError, APIException, AppStoreServerAPIClient
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.NotificationHistoryRequest import NotificationHistoryRequest
from appstoreserverlibrary.models.NotificationTypeV2 import NotificationTypeV2
from appstoreserverlibrary.models.Subtype import Subtype
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

from tests.conftest import StartSandbox
from tests.contract.notification_helpers import (
    DAY_MS,
    advance,
    now_ms,
    send_test_notification,
    send_tests,
    window,
)
from tests.receivers import receiver
from tests.sandbox_process import AppCredentials, SandboxProcess

HOUR_MS = 3_600_000


def _raises(error: APIError) -> Any:
    return pytest.raises(APIException, check=lambda e: e.api_error == error)


@pytest.fixture(scope="module")
def busy_app(sandbox: SandboxProcess) -> tuple[AppCredentials, AppStoreServerAPIClient]:
    """An app with 23 delivered and 2 failed test notifications."""
    app = sandbox.new_app()
    send_tests(sandbox, app, 23, 200)
    return app, send_tests(sandbox, app, 2, 500)


def test_pages_of_twenty(busy_app: tuple[AppCredentials, AppStoreServerAPIClient]) -> None:
    _, client = busy_app
    request = window()
    first = client.get_notification_history(None, request)
    assert first.notificationHistory is not None and len(first.notificationHistory) == 20
    assert first.hasMore is True and first.paginationToken
    second = client.get_notification_history(first.paginationToken, request)
    assert second.notificationHistory is not None and len(second.notificationHistory) == 5
    assert second.hasMore is False
    payloads = {item.signedPayload for item in first.notificationHistory}
    payloads |= {item.signedPayload for item in second.notificationHistory}
    assert len(payloads) == 25, "no notification twice, none missing"


def test_only_failures(busy_app: tuple[AppCredentials, AppStoreServerAPIClient]) -> None:
    _, client = busy_app
    page = client.get_notification_history(None, window(onlyFailures=True))
    assert page.notificationHistory is not None and len(page.notificationHistory) == 2
    for item in page.notificationHistory:
        assert item.sendAttempts and item.sendAttempts[0].sendAttemptResult
        assert item.sendAttempts[0].rawSendAttemptResult == "UNSUCCESSFUL_HTTP_RESPONSE_CODE"


def test_type_filter(busy_app: tuple[AppCredentials, AppStoreServerAPIClient]) -> None:
    _, client = busy_app
    tests = client.get_notification_history(None, window(notificationType=NotificationTypeV2.TEST))
    assert tests.notificationHistory is not None and len(tests.notificationHistory) == 20
    renewals = client.get_notification_history(
        None, window(notificationType=NotificationTypeV2.DID_RENEW)
    )
    assert renewals.notificationHistory == [] and renewals.hasMore is False


def test_a_customer_with_no_notifications(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client()
    history = client.get_notification_history(
        None, window(transactionId=sandbox.banner["original_transaction_id"])
    )
    assert history.notificationHistory == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"startDate": None}, APIError.INVALID_START_DATE),
        ({"endDate": None}, APIError.INVALID_END_DATE),
        ({"endDate": "soon"}, APIError.INVALID_END_DATE),
        ({"startDate": "END"}, APIError.START_DATE_AFTER_END_DATE),
        ({"startDate": "31 days ago"}, APIError.START_DATE_TOO_FAR_IN_PAST),
        ({"notificationType": "NOT_A_TYPE"}, APIError.INVALID_NOTIFICATION_TYPE),
        (
            {"notificationType": "TEST", "notificationSubtype": "UPGRADE"},
            APIError.INVALID_NOTIFICATION_TYPE,
        ),
        ({"notificationSubtype": "UPGRADE"}, APIError.INVALID_NOTIFICATION_TYPE),
        (
            {"notificationType": "TEST", "transactionId": "2000000000000001"},
            APIError.MULTIPLE_FILTERS_SUPPLIED,
        ),
        ({"transactionId": "abc"}, APIError.INVALID_TRANSACTION_ID),
        ({"transactionId": "2000000999999999"}, APIError.TRANSACTION_ID_NOT_FOUND),
    ],
)
def test_request_errors(sandbox: SandboxProcess, changes: dict[str, Any], error: APIError) -> None:
    # Raw JSON, because Apple's client refuses most of these bodies before sending them.
    now = now_ms()
    body: dict[str, Any] = {"startDate": now - DAY_MS, "endDate": now}
    for name, value in changes.items():
        body[name] = {"END": now, "31 days ago": now - 31 * DAY_MS}.get(value, value)
    body = {name: value for name, value in body.items() if value is not None}
    response = _post_history(sandbox, body)
    assert response.headers["content-type"] == "application/json"
    assert (response.status_code, response.json()["errorCode"]) == (error.value // 10000, error)


def test_valid_subtype_pair_is_accepted(sandbox: SandboxProcess) -> None:
    client = sandbox.apple_client()
    page = client.get_notification_history(
        None,
        window(
            notificationType=NotificationTypeV2.SUBSCRIBED, notificationSubtype=Subtype.INITIAL_BUY
        ),
    )
    assert page.notificationHistory == []


def test_production_keeps_180_days(sandbox: SandboxProcess) -> None:
    body = {"startDate": now_ms() - 100 * DAY_MS, "endDate": now_ms()}
    assert _post_history(sandbox, body, "production").status_code == 200
    assert _post_history(sandbox, body, "sandbox").json()["errorCode"] == 4000012


def test_pagination_token_errors(busy_app: tuple[AppCredentials, AppStoreServerAPIClient]) -> None:
    _, client = busy_app
    request = window()
    first = client.get_notification_history(None, request)
    with _raises(APIError.INVALID_PAGINATION_TOKEN):
        client.get_notification_history("garbage", request)
    with _raises(APIError.INVALID_PAGINATION_TOKEN):
        client.get_notification_history(first.paginationToken, window(onlyFailures=True))


def test_real_time_dates_find_a_notification_signed_after_a_clock_advance(
    start_sandbox: StartSandbox,
) -> None:
    """The new user's story: `clock advance 1h`, a TEST notification, then Get Notification
    History from the real now - 1 h to the real now + 60 s finds it, though it is signed later."""
    sandbox = start_sandbox()  # a clock of its own
    advance(sandbox, HOUR_MS / 1000)
    app = sandbox.new_app()
    with receiver(200) as inbox:
        _, status = send_test_notification(sandbox, app, inbox)
    request = NotificationHistoryRequest(startDate=now_ms() - HOUR_MS, endDate=now_ms() + 60_000)
    page = sandbox.apple_client(app).get_notification_history(None, request)
    assert page.notificationHistory is not None
    assert [item.signedPayload for item in page.notificationHistory] == [status.signedPayload]
    assert status.signedPayload
    verifier = SignedDataVerifier([sandbox.root_der], False, Environment.SANDBOX, app.bundle_id)
    signed_ms = verifier.verify_and_decode_notification(status.signedPayload).signedDate
    assert request.endDate is not None and signed_ms is not None
    assert signed_ms > request.endDate, "signed in sandbox time, after the end the client gave"


def _post_history(
    sandbox: SandboxProcess, body: dict[str, Any], environment: str = "sandbox"
) -> httpx.Response:
    token = sandbox.apple_client()._generate_token()
    return httpx.post(
        sandbox.url(f"/{environment}/inApps/v1/notifications/history"),
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
