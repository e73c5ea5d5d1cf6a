"""uvicorn's httptools protocol with a deadline for a request's headers, and a way for the app to
close a request's connection without answering (a ``drop`` fault: ``faults.CLOSE_CONNECTION``).

uvicorn (0.55) times out only an idle keep-alive connection between requests: a connection that
sends nothing, or sends its headers a byte at a time, is held for ever. Here the headers of a
request must be complete within ``header_timeout_s`` of the connection or of the request's first
byte, or the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from appstore_sandbox.faults import CLOSE_CONNECTION


class _HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Bytes between requests that begin no message (blank lines) must not hold it open.
        idle = self.cycle is None or self.cycle.response_complete
        if idle and self._header_deadline is None and not self.transport.is_closing():
            self._arm_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope.setdefault("extensions", {})[CLOSE_CONNECTION] = {"close": self._close}
        if self._header_deadline is None:  # already armed: the deadline stays where it was
            self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def _arm_header_deadline(self) -> None:
        self._header_deadline = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_late(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def header_deadline_protocol(header_timeout_s: float) -> type[HttpToolsProtocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``."""
    return type(
        "HeaderDeadlineProtocol", (_HeaderDeadlineProtocol,), {"header_timeout_s": header_timeout_s}
    )
