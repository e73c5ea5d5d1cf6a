"""The sandbox clock: the one source of time, so tests and users can move it.

Sandbox time is real time plus an offset that is never negative: the sandbox runs ahead of real
time or with it, never behind, because Apple's clients sign their tokens with the real time.
Processes sharing a database share the offset through it (``control.clock.SharedClock``); this
object only holds the value one process currently uses.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

# Sandbox time stays before this: far enough for any test of retries or renewals, and far from
# the end of what datetime (year 9999) and 64-bit milliseconds hold, so that "now + 30 days" and
# every stored timestamp stay valid.
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)
MAX_TIME_MS = int(MAX_TIME.timestamp() * 1000)
_MS = timedelta(milliseconds=1)


class Clock:
    """Real time plus an offset: moved forward by :meth:`advance`, set by :meth:`set_offset`."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def now_ms(self) -> int:
        return self.real_now_ms() + self.offset_ms

    def real_now_ms(self) -> int:
        """Real (wall-clock) time, for what Apple judges by real time: token expiry and the like."""
        return time.time_ns() // 1_000_000

    @property
    def offset(self) -> timedelta:
        return self._offset

    @property
    def offset_ms(self) -> int:
        return self._offset // _MS

    def headroom(self) -> timedelta:
        """How far the clock may still advance before it reaches :data:`MAX_TIME`."""
        return max(MAX_TIME - self.now(), timedelta(0))

    def set_offset(self, offset: timedelta) -> None:
        """Use exactly ``offset`` (the one stored for every process, see ``SharedClock``).

        A negative offset counts as none; one past :data:`MAX_TIME` (saved by an older version)
        is cut down to it.
        """
        with self._lock:
            limit = MAX_TIME - datetime.now(UTC)
            self._offset = max(min(offset, limit), timedelta(0))

    def reset(self) -> None:
        """Back to real time."""
        self.set_offset(timedelta(0))

    def advance(self, delta: timedelta) -> datetime:
        """Move this clock (only this object) forward; the sandbox moves its shared clock with
        ``SharedClock.advance``."""
        if delta < timedelta(0):
            raise ValueError("advance moves the sandbox clock forward only")
        with self._lock:
            if delta >= MAX_TIME - (datetime.now(UTC) + self._offset):
                raise ValueError(f"the sandbox clock stays before {MAX_TIME.isoformat()}")
            self._offset += delta
        return self.now()
