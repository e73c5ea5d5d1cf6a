"""Apple's retry schedule for production notifications; none in sandbox."""

from __future__ import annotations

import pytest

from appstore_sandbox.environments import Environment
from appstore_sandbox.notifications.schedule import HOUR_MS, MAX_ATTEMPTS, RetrySchedule

T0 = 1_900_000_000_000


@pytest.mark.parametrize(("attempts", "hours"), [(1, 1), (2, 12), (3, 24), (4, 48), (5, 72)])
def test_production_retries_after_1_12_24_48_72_hours(attempts: int, hours: int) -> None:
    assert RetrySchedule().next_attempt_ms(Environment.PRODUCTION, attempts, T0) == (
        T0 + hours * HOUR_MS
    )


def test_no_retry_after_the_last_attempt() -> None:
    assert MAX_ATTEMPTS == 6
    assert RetrySchedule().next_attempt_ms(Environment.PRODUCTION, MAX_ATTEMPTS, T0) is None


def test_sandbox_is_not_retried() -> None:
    assert RetrySchedule().next_attempt_ms(Environment.SANDBOX, 1, T0) is None


def test_fast_schedule_waits_seconds_for_hours() -> None:
    assert RetrySchedule(fast=True).next_attempt_ms(Environment.PRODUCTION, 2, T0) == T0 + 12_000
