"""The sender's clock runs from writing the request to reading the whole answer, redirects included.

Real servers on loopback answer after a fixed delay; the recorded latency must cover it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from appstore_sandbox.notifications.delivery import judge_notification_reply
from appstore_sandbox.outbound.results import Attempt, SendAttemptResult, judged
from appstore_sandbox.outbound.sender import Sender
from tests.reply_targets import target, url_of
from tests.threaded_servers import serving

DELAY_S = 0.05


def _post(url: str) -> Attempt:
    async def send() -> Attempt:
        sender = Sender(4, "appstore-sandbox tests")
        try:
            exchange = await sender.post(url, b'{"signedPayload":"x"}', 5)
            return judged(exchange, judge_notification_reply)
        finally:
            await sender.close()

    return asyncio.run(send())


@contextlib.contextmanager
def _redirecting_to(location: str) -> Iterator[str]:
    """A server that waits DELAY_S, then answers 307 to ``location`` (the body is sent again)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(DELAY_S)
            self.send_response(307)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}/"


def _ok() -> tuple[int, str, bytes]:
    return 200, "application/json", b"{}"


def test_latency_covers_the_servers_delay() -> None:
    with target(_ok, DELAY_S) as server:
        attempt = _post(url_of(server))
    assert attempt.result == SendAttemptResult.SUCCESS
    assert attempt.latency_us is not None and attempt.latency_us >= DELAY_S * 1_000_000


def test_a_redirected_request_is_timed_from_its_first_write() -> None:
    with target(_ok, DELAY_S) as final, _redirecting_to(url_of(final)) as first:
        attempt = _post(first)
    assert attempt.result == SendAttemptResult.SUCCESS
    assert attempt.latency_us is not None and attempt.latency_us >= 2 * DELAY_S * 1_000_000
