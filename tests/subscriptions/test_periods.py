"""Period lengths: Apple's sandbox durations, and real calendar periods."""

from __future__ import annotations

from datetime import UTC, datetime

from appstore_sandbox.subscriptions.periods import (
    SANDBOX_PERIOD_MS,
    grace_period_ms,
    period_end,
    renewal_limit,
)


def _ms(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp() * 1000)


def test_sandbox_periods_are_apples_minutes() -> None:
    minutes = {period: ms // 60_000 for period, ms in SANDBOX_PERIOD_MS.items()}
    assert minutes == {"P1W": 3, "P1M": 5, "P2M": 10, "P3M": 15, "P6M": 30, "P1Y": 60}
    assert period_end(1_000, "P1M", "sandbox") == 1_000 + 300_000
    assert renewal_limit("sandbox") == 12 and renewal_limit("real") is None


def test_real_months_keep_the_day_or_take_the_months_last() -> None:
    assert period_end(_ms(2027, 1, 31), "P1M", "real") == _ms(2027, 2, 28)
    assert period_end(_ms(2028, 1, 31), "P1M", "real") == _ms(2028, 2, 29)
    assert period_end(_ms(2027, 11, 15), "P3M", "real") == _ms(2028, 2, 15)
    assert period_end(_ms(2027, 3, 1), "P1W", "real") == _ms(2027, 3, 8)
    assert period_end(_ms(2027, 3, 1), "P1Y", "real") == _ms(2028, 3, 1)


def test_grace_periods_in_the_sandbox_depend_on_the_period() -> None:
    assert grace_period_ms("P1W", "sandbox") == 3 * 60_000
    assert grace_period_ms("P1M", "sandbox") == 5 * 60_000
    assert grace_period_ms("P1M", "real") == 16 * 86_400_000
