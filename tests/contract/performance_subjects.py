"""A fresh app with a purchase and settings for a performance test, driven by Apple's client."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from appstoreserverlibrary.api_client import AppStoreServerAPIClient
from appstoreserverlibrary.models.PerformanceTestRequest import PerformanceTestRequest
from appstoreserverlibrary.models.PerformanceTestResultResponse import (
    PerformanceTestResultResponse,
)
from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest

from tests.sandbox_process import AppCredentials, SandboxProcess

# All at once: where the pace matters, a test sets "rate": "even" (over totalDuration) itself.
QUICK = {"totalRequests": 20, "totalDuration": 400, "rate": "max"}


@dataclass
class Subject:
    app: AppCredentials
    client: AppStoreServerAPIClient
    original_transaction_id: str

    def initiate(self) -> str:
        response = self.client.initiate_performance_test(
            PerformanceTestRequest(originalTransactionId=self.original_transaction_id)
        )
        assert response.requestId is not None
        return response.requestId

    def wait(self, request_id: str, timeout_s: float = 30) -> PerformanceTestResultResponse:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = self.client.get_performance_test_results(request_id)
            if result.result != PerformanceTestStatus.PENDING:
                return result
            time.sleep(0.05)
        raise AssertionError(f"run {request_id} still PENDING after {timeout_s} s")


def subject_for(sandbox: SandboxProcess, url: str | None, **config: Any) -> Subject:
    app = sandbox.new_app()
    with sandbox.control() as control:
        purchase = control.post(f"/apps/{app.bundle_id}/purchases", json={}).json()
        control.put(
            f"/apps/{app.bundle_id}/performance-test-config", json={**QUICK, **config}
        ).raise_for_status()
    client = sandbox.apple_client(app)
    if url:
        client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
    return Subject(app, client, purchase["originalTransactionId"])
