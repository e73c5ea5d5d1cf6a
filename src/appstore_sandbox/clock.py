"""The sandbox clock: the one source of time, so tests and users can move it.

Sandbox time is real time plus an offset that is never negative: the sandbox runs ahead of real
time or with it, never behind, because Apple's clients sign their tokens with the real time.
:class:`Clock` holds the offset one process currently uses; :class:`SharedClock` keeps it for
every process on one database (in the store's clock table) and moves it: advance, set, reset.

Every process adopts the stored offset exactly (:meth:`SharedClock.sync`, at start-up, on each
tick of the renewal ticker and on each reading), so the clock can go back (reset, or set to an
earlier time) as well as forward. An advance is a compare-and-swap on the stored value, retried
when another process wrote first, so two advances made at once both count.

Going back leaves scheduled notification retries where they are: their due times are sandbox
times, so a retry scheduled while the clock ran ahead stays due at that advanced time. After a
reset it waits until real time gets there, or until the clock is moved forward again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from appstore_sandbox.errors import BadInput

# Sandbox time stays before this: far enough for any test of retries or renewals, and far from
# the end of what datetime (year 9999) and 64-bit milliseconds hold, so that "now + 30 days" and
# every stored timestamp stay valid.
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)
MAX_TIME_MS = int(MAX_TIME.timestamp() * 1000)
_MS = timedelta(milliseconds=1)
_LIMIT = f"{MAX_TIME:%Y-%m-%dT%H:%M:%SZ}"


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
        """Use exactly ``offset`` (the one stored for every process, see :class:`SharedClock`).

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
        :meth:`SharedClock.advance`."""
        if delta < timedelta(0):
            raise ValueError("advance moves the sandbox clock forward only")
        with self._lock:
            if delta >= MAX_TIME - (datetime.now(UTC) + self._offset):
                raise ValueError(f"the sandbox clock stays before {MAX_TIME.isoformat()}")
            self._offset += delta
        return self.now()


@dataclass(frozen=True)
class SandboxTime:
    """One reading of the clock: sandbox time and how far it runs ahead of real time."""

    now_ms: int
    offset_ms: int

    @property
    def real_ms(self) -> int:
        return self.now_ms - self.offset_ms


class StoredOffset(Protocol):
    """Where the offset is kept for every process on the database (``store.clock``)."""

    def offset(self) -> str | None: ...

    def set_offset(self, offset_ms: int) -> None: ...

    def swap_offset(self, expected: str | None, offset_ms: int) -> bool: ...


class SharedClock:
    """The clock of every process sharing one database: read, advance, set, reset; no HTTP."""

    def __init__(self, stored: StoredOffset, clock: Clock) -> None:
        self._stored = stored
        self._clock = clock
        self._on_move: list[Callable[[], None]] = []

    def on_move(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever this process moves the clock (what became due is due now)."""
        self._on_move.append(listener)

    def sync(self) -> None:
        """Adopt the offset stored by any process (and survive restarts)."""
        offset_ms = self._offset_ms(self._stored.offset(), self._clock.real_now_ms())
        self._clock.set_offset(timedelta(milliseconds=offset_ms))

    def time(self) -> SandboxTime:
        """Sandbox time as every process sharing the database sees it."""
        self.sync()
        return self._reading()

    def advance(self, seconds: float) -> SandboxTime:
        """Move sandbox time forward by ``seconds`` for every process on the database."""
        if not seconds > 0:
            raise BadInput("An advance moves the sandbox clock forward; give a positive duration.")
        while True:
            stored, real_ms = self._stored.offset(), self._clock.real_now_ms()
            offset_ms = self._offset_ms(stored, real_ms)
            headroom_ms = MAX_TIME_MS - real_ms - offset_ms
            if seconds * 1000 >= headroom_ms:
                raise BadInput(
                    f"The sandbox clock stays before {_LIMIT}: advance it by less than "
                    f"{headroom_ms // 1000} seconds ({headroom_ms // 86_400_000} days)."
                )
            offset_ms += round(seconds * 1000)
            if self._stored.swap_offset(stored, offset_ms):
                return self._adopt(offset_ms)

    def set(self, now_ms: int) -> SandboxTime:
        """Make sandbox time ``now_ms`` (UNIX ms) now: any time from real time to 2200."""
        real_ms = self._clock.real_now_ms()
        if now_ms < real_ms:
            raise BadInput(
                f"{_iso(now_ms)} is before the real time ({_iso(real_ms)}): the sandbox clock "
                "never runs behind real time, because Apple's clients sign their tokens with "
                "it; `clock reset` goes back to real time."
            )
        if now_ms >= MAX_TIME_MS:
            raise BadInput(f"The sandbox clock stays before {_LIMIT}; give an earlier time.")
        return self._store_offset(now_ms - real_ms)

    def reset(self) -> SandboxTime:
        """Back to real time, for every process on the database."""
        return self._store_offset(0)

    def _store_offset(self, offset_ms: int) -> SandboxTime:
        self._stored.set_offset(offset_ms)
        return self._adopt(offset_ms)

    def _adopt(self, offset_ms: int) -> SandboxTime:
        self._clock.set_offset(timedelta(milliseconds=offset_ms))
        for listener in self._on_move:
            listener()
        return self._reading()

    def _reading(self) -> SandboxTime:
        offset_ms = self._clock.offset_ms
        return SandboxTime(self._clock.real_now_ms() + offset_ms, offset_ms)

    @staticmethod
    def _offset_ms(stored: str | None, real_ms: int) -> int:
        """The stored offset; one past MAX_TIME (saved by an older version) is cut down to it."""
        return max(0, min(int(stored), MAX_TIME_MS - real_ms)) if stored is not None else 0


def _iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
