"""Apple's per-app rate limits: hourly budgets, and the limiter that enforces them."""

from __future__ import annotations

import time

import pytest

from appstore_sandbox.errors import RateLimitExceeded
from appstore_sandbox.ratelimit import APPLE_RATES, RateLimiter, hourly_budget

ENDPOINT = "get_realtime_url"
SANDBOX_BUDGET = 360


FIFTY_PER_SECOND = {
    "get_notification_history",
    "get_all_subscription_statuses",
    "get_transaction_info",
    "get_transaction_history",
}
FASTER = {"configure_default_message", *FIFTY_PER_SECOND}


@pytest.mark.parametrize("endpoint", sorted(set(APPLE_RATES) - FASTER))
def test_most_endpoints_allow_one_request_per_second(endpoint: str) -> None:
    assert hourly_budget(endpoint, "production") == 3600
    assert hourly_budget(endpoint, "sandbox") == 360


@pytest.mark.parametrize("endpoint", sorted(FIFTY_PER_SECOND))
def test_history_and_subscription_reads_allow_fifty_per_second(endpoint: str) -> None:
    assert hourly_budget(endpoint, "production") == 180_000
    assert hourly_budget(endpoint, "sandbox") == 18_000


def test_configure_default_message_allows_ten_per_second() -> None:
    assert hourly_budget("configure_default_message", "production") == 36000
    assert hourly_budget("configure_default_message", "sandbox") == 3600


def test_disabled_limiter_never_raises() -> None:
    limiter = RateLimiter(enabled=False)
    for _ in range(2 * SANDBOX_BUDGET):
        limiter.hit(1, ENDPOINT, "sandbox")


def test_enabled_limiter_raises_past_the_budget() -> None:
    limiter = RateLimiter(enabled=True)
    started_ms = time.time() * 1000
    for _ in range(SANDBOX_BUDGET):
        limiter.hit(1, ENDPOINT, "sandbox")
    finished_ms = time.time() * 1000

    with pytest.raises(RateLimitExceeded) as raised:
        limiter.hit(1, ENDPOINT, "sandbox")
    error = raised.value
    assert error.code == 4290000
    assert error.status == 429
    # Retry-After is a UNIX time in ms: when the oldest counted call leaves the hour window.
    assert error.retry_after_ms > time.time() * 1000
    hour_ms = 3600 * 1000
    assert started_ms + hour_ms - 1 <= error.retry_after_ms <= finished_ms + hour_ms + 1

    # Budgets are per app, endpoint and environment.
    limiter.hit(2, ENDPOINT, "sandbox")
    limiter.hit(1, "delete_realtime_url", "sandbox")
    limiter.hit(1, ENDPOINT, "production")
    with pytest.raises(RateLimitExceeded):
        limiter.hit(1, ENDPOINT, "sandbox")
