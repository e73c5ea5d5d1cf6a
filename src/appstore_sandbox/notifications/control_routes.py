"""Control surface for notifications: URLs, test sends, full delivery records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from appstore_sandbox.control.dependencies import Control
from appstore_sandbox.environments import Environment
from appstore_sandbox.notifications.control_models import (
    NotificationList,
    NotificationRecord,
    NotificationUrl,
    NotificationUrls,
    TestRequest,
)
from appstore_sandbox.notifications.dependencies import Notifications
from appstore_sandbox.notifications.service import SentNotification

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


@router.get("/apps/{bundle_id}/notification-urls")
def get_notification_urls(
    bundle_id: str, notifications: Notifications, control: Control
) -> NotificationUrls:
    urls = notifications.urls(control.app(bundle_id))
    return NotificationUrls.from_domain(urls)


@router.put("/apps/{bundle_id}/notification-urls/{environment}")
def set_notification_url(
    bundle_id: str,
    environment: Environment,
    body: NotificationUrl,
    control: Control,
    notifications: Notifications,
) -> NotificationUrls:
    """The App Store Server Notifications V2 URL, as App Store Connect keeps it."""
    app = control.app(bundle_id)
    notifications.set_url(app, environment, body.url)
    return NotificationUrls.from_domain(notifications.urls(app))


@router.post("/apps/{bundle_id}/notifications/test", status_code=201)
def send_test(
    bundle_id: str, body: TestRequest, control: Control, notifications: Notifications
) -> NotificationRecord:
    """Request a Test Notification, as Apple's endpoint does, and return its full record."""
    app = control.app(bundle_id)
    notification = notifications.request_test(app, body.environment)
    # Its record as created: delivery has only just begun (`notify test` follows the attempts).
    return NotificationRecord.from_domain(SentNotification(notification, attempts=[]))


@router.get("/apps/{bundle_id}/notifications")
def list_notifications(
    bundle_id: str,
    control: Control,
    notifications: Notifications,
    environment: Environment = Environment.SANDBOX,
    only_failures: Annotated[bool, Query(alias="onlyFailures")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> NotificationList:
    app = control.app(bundle_id)
    sent = notifications.sent(app, environment, only_failures, limit)
    return NotificationList(notifications=[NotificationRecord.from_domain(s) for s in sent])


@router.get("/apps/{bundle_id}/notifications/{token_or_uuid}")
def get_notification(
    bundle_id: str, token_or_uuid: str, control: Control, notifications: Notifications
) -> NotificationRecord:
    """One notification by testNotificationToken or notificationUUID, with every attempt."""
    app = control.app(bundle_id)
    return NotificationRecord.from_domain(notifications.find(app, token_or_uuid))
