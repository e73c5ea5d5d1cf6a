"""The notification service a route names (``notifications: Notifications``); the app provides
it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from appstore_sandbox.notifications.service import NotificationService
from appstore_sandbox.service_registry import provider

Notifications = Annotated[NotificationService, Depends(provider(NotificationService))]
