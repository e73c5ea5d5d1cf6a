"""Control surface for notifications: URLs, test sends, full delivery records, the clock."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, StrictStr

from appstore_sandbox.apple_request import SandboxDep
from appstore_sandbox.control.routes import require_admin_token
from appstore_sandbox.environments import Environment
from appstore_sandbox.notifications.service import SentNotification

router = APIRouter(
    prefix="/_sandbox/v1",
    tags=["Sandbox control"],
    dependencies=[Depends(require_admin_token)],
)


class NotificationUrl(BaseModel):
    url: StrictStr | None = Field(description="The receiver's URL; null removes it.")


class TestRequest(BaseModel):
    environment: Environment = Environment.SANDBOX


class ClockAdvance(BaseModel):
    seconds: float = Field(gt=0, description="How far to move sandbox time forward.")


@router.get("/apps/{bundle_id}/notification-urls")
def get_notification_urls(bundle_id: str, sandbox: SandboxDep) -> dict[str, str]:
    return sandbox.notifications.urls(sandbox.control.app(bundle_id))


@router.put("/apps/{bundle_id}/notification-urls/{environment}")
def set_notification_url(
    bundle_id: str, environment: Environment, body: NotificationUrl, sandbox: SandboxDep
) -> dict[str, str]:
    """The App Store Server Notifications V2 URL, as App Store Connect keeps it."""
    app = sandbox.control.app(bundle_id)
    sandbox.notifications.set_url(app, environment, body.url)
    return sandbox.notifications.urls(app)


@router.post("/apps/{bundle_id}/notifications/test", status_code=201)
def send_test(bundle_id: str, body: TestRequest, sandbox: SandboxDep) -> dict[str, Any]:
    """Request a Test Notification, as Apple's endpoint does, and return its full record."""
    app = sandbox.control.app(bundle_id)
    notification = sandbox.notifications.request_test(app, body.environment)
    # Its record as created: delivery has only just begun (`notify test` follows the attempts).
    return notification_view(SentNotification(notification, attempts=[]))


@router.get("/apps/{bundle_id}/notifications")
def list_notifications(
    bundle_id: str,
    sandbox: SandboxDep,
    environment: Environment = Environment.SANDBOX,
    only_failures: Annotated[bool, Query(alias="onlyFailures")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    app = sandbox.control.app(bundle_id)
    sent = sandbox.notifications.sent(app, environment, only_failures, limit)
    return {"notifications": [notification_view(item) for item in sent]}


@router.get("/apps/{bundle_id}/notifications/{token_or_uuid}")
def get_notification(bundle_id: str, token_or_uuid: str, sandbox: SandboxDep) -> dict[str, Any]:
    """One notification by testNotificationToken or notificationUUID, with every attempt."""
    app = sandbox.control.app(bundle_id)
    return notification_view(sandbox.notifications.find(app, token_or_uuid))


@router.get("/clock")
def get_clock(sandbox: SandboxDep) -> dict[str, int]:
    sandbox.control.sync_clock()
    return _clock_view(sandbox)


@router.post("/clock/advance")
def advance_clock(body: ClockAdvance, sandbox: SandboxDep) -> dict[str, int]:
    """Move sandbox time forward: notification retries that become due are sent right away."""
    sandbox.control.advance_clock(timedelta(seconds=body.seconds))
    sandbox.notifications.worker.wake()
    return _clock_view(sandbox)


def _clock_view(sandbox: Any) -> dict[str, int]:
    return {
        "now": sandbox.clock.now_ms(),
        "offsetMs": int(sandbox.clock.offset.total_seconds() * 1000),
    }


def notification_view(sent: SentNotification) -> dict[str, Any]:
    n = sent.notification
    return {
        "notificationUUID": n.notification_uuid,
        "testNotificationToken": n.test_token,
        "environment": n.environment,
        "notificationType": n.notification_type,
        "subtype": n.subtype,
        "url": n.url,
        "status": n.status,
        "createdDate": n.created_ms,
        "nextAttemptDate": n.next_attempt_ms if n.status == "PENDING" else None,
        "payload": _decoded_payload(n.signed_payload),
        "signedPayload": n.signed_payload,
        "sendAttempts": [
            {
                "attemptDate": a.attempt_ms,
                "sendAttemptResult": a.result,
                "httpStatus": a.http_status,
                "latencyMs": None if a.latency_us is None else round(a.latency_us / 1000, 1),
                "explanation": a.explanation,
            }
            for a in sent.attempts
        ],
    }


def _decoded_payload(jws: str) -> Any:
    part = jws.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
