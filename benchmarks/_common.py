"""Shared benchmark helpers: targets on loopback, CPU pinning, subprocesses, medians, tables.

Run as a script it is the fixed-delay target server:
``python _common.py delay-server --port P --delay-ms 50``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVER_CORE, GENERATOR_CORE = 0, 1
RUNS = 3
MESSAGE_BODY = '{"message":{"messageIdentifier":"6c3a1f0e-9b2d-4e5f-8a7b-1c2d3e4f5a6b"}}'

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    keepalive_requests 10000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type application/json;
            return 200 '{body}';
        }}
    }}
}}
"""


# --- prerequisites and processes --------------------------------------------


def tool(name: str) -> str | None:
    """Where a command-line tool is: on PATH, or beside this Python (an inactive venv)."""
    search = os.pathsep.join([os.environ.get("PATH", ""), str(Path(sys.executable).parent)])
    return shutil.which(name, path=search)


def require(*tools: str) -> None:
    """Exit with a clear message if any command-line tool is missing or the CPUs are too few."""
    missing = [name for name in tools if tool(name) is None]
    problems = [f"  {tool}: not found on PATH" for tool in missing]
    if os.cpu_count() is None or os.cpu_count() < 2:  # type: ignore[operator]
        problems.append("  CPUs: need at least 2 (target on core 0, generator on core 1)")
    if problems:
        hints = {
            "nginx": "apt-get install -y nginx",
            "wrk": "apt-get install -y wrk",
            "locust": "pip install -e '.[bench]'",
            "taskset": "apt-get install -y util-linux",
        }
        lines = ["missing prerequisites:", *problems]
        lines += [f"  install {name} with: {hints[name]}" for name in missing if name in hints]
        sys.exit("\n".join(lines))


def keep_off_generator_core() -> None:
    """Pin this process (its helper threads: terminal reader, samplers) to the server core, so
    only the measured generator runs on the generator core."""
    os.sched_setaffinity(0, {SERVER_CORE})


def pinned(core: int, command: Sequence[str]) -> list[str]:
    return ["taskset", "-c", str(core), *command]


def run(command: Sequence[str], timeout_s: float, env: dict[str, str] | None = None) -> str:
    """Run ``command`` to completion and return its stdout; fail loudly with its stderr."""
    done = subprocess.run(
        list(command), capture_output=True, text=True, timeout=timeout_s, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"target exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout_s} s")


