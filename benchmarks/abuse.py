"""RSS of ``serve`` under what a stranger can send: a header flood, junk bearer tokens and
concurrent image uploads.

    python benchmarks/abuse.py            # about a minute

Four attacks, each on a fresh sandbox (``serve`` on core 1, a free loopback port):

- a header flood: one request of 16 million tiny headers (``a:\\r\\n``, 76 MB in all);
- one request whose ``Authorization`` header is 100 MB;
- 300 requests on Apple's surface, each with a distinct 4 MB junk token shaped like ES256;
- 32 concurrent Upload Image calls of 32 MB each, with a valid token: a 3840x2160 PNG of
  noise stored uncompressed and padded with an ancillary chunk to just under the body limit, so
  that each passes every check and is decoded in full.

For each: the server's RSS before, the peak sampled every 20 ms while it ran, and after (once
the connections are closed), beside the limit: the peak at most 100 MB above the start.
"""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import struct
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from _common import keep_off_generator_core, print_table, require
from _sandbox import Sandbox, bearer_token, sandbox
from PIL import Image

MB = 1_000_000
LIMIT_MB = 100
CHUNK = 1 << 20
HEADER_FLOOD_COUNT = 16_000_000
HUGE_AUTHORIZATION_BYTES = 100 * MB
JUNK_TOKENS, JUNK_TOKEN_BYTES = 300, 4 * MB
APPLE_PATH = "/sandbox/inApps/v1/messaging/message/list"
UPLOADS = 32
UPLOAD_BYTES = 32 * 1024 * 1024 - 1024  # under max_image_bytes (33,554,432)


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
        yield b"GET /_sandbox/v1/health HTTP/1.1\r\nHost: localhost\r\n"
        block = b"a:\r\n" * (CHUNK // 4)
        for _ in range(HEADER_FLOOD_COUNT // (CHUNK // 4)):
            yield block
        yield b"\r\n"

    with connect(box) as connection:
        return send_until_refused(connection, pieces())


def huge_authorization(box: Sandbox) -> str:
    def pieces() -> Iterator[bytes]:
        yield f"GET {APPLE_PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ".encode()
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
        request = f"GET {APPLE_PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        request += junk_token() + "\r\nConnection: close\r\n\r\n"
        with connect(box) as connection:
            statuses.add(send_until_refused(connection, iter([request.encode()])))
    return ", ".join(sorted(statuses))


def padded_png(size: int) -> bytes:
    """A valid FULL_SIZE PNG of ``size`` bytes: noise, uncompressed, then a padding chunk."""
    noise = Image.frombytes("RGB", (3840, 2160), os.urandom(3840 * 2160 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG", compress_level=0)
    png = buffer.getvalue()
    padding = b"\0" * (size - len(png) - 12)  # 12: the chunk's length, type and CRC
    chunk = struct.pack(">I", len(padding)) + b"paDd" + padding
    chunk += struct.pack(">I", zlib.crc32(chunk[4:]))
    ihdr_end = 8 + 25
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def uploads(box: Sandbox) -> str:
    body = padded_png(UPLOAD_BYTES)
    headers = {"Authorization": f"Bearer {bearer_token(box)}", "Content-Type": "image/png"}
    messaging = box.base + "/sandbox/inApps/v1/messaging"
    with (
        httpx.Client(base_url=messaging, headers=headers, timeout=300) as client,
        ThreadPoolExecutor(UPLOADS) as pool,
    ):
        put = lambda _: client.put(f"/image/{uuid.uuid4()}", content=body).status_code  # noqa: E731
        statuses = Counter(pool.map(put, range(UPLOADS)))
    return ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))


def main() -> None:
    require("taskset")
    keep_off_generator_core()
    attacks: list[tuple[str, Callable[[Sandbox], str]]] = [
        ("header flood, 16M headers (76 MB)", header_flood),
        ("Authorization of 100 MB", huge_authorization),
        (f"{JUNK_TOKENS} junk tokens of 4 MB", junk_tokens),
        (f"{UPLOADS} concurrent 32 MB image uploads", uploads),
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
