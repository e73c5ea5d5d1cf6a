"""A run killed mid-way reports what it measured, and counts what it never finished as OTHER."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus
from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult

from tests.conftest import StartSandbox
from tests.contract.performance_subjects import Subject, subject_for
from tests.sandbox_process import SandboxProcess, process_gone
from tests.targets import target_server

TOTAL = 40
LONG = {"totalRequests": TOTAL, "totalDuration": 8_000, "rate": "even"}
QUICK_LEASE = ("--performance-test-heartbeat-ms", "200", "--performance-test-lease-ms", "1000")


def _report(sandbox: SandboxProcess, subject: Subject, request_id: str) -> dict[str, Any]:
    with sandbox.control() as control:
        path = f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}"
        return dict(control.get(path).raise_for_status().json())


def _running_with_progress(sandbox: SandboxProcess, subject: Subject) -> tuple[str, int]:
    """A run with a few requests answered and saved; its engine's pid."""
    request_id = subject.initiate()
    deadline = time.monotonic() + 20
    while (report := _report(sandbox, subject, request_id))["done"] < 4:
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    time.sleep(0.5)  # two heartbeats: the progress is saved as well
    return request_id, report["engine"]["pid"]


def _assert_measured_and_unfinished(report: dict[str, Any]) -> None:
    result, done = report["result"], report["done"]
    assert result["result"] == "FAIL"
    assert 4 <= done < TOTAL and report["successes"] == done
    assert result["successRate"] == done * 100 // TOTAL
    assert result["failures"] == {"OTHER": TOTAL - done}
    assert report["responseTimesUs"]["p50"] > 0, "the percentiles measured are kept"
    (unfinished,) = report["examples"]["OTHER"]
    assert unfinished["sequence"] is None
    assert unfinished["explanation"].startswith(
        f"{TOTAL - done} of {TOTAL} requests were never sent or never answered, counted as OTHER: "
        "interrupted: "
    )


def test_kill_9_of_the_engine(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    with target_server("ok") as url:
        subject = subject_for(sandbox, url, **LONG)
        request_id, engine_pid = _running_with_progress(sandbox, subject)
        os.kill(engine_pid, signal.SIGKILL)
        apple = subject.wait(request_id)
    assert apple.result == PerformanceTestStatus.FAIL
    assert apple.failures is not None and set(apple.failures) == {SendAttemptResult.OTHER}
    report = _report(sandbox, subject, request_id)
    assert "was killed by SIGKILL" in report["note"]
    _assert_measured_and_unfinished(report)


def test_kill_9_of_the_server(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox(*QUICK_LEASE)
    with target_server("ok") as url:
        subject = subject_for(sandbox, url, **LONG)
        request_id, engine_pid = _running_with_progress(sandbox, subject)
        sandbox.kill()
        assert process_gone(engine_pid)
        sandbox.start()
        subject.client = sandbox.apple_client(subject.app)
        subject.wait(request_id)
    report = _report(sandbox, subject, request_id)
    assert "stopped unexpectedly" in report["note"]
    _assert_measured_and_unfinished(report)
