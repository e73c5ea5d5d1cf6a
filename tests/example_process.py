"""Runs the real ``appstore-sandbox example-server`` in a subprocess on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

READY = "Example server ready on "
START_TIMEOUT_S = 30


def example_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "appstore_sandbox", "example-server", "--port", "0", *args]


@contextmanager
def example_server(sandbox_url: str, *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Yields the server's base URL and its process; stops it afterwards."""
    command = example_command("--server", sandbox_url, "--quiet", *args)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield _read_ready_url(process), process
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _read_ready_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise RuntimeError("example server exited during start-up:\n" + "".join(seen))
        seen.append(line)
        if line.startswith(READY):
            return line.removeprefix(READY).strip()
    raise RuntimeError("example server did not start in time:\n" + "".join(seen))
