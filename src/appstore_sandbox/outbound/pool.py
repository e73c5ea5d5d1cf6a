"""The connections to one origin: at most ``limit`` open, idle ones reused newest first."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from appstore_sandbox.outbound.connection import Connection


class Pool:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._idle: list[Connection] = []
        self._busy: set[Connection] = set()
        self._opening = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    def take_idle(self) -> Connection | None:
        """A kept-alive connection, if one is free."""
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                self._busy.add(connection)
                return connection
        return None

    async def reserve(self, reuse: bool = True) -> Connection | None:
        """Wait for a free connection (when ``reuse``) or room to open one (then None).

        Whoever gets None must call ``opened`` or ``abandon``. Without ``reuse``, an idle
        connection is closed to make room if there is no other.
        """
        while True:
            if reuse and (connection := self.take_idle()):
                return connection
            if self._open_count() >= self._limit and not reuse and self._idle:
                self._idle.pop(0).close()
                self._drop_closed_idle()
            if self._open_count() < self._limit:
                self._opening += 1
                return None
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # the wake-up meant for us goes to the next in line
                else:
                    with contextlib.suppress(ValueError):  # unless a wake-up skipped it
                        self._waiters.remove(waiter)
                raise

    def opened(self, connection: Connection) -> None:
        self._opening -= 1
        self._busy.add(connection)

    def abandon(self) -> None:
        """Opening a connection failed: its room is free again."""
        self._opening -= 1
        self._wake_one()

    def release(self, connection: Connection) -> None:
        """Done with ``connection``: kept for reuse unless it was closed."""
        self._busy.discard(connection)
        if not connection.closed:
            self._idle.append(connection)
        self._wake_one()

    def close(self) -> None:
        for connection in [*self._idle, *self._busy]:
            connection.close()
        self._idle.clear()
        self._busy.clear()

    def _open_count(self) -> int:
        self._drop_closed_idle()
        return len(self._idle) + len(self._busy) + self._opening

    def _drop_closed_idle(self) -> None:
        if any(connection.closed for connection in self._idle):
            self._idle = [connection for connection in self._idle if not connection.closed]

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
