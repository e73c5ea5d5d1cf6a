"""Reading HTTP/1.1 replies off one connection with httptools, within a size limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import httptools

from appstore_sandbox.outbound.errors import MalformedReply, ReplyTooLarge, SendError

# httptools gathers a header's name and value in memory until the header ends: the status line
# and headers are capped too, so a server cannot grow them without end.
MAX_HEAD_BYTES = 65536


@dataclass(slots=True)
class Reply:
    """A whole reply as parsed, whether its connection can carry another request, and when its
    last byte arrived (by the kernel's clock if ``kernel_clock``), which the connection fills in.
    """

    status: int
    content_type: str
    location: str | None
    body: bytes
    reusable: bool
    received_ns: int = 0
    kernel_clock: bool = False


class _Cut(Exception):
    """Raised in a parser callback to stop reading an oversized body that is cut, not refused."""


class ReplyReader:
    """Feeds bytes to httptools and collects one reply at a time.

    A body over ``max_body`` bytes (known from Content-Length, or counted as it arrives) is not
    read further: ``feed`` raises ReplyTooLarge, or with ``cut_oversized`` the reply ends there,
    holding the body read so far (at most ``max_body`` bytes), and its connection is not reused.
    Status line and headers over MAX_HEAD_BYTES raise ReplyTooLarge whatever ``cut_oversized``.
    """

    __slots__ = (
        "_body",
        "_chunked",
        "_content_type",
        "_cut_oversized",
        "_head_size",
        "_headers_done",
        "_length",
        "_location",
        "_max_body",
        "_parser",
        "_reply",
        "_size",
        "_status",
    )

    def __init__(self, max_body: int, cut_oversized: bool) -> None:
        self._max_body = max_body
        self._cut_oversized = cut_oversized
        self._parser = httptools.HttpResponseParser(self)
        self._reply: Reply | None = None
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._content_type = ""
        self._location: str | None = None
        self._length = -1
        self._chunked = False
        self._headers_done = False
        self._head_size = 0
        self._body: list[bytes] = []
        self._size = 0

    @property
    def ends_at_close(self) -> bool:
        """The reply under way has no declared length: its body runs until the server closes."""
        return self._headers_done and self._length < 0 and not self._chunked

    def feed(self, data: bytes) -> Reply | None:
        """Parse ``data``; the reply once it is complete, else None."""
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            cause = error.__context__
            if isinstance(cause, _Cut):
                return self._finish(reusable=False)
            if isinstance(cause, SendError):
                raise cause from None
            raise MalformedReply(f"{type(cause).__name__}: {cause}") from None
        except httptools.HttpParserError as error:
            raise MalformedReply(str(error) or type(error).__name__) from None
        reply, self._reply = self._reply, None
        if reply is None and not self._headers_done:
            self._count_head(len(data))
        return reply

    def _count_head(self, size: int) -> None:
        self._head_size += size
        if self._head_size > MAX_HEAD_BYTES:
            raise ReplyTooLarge(MAX_HEAD_BYTES, "headers")

    def finish_at_close(self) -> Reply:
        """The reply whose body ran until the server closed the connection."""
        return self._finish(reusable=False)

    def on_message_begin(self) -> None:
        if self._reply is not None:  # a second reply to one request: the stream is garbled
            raise MalformedReply("more than one response to one request")

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-type":
            self._content_type = value.decode("latin-1")
        elif name == b"content-length":
            self._length = int(value)  # llhttp has checked it is all digits
        elif name == b"location":
            self._location = value.decode("latin-1")
        elif name == b"transfer-encoding":
            self._chunked = b"chunked" in value.lower()

    def on_headers_complete(self) -> None:
        self._headers_done = True
        self._status = self._parser.get_status_code()
        if self._length > self._max_body:
            self._oversized()

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self._max_body:
            self._body.append(body[: self._max_body - (self._size - len(body))])
            self._oversized()
        self._body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:  # an interim reply (100 Continue): the real one follows
            self._reset()
            return
        self._reply = self._finish(self._parser.should_keep_alive())

    def _finish(self, reusable: bool) -> Reply:
        body = b"".join(self._body)
        reply = Reply(self._status, self._content_type, self._location, body, reusable)
        self._reset()
        return reply

    def _oversized(self) -> NoReturn:
        if self._cut_oversized:
            raise _Cut
        raise ReplyTooLarge(self._max_body)
