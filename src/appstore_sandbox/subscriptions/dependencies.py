"""The subscription service a route names (``subscriptions: Subscriptions``); the app provides
it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from appstore_sandbox.service_registry import provider
from appstore_sandbox.subscriptions.service import SubscriptionService

Subscriptions = Annotated[SubscriptionService, Depends(provider(SubscriptionService))]
