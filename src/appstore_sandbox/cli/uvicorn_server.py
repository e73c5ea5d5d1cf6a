"""uvicorn's server, saying when it answers and letting go the calls the app holds as soon as it
begins to shut down.

uvicorn (0.55) waits, without a limit, for every request in flight to be answered before it
stops, and only then runs the app's lifespan shutdown: a call held in a long ``delay`` fault
would hold ``serve`` that long. So the held calls are let go first.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn


class Server(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        before_shutdown: Callable[[], None],
        when_started: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(config)
        self._before_shutdown = before_shutdown
        self._when_started = when_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # After the app's lifespan startup and with the sockets accepting; not if startup failed.
        if self.started:
            self._when_started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._before_shutdown()
        await super().shutdown(sockets)
