"""Cancelling a running performance test: ``POST .../performance-tests/{requestId}/cancel``.

The run ends FAIL with what it measured and a note saying it was cancelled; a finished run is a
409, an unknown one a 404, both as ``{"error": ...}``. A run of another ``serve`` process on the
same database is closed there, and its process stops the engine at its next heartbeat.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from appstore_sandbox.testing import Sandbox, SandboxError
from tests.conftest import StartSandbox
from tests.reply_targets import retention_message, target, url_of
from tests.sandbox_process import SandboxProcess, process_gone

HELD_RUN = {
    "totalRequests": 20,
    "totalDuration": 500,
    "rate": "max",
    "maxConcurrentRequests": 1,
    # A held request must not time out before the test cancels the run.
    "responseTimeThreshold": 5000,
}


def _runs_path(bundle_id: str) -> str:
    return f"/apps/{bundle_id}/performance-tests"


@contextmanager
def _held_run(sandbox: SandboxProcess) -> Iterator[tuple[str, str]]:
    """A run whose endpoint holds its first request until the block ends: (bundle id, id)."""
    bundle_id = sandbox.new_app().bundle_id
    answer = threading.Event()
    with target(retention_message, hold=answer) as server, sandbox.control() as control:
        control.post(f"/apps/{bundle_id}/purchases", json={}).raise_for_status()
        body = {"url": url_of(server), **HELD_RUN}
        started = control.post(_runs_path(bundle_id), json=body).raise_for_status().json()
        assert server.first_request.wait(30)
        try:
            yield bundle_id, started["requestId"]
        finally:
            answer.set()


def _cancel(sandbox: SandboxProcess, bundle_id: str, request_id: str) -> httpx.Response:
    with sandbox.control() as control:
        return control.post(f"{_runs_path(bundle_id)}/{request_id}/cancel")


def _report(sandbox: SandboxProcess, bundle_id: str, request_id: str) -> dict[str, Any]:
    with sandbox.control() as control:
        report: dict[str, Any] = (
            control.get(f"{_runs_path(bundle_id)}/{request_id}").raise_for_status().json()
        )
    return report


def test_cancel_ends_a_running_test_as_fail_with_a_note(sandbox: SandboxProcess) -> None:
    with _held_run(sandbox) as (bundle_id, request_id):
        cancelled = _cancel(sandbox, bundle_id, request_id)

    assert cancelled.status_code == 200, cancelled.text
    report = cancelled.json()
    assert report["result"]["result"] == "FAIL"
    assert report["result"]["numPending"] == 0
    assert report["note"].startswith("cancelled by a request to the sandbox")
    assert _report(sandbox, bundle_id, request_id)["note"] == report["note"]


def test_cancelling_a_finished_or_unknown_run_is_refused(sandbox: SandboxProcess) -> None:
    with _held_run(sandbox) as (bundle_id, request_id):
        assert _cancel(sandbox, bundle_id, request_id).status_code == 200

    again = _cancel(sandbox, bundle_id, request_id)
    assert again.status_code == 409
    assert again.json() == {
        "error": f"performance test {request_id} has already finished (FAIL); only a running "
        "test can be cancelled."
    }
    unknown = _cancel(sandbox, bundle_id, str(uuid.uuid4()))
    assert unknown.status_code == 404
    assert list(unknown.json()) == ["error"]
    malformed = _cancel(sandbox, bundle_id, "not-a-uuid")
    assert malformed.status_code == 400
    assert list(malformed.json()) == ["error"]


def test_another_process_cancels_a_run_and_its_owner_stops_the_engine(
    start_sandbox: StartSandbox,
) -> None:
    first = start_sandbox("--performance-test-heartbeat-ms", "200")
    second = SandboxProcess(first.data_dir, first.database_url).start()
    try:
        with _held_run(first) as (bundle_id, request_id):
            engine_pid = _report(first, bundle_id, request_id)["engine"]["pid"]
            cancelled = _cancel(second, bundle_id, request_id)
            assert cancelled.status_code == 200, cancelled.text
            assert process_gone(engine_pid), "the owner stops its engine at its next heartbeat"
    finally:
        second.stop()
    report = _report(first, bundle_id, request_id)
    assert report["result"]["result"] == "FAIL"
    assert report["note"].startswith("cancelled by a request to the sandbox")


def test_the_python_api_cancels_a_run(sandbox: SandboxProcess) -> None:
    attached = Sandbox.attach(sandbox.base_url)
    try:
        with _held_run(sandbox) as (bundle_id, request_id):
            report = attached.cancel_performance_test(request_id, bundle_id=bundle_id)
        assert report["result"]["result"] == "FAIL"
        assert report["note"].startswith("cancelled by a request to the sandbox")
        with pytest.raises(SandboxError, match=r"409 .* has already finished"):
            attached.cancel_performance_test(request_id, bundle_id=bundle_id)
    finally:
        attached.stop()
