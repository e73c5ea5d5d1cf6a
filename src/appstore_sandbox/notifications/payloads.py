"""The decoded payloads the sandbox signs and sends (responseBodyV2DecodedPayload)."""

from __future__ import annotations

import uuid
from typing import Any

from appstore_sandbox.environments import Environment
from appstore_sandbox.store import App


def test_notification(app: App, environment: Environment, signed_ms: int) -> dict[str, Any]:
    """A TEST notification: no subtype, and ``data`` with the app's metadata only."""
    data: dict[str, Any] = {
        "bundleId": app.bundle_id,
        "environment": environment.payload_value,
    }
    if environment is Environment.PRODUCTION:
        # Apple sends appAppleId for App Store apps and omits it in sandbox; Apple's verifier
        # requires it in production.
        data["appAppleId"] = app.app_apple_id
    return {
        "notificationType": "TEST",
        "notificationUUID": str(uuid.uuid4()),
        "version": "2.0",
        "signedDate": signed_ms,
        "data": data,
    }
