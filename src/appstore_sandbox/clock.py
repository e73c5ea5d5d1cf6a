"""The sandbox clock: the one source of time, so tests and users can move it forward."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

# Sandbox time stays before this: far enough for any test of retries or renewals, and far from
# the end of what datetime (year 9999) and 64-bit milliseconds hold, so that "now + 30 days" and
# every stored timestamp stay valid.
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)


class Clock:
    """Wall-clock time plus an offset that only ever grows (``advance``), until a reset."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def now_ms(self) -> int:
        return int(self.now().timestamp() * 1000)

    @property
    def offset(self) -> timedelta:
        return self._offset

    def headroom(self) -> timedelta:
        """How far the clock may still advance before it reaches :data:`MAX_TIME`."""
        return max(MAX_TIME - self.now(), timedelta(0))

    def set_offset(self, offset: timedelta) -> None:
        """Adopt an offset another process stored (see ``ControlService.sync_clock``); one past
        :data:`MAX_TIME` (saved by an older version) is cut down to it."""
        with self._lock:
            limit = MAX_TIME - datetime.now(UTC)
            self._offset = max(self._offset, min(offset, limit))

    def reset(self) -> None:
        """Back to wall-clock time (the sandbox's reset)."""
        with self._lock:
            self._offset = timedelta(0)

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            if delta >= MAX_TIME - (datetime.now(UTC) + self._offset):
                raise ValueError(f"the sandbox clock stays before {MAX_TIME.isoformat()}")
            self._offset += delta
        return self.now()
