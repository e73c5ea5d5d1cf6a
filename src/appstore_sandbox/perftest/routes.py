"""Initiate Performance Test and Get Performance Test Results (sandbox base URL only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from appstore_sandbox.apple_request import AppleRequest, SandboxDep, apple_request
from appstore_sandbox.perftest.models import PerformanceTestRequest

router = APIRouter(prefix="/inApps/v1/messaging", tags=["Retention Messaging API"])


@router.post("/performanceTest", summary="Initiate Performance Test")
def initiate_performance_test(
    body: PerformanceTestRequest,
    call: Annotated[AppleRequest, Depends(apple_request("initiate_performance_test"))],
    sandbox: SandboxDep,
) -> dict[str, Any]:
    view = sandbox.performance_tests.initiate(call.app, body.originalTransactionId)
    return {"config": view.config.apple_fields(), "requestId": view.run.request_id}


@router.get("/performanceTest/result/{requestId}", summary="Get Performance Test Results")
def get_performance_test_results(
    requestId: str,
    call: Annotated[AppleRequest, Depends(apple_request("get_performance_test_results"))],
    sandbox: SandboxDep,
) -> dict[str, Any]:
    return sandbox.performance_tests.result(call.app, requestId).apple_result()
