"""uvicorn's server, saying when it answers and letting go the calls the app holds as soon as it
begins to shut down.

uvicorn (0.55) waits, without a limit, for every request in flight to be answered before it
stops, and only then runs the app's lifespan shutdown: a call held in a long ``delay`` fault
would hold ``serve`` that long. So the held calls are let go first.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from appstore_sandbox.sandbox import Sandbox


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


def uvicorn_config(sandbox: Sandbox, log_level: str, own_logging: bool = True) -> uvicorn.Config:
    """How ``serve`` runs the app: its header limits and deadlines, its logs, uvloop.

    Without ``own_logging`` the process's logging configuration is left as it is (a sandbox in
    a thread of someone else's process)."""
    from appstore_sandbox.cli.http_protocol import header_deadline_protocol
    from appstore_sandbox.cli.serve_logging import log_config
    from appstore_sandbox.http.app import create_app

    settings = sandbox.settings
    return uvicorn.Config(
        create_app(sandbox),
        log_level=log_level,
        log_config=log_config(sandbox.clock, log_level) if own_logging else None,
        access_log=log_level in {"debug", "info"},
        http=header_deadline_protocol(
            settings.header_timeout_s, settings.max_header_bytes, settings.max_header_count
        ),
        timeout_keep_alive=settings.keep_alive_timeout_s,
        loop="uvloop",
        lifespan="on",
    )
