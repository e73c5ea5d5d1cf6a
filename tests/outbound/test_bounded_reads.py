"""A server that answers without end cannot make the sandbox hold its answer: reads are capped."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from appstore_sandbox.outbound.reply import MAX_HEAD_BYTES
from appstore_sandbox.outbound.results import Exchange, SendAttemptResult
from appstore_sandbox.outbound.transport import SenderTransports, TransportOptions
from tests.outbound.sending import BODY, USER_AGENT
from tests.outbound.servers import Peer, raw_server, run_on

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

HUGE = 300_000_000
RSS_GROWTH_BOUND_KB = 50 * 1024
_PIECE = b"x" * 65536


class _Endless:
    """Answers 200 with a 300 MB body (declared, chunked, or a header that never ends) and
    keeps writing until the client closes; counts what it managed to write."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.written = 0

    def __call__(self, peer: Peer) -> None:
        peer.request()
        piece = _PIECE
        if self.kind == "declared":
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % HUGE)
        elif self.kind == "chunked":
            peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            piece = b"%x\r\n%b\r\n" % (len(_PIECE), _PIECE)
        else:
            peer.send(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        while self.written < HUGE:
            peer.send(piece)  # raises once the client has closed the connection
            self.written += len(piece)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


@contextmanager
def _rss_growth() -> Iterator[list[int]]:
    """Yields a list that receives how far the process's resident memory rose, in KiB."""
    growth: list[int] = []
    before = _status_kb("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS starts again from now
        peak_field = "VmHWM"
    except OSError:
        peak_field = "VmRSS"
    yield growth
    growth.append(_status_kb(peak_field) - before)


async def _post_realtime(url: str) -> Exchange:
    """One POST through a transport opened as the performance test and cancel simulation do."""
    transport = SenderTransports().open(TransportOptions(1, USER_AGENT))
    try:
        return await transport.post(url, BODY, 30)
    finally:
        await transport.close()


@pytest.mark.parametrize("kind", ["declared", "chunked"])
def test_a_300_mb_reply_is_invalid_and_not_held(loop_name: str, kind: str) -> None:
    endless = _Endless(kind)
    with _rss_growth() as growth, raw_server(endless) as server:
        exchange = run_on(loop_name, _post_realtime(server.url()))
        assert server.finished.wait(10)
    assert exchange.failure is SendAttemptResult.INVALID_RESPONSE
    assert exchange.explanation == "response body larger than 1048576 bytes"
    assert endless.written < HUGE
    assert growth[0] < RSS_GROWTH_BOUND_KB


def test_a_header_that_never_ends_is_invalid_and_not_held(loop_name: str) -> None:
    endless = _Endless("header")
    with _rss_growth() as growth, raw_server(endless) as server:
        exchange = run_on(loop_name, _post_realtime(server.url()))
        assert server.finished.wait(10)
    assert exchange.failure is SendAttemptResult.INVALID_RESPONSE
    assert exchange.explanation == f"response headers larger than {MAX_HEAD_BYTES} bytes"
    assert endless.written < HUGE
    assert growth[0] < RSS_GROWTH_BOUND_KB


def _answer_bytes(size: int) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (size, b"x" * size)


@pytest.mark.parametrize(
    ("opener_cap", "caller_cap", "fails"),
    [(100, None, True), (100, 5000, False), (5000, None, False)],
)
def test_the_opener_cap_applies_unless_the_caller_names_one(
    loop_name: str, opener_cap: int, caller_cap: int | None, fails: bool
) -> None:
    transports = SenderTransports(max_response_bytes=opener_cap)

    async def post_once(url: str) -> Exchange:
        transport = transports.open(TransportOptions(1, USER_AGENT, caller_cap))
        try:
            return await transport.post(url, BODY, 5)
        finally:
            await transport.close()

    def serve(peer: Peer) -> None:
        peer.request()
        peer.send(_answer_bytes(1000))

    with raw_server(serve) as server:
        exchange = run_on(loop_name, post_once(server.url()))
    if fails:
        assert exchange.failure is SendAttemptResult.INVALID_RESPONSE
        assert exchange.explanation == "response body larger than 100 bytes"
    else:
        assert exchange.reply is not None and len(exchange.reply.body) == 1000


def test_many_replies_on_one_connection_do_not_add_up_to_a_large_head(loop_name: str) -> None:
    """Only a reply's own status line and headers count toward the head cap."""
    big = _answer_bytes(60_000)

    async def posts(url: str) -> list[SendAttemptResult | None]:
        transport = SenderTransports().open(TransportOptions(1, USER_AGENT))
        try:
            return [(await transport.post(url, BODY, 5)).failure for _ in range(4)]
        finally:
            await transport.close()

    def serve(peer: Peer) -> None:
        while peer.request() is not None:
            peer.send(big)

    with raw_server(serve) as server:
        failures = run_on(loop_name, posts(server.url()))
        assert server.connections == 1
    assert failures == [None] * 4
