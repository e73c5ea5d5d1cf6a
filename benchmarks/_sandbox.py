"""The product path: a sandbox started with ``serve``, runs started with the ``perf-test`` CLI.

Everything here goes through the command line (``serve`` started by the package's one launcher,
as ``Sandbox()`` starts it) and the HTTP control surface, never through the server's modules, so
the benchmarks measure what a user runs whatever the engine looks like inside. The CLI runs under
a pseudo-terminal, so its live progress bar (and the polling behind it) is on as a user sees it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from urllib.request import Request, urlopen

import jwt
from _common import GENERATOR_CORE, MESSAGE_BODY, pinned, send_json

from appstore_sandbox.control_client import ControlClient
from appstore_sandbox.serve_process import ServeProcess

Report = dict[str, Any]
BUNDLE_ID = "com.example.app"
MESSAGE_ID = json.loads(MESSAGE_BODY)["message"]["messageIdentifier"]
START_TIMEOUT_S = 60
PAGE = 1000  # the largest page /requests serves
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]")
_REQUEST_ID = re.compile(r"requestId\s+([0-9a-f]{8}-[0-9a-f-]{27})")
_PROGRESS_BAR = "━"  # rich's BarColumn; only drawn while the live progress is on


# --- the sandbox ------------------------------------------------------------------


@dataclass(frozen=True)
class Sandbox:
    base: str  # http://127.0.0.1:PORT
    pid: int
    facts: dict[str, Any]  # what serve wrote in its ready file

    def runs_path(self) -> str:
        return f"/_sandbox/v1/apps/{quote(BUNDLE_ID, safe='')}/performance-tests"

    def report_url(self, request_id: str) -> str:
        return f"{self.base}{self.runs_path()}/{request_id}"

    def get(self, path_or_url: str, timeout_s: float = 30) -> Any:
        path = path_or_url.removeprefix(self.base)
        with ControlClient(self.base, timeout=timeout_s) as control:
            return control.json("GET", path)


@contextlib.contextmanager
def sandbox(core: int = GENERATOR_CORE) -> Iterator[Sandbox]:
    """``appstore-sandbox serve`` on a fresh data dir and a free port, pinned to ``core``."""
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as data_dir:
        server = ServeProcess(
            Path(data_dir) / "data",
            command_prefix=pinned(core, []),
            start_timeout_s=START_TIMEOUT_S,
        )
        try:
            server.start()
            box = Sandbox(server.base_url, server.pid, server.facts)
            upload_message(box)
            yield box
        finally:
            server.stop()


def _stop(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def bearer_token(box: Sandbox) -> str:
    """A token for Apple's API of the default app, signed with its key (30 minutes)."""
    now = int(time.time())
    app = box.facts["defaultApp"]
    claims = {"iss": app["issuerId"], "iat": now, "exp": now + 1800}
    claims |= {"aud": "appstoreconnect-v1", "bid": BUNDLE_ID}
    key = Path(app["keyFile"]).read_bytes()
    kid = app["keyId"]
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


def upload_message(box: Sandbox) -> None:
    """Upload the message the targets answer with (Apple's Upload Message, signed with the
    default key), so every reply fits the app's catalog as a developer's would."""
    headers = {"Authorization": f"Bearer {bearer_token(box)}", "Content-Type": "application/json"}
    body = json.dumps({"header": "Before you go", "body": "Stay one more month."}).encode()
    url = f"{box.base}/sandbox/inApps/v1/messaging/message/{MESSAGE_ID}"
    urlopen(Request(url, body, headers, method="PUT"), timeout=30).close()


# --- perf-test under a pseudo-terminal -------------------------------------------------


@dataclass(frozen=True)
class Run:
    report: Report
    progress_drawn: bool  # the live progress bar appeared on the terminal


def perf_test(
    box: Sandbox,
    url: str,
    total: int,
    concurrency: int,
    timeout_s: float,
    server: str | None = None,
) -> Run:
    """Run ``perf-test --rate max`` on the generator core under a pty; the run's full report.

    ``server`` is where the CLI sends its requests (the sandbox unless given).
    """
    command = [sys.executable, "-m", "appstore_sandbox", "perf-test", "--server"]
    command += [server or box.base, "--url", url, "--total", str(total)]
    command += ["--concurrency", str(concurrency), "--rate", "max"]
    status, output = run_in_pty(pinned(GENERATOR_CORE, command), timeout_s)
    text = _ANSI.sub("", output)
    found = _REQUEST_ID.search(text)
    if status not in (0, 1) or found is None:  # 1: the test ran and FAILed
        raise RuntimeError(f"perf-test exited {status}:\n{text[-2000:]}")
    report = box.get(box.report_url(found.group(1)))
    return Run(report, _PROGRESS_BAR in text)


