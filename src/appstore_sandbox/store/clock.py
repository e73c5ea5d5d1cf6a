"""Where the sandbox clock's offset from real time is kept for every process on the database.

It is one row of the meta table, in milliseconds; ``clock.SharedClock`` holds the rules.
"""

from __future__ import annotations

from sqlalchemy import Engine

from appstore_sandbox.store.meta import MetaStore

CLOCK_OFFSET_META_KEY = "clock_offset_ms"


class ClockStore:
    def __init__(self, engine: Engine) -> None:
        self._meta = MetaStore(engine)

    def offset(self) -> str | None:
        """The stored offset as written (None: never moved), for :meth:`swap_offset`."""
        return self._meta.value(CLOCK_OFFSET_META_KEY)

    def set_offset(self, offset_ms: int) -> None:
        self._meta.set_value(CLOCK_OFFSET_META_KEY, str(offset_ms))

    def swap_offset(self, expected: str | None, offset_ms: int) -> bool:
        """Store ``offset_ms`` if the stored offset is still ``expected`` (as :meth:`offset`
        read it); False, storing nothing, when another process moved the clock meanwhile."""
        return self._meta.swap_value(CLOCK_OFFSET_META_KEY, expected, str(offset_ms))
