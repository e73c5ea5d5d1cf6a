"""The poll storm: many GETs of a running test's report, from a process of its own.

``Relay`` sits between the ``perf-test`` CLI and the sandbox and notes the requestId of the run
the CLI starts (the CLI prints it only at the end), so the storm can poll that run meanwhile.
Run as a script this is the storm itself:
``python _storm.py --url REPORT_URL --rate 200 --max-seconds 40``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _common import SERVER_CORE, pinned
from _sandbox import Sandbox, nearest_rank


class _Forward(BaseHTTPRequestHandler):
    """One request of the CLI, passed on to the sandbox; its answer, passed back."""

    protocol_version = "HTTP/1.1"
    server: Relay

    def do_GET(self) -> None:
        self._reply(*self.server.forward(self.command, self.path, self._body(), self.headers))

    do_POST = do_GET

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _reply(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Relay(ThreadingHTTPServer):
    """Forwards the CLI's requests to the sandbox and notes the requestId of the run it starts,
    so a poll storm can poll that run while the CLI (which prints it only at the end) waits."""

    def __init__(self, box: Sandbox) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.started = threading.Event()
        self.request_id = ""
        self._target = urlsplit(box.base)

    def forward(
        self, method: str, path: str, body: bytes | None, headers: Message
    ) -> tuple[int, str, bytes]:
        upstream = http.client.HTTPConnection(str(self._target.hostname), self._target.port, 30)
        try:
            content_type = headers.get("Content-Type", "application/json")
            upstream.request(method, path, body, {"Content-Type": content_type})
            reply = upstream.getresponse()
            data = reply.read()
        finally:
            upstream.close()
        if method == "POST" and path.endswith("/performance-tests") and reply.status < 300:
            self.request_id = json.loads(data)["requestId"]
            self.started.set()
        return reply.status, reply.getheader("Content-Type", ""), data

    def __enter__(self) -> Relay:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


@contextlib.contextmanager
def poll_storm(report_url: str, rate: float, max_s: float) -> Iterator[dict[str, float]]:
    """GETs of ``report_url`` at ``rate`` per second, from a process on the server core, until
    the run is final (or ``max_s``); the dict is filled with its numbers on leaving."""
    command = [sys.executable, str(Path(__file__)), "--url", report_url]
    command += ["--rate", str(rate), "--max-seconds", str(max_s)]
    process = subprocess.Popen(pinned(SERVER_CORE, command), stdout=subprocess.PIPE, text=True)
    numbers: dict[str, float] = {}
    try:
        yield numbers
        output, _ = process.communicate(timeout=max_s + 30)
        numbers.update(json.loads(output.strip().splitlines()[-1]))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


class _Storm:
    """``threads`` pollers, each on its own keep-alive connection, together offering ``rate``
    GETs per second (fewer get answered when each takes long) until the run is final."""

    def __init__(self, url: str, rate: float, max_s: float, threads: int = 8) -> None:
        self._url, self._rate, self._threads = urlsplit(url), rate, threads
        self._until = time.monotonic() + max_s
        self.latencies_ms: list[float] = []
        self.errors = 0
        self._final = threading.Event()

    def run(self) -> dict[str, float]:
        started = time.monotonic()
        workers = [threading.Thread(target=self._poll, args=(n,)) for n in range(self._threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return self._numbers(time.monotonic() - started)

    def _poll(self, offset: int) -> None:
        connection = http.client.HTTPConnection(str(self._url.hostname), self._url.port, 10)
        due = time.monotonic() + offset / self._rate
        while not self._final.is_set() and time.monotonic() < self._until:
            time.sleep(max(0.0, due - time.monotonic()))
            due += self._threads / self._rate
            sent = time.perf_counter()
            try:
                connection.request("GET", self._url.path)
                result = json.loads(connection.getresponse().read())["result"]["result"]
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                self.errors += 1
                connection.close()
                continue
            self.latencies_ms.append((time.perf_counter() - sent) * 1000)
            if result != "PENDING":
                self._final.set()

    def _numbers(self, seconds: float) -> dict[str, float]:
        latencies = self.latencies_ms or [0.0]
        return {
            "polls": len(self.latencies_ms),
            "polls per s": len(self.latencies_ms) / seconds,
            "poll p50 ms": statistics.median(latencies),
            "poll p99 ms": nearest_rank(latencies, 99),
            "poll errors": self.errors,
        }


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args()
    print(json.dumps(_Storm(args.url, args.rate, args.max_seconds).run()))


if __name__ == "__main__":
    _main()
