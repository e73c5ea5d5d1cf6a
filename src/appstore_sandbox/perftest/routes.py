"""Initiate Performance Test and Get Performance Test Results (sandbox base URL only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from appstore_sandbox.apple_request import AppleRequest, SandboxDep, apple_request, body_error
from appstore_sandbox.errors import InvalidPerformanceTestRequest
from appstore_sandbox.perftest.models import (
    PerformanceTestRequest,
    PerformanceTestResponse,
    PerformanceTestResultResponse,
)

router = APIRouter(prefix="/inApps/v1/messaging", tags=["Retention Messaging API"])


@router.post("/performanceTest", summary="Initiate Performance Test")
@body_error(InvalidPerformanceTestRequest)
def initiate_performance_test(
    body: PerformanceTestRequest,
    call: Annotated[AppleRequest, Depends(apple_request("initiate_performance_test"))],
    sandbox: SandboxDep,
) -> PerformanceTestResponse:
    view = sandbox.performance_tests.initiate(call.app, body.originalTransactionId)
    return PerformanceTestResponse.from_domain(view)


@router.get("/performanceTest/result/{requestId}", summary="Get Performance Test Results")
def get_performance_test_results(
    requestId: str,
    call: Annotated[AppleRequest, Depends(apple_request("get_performance_test_results"))],
    sandbox: SandboxDep,
) -> PerformanceTestResultResponse:
    view = sandbox.performance_tests.result(call.app, requestId)
    return PerformanceTestResultResponse.from_domain(view)
