"""Each way a server can fail is named with Apple's sendAttemptResult; post never raises for it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from appstore_sandbox.outbound.results import SendAttemptResult
from appstore_sandbox.outbound.sender import Sender
from tests.outbound.sending import BODY, USER_AGENT, post
from tests.outbound.servers import Peer, raw_server, response, run_on
from tests.targets import refused_url


def test_a_refused_connection_is_no_response(loop_name: str) -> None:
    exchange = post(loop_name, refused_url())
    assert exchange.failure is SendAttemptResult.NO_RESPONSE
    assert exchange.explanation == "connection refused"
    assert exchange.latency_us is None and exchange.sent_ns == 0


def _hang_up(peer: Peer) -> None:
    peer.request()


def _close_mid_response(peer: Peer) -> None:
    peer.request()
    peer.send(response(b'{"message": {}}')[:-5])


def _garbage(peer: Peer) -> None:
    peer.request()
    peer.send(b"HTTX/1.1 200 OK\r\n\r\n")


@pytest.mark.parametrize(
    ("serve", "result", "explanation"),
    [
        (
            _hang_up,
            SendAttemptResult.PREMATURE_CLOSE,
            "server closed the connection before answering",
        ),
        (
            _close_mid_response,
            SendAttemptResult.PREMATURE_CLOSE,
            "connection closed in the middle of the response",
        ),
        (_garbage, SendAttemptResult.INVALID_RESPONSE, "malformed HTTP response: "),
    ],
)
def test_a_server_that_breaks_off_or_talks_nonsense(
    loop_name: str, serve: Callable[[Peer], None], result: SendAttemptResult, explanation: str
) -> None:
    with raw_server(serve) as server:
        exchange = post(loop_name, server.url())
    assert exchange.failure is result
    assert exchange.explanation.startswith(explanation)
    assert exchange.latency_us is not None and exchange.sent_ns > 0


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "http:///no-host", "http://127.0.0.1:99999/"])
def test_an_invalid_url_is_other(loop_name: str, url: str) -> None:
    exchange = post(loop_name, url)
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == f"invalid URL: {url}"


def test_a_cancelled_post_closes_its_connection_and_is_cancelled(loop_name: str) -> None:
    closed = threading.Event()

    def wait_for_the_close(peer: Peer) -> None:
        peer.request()
        if peer.sock.recv(1) == b"":
            closed.set()

    async def cancel_a_post(url: str) -> None:
        sender = Sender(1, USER_AGENT)
        try:
            task = asyncio.ensure_future(sender.post(url, BODY, 5))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert closed.wait(5)  # before the sender closes its pool
        finally:
            await sender.close()

    with raw_server(wait_for_the_close) as server:
        run_on(loop_name, cancel_a_post(server.url()))
