"""Posting JSON to developers' servers and timing it by the wire; ``post`` never raises for
network trouble.

Sending is a chain of short steps: ``post`` (turns every failure into an Exchange) →
``_send_handling_redirects`` (checks each new URL and each redirect hop against the
``OutboundPolicy``) → ``_send_once`` (retries once when a kept-alive connection turns
out to be gone) → ``_exchange`` on one pooled connection. The client is our own rather than
aiohttp so that a reply is timed by the kernel's receive timestamp, which a busy interpreter
cannot move, and so that a request costs a few tens of microseconds of CPU.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from urllib.parse import urljoin

from appstore_sandbox.outbound import timestamps
from appstore_sandbox.outbound.connection import Connection, Stopwatch, connect
from appstore_sandbox.outbound.errors import (
    MAX_REDIRECTS,
    Refused,
    StaleConnection,
    TimedOut,
    TooManyRedirects,
    classify_error,
)
from appstore_sandbox.outbound.policy import DEFAULT_POLICY, OutboundPolicy
from appstore_sandbox.outbound.pool import Pool
from appstore_sandbox.outbound.reply import Reply, ReplyReader
from appstore_sandbox.outbound.results import Clock, Exchange, HttpReply, SendAttemptResult
from appstore_sandbox.outbound.target import Origin, Target, parse_target

REDIRECTS = frozenset((301, 302, 303, 307, 308))
RESEND_BODY = frozenset((307, 308))  # the others are followed with a GET, as browsers do
_TARGETS_KEPT = 1024


class Sender:
    """Connection pools (one per origin, at most ``max_connections`` each) and the send path.

    ``clock`` is ``"kernel"`` when replies are timed by kernel receive timestamps (Linux),
    ``"user"`` otherwise. A reply body over ``max_response_bytes`` fails the exchange as
    INVALID_RESPONSE; with ``cut_oversized`` it is cut there instead, for callers that only need
    the status (the reply then holds the first ``max_response_bytes`` bytes or, when the
    Content-Length gave it away, none). ``ssl_context`` defaults to verifying certificates
    against the system's trust store. A URL or redirect hop ``policy`` refuses is never
    connected to: the exchange fails as OTHER, saying which URL broke which rule.
    """

    def __init__(
        self,
        max_connections: int,
        user_agent: str,
        max_response_bytes: int = 1_048_576,
        *,
        cut_oversized: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        policy: OutboundPolicy = DEFAULT_POLICY,
    ) -> None:
        self.clock: Clock = "kernel" if timestamps.available() else "user"
        self._max_connections = max_connections
        self._user_agent = user_agent
        self._max_response_bytes = max_response_bytes
        self._cut_oversized = cut_oversized
        self._ssl_context = ssl_context
        self._policy = policy
        self._pools: dict[Origin, Pool] = {}
        self._targets: dict[str, Target] = {}

    async def post(self, url: str, body: bytes, timeout_s: float) -> Exchange:
        """POST ``body`` as JSON to ``url``, following redirects; what came back, unjudged.

        The clock starts when the request's last byte is handed to the kernel and stops when
        the reply's last byte arrives; a reply later than ``timeout_s`` is TIMED_OUT.
        """
        watch = Stopwatch(int(timeout_s * 1e9))
        try:
            reply = await self._send_handling_redirects(url, body, watch)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # every failure becomes a sendAttemptResult
            return _failed(error, watch, timeout_s, self.clock)
        return Exchange(
            HttpReply(reply.status, reply.content_type, reply.body),
            None,
            "",
            max(0, (reply.received_ns - watch.sent_ns) // 1000),
            watch.sent_ns,
            reply.received_ns,
            "kernel" if reply.kernel_clock else "user",
        )

    async def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    async def _send_handling_redirects(self, url: str, body: bytes, watch: Stopwatch) -> Reply:
        target = self._target(url)
        posting = True
        for _ in range(MAX_REDIRECTS + 1):
            data = target.post(body) if posting else target.get_head
            reply = await self._send_once(target, data, watch)
            if reply.status not in REDIRECTS or reply.location is None:
                return reply
            target = self._target(urljoin(target.url, reply.location), redirect=True)
            posting = posting and reply.status in RESEND_BODY
        raise TooManyRedirects

    async def _send_once(self, target: Target, data: bytes, watch: Stopwatch) -> Reply:
        pool = self._pool(target.origin)
        connection = pool.take_idle() or await self._connection(pool, target, watch)
        try:
            return await self._exchange(pool, connection, data, watch)
        except StaleConnection:
            # Nothing reached the server's application: sending again on a new connection is
            # safe, and the clock starts again with it.
            connection = await self._connection(pool, target, watch, reuse=False)
            return await self._exchange(pool, connection, data, watch)

    async def _connection(
        self, pool: Pool, target: Target, watch: Stopwatch, reuse: bool = True
    ) -> Connection:
        """Wait for a pooled connection or open one, within what is left of the timeout."""
        left_ns = watch.deadline_ns - time.time_ns() if watch.deadline_ns else watch.timeout_ns
        try:
            async with asyncio.timeout(max(left_ns, 0) / 1e9):
                connection = await pool.reserve(reuse)
                if connection is not None:
                    return connection
                try:
                    connection = await connect(
                        target.origin, self._ssl_context, self._reader(), self._policy
                    )
                except BaseException:
                    pool.abandon()
                    raise
        except TimeoutError:
            raise TimedOut from None
        pool.opened(connection)
        return connection

    async def _exchange(
        self, pool: Pool, connection: Connection, data: bytes, watch: Stopwatch
    ) -> Reply:
        sent_ns, deadline_ns = watch.sent_ns, watch.deadline_ns
        try:
            return await connection.request(data, watch)
        except BaseException as error:
            connection.close()  # cancelled mid-reply: the rest of it would confuse the next one
            if isinstance(error, StaleConnection):
                watch.sent_ns, watch.deadline_ns = sent_ns, deadline_ns
            raise
        finally:
            pool.release(connection)

    def _pool(self, origin: Origin) -> Pool:
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = Pool(self._max_connections)
        return pool

    def _target(self, url: str, redirect: bool = False) -> Target:
        target = self._targets.get(url)
        if target is None:
            target = self._allowed_target(url, redirect)
            if len(self._targets) >= _TARGETS_KEPT:
                self._targets.clear()
            self._targets[url] = target
        return target

    def _allowed_target(self, url: str, redirect: bool) -> Target:
        """``url`` parsed, if the policy lets it be called; only allowed URLs are kept."""
        target = parse_target(url, self._user_agent)
        problem = self._policy.problem(url, target.origin.host, target.origin.port)
        if problem is not None:
            raise Refused(f"redirect to {url}" if redirect else url, problem)
        return target

    def _reader(self) -> ReplyReader:
        return ReplyReader(self._max_response_bytes, self._cut_oversized)


def _failed(error: Exception, watch: Stopwatch, timeout_s: float, clock: Clock) -> Exchange:
    """The exchange for a failure; its latency is the time waited, None if nothing was sent."""
    result, explanation = classify_error(error)
    if result is SendAttemptResult.TIMED_OUT:
        explanation = f"no complete response within {timeout_s * 1000:.0f} ms"
        latency_us: int | None = watch.timeout_ns // 1000
    elif watch.sent_ns:
        latency_us = max(0, (time.time_ns() - watch.sent_ns) // 1000)
    else:
        latency_us = None
    return Exchange(None, result, explanation, latency_us, watch.sent_ns, 0, clock)
