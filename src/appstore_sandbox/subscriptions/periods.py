"""How long a subscription period lasts: Apple's sandbox durations, or real ones.

Apple's sandbox shortens every period (1 week -> 3 minutes, 1 month -> 5 minutes, 2 months ->
10 minutes, 3 months -> 15 minutes, 6 months -> 30 minutes, 1 year -> 1 hour) and stops renewing
a subscription after a number of renewals (docs/apple-facts.md). An app can ask for real
durations instead, renewing without a limit.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Literal

MINUTE_MS = 60_000
DAY_MS = 86_400_000
PERIODS: dict[str, tuple[int, int]] = {
    # period: (months, days) in real time
    "P1W": (0, 7),
    "P1M": (1, 0),
    "P2M": (2, 0),
    "P3M": (3, 0),
    "P6M": (6, 0),
    "P1Y": (12, 0),
}
SANDBOX_PERIOD_MS = {
    "P1W": 3 * MINUTE_MS,
    "P1M": 5 * MINUTE_MS,
    "P2M": 10 * MINUTE_MS,
    "P3M": 15 * MINUTE_MS,
    "P6M": 30 * MINUTE_MS,
    "P1Y": 60 * MINUTE_MS,
}
# Apple's sandbox renews a subscription this many times after its purchase; at the next period's
# end auto-renew turns off and it expires.
SANDBOX_RENEWAL_LIMIT = 12
# Billing retry lasts up to 60 days in production and a grace period 3, 16 or 28 days as the
# developer chooses; the sandbox shortens them to 10 minutes, and to 3 minutes of grace for a
# weekly subscription, 5 for the others (docs/apple-facts.md: from copies of Apple's table, not
# read on Apple's page itself). With real durations the sandbox uses 60 and 16 days.
BILLING_RETRY_MS = {"sandbox": 10 * MINUTE_MS, "real": 60 * DAY_MS}
GRACE_PERIOD_REAL_MS = 16 * DAY_MS

Durations = Literal["sandbox", "real"]
DURATIONS: tuple[Durations, ...] = ("sandbox", "real")
DURATIONS_SETTING = "renewal_durations"


def period_end(start_ms: int, period: str, durations: Durations) -> int:
    """When a period that starts at ``start_ms`` ends."""
    if durations == "sandbox":
        return start_ms + SANDBOX_PERIOD_MS[period]
    months, days = PERIODS[period]
    start = datetime.fromtimestamp(start_ms / 1000, UTC)
    return int((_add_months(start, months) + timedelta(days=days)).timestamp() * 1000)


def billing_retry_ms(durations: Durations) -> int:
    return BILLING_RETRY_MS[durations]


def grace_period_ms(period: str, durations: Durations) -> int:
    if durations == "real":
        return GRACE_PERIOD_REAL_MS
    return 3 * MINUTE_MS if period == "P1W" else 5 * MINUTE_MS


def renewal_limit(durations: Durations) -> int | None:
    return SANDBOX_RENEWAL_LIMIT if durations == "sandbox" else None


def _add_months(moment: datetime, months: int) -> datetime:
    """The same day of a later month, or that month's last day (Jan 31 + 1 month = Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
