"""``appstore-sandbox perf-test`` against a real sandbox and a real target.

The command runs in this process; Ctrl-C is sent to a real process.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from appstore_sandbox.cli import perf_test as perf_test_command
from tests.cli.running import (
    CLI_TIMEOUT_S,
    CliResult,
    assert_one_line_error,
    clean_env,
    cli_command,
    run_cli,
)
from tests.cli.watching_proxy import watching_proxy
from tests.conftest import StartSandbox
from tests.reply_targets import Reply, html_page, retention_message, server_error, target, url_of
from tests.sandbox_process import SandboxProcess

SHORT_RUN = ("--total", "20", "--duration", "500", "--rate", "max")


def app_with_purchase(sandbox: SandboxProcess) -> str:
    bundle_id = sandbox.new_app().bundle_id
    with sandbox.control() as control:
        control.post(f"/apps/{bundle_id}/purchases", json={}).raise_for_status()
    return bundle_id


def perf_test(server: str, *args: str) -> CliResult:
    return run_cli("perf-test", "--server", server, *args)


def run_against(sandbox: SandboxProcess, reply: Reply, *args: str) -> CliResult:
    bundle_id = app_with_purchase(sandbox)
    with target(reply) as server:
        return perf_test(
            sandbox.base_url, "--bundle-id", bundle_id, "--url", url_of(server), *SHORT_RUN, *args
        )


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
        time.sleep(0.05)
    raise AssertionError(f"run {request_id} still PENDING")


@dataclass(frozen=True)
class Run:
    """One ``perf-test`` run, also written as JUnit XML; several tests read it."""

    bundle_id: str
    url: str
    result: CliResult
    junit: Path


def run_with_junit(sandbox: SandboxProcess, reply: Reply, junit_path: Path) -> Run:
    bundle_id = app_with_purchase(sandbox)
    with target(reply) as server:
        args = ("--bundle-id", bundle_id, "--url", url_of(server), "--junit", str(junit_path))
        return Run(
            bundle_id, url_of(server), perf_test(sandbox.base_url, *args, *SHORT_RUN), junit_path
        )


@pytest.fixture(scope="module")
def passing(sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_with_junit(sandbox, retention_message, tmp_path_factory.mktemp("junit") / "p.xml")


@pytest.fixture(scope="module")
def failing(sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_with_junit(sandbox, server_error, tmp_path_factory.mktemp("junit") / "f.xml")


# outcomes


def test_passing_endpoint_exits_0_with_a_report_and_a_histogram(
    sandbox: SandboxProcess, passing: Run
) -> None:
    result = passing.result
    assert result.returncode == 0, (result.stdout, result.stderr)
    text = result.stdout
    # The endpoint answers at once from this process, far within the 700 ms threshold: every
    # request succeeds whatever the machine's load.
    assert text.startswith("PASS  successRate 100% ≥ 95%")
    assert passing.url in text
    assert "20 total · 20 succeeded · 0 failed · 0 pending" in text
    assert "Latency" in text and "█" in text and " ms  " in text
    assert "≤ " in text
    assert "production realtime URL can now be configured" in text
    assert "\x1b[" not in text  # no colour codes when stdout is not a terminal
    with sandbox.control() as control:
        assert control.get(f"/apps/{passing.bundle_id}").json()["performanceTestPassed"] is True


def test_failing_endpoint_exits_1_with_reasons_hints_and_examples(failing: Run) -> None:
    result = failing.result
    assert result.returncode == 1, (result.stdout, result.stderr)
    text = result.stdout
    assert text.startswith("FAIL  successRate 0% < 95%")
    assert "UNSUCCESSFUL_HTTP_RESPONSE_CODE  20" in text
    assert "Only HTTP 200 counts" in text
    assert "HTTP 500, expected 200" in text
    assert "requestIdentifier " in text
    assert "can now be configured" not in text
    # Not a terminal (a CI log): the run announced itself on stderr, and stdout is the report.
    [started, *progress] = result.stderr.splitlines()
    assert re.fullmatch(
        r"performance test \S+ started: 20 requests over \d+ ms, at most \d+ at once", started
    )
    assert all(line.startswith("performance test ") for line in progress)


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
    assert re.search(r"^  timed out  +\d+  .*no complete answer within 30 ms$", result.stdout, re.M)
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


def test_junit_has_a_failure_on_fail_and_none_on_pass(failing: Run, passing: Run) -> None:
    assert (failing.result.returncode, passing.result.returncode) == (1, 0)
    failed_xml, passed_xml = failing.junit, passing.junit

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
    answer = threading.Event()  # the endpoint answers nothing until the CLI is gone
    with (
        target(retention_message, hold=answer) as server,
        watching_proxy(sandbox.base_url) as proxy,
    ):
        args: tuple[str, ...] = ("--bundle-id", bundle_id, "--url", url_of(server))
        args += ("--concurrency", "1")
        # A held request must not time out: 5 s to answer instead of 700 ms.
        args += ("--threshold-ms", "5000")
        process = subprocess.Popen(
            cli_command("perf-test", "--server", proxy.url, *args, *SHORT_RUN),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        assert server.first_request.wait(CLI_TIMEOUT_S)
        # Once it asks for the report, the CLI has its requestId and is polling.
        report_path = f"/_sandbox/v1/apps/{bundle_id}/performance-tests/"
        assert proxy.wait_for("GET", report_path, CLI_TIMEOUT_S)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=CLI_TIMEOUT_S)
        assert process.returncode == 130, (stdout, stderr)
        assert "goes on in the sandbox" in stderr
        request_id = stderr.split("performance test ")[1].split()[0]
        assert report_of(sandbox, bundle_id, request_id)["result"]["result"] == "PENDING"
        answer.set()
        assert wait_until_finished(sandbox, bundle_id, request_id) == "PASS"


def test_cancel_ends_a_running_test_as_fail_and_prints_its_report(
    sandbox: SandboxProcess,
) -> None:
    bundle_id = app_with_purchase(sandbox)
    answer = threading.Event()  # the endpoint holds the first request: the run stays PENDING
    with target(retention_message, hold=answer) as server:
        args: tuple[str, ...] = ("--bundle-id", bundle_id, "--url", url_of(server), "--no-wait")
        # One request at a time, and a held one must not time out before the cancel.
        args += (*SHORT_RUN, "--concurrency", "1", "--threshold-ms", "5000")
        started = perf_test(sandbox.base_url, *args)
        request_id = started.stdout.strip()
        assert server.first_request.wait(CLI_TIMEOUT_S)
        cancelled = perf_test(sandbox.base_url, "--bundle-id", bundle_id, "--cancel", request_id)
        answer.set()

    assert cancelled.returncode == 0, (cancelled.stdout, cancelled.stderr)
    assert cancelled.stdout.startswith("FAIL  successRate 0% < 95%")
    assert f"requestId  {request_id}" in cancelled.stdout
    assert "note       cancelled by a request to the sandbox while the test was running" in (
        cancelled.stdout
    )
    report = report_of(sandbox, bundle_id, request_id)
    assert report["result"]["result"] == "FAIL"
    assert report["note"].startswith("cancelled by a request to the sandbox")

    again = perf_test(sandbox.base_url, "--bundle-id", bundle_id, "--cancel", request_id)
    assert_one_line_error(
        again, contains=f"performance test {request_id} has already finished (FAIL)"
    )
    unknown = perf_test(sandbox.base_url, "--bundle-id", bundle_id, "--cancel", str(uuid.uuid4()))
    assert_one_line_error(unknown, contains="Performance test run not found")


def test_cancel_goes_alone() -> None:
    result = perf_test("http://127.0.0.1:9", "--cancel", "x", "--request-id", "y")
    assert result.returncode == 2
    assert "--cancel goes without --request-id, --records and --junit" in result.stderr


def test_a_sandbox_that_stops_mid_run_is_a_lost_run_not_no_server(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox()
    bundle_id = app_with_purchase(sandbox)
    answer = threading.Event()  # the run stays PENDING until the sandbox is gone
    with target(retention_message, hold=answer) as server:
        args: tuple[str, ...] = ("--bundle-id", bundle_id, "--url", url_of(server))
        args += (*SHORT_RUN, "--concurrency", "1", "--threshold-ms", "5000")
        process = subprocess.Popen(
            cli_command("perf-test", "--server", sandbox.base_url, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        assert process.stderr is not None
        # Without a terminal the CLI says the run started once it has its requestId.
        started = process.stderr.readline()
        request_id = started.split("performance test ")[1].split()[0]
        sandbox.kill()
        stdout, stderr = process.communicate(timeout=CLI_TIMEOUT_S)
        answer.set()

    assert process.returncode == 2, (stdout, stderr)
    assert "Traceback" not in stderr
    assert stderr.strip() == (
        f"error: the sandbox at {sandbox.base_url} stopped answering while performance test "
        f"{request_id} was in progress; the run was lost (a sandbox started again on the same "
        f"data closes it as FAIL; see it with: appstore-sandbox perf-test --bundle-id "
        f"{bundle_id} --request-id {request_id})"
    )
    assert stdout == ""


# errors


def test_app_without_a_purchase_is_a_one_line_error(sandbox: SandboxProcess) -> None:
    bundle_id = sandbox.new_app().bundle_id
    with target(retention_message) as server:
        result = perf_test(
            sandbox.base_url, "--bundle-id", bundle_id, "--url", url_of(server), *SHORT_RUN
        )
    assert_one_line_error(result, contains=f"{bundle_id} has no sandbox purchase")
    assert "appstore-sandbox purchases create" in result.stderr
    assert result.stdout == ""


def test_server_refusal_is_a_one_line_error(sandbox: SandboxProcess) -> None:
    bundle_id = app_with_purchase(sandbox)
    result = perf_test(
        sandbox.base_url, "--bundle-id", bundle_id, "--transaction-id", "123", *SHORT_RUN
    )
    assert_one_line_error(result, contains=f"123 is not a sandbox purchase of {bundle_id}")


def test_no_server_is_a_one_line_error() -> None:
    result = perf_test("http://127.0.0.1:9", *SHORT_RUN)
    assert_one_line_error(result, contains="no sandbox server at http://127.0.0.1:9")


@pytest.mark.parametrize(
    "args", [("--rate", "fast"), ("--total", "many"), ("--no-wait", "--junit", "x.xml")]
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = perf_test("http://127.0.0.1:9", *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_no_wait_run_is_followed_by_its_request_id(sandbox: SandboxProcess) -> None:
    bundle_id = app_with_purchase(sandbox)
    with target(retention_message) as server:
        url = url_of(server)
        started = perf_test(sandbox.base_url, "--bundle-id", bundle_id, "--url", url,
                            *SHORT_RUN, "--no-wait")  # fmt: skip
        assert started.returncode == 0, started.stderr
        request_id = started.stdout.strip()
        followed = perf_test(
            sandbox.base_url, "--bundle-id", bundle_id, "--request-id", request_id, "--json"
        )
    assert followed.returncode == 0, followed.stderr
    report = json.loads(followed.stdout)
    assert (report["requestId"], report["result"]["result"]) == (request_id, "PASS")
    deadline = time.monotonic() + 10  # records are saved about each second
    while (records := perf_test(sandbox.base_url, "--bundle-id", bundle_id, "--request-id",
                                request_id, "--records")).stdout.count("\n") < 20:  # fmt: skip
        assert time.monotonic() < deadline, records.stdout
        time.sleep(0.1)
    lines = [json.loads(line) for line in records.stdout.splitlines()]
    assert len(lines) == 20
    assert {line["sendAttemptResult"] for line in lines} == {"SUCCESS"}


def test_records_need_a_request_id(sandbox: SandboxProcess) -> None:
    result = perf_test(sandbox.base_url, "--records")
    assert result.returncode == 2
    assert "--records needs --request-id" in result.stderr


def test_a_failed_run_does_not_claim_to_close_production(sandbox: SandboxProcess) -> None:
    result = run_against(sandbox, server_error)
    assert result.returncode == 1
    assert "stays closed" not in result.stdout
    assert "the production realtime URL opens once a test passes, and stays open" in result.stdout


def _report(state: str, done: int) -> dict[str, Any]:
    config = {"totalRequests": 100, "totalDuration": 60000, "maxConcurrentRequests": 10}
    times = {"p50": 1.5, "p99": 3.0}
    result = {"result": state, "config": config, "responseTimes": times}
    return {"requestId": "run-1", "done": done, "successes": done, "result": result}


def test_without_a_terminal_progress_is_a_plain_line_now_and_then(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with perf_test_command._plain_progress(every_s=0) as show:
        for state, done in [("PENDING", 0), ("PENDING", 40), ("PENDING", 90), ("PASS", 100)]:
            show(_report(state, done))
    with perf_test_command._plain_progress(every_s=3600) as seldom:
        for done in (0, 40, 90):
            seldom(_report("PENDING", done))
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "performance test run-1 started: 100 requests over 60000 ms, at most 10 at once",
        "performance test run-1: 40 of 100 done, 40 succeeded, p50 1.5 ms, p99 3.0 ms",
        "performance test run-1: 90 of 100 done, 90 succeeded, p50 1.5 ms, p99 3.0 ms",
        "performance test run-1 started: 100 requests over 60000 ms, at most 10 at once",
    ]
