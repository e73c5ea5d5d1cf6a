"""Reading replies: every way HTTP/1.1 delimits a body, keep-alive, and the size limit."""

from __future__ import annotations

import asyncio
import time

from appstore_sandbox.outbound.results import SendAttemptResult
from appstore_sandbox.outbound.sender import Sender
from tests.outbound.sending import BODY, USER_AGENT, post
from tests.outbound.servers import Peer, answering, raw_server, response, run_on

LIMIT = 1000


def _chunked(peer: Peer) -> None:
    while peer.request() is not None:
        peer.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        for piece in (b"hello, ", b"chunked ", b"world"):
            time.sleep(0.01)
            peer.send(b"%x\r\n%b\r\n" % (len(piece), piece))
        peer.send(b"0\r\n\r\n")


def _until_close(peer: Peer) -> None:
    peer.request()
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body ")
    time.sleep(0.01)
    peer.send(b"runs until the server closes")


def test_the_request_is_a_json_post_with_a_length_and_no_compression(loop_name: str) -> None:
    with raw_server(answering(response())) as server:
        post(loop_name, server.url("/notify?app=1"))
    [request] = server.requests
    assert (request.method, request.path, request.body) == ("POST", "/notify?app=1", BODY)
    assert request.headers == {
        "host": f"127.0.0.1:{server.port}",
        "user-agent": USER_AGENT,
        "content-type": "application/json",
        "content-length": str(len(BODY)),
    }


def test_a_chunked_reply_is_read_whole(loop_name: str) -> None:
    with raw_server(_chunked) as server:
        exchange = post(loop_name, server.url())
    assert exchange.reply is not None
    assert exchange.reply.body == b"hello, chunked world"
    assert exchange.reply.content_type == "text/plain"


def test_a_reply_without_length_runs_until_the_server_closes(loop_name: str) -> None:
    with raw_server(_until_close) as server:
        exchange = post(loop_name, server.url())
    assert exchange.reply is not None
    assert exchange.reply.body == b"the body runs until the server closes"


def test_one_connection_carries_many_requests(loop_name: str) -> None:
    async def five_posts(url: str) -> list[int | None]:
        sender = Sender(4, USER_AGENT)
        try:
            return [(await sender.post(url, BODY, 5)).latency_us for _ in range(5)]
        finally:
            await sender.close()

    with raw_server(answering(response())) as server:
        latencies = run_on(loop_name, five_posts(server.url()))
        assert server.connections == 1
    assert None not in latencies and len(server.requests) == 5


def _one_request_per_connection(peer: Peer) -> None:
    """Answers as if the connection stays open, then closes it: an idle timeout of zero."""
    peer.request()
    peer.send(response())


async def _two_posts(url: str, busy_between: bool) -> list[SendAttemptResult | None]:
    sender = Sender(1, USER_AGENT)
    try:
        first = await sender.post(url, BODY, 5)
        if busy_between:  # the close arrives, but the loop does not see it before reusing
            time.sleep(0.1)
        else:
            await asyncio.sleep(0.1)
        second = await sender.post(url, BODY, 5)
        return [first.failure, second.failure]
    finally:
        await sender.close()


def test_an_idle_connection_the_server_closed_is_not_reused(loop_name: str) -> None:
    with raw_server(_one_request_per_connection) as server:
        failures = run_on(loop_name, _two_posts(server.url(), busy_between=False))
        assert server.connections == 2
    assert failures == [None, None]


def test_a_request_on_a_connection_found_closed_is_sent_again(loop_name: str) -> None:
    with raw_server(_one_request_per_connection) as server:
        failures = run_on(loop_name, _two_posts(server.url(), busy_between=True))
        assert server.connections == 2
    assert failures == [None, None]
    assert len(server.requests) == 2  # the first try of the second post never reached it


class _Flood:
    """Announces (or not) a 50 MB body and sends it; notes whether all of it went out."""

    def __init__(self, chunked: bool) -> None:
        self.chunked = chunked
        self.sent_it_all = False

    def __call__(self, peer: Peer) -> None:
        peer.request()
        piece = b"x" * 65536
        if self.chunked:
            peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            piece = b"%x\r\n%b\r\n" % (len(piece), piece)
        else:
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (800 * len(piece)))
        for _ in range(800):
            peer.send(piece)
        self.sent_it_all = True


def test_a_body_over_the_limit_is_invalid_and_not_read(loop_name: str) -> None:
    for chunked in (False, True):
        flood = _Flood(chunked)
        with raw_server(flood) as server:
            exchange = post(loop_name, server.url(), max_response_bytes=LIMIT)
            assert server.finished.wait(5)
        assert exchange.failure is SendAttemptResult.INVALID_RESPONSE
        assert exchange.explanation == f"response body larger than {LIMIT} bytes"
        assert not flood.sent_it_all


def test_a_body_over_the_limit_can_be_cut_instead(loop_name: str) -> None:
    for chunked in (False, True):
        flood = _Flood(chunked)
        with raw_server(flood) as server:
            exchange = post(loop_name, server.url(), max_response_bytes=LIMIT, cut_oversized=True)
            assert server.finished.wait(5)
        assert exchange.reply is not None and exchange.reply.status == 200
        assert len(exchange.reply.body) <= LIMIT
        assert not flood.sent_it_all


def test_a_request_larger_than_the_socket_buffers_is_sent_whole(loop_name: str) -> None:
    body = b'{"signedPayload":"' + b"x" * 16_000_000 + b'"}'

    async def post_big(url: str) -> SendAttemptResult | None:
        sender = Sender(1, USER_AGENT)
        try:
            return (await sender.post(url, body, 10)).failure
        finally:
            await sender.close()

    with raw_server(answering(response())) as server:
        failure = run_on(loop_name, post_big(server.url()))
    assert failure is None
    assert [request.body for request in server.requests] == [body]
