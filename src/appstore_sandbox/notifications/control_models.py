"""JSON bodies of the control surface's notification endpoints: fuller than Apple's records."""

from __future__ import annotations

import base64
import json
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from appstore_sandbox.environments import Environment
from appstore_sandbox.notifications.service import SentNotification
from appstore_sandbox.store import SendAttempt


def _absent(value: Any) -> bool:
    return value is None


class NotificationUrl(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: StrictStr | None = Field(description="The receiver's URL; null removes it.")


class TestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    environment: Environment = Environment.SANDBOX


class NotificationUrls(BaseModel):
    """The App Store Server Notifications V2 URL of each environment that has one."""

    sandbox: str | None = Field(default=None, exclude_if=_absent)
    production: str | None = Field(default=None, exclude_if=_absent)

    @classmethod
    def from_domain(cls, urls: dict[str, str]) -> Self:
        return cls(sandbox=urls.get("sandbox"), production=urls.get("production"))


class SendAttemptRecord(BaseModel):
    attemptDate: int
    sendAttemptResult: str
    httpStatus: int | None
    latencyMs: float | None
    explanation: str

    @classmethod
    def from_domain(cls, attempt: SendAttempt) -> Self:
        latency = None if attempt.latency_us is None else attempt.latency_us / 1000
        return cls(
            attemptDate=attempt.attempt_ms,
            sendAttemptResult=attempt.result,
            httpStatus=attempt.http_status,
            latencyMs=latency,
            explanation=attempt.explanation,
        )


class NotificationRecord(BaseModel):
    """A notification with its decoded payload and every send attempt so far."""

    notificationUUID: str
    testNotificationToken: str | None
    environment: str
    notificationType: str
    subtype: str | None
    originalTransactionId: str | None = Field(
        description="The subscription a lifecycle notification is about (null for TEST)."
    )
    url: str
    status: str
    createdDate: int
    nextAttemptDate: int | None = Field(description="When the next retry is due, while PENDING.")
    payload: dict[str, Any] = Field(description="The decoded signedPayload.")
    signedPayload: str
    sendAttempts: list[SendAttemptRecord]

    @classmethod
    def from_domain(cls, sent: SentNotification) -> Self:
        n = sent.notification
        return cls(
            notificationUUID=n.notification_uuid,
            testNotificationToken=n.test_token,
            environment=n.environment,
            notificationType=n.notification_type,
            subtype=n.subtype,
            originalTransactionId=n.transaction_id,
            url=n.url,
            status=n.status,
            createdDate=n.created_ms,
            nextAttemptDate=n.next_attempt_ms if n.status == "PENDING" else None,
            payload=_decoded_payload(n.signed_payload),
            signedPayload=n.signed_payload,
            sendAttempts=[SendAttemptRecord.from_domain(a) for a in sent.attempts],
        )


class NotificationList(BaseModel):
    notifications: list[NotificationRecord]


def _decoded_payload(jws: str) -> dict[str, Any]:
    part = jws.split(".")[1]
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return payload
