"""The seam between the sandbox and the network: what sends, and what opens a sender.

Everything that calls a developer's server (the performance-test engine, notification delivery,
the cancel simulation) talks to a ``Transport`` and judges the ``Exchange`` it returns. A
transport holds sockets registered with one event loop, so the sandbox does not hand out one
transport: it builds one ``Transports`` (the opener, with the outbound settings) and each caller
opens its transport on its own loop. Tests pass an opener of fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from appstore_sandbox.outbound.policy import DEFAULT_POLICY, OutboundPolicy
from appstore_sandbox.outbound.results import Clock, Exchange
from appstore_sandbox.outbound.sender import Sender

DEFAULT_MAX_RESPONSE_BYTES = 1_048_576


class Transport(Protocol):
    """Posts JSON and reports what happened; never raises for network trouble."""

    clock: Clock

    async def post(self, url: str, body: bytes, timeout_s: float) -> Exchange: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class TransportOptions:
    """What one caller needs of its transport.

    ``max_response_bytes`` defaults to the opener's cap for realtime replies. ``cut_oversized``:
    a reply body over the cap is cut there (for callers that only read the status) instead of
    failing the exchange as INVALID_RESPONSE.
    """

    max_connections: int
    user_agent: str
    max_response_bytes: int | None = None
    cut_oversized: bool = False


class Transports(Protocol):
    def open(self, options: TransportOptions) -> Transport: ...


class SenderTransports:
    """Opens the real sender: every one follows ``policy``; a reply is capped at
    ``max_response_bytes`` unless the caller asks for another cap."""

    def __init__(
        self,
        policy: OutboundPolicy = DEFAULT_POLICY,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.policy = policy
        self.max_response_bytes = max_response_bytes

    def open(self, options: TransportOptions) -> Transport:
        cap = options.max_response_bytes
        return Sender(
            options.max_connections,
            options.user_agent,
            self.max_response_bytes if cap is None else cap,
            cut_oversized=options.cut_oversized,
            policy=self.policy,
        )
