"""``appstore-sandbox perf-test`` as a real subprocess, against a real sandbox and a real target."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_process import SandboxProcess

CLI_TIMEOUT_S = 60
SHORT_RUN = ("--total", "20", "--duration", "500", "--rate", "max")

# A target's answer to every request: (HTTP status, Content-Type, body).
Reply = Callable[[], tuple[int, str, bytes]]


def retention_message() -> tuple[int, str, bytes]:
    body = {"message": {"messageIdentifier": str(uuid.uuid4())}}
    return 200, "application/json", json.dumps(body).encode()


def server_error() -> tuple[int, str, bytes]:
    return 500, "text/plain", b"internal error: database is down"


def html_page() -> tuple[int, str, bytes]:
    return 200, "text/html; charset=utf-8", b"<html><body>Welcome!</body></html>"


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


class _TargetServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops connections under 10 concurrent requests: false TIMED_OUTs.
    request_queue_size = 128

    def __init__(self, reply: Reply, delays_s: Iterator[float]) -> None:
        super().__init__(("127.0.0.1", 0), _TargetHandler)
        self.reply = reply
        self.delays_s = delays_s
        self.first_request = threading.Event()


class _TargetHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TargetServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.first_request.set()
        time.sleep(next(self.server.delays_s))
        status, content_type, body = self.server.reply()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a timed-out client
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def target(reply: Reply, *delays_s: float) -> Iterator[_TargetServer]:
    """A developer's endpoint on a free loopback port, answering every POST with ``reply``.

    Request n waits ``delays_s[n % len(delays_s)]`` seconds first.
    """
    server = _TargetServer(reply, itertools.cycle(delays_s or (0,)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def url_of(server: _TargetServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"


def app_with_purchase(sandbox: SandboxProcess) -> str:
    bundle_id = sandbox.new_app().bundle_id
    with sandbox.control() as control:
        control.post(f"/apps/{bundle_id}/purchases", json={}).raise_for_status()
    return bundle_id


def cli_command(server: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "appstore_sandbox", "perf-test", "--server", server, *args]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("APPSTORE_SANDBOX_")}


def perf_test(server: str, *args: str) -> CliResult:
    completed = subprocess.run(
        cli_command(server, *args),
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=CLI_TIMEOUT_S,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def run_against(sandbox: SandboxProcess, reply: Reply, *args: str) -> CliResult:
    bundle_id = app_with_purchase(sandbox)
    with target(reply) as server:
        return perf_test(
            sandbox.base_url, "--bundle-id", bundle_id, "--url", url_of(server), *SHORT_RUN, *args
        )


def assert_one_line_error(result: CliResult, contains: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert contains in lines[0]


def report_of(sandbox: SandboxProcess, bundle_id: str, request_id: str) -> dict[str, Any]:
    with sandbox.control() as control:
        response = control.get(f"/apps/{bundle_id}/performance-tests/{request_id}")
        report: dict[str, Any] = response.raise_for_status().json()
    return report


def wait_until_finished(sandbox: SandboxProcess, bundle_id: str, request_id: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = str(report_of(sandbox, bundle_id, request_id)["result"]["result"])
        if status != "PENDING":
            return status
        time.sleep(0.1)
    raise AssertionError(f"run {request_id} still PENDING")


# outcomes


def test_passing_endpoint_exits_0_with_a_report_and_a_histogram(sandbox: SandboxProcess) -> None:
    bundle_id = app_with_purchase(sandbox)
    with target(retention_message) as server:
        result = perf_test(
            sandbox.base_url, "--bundle-id", bundle_id, "--url", url_of(server), *SHORT_RUN
        )
    assert result.returncode == 0, (result.stdout, result.stderr)
    text = result.stdout
    assert text.startswith("PASS  successRate 100% ≥ 95%")
    assert url_of(server) in text
    assert "20 total · 20 succeeded · 0 failed · 0 pending" in text
    assert "Latency" in text and "█" in text and " ms  " in text
    assert "≤ " in text
    assert "production realtime URL can now be configured" in text
    assert "\x1b[" not in text  # no colour codes when stdout is not a terminal
    with sandbox.control() as control:
        assert control.get(f"/apps/{bundle_id}").json()["performanceTestPassed"] is True


def test_failing_endpoint_exits_1_with_reasons_hints_and_examples(
    sandbox: SandboxProcess,
) -> None:
    result = run_against(sandbox, server_error)
    assert result.returncode == 1, (result.stdout, result.stderr)
    text = result.stdout
    assert text.startswith("FAIL  successRate 0% < 95%")
    assert "UNSUCCESSFUL_HTTP_RESPONSE_CODE  20" in text
    assert "Only HTTP 200 counts" in text
    assert "HTTP 500, expected 200" in text
    assert "requestIdentifier " in text
    assert "can now be configured" not in text
    assert result.stderr == ""


def test_threshold_marker_sits_on_the_bucket_that_holds_it(sandbox: SandboxProcess) -> None:
    bundle_id = app_with_purchase(sandbox)
    with target(retention_message, 0, 0.06) as server:
        result = perf_test(
            sandbox.base_url,
            "--bundle-id",
            bundle_id,
            "--url",
            url_of(server),
            "--threshold-ms",
            "30",
            *SHORT_RUN,
        )
    assert result.returncode == 1, (result.stdout, result.stderr)
    marked = [line for line in result.stdout.splitlines() if "◀ threshold 30 ms" in line]
    assert len(marked) == 1
    assert marked[0].strip().startswith("≤ 30 ms"), "the threshold is a bucket edge"
    assert re.search(r"^  TIMED_OUT  \d+$", result.stdout, re.MULTILINE)
    assert "Answer within 30 ms" in result.stdout


# machine-readable output


def test_json_prints_apples_result_and_the_extras_only(sandbox: SandboxProcess) -> None:
    result = run_against(sandbox, html_page, "--json", "--concurrency", "3", "--success-rate", "80")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {
        "requestId",
        "result",
        "examples",
        "histogram",
        "note",
        "done",
        "elapsedMs",
        "catalogProblems",
        "responseTimesUs",
        "engine",
    }
    uuid.UUID(report["requestId"])
    assert report["engine"]["clock"] in ("kernel", "user")
    precise_p50 = report["responseTimesUs"]["p50"]
    assert round(precise_p50 / 1000) == report["result"]["responseTimes"]["p50"]
    apple = report["result"]
    assert apple["result"] == "FAIL"
    assert apple["failures"] == {"INVALID_RESPONSE": 20}
    assert apple["config"]["maxConcurrentRequests"] == 3
    assert apple["config"]["successRateThreshold"] == 80
    assert set(apple["responseTimes"]) == {"average", "p50", "p90", "p95", "p99"}
    assert report["examples"]["INVALID_RESPONSE"][0]["explanation"].startswith("body is not JSON")
    assert report["done"] == 20


def junit(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuite"
    assert root.get("name") == "appstore-sandbox performance test"
    assert root.get("tests") == "1"
    float(root.get("time", ""))
    cases = root.findall("testcase")
    assert len(cases) == 1
    assert cases[0].get("classname") == "appstore-sandbox.perf-test"
    return root


def test_junit_has_a_failure_on_fail_and_none_on_pass(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    failed_xml, passed_xml = tmp_path / "fail.xml", tmp_path / "pass.xml"
    assert run_against(sandbox, server_error, "--junit", str(failed_xml)).returncode == 1
    assert run_against(sandbox, retention_message, "--junit", str(passed_xml)).returncode == 0

    failed = junit(failed_xml)
    assert failed.get("failures") == "1"
    failure = failed.find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "FAIL"
    assert failure.get("message") == "successRate 0% < 95%"
    assert "UNSUCCESSFUL_HTTP_RESPONSE_CODE  20" in (failure.text or "")
    assert "HTTP 500, expected 200" in (failure.text or "")

    passed = junit(passed_xml)
    assert passed.get("failures") == "0"
    assert passed.find("testcase/failure") is None
    name = passed.find("testcase").get("name", "")  # type: ignore[union-attr]
    assert name.startswith("com.example.test") and " http://127.0.0.1:" in name
    system_out = passed.findtext("testcase/system-out") or ""
    assert "20 total · 20 succeeded" in system_out


# not waiting, interrupting


def test_no_wait_prints_the_request_id_and_the_run_goes_on(sandbox: SandboxProcess) -> None:
    bundle_id = app_with_purchase(sandbox)
    with target(retention_message) as server:
        result = perf_test(
            sandbox.base_url,
            "--bundle-id",
            bundle_id,
            "--url",
            url_of(server),
            "--no-wait",
            *SHORT_RUN,
        )
        assert result.returncode == 0, result.stderr
        request_id = result.stdout.strip()
        uuid.UUID(request_id)
        assert wait_until_finished(sandbox, bundle_id, request_id) == "PASS"


def test_ctrl_c_while_waiting_exits_130_and_leaves_the_run_going(
    sandbox: SandboxProcess,
) -> None:
    bundle_id = app_with_purchase(sandbox)
    with target(retention_message, 0.2) as server:
        args = ("--bundle-id", bundle_id, "--url", url_of(server), "--concurrency", "1")
        process = subprocess.Popen(
            cli_command(sandbox.base_url, *args, *SHORT_RUN),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        assert server.first_request.wait(CLI_TIMEOUT_S)
        time.sleep(0.5)  # the CLI has its requestId and is polling by now
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=CLI_TIMEOUT_S)
        assert process.returncode == 130, (stdout, stderr)
        assert "goes on in the sandbox" in stderr
        request_id = stderr.split("performance test ")[1].split()[0]
        assert report_of(sandbox, bundle_id, request_id)["result"]["result"] == "PENDING"
        assert wait_until_finished(sandbox, bundle_id, request_id) == "PASS"


# errors


def test_app_without_a_purchase_is_a_one_line_error(sandbox: SandboxProcess) -> None:
    bundle_id = sandbox.new_app().bundle_id
    with target(retention_message) as server:
        result = perf_test(
            sandbox.base_url, "--bundle-id", bundle_id, "--url", url_of(server), *SHORT_RUN
        )
    assert_one_line_error(result, f"{bundle_id} has no sandbox purchase")
    assert "appstore-sandbox purchases create" in result.stderr
    assert result.stdout == ""


def test_server_refusal_is_a_one_line_error(sandbox: SandboxProcess) -> None:
    bundle_id = app_with_purchase(sandbox)
    result = perf_test(
        sandbox.base_url, "--bundle-id", bundle_id, "--transaction-id", "123", *SHORT_RUN
    )
    assert_one_line_error(result, f"123 is not a sandbox purchase of {bundle_id}")


def test_no_server_is_a_one_line_error() -> None:
    result = perf_test("http://127.0.0.1:9", *SHORT_RUN)
    assert_one_line_error(result, "no sandbox server at http://127.0.0.1:9")


@pytest.mark.parametrize(
    "args", [("--rate", "fast"), ("--total", "many"), ("--no-wait", "--junit", "x.xml")]
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = perf_test("http://127.0.0.1:9", *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