@contextlib.contextmanager
def _process(command: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def nginx_target() -> Iterator[str]:
    """nginx (one worker, on the server core) answering every request with a valid reply."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as directory:
        conf = Path(directory) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=directory, port=port, body=MESSAGE_BODY))
        command = pinned(SERVER_CORE, ["nginx", "-p", directory, "-e", "stderr", "-c", str(conf)])
        with _process(command, port):
            yield f"http://127.0.0.1:{port}/"


@contextlib.contextmanager
def delay_target(delay_ms: float) -> Iterator[tuple[str, int]]:
    """The fixed-delay server below, on the server core; yields its URL and process id."""
    port = free_port()
    server = [sys.executable, str(Path(__file__)), "delay-server"]
    server += ["--port", str(port), "--delay-ms", str(delay_ms)]
    with _process(pinned(SERVER_CORE, server), port) as process:
        yield f"http://127.0.0.1:{port}/", process.pid


def cpu_seconds(pid: int, reaped_children: bool = False) -> float:
    """User + system CPU time a process has used so far; with ``reaped_children``, instead the
    time of its children that have exited and been waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    first = 13 if reaped_children else 11  # cutime and cstime follow utime and stime
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


# --- a CPU hog ------------------------------------------------------------------


@contextlib.contextmanager
def cpu_hog(core: int, max_s: float) -> Iterator[int]:
    """A busy loop pinned to ``core`` (it stops by itself after ``max_s``); yields its pid."""
    loop = f"import time\nend = time.monotonic() + {max_s}\nwhile time.monotonic() < end: pass"
    process = subprocess.Popen(pinned(core, [sys.executable, "-c", loop]))
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


def warn_if_busy(sample_s: float = 1.0) -> None:
    """Say so on stderr if other processes keep the CPUs busy: the numbers will be noisy."""

    def busy_and_total() -> tuple[int, int]:
        ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # minus idle and iowait

    busy_before, total_before = busy_and_total()
    time.sleep(sample_s)
    busy_after, total_after = busy_and_total()
    share = (busy_after - busy_before) / max(1, total_after - total_before)
    if share > 0.10:
        print(
            f"warning: the CPUs are {share:.0%} busy before starting; expect noise", file=sys.stderr
        )


# --- numbers and tables ---------------------------------------------------------


def median_of_runs(
    runs: int, label: str, one_run: Callable[[], dict[str, float]]
) -> dict[str, float]:
    """Call ``one_run`` (which measures every side once, so drift hits all sides) ``runs`` times,
    printing each run's numbers to stderr; the median of each number."""
    results = []
    for attempt in range(1, runs + 1):
        results.append(one_run())
        numbers = ", ".join(f"{name} {value:,.2f}" for name, value in results[-1].items())
        print(f"{label}, run {attempt}/{runs}: {numbers}", file=sys.stderr)
    return {name: statistics.median(r[name] for r in results) for name in results[0]}


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Right-aligned columns, ``|`` between them, a rule under the header."""
    widths = [max(map(len, column)) for column in zip(headers, *rows, strict=True)]
    for number, row in enumerate([headers, *rows]):
        print(" | ".join(f"{cell:>{width}}" for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("-+-".join("-" * width for width in widths))


# --- the fixed-delay target -------------------------------------------------------


class _DelayedReplies(asyncio.Protocol):
    """HTTP/1.1 keep-alive: every complete request gets the reply ``delay_s`` later."""

    def __init__(self, delay_s: float, reply: bytes) -> None:
        self._delay_s, self._reply = delay_s, reply
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self._buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self._buffer) < end + 4 + length:
                return
            self._buffer = self._buffer[end + 4 + length :]
            asyncio.get_running_loop().call_later(self._delay_s, self._send)

    def _send(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(self._reply)


async def _serve_delayed(port: int, delay_s: float) -> None:
    body = MESSAGE_BODY.encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    reply = (head + "\r\nConnection: keep-alive\r\n\r\n").encode() + body
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _DelayedReplies(delay_s, reply), "127.0.0.1", port, backlog=1024
    )
    async with server:
        await server.serve_forever()


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["delay-server"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    args = parser.parse_args()
    import uvloop

    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(_serve_delayed(args.port, args.delay_ms / 1000))


if __name__ == "__main__":
    _main()


def send_json(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    """Answer the request ``handler`` is serving with 200 and ``body`` as JSON."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


# --- Locust, the reference for throughput -----------------------------------------------------


@dataclass(frozen=True)
class LocustRun:
    requests: int
    seconds: float  # from its start to its last request
    cpu_s: float  # user + system time of the Locust process

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds


def locust_run(url: str, users: int, body_file: Path, seconds: int) -> LocustRun:
    """Locust's FastHttpUser posting ``body_file`` (headless, one process, no wait time) with
    ``users`` users for ``seconds``, on the generator core."""
    command = [str(tool("locust")), "-f", str(HERE / "_locustfile.py"), "--headless"]
    command += ["--only-summary", "--users", str(users), "--spawn-rate", str(users)]
    command += ["--run-time", f"{seconds}s", "--stop-timeout", "0"]
    command += ["--host", url.rstrip("/"), "--json", "--loglevel", "WARNING"]
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file)}
    before = os.times()
    entries = json.loads(run(pinned(GENERATOR_CORE, command), seconds + 60, env))
    after = os.times()
    failures = sum(entry["num_failures"] for entry in entries)
    if failures:
        raise RuntimeError(f"locust saw {failures} failed requests")
    return LocustRun(
        requests=sum(entry["num_requests"] for entry in entries),
        seconds=max(e["last_request_timestamp"] for e in entries)
        - min(e["start_time"] for e in entries),
        cpu_s=children_cpu_s(after) - children_cpu_s(before),
    )


def children_cpu_s(times: os.times_result) -> float:
    """CPU time of this process's children that have exited, from ``os.times()``."""
    return times.children_user + times.children_system
