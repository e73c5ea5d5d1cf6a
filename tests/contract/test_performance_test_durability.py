"""A run interrupted by a stop or a crash ends as FAIL with a reason; nothing stays PENDING."""

from __future__ import annotations

import time

from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.models.PerformanceTestRequest import PerformanceTestRequest
from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest

from tests.conftest import StartSandbox
from tests.sandbox_process import SandboxProcess, process_gone
from tests.targets import target_server

LONG_RUN = {"totalRequests": 40, "totalDuration": 20_000}


def _start_long_run(sandbox: SandboxProcess, url: str) -> str:
    app = sandbox.default_app
    with sandbox.control() as control:
        control.put(
            f"/apps/{app.bundle_id}/performance-test-config", json=LONG_RUN
        ).raise_for_status()
    client = sandbox.apple_client()
    client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
    response = client.initiate_performance_test(
        PerformanceTestRequest(originalTransactionId=sandbox.banner["original_transaction_id"])
    )
    assert response.requestId
    _wait_for_progress(sandbox, response.requestId)
    return response.requestId


def _report(sandbox: SandboxProcess, request_id: str) -> dict:  # type: ignore[type-arg]
    with sandbox.control() as control:
        path = f"/apps/{sandbox.default_app.bundle_id}/performance-tests/{request_id}"
        return dict(control.get(path).raise_for_status().json())


def _wait_for_progress(sandbox: SandboxProcess, request_id: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _report(sandbox, request_id)["done"] >= 3:
            time.sleep(1.2)  # one heartbeat, so the progress is saved too
            return
        time.sleep(0.1)
    raise AssertionError("the run made no progress")


def test_stop_during_a_run_finishes_it_as_fail(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    with target_server("ok") as url:
        request_id = _start_long_run(sandbox, url)
        sandbox.restart()
    result = sandbox.apple_client().get_performance_test_results(request_id)
    assert result.result == PerformanceTestStatus.FAIL
    assert result.numPending == 0
    report = _report(sandbox, request_id)
    assert report["note"].startswith("interrupted: the sandbox was stopped")
    assert 3 <= report["done"] < LONG_RUN["totalRequests"]
    assert report["successes"] == report["done"]
    assert result.successRate == report["done"] * 100 // LONG_RUN["totalRequests"]


def test_crash_during_a_run_is_closed_after_restart(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    with target_server("ok") as url:
        request_id = _start_long_run(sandbox, url)
        engine_pid = _report(sandbox, request_id)["engine"]["pid"]
        sandbox.kill()
        assert process_gone(engine_pid), "an engine stops when its sandbox dies"
        sandbox.start()
    client = sandbox.apple_client()
    deadline = time.monotonic() + 30  # the dead process's lease (10 s) must lapse first
    result = client.get_performance_test_results(request_id)
    while result.result == PerformanceTestStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.5)
        result = client.get_performance_test_results(request_id)
    assert result.result == PerformanceTestStatus.FAIL
    report = _report(sandbox, request_id)
    assert "stopped unexpectedly" in report["note"]
    assert report["done"] >= 3, "the numbers saved before the crash are kept"
    with sandbox.control() as control:
        records = control.get(
            f"/apps/{sandbox.default_app.bundle_id}/performance-tests/{request_id}/requests"
        ).json()
    assert records["total"] >= 3
    assert {r["sendAttemptResult"] for r in records["requests"]} == {"SUCCESS"}
    with target_server("ok") as url:
        client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
        with sandbox.control() as control:
            control.put(
                f"/apps/{sandbox.default_app.bundle_id}/performance-test-config",
                json={"totalRequests": 10, "totalDuration": 200},
            ).raise_for_status()
        again = client.initiate_performance_test(
            PerformanceTestRequest(originalTransactionId=sandbox.banner["original_transaction_id"])
        )
        assert again.requestId
        assert _wait_until_final(client, again.requestId) == PerformanceTestStatus.PASS


def _wait_until_final(client: AppStoreServerAPIClient, request_id: str) -> PerformanceTestStatus:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get_performance_test_results(request_id).result
        if status != PerformanceTestStatus.PENDING:
            assert status is not None
            return status
        time.sleep(0.1)
    raise AssertionError(f"run {request_id} still PENDING")
