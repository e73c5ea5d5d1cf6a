"""Control surface for performance tests: per-app settings, full reports, cancelling a run,
and pruning per-request records (starting a run from here is in
``workflows.performance_test_starter``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from appstore_sandbox.control.dependencies import Control
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.perftest.dependencies import PerformanceTests
from appstore_sandbox.perftest.models import (
    PerformanceTestSettings,
    PerformanceTestSettingsOut,
    PrunedRecords,
    PruneRecords,
)
from appstore_sandbox.perftest.report import PerformanceTestReport, RequestResults

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


@router.get("/apps/{bundle_id}/performance-test-config")
def get_config(
    bundle_id: str, control: Control, performance_tests: PerformanceTests
) -> PerformanceTestSettingsOut:
    app = control.app(bundle_id)
    return PerformanceTestSettingsOut.from_domain(performance_tests.app_config(app))


@router.put("/apps/{bundle_id}/performance-test-config")
def set_config(
    bundle_id: str,
    body: PerformanceTestSettings,
    control: Control,
    performance_tests: PerformanceTests,
) -> PerformanceTestSettingsOut:
    """Settings every later test of this app uses, including those started through Apple's API."""
    app = control.app(bundle_id)
    config = performance_tests.set_app_config(app, body.overrides())
    return PerformanceTestSettingsOut.from_domain(config)


@router.get("/apps/{bundle_id}/performance-tests/{request_id}")
def get_report(
    bundle_id: str, request_id: str, control: Control, performance_tests: PerformanceTests
) -> PerformanceTestReport:
    app = control.app(bundle_id)
    return PerformanceTestReport.from_domain(performance_tests.result(app, request_id))


@router.post("/apps/{bundle_id}/performance-tests/{request_id}/cancel", responses=declared(409))
def cancel_test(
    bundle_id: str, request_id: str, control: Control, performance_tests: PerformanceTests
) -> PerformanceTestReport:
    """End a running test now: it finishes FAIL with the numbers measured so far and a note
    saying it was cancelled. A finished test is refused (409)."""
    app = control.app(bundle_id)
    return PerformanceTestReport.from_domain(performance_tests.cancel(app, request_id))


@router.get("/apps/{bundle_id}/performance-tests/{request_id}/requests")
def list_requests(
    bundle_id: str,
    request_id: str,
    control: Control,
    performance_tests: PerformanceTests,
    result: Annotated[str | None, Query(description="Only this sendAttemptResult.")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RequestResults:
    """Every request of a run: status, latency, result and explanation (saved about each second)."""
    app = control.app(bundle_id)
    page = performance_tests.requests(app, request_id, result, offset, limit)
    return RequestResults.from_domain(page)


@router.post("/performance-tests/prune")
def prune_records(
    performance_tests: PerformanceTests, body: PruneRecords | None = None
) -> PrunedRecords:
    """Delete older runs' per-request records now, by the sandbox's limits or the ones given;
    the runs' numbers are kept and their reports count the records pruned."""
    records = performance_tests.records
    policy = (body or PruneRecords()).policy(records.policy)
    return PrunedRecords.from_domain(records.prune(policy), policy)
