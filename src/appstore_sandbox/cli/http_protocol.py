"""uvicorn's httptools protocol with a deadline and a size limit for a request's headers, and a
way for the app to close a request's connection without answering (a ``drop`` fault:
``faults.CLOSE_CONNECTION``).

uvicorn (0.55) times out only an idle keep-alive connection between requests: a connection that
sends nothing, or sends its headers a byte at a time, is held for ever. Here the headers of a
request must be complete within ``header_timeout_s`` of the connection or of the request's first
byte, or the connection is closed.

Neither uvicorn nor httptools bounds the header section: one request of 16 million tiny headers
took 2 GB that stayed. Here its bytes are counted as they arrive, before httptools buffers them
(it keeps a header's whole value before handing it over), and its fields as they are parsed: past
``max_header_bytes`` or ``max_header_count`` the request is answered 431 and the connection
closed, before any of it reaches the app.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from appstore_sandbox.errors import HeaderSectionTooLarge, RequestHeadersTooLarge
from appstore_sandbox.faults import CLOSE_CONNECTION
from appstore_sandbox.http.app import error_response
from appstore_sandbox.http.gate import on_control_surface


class _HeaderLimit(Exception):
    """Raised from a parser callback to stop httptools where a header limit is passed."""


# After a 431 the rest of what the client sends is read and thrown away this long before the
# connection closes: closing on unread bytes sends a reset, and a reset can destroy the answer
# before the client reads it.
_LINGER_S = 2.0


class _HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout_s: float = 10.0
    max_header_bytes: int = 65_536
    max_header_count: int = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        # Between the end of one message (or the connection's start) and the next one's headers:
        # what arrives then belongs to a header section.
        self._in_header_section = True
        self._header_bytes = 0
        self._header_count = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        # In a header section, feed no more than fits the limit, then look: the parser has said
        # whether the section ended. Bytes after a message that ends inside a piece are fed with
        # it, so a section may overrun the limit by what one read brings (256 KiB), no more.
        while self._in_header_section and data and not self._finished:
            room = self.max_header_bytes - self._header_bytes
            piece, data = data[:room], data[room:]
            self._header_bytes += len(piece)
            self._feed(piece)
            if self._in_header_section and self._header_bytes >= self.max_header_bytes:
                self._refuse_headers(
                    f"The request's header section is over the sandbox's limit of "
                    f"{self.max_header_bytes} bytes (setting max_header_bytes)"
                )
        if data and not self._finished:
            self._feed(data)
        # Bytes between requests that begin no message (blank lines) must not hold it open.
        idle = self.cycle is None or self.cycle.response_complete
        if idle and self._header_deadline is None and not self._finished:
            self._arm_header_deadline()

    def _feed(self, data: bytes) -> None:
        """uvicorn's ``data_received``, with a header limit answered 431 instead of 400."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            if isinstance(error.__context__, _HeaderLimit):
                self._refuse_headers(str(error.__context__))
            else:
                self._invalid_request()
        except httptools.HttpParserError:
            self._invalid_request()
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def _invalid_request(self) -> None:
        message = "Invalid HTTP request received."
        self.logger.warning(message)
        self.send_400_response(message)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope.setdefault("extensions", {})[CLOSE_CONNECTION] = {"close": self._close}
        if self._header_deadline is None:  # already armed: the deadline stays where it was
            self._arm_header_deadline()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.max_header_count:
            raise _HeaderLimit(
                f"The request has more than {self.max_header_count} header fields "
                "(setting max_header_count)"
            )
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        self._in_header_section = False
        self._header_bytes = self._header_count = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_header_section = True

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _refuse_headers(self, reason: str) -> None:
        """Answer 431 in the surface's own error shape, and close the connection."""
        url: bytes = getattr(self, "url", b"")  # set when a message begins
        path = url.partition(b"?")[0].decode("latin-1")
        message = f"{reason}; the connection is closed."
        error = (
            HeaderSectionTooLarge(message)
            if on_control_surface(path)
            else RequestHeadersTooLarge(message)
        )
        response = error_response(error)
        head = [STATUS_LINE[response.status_code]]
        for name, value in [*self.server_state.default_headers, *response.raw_headers]:
            head += [name, b": ", value, b"\r\n"]
        head.append(b"connection: close\r\n\r\n")
        self.transport.write(b"".join(head) + response.body)
        self._refused = True
        self._disarm_header_deadline()
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(_LINGER_S, self._close)
        else:
            self._close()

    @property
    def _finished(self) -> bool:
        return self._refused or self.transport.is_closing()

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


def header_deadline_protocol(
    header_timeout_s: float, max_header_bytes: int = 65_536, max_header_count: int = 100
) -> type[HttpToolsProtocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``."""
    limits = {
        "header_timeout_s": header_timeout_s,
        "max_header_bytes": max_header_bytes,
        "max_header_count": max_header_count,
    }
    return type("HeaderDeadlineProtocol", (_HeaderDeadlineProtocol,), limits)
