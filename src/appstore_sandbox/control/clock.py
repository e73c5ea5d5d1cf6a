"""The sandbox clock shared by every process on one database: advance, set, reset, read.

The offset from real time lives in the meta table, in milliseconds. Every process adopts the
stored value exactly (:meth:`SharedClock.sync`, before each delivery poll and each reading),
so the clock can go back (reset, or set to an earlier time) as well as forward. An advance is a
compare-and-swap on the stored value, retried when another process wrote first, so two advances
made at once both count.

Going back leaves scheduled notification retries where they are: their due times are sandbox
times, so a retry scheduled while the clock ran ahead stays due at that advanced time. After a
reset it waits until real time gets there, or until the clock is moved forward again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from appstore_sandbox.clock import MAX_TIME, MAX_TIME_MS, Clock
from appstore_sandbox.errors import BadInput
from appstore_sandbox.store import Store

CLOCK_OFFSET_META_KEY = "clock_offset_ms"
_LIMIT = f"{MAX_TIME:%Y-%m-%dT%H:%M:%SZ}"


@dataclass(frozen=True)
class SandboxTime:
    """One reading of the clock: sandbox time and how far it runs ahead of real time."""

    now_ms: int
    offset_ms: int

    @property
    def real_ms(self) -> int:
        return self.now_ms - self.offset_ms


class SharedClock:
    """The clock operations of the control surface; no HTTP here."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def sync(self) -> None:
        """Adopt the offset stored by any process (and survive restarts)."""
        offset_ms = self._offset_ms(self._stored(), self._clock.real_now_ms())
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
            stored, real_ms = self._stored(), self._clock.real_now_ms()
            offset_ms = self._offset_ms(stored, real_ms)
            headroom_ms = MAX_TIME_MS - real_ms - offset_ms
            if seconds * 1000 >= headroom_ms:
                raise BadInput(
                    f"The sandbox clock stays before {_LIMIT}: advance it by less than "
                    f"{headroom_ms // 1000} seconds ({headroom_ms // 86_400_000} days)."
                )
            offset_ms += round(seconds * 1000)
            if self._store.swap_meta_value(CLOCK_OFFSET_META_KEY, stored, str(offset_ms)):
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
        self._store.set_meta_value(CLOCK_OFFSET_META_KEY, str(offset_ms))
        return self._adopt(offset_ms)

    def _adopt(self, offset_ms: int) -> SandboxTime:
        self._clock.set_offset(timedelta(milliseconds=offset_ms))
        return self._reading()

    def _reading(self) -> SandboxTime:
        offset_ms = self._clock.offset_ms
        return SandboxTime(self._clock.real_now_ms() + offset_ms, offset_ms)

    def _stored(self) -> str | None:
        return self._store.meta_value(CLOCK_OFFSET_META_KEY)

    @staticmethod
    def _offset_ms(stored: str | None, real_ms: int) -> int:
        """The stored offset; one past MAX_TIME (saved by an older version) is cut down to it."""
        return max(0, min(int(stored), MAX_TIME_MS - real_ms)) if stored is not None else 0


def _iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
