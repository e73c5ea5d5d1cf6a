"""A transport without sockets: answers after a given delay, and counts what is in flight."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from appstore_sandbox.outbound.results import Clock, Exchange, HttpReply, SendAttemptResult
from appstore_sandbox.outbound.transport import Transport, TransportOptions

OK_REPLY = HttpReply(200, "application/json", b"{}")
Answer = Callable[[str, bytes], HttpReply | SendAttemptResult]


@dataclass
class FakeTransport:
    """Answers every post with ``answer(url, body)`` after ``delay_s``; records each post."""

    answer: Answer = lambda url, body: OK_REPLY
    delay_s: float = 0.0
    clock: Clock = "user"
    posts: list[tuple[float, str, bytes]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    closed: bool = False

    async def post(self, url: str, body: bytes, timeout_s: float) -> Exchange:
        self.posts.append((asyncio.get_running_loop().time(), url, body))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        sent_ns = time.time_ns()
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            self.in_flight -= 1
        received_ns = time.time_ns()
        latency_us = (received_ns - sent_ns) // 1000
        outcome = self.answer(url, body)
        if isinstance(outcome, HttpReply):
            return Exchange(outcome, None, "", latency_us, sent_ns, received_ns, self.clock)
        return Exchange(None, outcome, "fake failure", None, 0, 0, self.clock)

    async def close(self) -> None:
        self.closed = True


@dataclass
class FakeTransports:
    """Opens one shared ``FakeTransport`` and remembers the options it was asked for."""

    transport: FakeTransport = field(default_factory=FakeTransport)
    opened: list[TransportOptions] = field(default_factory=list)

    def open(self, options: TransportOptions) -> Transport:
        self.opened.append(options)
        return self.transport
