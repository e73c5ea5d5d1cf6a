"""RSS of ``serve`` under what a stranger can send: a header flood and junk bearer tokens.

    python benchmarks/abuse.py            # about 30 s

Three attacks, each on a fresh sandbox (``serve`` on core 1, a free loopback port):

- a header flood: one request of 16 million tiny headers (``a:\\r\\n``, 76 MB in all);
- one request whose ``Authorization`` header is 100 MB;
- 300 requests on Apple's surface, each with a distinct 4 MB junk token shaped like ES256.

For each: the server's RSS before, the peak sampled every 20 ms while it ran, and after (once
the connections are closed), beside the limit: the peak at most 100 MB above the start.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from _common import print_table, require
from _sandbox import Sandbox, sandbox

MB = 1_000_000
LIMIT_MB = 100
CHUNK = 1 << 20
HEADER_FLOOD_COUNT = 16_000_000
HUGE_AUTHORIZATION_BYTES = 100 * MB
JUNK_TOKENS, JUNK_TOKEN_BYTES = 300, 4 * MB
APPLE_PATH = "/sandbox/inApps/v1/messaging/message/list"


@dataclass
class Peak:
    before_mb: float
    peak_mb: float = 0.0
    after_mb: float = 0.0


@contextmanager
def sampled(pid: int) -> Iterator[Peak]:
    peak = Peak(before_mb=rss_mb(pid))
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak.peak_mb = max(peak.peak_mb, rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()
        time.sleep(1)  # let the server notice closed connections
        peak.after_mb = rss_mb(pid)
        peak.peak_mb = max(peak.peak_mb, peak.after_mb)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kilobytes) * 1024 / MB


def connect(box: Sandbox) -> socket.socket:
    address = urlsplit(box.base)
    assert address.hostname and address.port
    return socket.create_connection((address.hostname, address.port), timeout=60)


def send_until_refused(connection: socket.socket, pieces: Iterator[bytes]) -> str:
    """Send every piece, or stop when the server closes; its status line, if it sent one."""
    try:
        for piece in pieces:
            connection.sendall(piece)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        return connection.recv(65536).split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
    except (ConnectionResetError, TimeoutError):
        return "closed"


def header_flood(box: Sandbox) -> str:
    def pieces() -> Iterator[bytes]:
        yield b"GET /_sandbox/v1/health HTTP/1.1\r\nHost: x\r\n"
        block = b"a:\r\n" * (CHUNK // 4)
        for _ in range(HEADER_FLOOD_COUNT // (CHUNK // 4)):
            yield block
        yield b"\r\n"

    with connect(box) as connection:
        return send_until_refused(connection, pieces())


def huge_authorization(box: Sandbox) -> str:
    def pieces() -> Iterator[bytes]:
        yield f"GET {APPLE_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ".encode()
        for _ in range(HUGE_AUTHORIZATION_BYTES // CHUNK):
            yield b"A" * CHUNK
        yield b"\r\n\r\n"

    with connect(box) as connection:
        return send_until_refused(connection, pieces())


def junk_token() -> str:
    """Shaped like an ES256 token (each part decodes), under a key id nobody registered."""
    header = json.dumps({"alg": "ES256", "kid": "JUNK", "typ": "JWT"}).encode()
    payload = os.urandom(JUNK_TOKEN_BYTES * 3 // 4)
    return ".".join(b64(part) for part in (header, payload, os.urandom(64)))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def junk_tokens(box: Sandbox) -> str:
    statuses: set[str] = set()
    for _ in range(JUNK_TOKENS):
        request = f"GET {APPLE_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        request += junk_token() + "\r\nConnection: close\r\n\r\n"
        with connect(box) as connection:
            statuses.add(send_until_refused(connection, iter([request.encode()])))
    return ", ".join(sorted(statuses))


def main() -> None:
    require("taskset")
    attacks: list[tuple[str, Callable[[Sandbox], str]]] = [
        ("header flood, 16M headers (76 MB)", header_flood),
        ("Authorization of 100 MB", huge_authorization),
        (f"{JUNK_TOKENS} junk tokens of 4 MB", junk_tokens),
    ]
    rows = []
    for name, attack in attacks:
        with sandbox() as box, sampled(box.pid) as peak:
            answer = attack(box)
        verdict = "ok" if peak.peak_mb - peak.before_mb <= LIMIT_MB else "OVER"
        rows.append(
            [
                name,
                answer,
                f"{peak.before_mb:.0f}",
                f"{peak.peak_mb:.0f}",
                f"{peak.after_mb:.0f}",
                f"+{LIMIT_MB} {verdict}",
            ]
        )
    print_table(["attack", "answer", "RSS before MB", "peak MB", "after MB", "limit"], rows)


if __name__ == "__main__":
    main()
