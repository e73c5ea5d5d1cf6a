"""Per-request records are pruned past a size or an age; the run's report says so."""

from __future__ import annotations

import time
from typing import Any

from tests.cli.running import run_cli
from tests.conftest import StartSandbox
from tests.contract.performance_subjects import Subject, subject_for
from tests.sandbox_process import SandboxProcess
from tests.targets import target_server

RUN = {"totalRequests": 10, "totalDuration": 200}


def _report(sandbox: SandboxProcess, subject: Subject, request_id: str) -> dict[str, Any]:
    with sandbox.control() as control:
        path = f"/apps/{subject.app.bundle_id}/performance-tests/{request_id}"
        report = control.get(path).raise_for_status().json()
        report["records"] = control.get(f"{path}/requests").raise_for_status().json()["total"]
    return dict(report)


def _two_runs(sandbox: SandboxProcess, url: str) -> tuple[Subject, str, str]:
    subject = subject_for(sandbox, url, **RUN)
    older = subject.initiate()
    subject.wait(older)
    newer = subject.initiate()
    subject.wait(newer)
    return subject, older, newer


def test_prune_keeps_the_newest_records_and_the_numbers(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    with target_server("ok") as url:
        subject, older, newer = _two_runs(sandbox, url)
    result = run_cli("prune", "--max-rows", "10", "--json", server=sandbox.base_url).json()
    assert (result["runs"], result["records"], result["kept"]) == (1, 10, 10)
    pruned, kept = _report(sandbox, subject, older), _report(sandbox, subject, newer)
    assert (pruned["recordsPruned"], pruned["records"]) == (10, 0)
    assert (kept["recordsPruned"], kept["records"]) == (0, 10)
    assert pruned["result"]["result"] == "PASS" and pruned["successes"] == 10
    again = run_cli("prune", "--max-rows", "10", server=sandbox.base_url)
    assert again.stdout.startswith("pruned 0 records of 0 runs; 10 kept")


def test_prune_by_age_takes_every_finished_run(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox()
    with target_server("ok") as url:
        subject, _, newer = _two_runs(sandbox, url)
    with sandbox.control() as control:
        control.post("/clock/advance", json={"seconds": 2 * 86_400}).raise_for_status()
    result = run_cli("prune", "--max-age-days", "1", "--json", server=sandbox.base_url).json()
    assert (result["runs"], result["records"]) == (2, 20)
    assert _report(sandbox, subject, newer)["recordsPruned"] == 10


def test_the_server_prunes_by_its_settings_after_each_run(start_sandbox: StartSandbox) -> None:
    sandbox = start_sandbox("--performance-test-records-max-rows", "15")
    with target_server("ok") as url:
        subject, older, newer = _two_runs(sandbox, url)
    deadline = time.monotonic() + 10  # pruning follows the run's close on the run's thread
    while _report(sandbox, subject, older)["recordsPruned"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _report(sandbox, subject, older)["recordsPruned"] == 10
    assert _report(sandbox, subject, newer)["records"] == 10
