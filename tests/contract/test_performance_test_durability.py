"""A run interrupted by a stop or a crash ends as FAIL with a reason; nothing stays PENDING.

The server here renews leases each 200 ms and lets them lapse 1 s after the last renewal
(``--performance-test-heartbeat-ms``, ``--performance-test-lease-ms``; 1 s and 10 s by default).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest

from tests.conftest import StartSandbox
from tests.contract.performance_subjects import Subject, subject_for
from tests.sandbox_process import SandboxProcess, process_gone
from tests.targets import target_server

LONG_RUN = {"totalRequests": 400, "totalDuration": 20_000, "rate": "even"}  # still going
LEASE_MS = 1000


@pytest.fixture(scope="module")
def durable(start_module_sandbox: StartSandbox) -> SandboxProcess:
    """A server of this module's own: its tests stop, kill and start it again."""
    return start_module_sandbox(
        "--performance-test-heartbeat-ms", "200", "--performance-test-lease-ms", str(LEASE_MS)
    )


def _start_long_run(sandbox: SandboxProcess, url: str) -> tuple[Subject, str]:
    subject = subject_for(sandbox, url, **LONG_RUN)
    request_id = subject.initiate()
    _wait_until(lambda: _report(sandbox, subject, request_id)["done"] >= 3, "no progress")
    return subject, request_id


def _report(sandbox: SandboxProcess, subject: Subject, request_id: str) -> dict[str, Any]:
    with sandbox.control() as control:
        path = f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}"
        return dict(control.get(path).raise_for_status().json())


def _saved_records(sandbox: SandboxProcess, subject: Subject, request_id: str) -> int:
    with sandbox.control() as control:
        path = f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}/requests"
        return int(control.get(path).raise_for_status().json()["total"])


def _wait_until_saved(sandbox: SandboxProcess, subject: Subject, request_id: str) -> None:
    """Until a heartbeat has saved 3 records and the progress that goes with them.

    A heartbeat writes the new records, then the progress; records written by a later heartbeat
    show the earlier one's progress is in the database too.
    """
    _wait_until(lambda: _saved_records(sandbox, subject, request_id) >= 3, "no records saved")
    saved = _saved_records(sandbox, subject, request_id)
    _wait_until(lambda: _saved_records(sandbox, subject, request_id) > saved, "no heartbeat")


def _wait_until(condition: Any, failure: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        time.sleep(0.05)


def test_stop_during_a_run_finishes_it_as_fail(durable: SandboxProcess) -> None:
    sandbox = durable
    with target_server("ok") as url:
        subject, request_id = _start_long_run(sandbox, url)
        stopped = sandbox.stop()
        sandbox.start()
    assert stopped is not None and stopped.returncode == 0
    assert "appstore-sandbox stopped: 1 performance test(s) interrupted (they end FAIL)" in (
        stopped.output
    )
    client = sandbox.apple_client(subject.app)
    result = client.get_performance_test_results(request_id)
    assert result.result == PerformanceTestStatus.FAIL
    assert result.numPending == 0
    report = _report(sandbox, subject, request_id)
    assert report["note"].startswith("interrupted: the sandbox was stopped")
    assert 3 <= report["done"] < LONG_RUN["totalRequests"]
    assert report["successes"] == report["done"]
    assert result.successRate == report["done"] * 100 // LONG_RUN["totalRequests"]


def test_crash_during_a_run_is_closed_after_restart(durable: SandboxProcess) -> None:
    sandbox = durable
    with target_server("ok") as url:
        subject, request_id = _start_long_run(sandbox, url)
        _wait_until_saved(sandbox, subject, request_id)
        engine_pid = _report(sandbox, subject, request_id)["engine"]["pid"]
        sandbox.kill()
        assert process_gone(engine_pid), "an engine stops when its sandbox dies"
        sandbox.start()
    client = sandbox.apple_client(subject.app)
    deadline = time.monotonic() + 30  # the dead process's lease must lapse first
    result = client.get_performance_test_results(request_id)
    while result.result == PerformanceTestStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.1)
        result = client.get_performance_test_results(request_id)
    assert result.result == PerformanceTestStatus.FAIL
    report = _report(sandbox, subject, request_id)
    assert "stopped unexpectedly" in report["note"]
    assert report["done"] >= 3, "the numbers saved before the crash are kept"
    with sandbox.control() as control:
        records = control.get(
            f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}/requests"
        ).json()
    assert records["total"] >= 3
    assert {r["sendAttemptResult"] for r in records["requests"]} == {"SUCCESS"}
    with target_server("ok") as url:
        client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
        with sandbox.control() as control:
            control.put(
                f"/apps/{subject.app.bundle_id}/performance-test-config",
                json={"totalRequests": 10, "totalDuration": 200, "rate": "max"},
            ).raise_for_status()
        restarted = Subject(subject.app, client, subject.original_transaction_id)
        assert _wait_until_final(client, restarted.initiate()) == PerformanceTestStatus.PASS


def _wait_until_final(client: AppStoreServerAPIClient, request_id: str) -> PerformanceTestStatus:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get_performance_test_results(request_id).result
        if status != PerformanceTestStatus.PENDING:
            assert status is not None
            return status
        time.sleep(0.1)
    raise AssertionError(f"run {request_id} still PENDING")
