"""A developer's Get Retention Message endpoint that answers every request with one fixed reply."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.threaded_servers import serving


@dataclass
class JsonTarget:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)  # each request's JSON body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops connections under 10 concurrent requests: false TIMED_OUTs.
    request_queue_size = 128

    def __init__(self, status: int, body: bytes, delay_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status, self.body, self.delay_s = status, body, delay_s
        self.target = JsonTarget(f"http://127.0.0.1:{self.server_address[1]}/retention")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        request = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.target.received.append(json.loads(request))
        time.sleep(self.server.delay_s)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a timed-out client
            self.send_response(self.server.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.server.body)))
            self.end_headers()
            self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def json_target(
    reply: dict[str, Any] | bytes, status: int = 200, delay_s: float = 0.0
) -> Iterator[JsonTarget]:
    """Serve ``reply`` (JSON-encoded unless bytes) on a free loopback port."""
    body = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
    server = _Server(status, body, delay_s)
    with serving(server):
        yield server.target
