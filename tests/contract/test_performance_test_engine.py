"""The engine of a run is an OS process of its own, supervised by the sandbox that started it."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus

from tests.contract.performance_subjects import Subject, subject_for
from tests.sandbox_process import SandboxProcess, process_gone
from tests.targets import target_server

LONG_RUN = {"totalRequests": 40, "totalDuration": 20_000, "rate": "even"}


def _report(sandbox: SandboxProcess, subject: Subject, request_id: str) -> dict[str, Any]:
    with sandbox.control() as control:
        path = f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}"
        return dict(control.get(path).raise_for_status().json())


def _engine_pid(sandbox: SandboxProcess, subject: Subject, request_id: str) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        report = _report(sandbox, subject, request_id)
        if report["done"] >= 1 and "pid" in report["engine"]:
            return int(report["engine"]["pid"])
        time.sleep(0.05)
    raise AssertionError("the engine never reported")


def _parent_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    raise AssertionError(f"no PPid for {pid}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_engine_is_a_child_process_of_the_server(sandbox: SandboxProcess) -> None:
    with target_server("ok") as url:
        # Long enough that the engine is still there when its parent is looked up on a busy
        # machine (a one-second run could end between the report and the read of /proc).
        subject = subject_for(sandbox, url, totalRequests=30, totalDuration=4000, rate="even")
        request_id = subject.initiate()
        engine_pid = _engine_pid(sandbox, subject, request_id)
        assert engine_pid != sandbox.pid
        assert _parent_of(engine_pid) == sandbox.pid
        result = subject.wait(request_id)
    assert result.result == PerformanceTestStatus.PASS
    engine = _report(sandbox, subject, request_id)["engine"]
    assert engine["clock"] == "kernel"
    assert engine["peakRssKb"] > 0
    assert set(engine["sendLagMs"]) == {"p50", "p99", "max"}
    assert process_gone(engine_pid), "the engine process exits when its run is over"


def test_killing_the_engine_fails_the_run_and_the_next_run_starts(
    sandbox: SandboxProcess,
) -> None:
    with target_server("ok") as url:
        subject = subject_for(sandbox, url, **LONG_RUN)
        request_id = subject.initiate()
        os.kill(_engine_pid(sandbox, subject, request_id), signal.SIGKILL)
        result = subject.wait(request_id)
        assert result.result == PerformanceTestStatus.FAIL
        assert result.numPending == 0
        report = _report(sandbox, subject, request_id)
        assert "was killed by SIGKILL" in report["note"]
        assert 1 <= report["done"] < LONG_RUN["totalRequests"]

        with sandbox.control() as control:
            control.put(
                f"/apps/{subject.app.bundle_id}/performance-test-config",
                json={"totalRequests": 10, "totalDuration": 200, "rate": "max"},
            ).raise_for_status()
        assert subject.wait(subject.initiate()).result == PerformanceTestStatus.PASS


def test_two_apps_run_at_once_and_keep_all_their_records(sandbox: SandboxProcess) -> None:
    config = {"totalRequests": 200, "totalDuration": 1000, "rate": "even"}
    with target_server("ok") as url:
        subjects = [subject_for(sandbox, url, **config) for _ in range(2)]
        request_ids = [subject.initiate() for subject in subjects]
        results = [s.wait(r) for s, r in zip(subjects, request_ids, strict=True)]
    for subject, request_id, result in zip(subjects, request_ids, results, strict=True):
        assert result.result == PerformanceTestStatus.PASS
        assert _report(sandbox, subject, request_id)["done"] == config["totalRequests"]
        with sandbox.control() as control:
            records = control.get(
                f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}/requests"
            ).json()
        assert records["total"] == config["totalRequests"]
