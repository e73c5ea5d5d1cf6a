"""Control surface for notifications: URLs, test sends, full delivery records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from appstore_sandbox.apple_request import SandboxDep
from appstore_sandbox.environments import Environment
from appstore_sandbox.notifications.control_models import (
    NotificationList,
    NotificationRecord,
    NotificationUrl,
    NotificationUrls,
    TestRequest,
)
from appstore_sandbox.notifications.service import SentNotification

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


@router.get("/apps/{bundle_id}/notification-urls")
def get_notification_urls(bundle_id: str, sandbox: SandboxDep) -> NotificationUrls:
    urls = sandbox.notifications.urls(sandbox.control.app(bundle_id))
    return NotificationUrls.from_domain(urls)


@router.put("/apps/{bundle_id}/notification-urls/{environment}")
def set_notification_url(
    bundle_id: str, environment: Environment, body: NotificationUrl, sandbox: SandboxDep
) -> NotificationUrls:
    """The App Store Server Notifications V2 URL, as App Store Connect keeps it."""
    app = sandbox.control.app(bundle_id)
    sandbox.notifications.set_url(app, environment, body.url)
    return NotificationUrls.from_domain(sandbox.notifications.urls(app))


@router.post("/apps/{bundle_id}/notifications/test", status_code=201)
def send_test(bundle_id: str, body: TestRequest, sandbox: SandboxDep) -> NotificationRecord:
    """Request a Test Notification, as Apple's endpoint does, and return its full record."""
    app = sandbox.control.app(bundle_id)
    notification = sandbox.notifications.request_test(app, body.environment)
    # Its record as created: delivery has only just begun (`notify test` follows the attempts).
    return NotificationRecord.from_domain(SentNotification(notification, attempts=[]))


@router.get("/apps/{bundle_id}/notifications")
def list_notifications(
    bundle_id: str,
    sandbox: SandboxDep,
    environment: Environment = Environment.SANDBOX,
    only_failures: Annotated[bool, Query(alias="onlyFailures")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> NotificationList:
    app = sandbox.control.app(bundle_id)
    sent = sandbox.notifications.sent(app, environment, only_failures, limit)
    return NotificationList(notifications=[NotificationRecord.from_domain(s) for s in sent])


@router.get("/apps/{bundle_id}/notifications/{token_or_uuid}")
def get_notification(bundle_id: str, token_or_uuid: str, sandbox: SandboxDep) -> NotificationRecord:
    """One notification by testNotificationToken or notificationUUID, with every attempt."""
    app = sandbox.control.app(bundle_id)
    return NotificationRecord.from_domain(sandbox.notifications.find(app, token_or_uuid))
