"""A developer's endpoint whose every answer comes from a function, after a per-request delay."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.threaded_servers import serving

# A target's answer to every request: (HTTP status, Content-Type, body).
Reply = Callable[[], tuple[int, str, bytes]]
HOLD_TIMEOUT_S = 30


def retention_message() -> tuple[int, str, bytes]:
    body = {"message": {"messageIdentifier": str(uuid.uuid4())}}
    return 200, "application/json", json.dumps(body).encode()


def server_error() -> tuple[int, str, bytes]:
    return 500, "text/plain", b"internal error: database is down"


def html_page() -> tuple[int, str, bytes]:
    return 200, "text/html; charset=utf-8", b"<html><body>Welcome!</body></html>"


class TargetServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops connections under 10 concurrent requests: false TIMED_OUTs.
    request_queue_size = 128

    def __init__(
        self, reply: Reply, delays_s: Iterator[float], hold: threading.Event | None
    ) -> None:
        super().__init__(("127.0.0.1", 0), _TargetHandler)
        self.reply = reply
        self.delays_s = delays_s
        self.hold = hold
        self.first_request = threading.Event()


class _TargetHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: TargetServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.first_request.set()
        if self.server.hold is not None:
            self.server.hold.wait(HOLD_TIMEOUT_S)
        time.sleep(next(self.server.delays_s))
        status, content_type, body = self.server.reply()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a timed-out client
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def target(
    reply: Reply, *delays_s: float, hold: threading.Event | None = None
) -> Iterator[TargetServer]:
    """A developer's endpoint on a free loopback port, answering every POST with ``reply``.

    Request n waits ``delays_s[n % len(delays_s)]`` seconds first; with ``hold``, every request
    also waits until that event is set.
    """
    server = TargetServer(reply, itertools.cycle(delays_s or (0,)), hold)
    with serving(server):
        yield server


def url_of(server: TargetServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"
