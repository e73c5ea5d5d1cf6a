"""Child processes of the CLI (used by ``demo``): start, wait for the ready line, stop."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from appstore_sandbox.cli.errors import CliError

START_TIMEOUT_S = 60


@contextmanager
def child(arguments: list[str], ready_prefix: str) -> Iterator[str]:
    """Run ``appstore-sandbox ARGUMENTS``; yield the rest of its line starting ``ready_prefix``."""
    command = [sys.executable, "-m", "appstore_sandbox", *arguments]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    try:
        line = _ready_line(process, " ".join(arguments[:2]), ready_prefix)
        # Keep reading what it prints, so a full pipe never blocks it.
        threading.Thread(target=process.stdout.read, daemon=True).start()  # type: ignore[union-attr]
        yield line
    finally:
        process.terminate()
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _ready_line(process: subprocess.Popen[str], name: str, prefix: str) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            last = "".join(seen).strip().splitlines()[-1:] or ["no output"]
            raise CliError(f"{name} exited during start-up: {last[0]}")
        seen.append(line)
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
    raise CliError(f"{name} did not start within {START_TIMEOUT_S} s")
