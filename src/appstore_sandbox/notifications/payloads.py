"""The decoded payloads the sandbox signs and sends (responseBodyV2DecodedPayload)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from appstore_sandbox.environments import Environment
from appstore_sandbox.store import App
from appstore_sandbox.store.outbox import Announcement


def notification_payload(announcement: Announcement, data: Mapping[str, Any]) -> dict[str, Any]:
    """Every notification's payload: a new notificationUUID, signed when it happened; a
    subtype only if it has one."""
    payload: dict[str, Any] = {
        "notificationType": announcement.notification_type,
        "notificationUUID": str(uuid.uuid4()),
        "data": dict(data),
        "version": "2.0",
        "signedDate": announcement.at_ms,
    }
    if announcement.subtype is not None:
        payload["subtype"] = announcement.subtype
    return payload


def test_data(app: App, environment: Environment) -> dict[str, Any]:
    """A TEST notification's ``data``: the app's metadata only."""
    data: dict[str, Any] = {
        "bundleId": app.bundle_id,
        "environment": environment.payload_value,
    }
    if environment is Environment.PRODUCTION:
        # Apple sends appAppleId for App Store apps and omits it in sandbox; Apple's verifier
        # requires it in production.
        data["appAppleId"] = app.app_apple_id
    return data
