"""Apple's notification-testing bodies, built from domain records and read by Apple's client."""

from __future__ import annotations

import json
from typing import Any

from appstoreserverlibrary.models.LibraryUtility import _get_cattrs_converter
from appstoreserverlibrary.models.NotificationHistoryResponse import (
    NotificationHistoryResponse as AppleHistory,
)
from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult

from appstore_sandbox.notifications.models import (
    CheckTestNotificationResponse,
    NotificationHistoryResponse,
)
from appstore_sandbox.notifications.service import HistoryPage, SentNotification
from appstore_sandbox.store import Notification, SendAttempt


def _sent(*results: str) -> SentNotification:
    notification = Notification(
        id=1,
        notification_uuid="8a6f8a02-0000-4000-8000-000000000001",
        app_id=1,
        environment="sandbox",
        notification_type="TEST",
        subtype=None,
        transaction_id=None,
        test_token="8a6f8a02-0000-4000-8000-000000000002",
        url="https://example.com/notifications",
        signed_payload="header.payload.signature",
        created_ms=1_900_000_000_000,
        status="PENDING",
        attempts=len(results),
        next_attempt_ms=None,
        claimed_by=None,
        claimed_until_ms=None,
    )
    attempts = [
        SendAttempt(1, number, 1_900_000_000_000 + number, result, 500, 1000, "")
        for number, result in enumerate(results, start=1)
    ]
    return SentNotification(notification, attempts)


def _json(model: Any) -> Any:
    return json.loads(model.model_dump_json())


def test_status_names_the_first_attempts_result_too() -> None:
    body = _json(CheckTestNotificationResponse.from_domain(_sent("NO_RESPONSE", "SUCCESS")))
    assert list(body) == ["signedPayload", "sendAttempts", "firstSendAttemptResult"]
    assert body["sendAttempts"] == [
        {"attemptDate": 1_900_000_000_001, "sendAttemptResult": "NO_RESPONSE"},
        {"attemptDate": 1_900_000_000_002, "sendAttemptResult": "SUCCESS"},
    ]
    assert body["firstSendAttemptResult"] == "NO_RESPONSE"


def test_an_item_without_attempts_has_no_first_result() -> None:
    assert "firstSendAttemptResult" not in _json(CheckTestNotificationResponse.from_domain(_sent()))


def test_the_last_history_page_has_no_pagination_token() -> None:
    body = _json(NotificationHistoryResponse.from_domain(HistoryPage([_sent("SUCCESS")], None)))
    assert body["hasMore"] is False
    assert "paginationToken" not in body


def test_apples_client_reads_a_history_page() -> None:
    page = HistoryPage([_sent("SUCCESS"), _sent()], pagination_token="next")
    body = _json(NotificationHistoryResponse.from_domain(page))
    parsed = _get_cattrs_converter(AppleHistory).structure(body, AppleHistory)
    assert (parsed.hasMore, parsed.paginationToken) == (True, "next")
    assert parsed.notificationHistory is not None
    first, second = parsed.notificationHistory
    assert first.signedPayload == "header.payload.signature"
    assert first.sendAttempts is not None
    assert first.sendAttempts[0].sendAttemptResult == SendAttemptResult.SUCCESS
    assert second.sendAttempts == []