def run_in_pty(command: list[str], timeout_s: float) -> tuple[int, str]:
    """Run ``command`` with a pseudo-terminal as stdin, stdout and stderr; status and output."""
    controller, terminal = pty.openpty()
    _set_window(terminal, rows=40, columns=120)
    env = {**os.environ, "TERM": os.environ.get("TERM") or "xterm-256color"}
    process = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, env=env, start_new_session=True
    )
    os.close(terminal)
    try:
        output = _drain(controller, process, time.monotonic() + timeout_s)
    finally:
        os.close(controller)
        if process.poll() is None:
            _stop(process)
    return process.wait(), output


def _set_window(fd: int, rows: int, columns: int) -> None:
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _drain(fd: int, process: subprocess.Popen[bytes], deadline: float) -> str:
    """Read the terminal until the command exits (EIO once no one holds it open)."""
    chunks: list[bytes] = []
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{process.args!r} still running after its time bound")
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


# --- what the report says ----------------------------------------------------------------


@dataclass(frozen=True)
class Percentiles:
    p50_ms: float
    p99_ms: float
    source: str


def percentiles(box: Sandbox, report: Report) -> Percentiles:
    """The most precise p50/p99 the product gives for a finished run.

    ``responseTimesUs`` when the report has it; else the run's per-request records
    (``/requests``, microseconds); else Apple's whole milliseconds.
    """
    precise = report.get("responseTimesUs")
    if precise:
        return Percentiles(precise["p50"] / 1000, precise["p99"] / 1000, "responseTimesUs")
    latencies = request_latencies_ms(box, report["requestId"])
    if latencies:
        p50, p99 = nearest_rank(latencies, 50), nearest_rank(latencies, 99)
        return Percentiles(p50, p99, "per-request records (/requests)")
    times = report["result"]["responseTimes"]
    return Percentiles(float(times["p50"]), float(times["p99"]), "responseTimes (whole ms)")


def request_latencies_ms(box: Sandbox, request_id: str) -> list[float]:
    """Every recorded latency of the run, paging through its ``/requests`` listing."""
    path = f"{box.runs_path()}/{request_id}/requests"
    latencies: list[float] = []
    offset, total = 0, 1
    while offset < total:
        page = box.get(f"{path}?offset={offset}&limit={PAGE}")
        total = page["total"]
        latencies += [r["latencyMs"] for r in page["requests"] if r["latencyMs"] is not None]
        offset += PAGE
    return latencies


def nearest_rank(values: list[float], percentile: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percentile / 100 * len(ordered)) - 1)]


def elapsed_s(report: Report) -> float:
    return float(report["elapsedMs"]) / 1000


def failed(report: Report) -> int:
    """Requests of the run that did not succeed; said on stderr when there are any (a late
    reply still counts in the percentiles, at the time waited)."""
    count = int(report["result"]["config"]["totalRequests"] - report["successes"])
    if count:
        failures = report["result"]["failures"]
        print(f"note: {count} requests of the run failed: {failures}", file=sys.stderr)
    return count


def engine_numbers(report: Report) -> dict[str, float]:
    """The engine object's numbers (send lag, peak RSS) when the report has them; else none."""
    engine = report.get("engine") or {}
    lag = engine.get("sendLagMs") or {}
    numbers = {f"send lag {name} ms": lag.get(name) for name in ("p50", "p99", "max")}
    numbers["engine peak RSS MB"] = engine.get("peakRssKb") and engine["peakRssKb"] / 1024
    return {name: float(value) for name, value in numbers.items() if value is not None}


def engine_peak_rss_kb(report: Report) -> int | None:
    return (report.get("engine") or {}).get("peakRssKb")


def engine_line(report: Report) -> str:
    """One line about the engine process, n/a for what the report's ``engine`` object lacks."""
    engine = report.get("engine")
    if not engine:
        return "engine process: n/a (the report has no 'engine' object)"
    lag = engine.get("sendLagMs") or {}
    rss = engine.get("peakRssKb")
    lags = " / ".join(_number(lag.get(name), "{:.2f}") for name in ("p50", "p99", "max"))
    return (
        f"engine process: pid {engine.get('pid', 'n/a')}, clock {engine.get('clock', 'n/a')}, "
        f"peak RSS {_number(rss and rss / 1024, '{:.1f} MB')}, send lag p50/p99/max {lags} ms"
    )


def _number(value: float | None, form: str) -> str:
    return "n/a" if value is None else form.format(value)


def warn_without_progress(run: Run) -> None:
    if not run.progress_drawn:
        print("warning: perf-test drew no live progress bar in this run", file=sys.stderr)


# --- one signed body, as the engine posts it ------------------------------------------------


@contextlib.contextmanager
def signed_body_file(box: Sandbox, reply: bytes) -> Iterator[Path]:
    """A file holding one body the engine posted (so Locust and wrk post the same size)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bodies: list[bytes] = []

    class Capture(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            send_json(self, reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Capture) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        perf_test(box, f"http://127.0.0.1:{server.server_address[1]}/", 1, 1, timeout_s=60)
        server.shutdown()
    with tempfile.TemporaryDirectory(prefix="bench-body-") as directory:
        path = Path(directory) / "body.json"
        path.write_bytes(bodies[0])
        yield path
