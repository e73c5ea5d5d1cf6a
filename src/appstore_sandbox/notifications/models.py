"""Response bodies of the notification-testing endpoints, field names as Apple spells them."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, Field

from appstore_sandbox.notifications.service import HistoryPage, SentNotification
from appstore_sandbox.store import SendAttempt


def _absent(value: Any) -> bool:
    return value is None


class NotificationHistoryRequest(BaseModel):
    """The body of Get Notification History, for the OpenAPI document only: the route checks the
    body itself, to answer each problem with Apple's own error code."""

    startDate: int
    endDate: int
    notificationType: str | None = None
    notificationSubtype: str | None = None
    transactionId: str | None = None
    onlyFailures: bool | None = None


class SendTestNotificationResponse(BaseModel):
    testNotificationToken: str


class SendAttemptItem(BaseModel):
    attemptDate: int
    sendAttemptResult: str

    @classmethod
    def from_domain(cls, attempt: SendAttempt) -> SendAttemptItem:
        return cls(attemptDate=attempt.attempt_ms, sendAttemptResult=attempt.result)


class _NotificationItem(BaseModel):
    signedPayload: str
    sendAttempts: list[SendAttemptItem]
    # Deprecated by Apple (sendAttempts[0] says the same) but still documented and sent, so
    # clients that read it keep working; absent until the first attempt has a result.
    firstSendAttemptResult: str | None = Field(default=None, exclude_if=_absent)

    @classmethod
    def from_domain(cls, sent: SentNotification) -> Self:
        attempts = [SendAttemptItem.from_domain(attempt) for attempt in sent.attempts]
        return cls(
            signedPayload=sent.notification.signed_payload,
            sendAttempts=attempts,
            firstSendAttemptResult=attempts[0].sendAttemptResult if attempts else None,
        )


class CheckTestNotificationResponse(_NotificationItem):
    pass


class NotificationHistoryResponseItem(_NotificationItem):
    pass


class NotificationHistoryResponse(BaseModel):
    notificationHistory: list[NotificationHistoryResponseItem]
    hasMore: bool
    paginationToken: str | None = Field(default=None, exclude_if=_absent)

    @classmethod
    def from_domain(cls, page: HistoryPage) -> NotificationHistoryResponse:
        return cls(
            notificationHistory=[
                NotificationHistoryResponseItem.from_domain(sent) for sent in page.notifications
            ],
            hasMore=page.has_more,
            paginationToken=page.pagination_token,
        )
