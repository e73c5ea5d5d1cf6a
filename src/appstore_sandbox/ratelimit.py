"""Apple's per-app rate limits (spec: retention-messaging-api.md, "Identifying rate limits").

Apple states limits in requests per second and enforces them over an hour; the sandbox allows
10% of production. We read that as an hourly budget of ``rate * 3600`` in a moving window.
"""

from __future__ import annotations

import math

from limits import RateLimitItemPerHour
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from appstore_sandbox.errors import RateLimitExceeded

SANDBOX_SHARE = 0.10

# Production requests per second, per app and endpoint.
APPLE_RATES: dict[str, float] = {
    "upload_image": 1,
    "delete_image": 1,
    "get_image_list": 1,
    "upload_message": 1,
    "delete_message": 1,
    "get_message_list": 1,
    "configure_default_message": 10,
    "get_default_message": 1,
    "delete_default_message": 1,
    "configure_realtime_url": 1,
    "get_realtime_url": 1,
    "delete_realtime_url": 1,
    "initiate_performance_test": 1,
    "get_performance_test_results": 1,
    "request_test_notification": 1,
    "get_test_notification_status": 1,
    "get_notification_history": 50,
    "get_all_subscription_statuses": 50,
    "get_transaction_info": 50,
    "get_transaction_history": 50,
}


def hourly_budget(endpoint: str, environment: str) -> int:
    rate = APPLE_RATES[endpoint]
    if environment == "sandbox":
        rate *= SANDBOX_SHARE
    return max(1, math.floor(rate * 3600))


class RateLimiter:
    """Counts calls per app, endpoint and environment; raises 4290000 past the budget.

    State is per process: behind several ``serve`` processes each enforces its own budget.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def reset(self) -> None:
        """Forget every window: each budget starts full again."""
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, app_id: int, endpoint: str, environment: str) -> None:
        if not self.enabled:
            return
        item = RateLimitItemPerHour(hourly_budget(endpoint, environment))
        keys = (str(app_id), endpoint, environment)
        if self._limiter.hit(item, *keys):
            return
        reset_s = self._limiter.get_window_stats(item, *keys).reset_time
        raise RateLimitExceeded(retry_after_ms=math.ceil(reset_s * 1000))
