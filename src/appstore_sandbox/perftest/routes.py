"""Initiate Performance Test and Get Performance Test Results (sandbox base URL only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from appstore_sandbox.apple_request import AppleRequest, apple_request, body_error
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.errors import InvalidPerformanceTestRequest, PerformanceTestRunNotFound
from appstore_sandbox.perftest.dependencies import PerformanceTests
from appstore_sandbox.perftest.models import (
    PerformanceTestRequest,
    PerformanceTestResponse,
    PerformanceTestResultResponse,
)

router = APIRouter(prefix="/inApps/v1/messaging", tags=["Retention Messaging API"])
# The performance test exists on Apple's sandbox host only. On the production base URL its paths
# answer a JSON 404 that Apple's clients parse (PerformanceTestRunNotFoundError; what Apple's
# production host answers there is unconfirmed), not the router's plain-text one.
production_router = APIRouter(prefix="/inApps/v1/messaging", tags=["Retention Messaging API"])
_SANDBOX_ONLY = (
    "Performance tests run in the sandbox environment only: use the /sandbox base URL "
    "(Apple's api.storekit-sandbox.apple.com)."
)


@router.post("/performanceTest", summary="Initiate Performance Test")
@body_error(InvalidPerformanceTestRequest)
def initiate_performance_test(
    body: PerformanceTestRequest,
    call: Annotated[AppleRequest, Depends(apple_request("initiate_performance_test"))],
    performance_tests: PerformanceTests,
) -> PerformanceTestResponse:
    view = performance_tests.initiate(call.app, body.originalTransactionId)
    return PerformanceTestResponse.from_domain(view)


@router.get("/performanceTest/result/{requestId}", summary="Get Performance Test Results")
def get_performance_test_results(
    requestId: str,
    call: Annotated[AppleRequest, Depends(apple_request("get_performance_test_results"))],
    performance_tests: PerformanceTests,
) -> PerformanceTestResultResponse:
    view = performance_tests.result(call.app, requestId)
    return PerformanceTestResultResponse.from_domain(view)


@production_router.post(
    "/performanceTest",
    summary="Initiate Performance Test (sandbox only)",
    responses=declared(404),
    include_in_schema=False,
)
@production_router.get(
    "/performanceTest/result/{requestId}",
    summary="Get Performance Test Results (sandbox only)",
    responses=declared(404),
    include_in_schema=False,
)
def performance_test_in_production() -> None:
    # The gate has checked the bearer token already, as for every Apple-surface path.
    raise PerformanceTestRunNotFound(_SANDBOX_ONLY)
