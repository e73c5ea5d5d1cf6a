"""When Apple tries again after a failed notification (spec: notifications-testing.md)."""

from __future__ import annotations

from dataclasses import dataclass

from appstore_sandbox.environments import Environment

# Production, V2: retries 1, 12, 24, 48 and 72 hours after the previous attempt.
RETRY_DELAYS_HOURS = (1, 12, 24, 48, 72)
MAX_ATTEMPTS = 1 + len(RETRY_DELAYS_HOURS)
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class RetrySchedule:
    """``fast`` stands a second in for each hour, for demonstrations and tests."""

    fast: bool = False

    def next_attempt_ms(
        self, environment: Environment, attempts_made: int, last_attempt_ms: int
    ) -> int | None:
        """When to try again after ``attempts_made`` failed attempts; None when done trying."""
        if environment is Environment.SANDBOX or attempts_made >= MAX_ATTEMPTS:
            return None
        hours = RETRY_DELAYS_HOURS[attempts_made - 1]
        return last_attempt_ms + hours * (1000 if self.fast else HOUR_MS)
