"""Control surface for performance tests: per-app settings, starting runs, full reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from appstore_sandbox.apple_request import SandboxDep
from appstore_sandbox.control.routes import require_admin_token
from appstore_sandbox.environments import Environment
from appstore_sandbox.perftest.models import PerformanceTestSettings, StartPerformanceTest

router = APIRouter(
    prefix="/_sandbox/v1/apps/{bundle_id}",
    tags=["Sandbox control"],
    dependencies=[Depends(require_admin_token)],
)


@router.get("/performance-test-config")
def get_config(bundle_id: str, sandbox: SandboxDep) -> dict[str, Any]:
    app = sandbox.control.app(bundle_id)
    return sandbox.performance_tests.app_config(app).to_json()


@router.put("/performance-test-config")
def set_config(
    bundle_id: str, body: PerformanceTestSettings, sandbox: SandboxDep
) -> dict[str, Any]:
    """Settings every later test of this app uses, including those started through Apple's API."""
    app = sandbox.control.app(bundle_id)
    return sandbox.performance_tests.set_app_config(app, body.overrides()).to_json()


@router.post("/performance-tests", status_code=201)
def start_test(bundle_id: str, body: StartPerformanceTest, sandbox: SandboxDep) -> dict[str, Any]:
    """Run Apple's test with this run's overrides; the same rules as Initiate Performance Test."""
    app = sandbox.control.app(bundle_id)
    if body.url is not None:
        sandbox.realtime_urls.configure(app, Environment.SANDBOX, body.url)
    transaction_id = body.originalTransactionId or _first_purchase(sandbox, bundle_id)
    overrides = body.overrides()
    overrides.pop("originalTransactionId", None)
    overrides.pop("url", None)
    view = sandbox.performance_tests.initiate(app, transaction_id, overrides)
    return view.report()


@router.get("/performance-tests/{request_id}")
def get_report(bundle_id: str, request_id: str, sandbox: SandboxDep) -> dict[str, Any]:
    app = sandbox.control.app(bundle_id)
    return sandbox.performance_tests.result(app, request_id).report()


@router.get("/performance-tests/{request_id}/requests")
def list_requests(
    bundle_id: str,
    request_id: str,
    sandbox: SandboxDep,
    result: Annotated[str | None, Query(description="Only this sendAttemptResult.")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Every request of a run: status, latency, result and explanation (saved about each second)."""
    app = sandbox.control.app(bundle_id)
    sandbox.performance_tests.result(app, request_id)  # 404 for another app's run
    total, records = sandbox.store.performance_tests.requests(request_id, result, offset, limit)
    return {
        "total": total,
        "requests": [
            {
                "sequence": r.sequence,
                "requestIdentifier": r.request_identifier,
                "sendAttemptResult": r.result,
                "httpStatus": r.http_status,
                "latencyMs": None if r.latency_us is None else r.latency_us / 1000,
                "explanation": r.explanation,
            }
            for r in records
        ],
    }


def _first_purchase(sandbox: Any, bundle_id: str) -> str:
    purchases = sandbox.control.purchases(bundle_id)
    if not purchases:
        return ""
    return str(purchases[0].original_transaction_id)
