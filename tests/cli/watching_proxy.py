"""A reverse proxy in front of a sandbox that notes every request a CLI process sends through it.

It tells a test when a command has reached a given step (say, polling a report), which nothing
the command prints would show.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.threaded_servers import serving

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class WatchingProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = httpx.Client(base_url=upstream, timeout=30)
        self.seen: list[tuple[str, str]] = []
        self._changed = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def note(self, method: str, path: str) -> None:
        with self._changed:
            self.seen.append((method, path))
            self._changed.notify_all()

    def wait_for(self, method: str, path_prefix: str, timeout_s: float = 30) -> bool:
        """Whether a ``method`` request for a path starting with ``path_prefix`` came through."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not any(m == method and p.startswith(path_prefix) for m, p in self.seen):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: WatchingProxy

    def _forward(self) -> None:
        self.server.note(self.command, self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        answer = self.server.upstream.request(
            self.command, self.path, content=body, headers=headers
        )
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def watching_proxy(upstream: str) -> Iterator[WatchingProxy]:
    proxy = WatchingProxy(upstream)
    try:
        with serving(proxy):
            yield proxy
    finally:
        proxy.upstream.close()
