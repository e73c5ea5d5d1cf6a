"""Resident memory of ``serve`` under abusive calls, beside a 100 MB limit.

    python benchmarks/abuse.py              # 32 concurrent Upload Image calls of 32 MB each

The sandbox is ``serve`` on a fresh data dir (core 1). Each upload is a valid 3840x2160 PNG of
noise, stored uncompressed, padded with an ancillary chunk to just under the 32 MiB body limit,
so it passes every check and is decoded in full. RSS is sampled from /proc every 20 ms: before
the uploads, the peak while they run, and 2 s after the last one is answered. The limit is on
what the attack adds: peak and after, less before.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import threading
import time
import uuid
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _common import keep_off_generator_core, require
from _sandbox import bearer_token, sandbox
from PIL import Image

UPLOADS = 32
BODY_BYTES = 32 * 1024 * 1024 - 1024  # under max_image_bytes (33,554,432)
LIMIT_MB = 100
SETTLE_S = 2.0
MESSAGING = "/sandbox/inApps/v1/messaging"


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


class RssSampler:
    """The resident set of one process, sampled every 20 ms on a thread: its largest value."""

    def __init__(self, pid: int) -> None:
        self._status = Path(f"/proc/{pid}/status")
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def now_mb(self) -> float:
        for line in self._status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS in {self._status}")

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_mb = max(self.peak_mb, self.now_mb())

    def __enter__(self) -> RssSampler:
        self.peak_mb = self.now_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def upload_all(base: str, token: str, body: bytes) -> Counter[int]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "image/png"}
    with (
        httpx.Client(base_url=base + MESSAGING, headers=headers, timeout=300) as client,
        ThreadPoolExecutor(UPLOADS) as pool,
    ):
        put = lambda _: client.put(f"/image/{uuid.uuid4()}", content=body).status_code  # noqa: E731
        return Counter(pool.map(put, range(UPLOADS)))


def main() -> None:
    require("taskset")
    keep_off_generator_core()
    body = padded_png(BODY_BYTES)
    with sandbox() as box:
        sampler = RssSampler(box.pid)
        before = sampler.now_mb()
        started = time.monotonic()
        with sampler:
            statuses = upload_all(box.base, bearer_token(box), body)
            elapsed = time.monotonic() - started
            time.sleep(SETTLE_S)
        after = sampler.now_mb()
    answered = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))
    print(f"{UPLOADS} concurrent uploads of {len(body):,} bytes in {elapsed:.1f} s: {answered}")
    print(f"{'serve RSS (MB)':<24}{'before':>8}{'peak':>8}{'after':>8}{'limit':>8}")
    row = f"{before:8.0f}{sampler.peak_mb:8.0f}{after:8.0f}{LIMIT_MB:8d}"
    print(f"{'upload attack':<24}{row}")
    added = max(sampler.peak_mb, after) - before
    verdict = "over" if added > LIMIT_MB else "within"
    print(f"{verdict} the limit: {added:.0f} MB added at most", file=sys.stderr)


if __name__ == "__main__":
    main()
