"""Initiate Performance Test / Get Performance Test Results through Apple's official client."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from appstoreserverlibrary.api_client import (
    APIError,
    APIException,
)
from appstoreserverlibrary.models.PerformanceTestRequest import PerformanceTestRequest
from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from appstoreserverlibrary.models.SendAttemptResult import SendAttemptResult

from tests.contract.performance_subjects import subject_for
from tests.example_process import example_server
from tests.json_targets import json_target
from tests.sandbox_process import SandboxProcess
from tests.targets import target_server


def _raises(error: APIError, status: int) -> Any:
    return pytest.raises(
        APIException, check=lambda e: e.http_status_code == status and e.api_error == error
    )


def test_pass_against_the_example_server(sandbox: SandboxProcess) -> None:
    """The reference endpoint verifies every signed request with Apple's verifier and passes."""
    with example_server(sandbox.base_url) as (base_url, _):
        subject = subject_for(
            sandbox, f"{base_url}/retention", totalRequests=30, totalDuration=600, rate="even"
        )
        result = subject.wait(subject.initiate())
    assert result.result == PerformanceTestStatus.PASS, result.failures
    # Every request verified (a rejected one is a 401); a verification slowed past 700 ms by a
    # busy machine is the only failure allowed, and PASS bounds those.
    assert set(result.failures or {}) <= {SendAttemptResult.TIMED_OUT}, result.failures


def test_pass_opens_the_production_url(sandbox: SandboxProcess) -> None:
    with target_server("ok") as url:
        subject = subject_for(sandbox, url)
        request_id = subject.initiate()
        result = subject.wait(request_id)
    assert result.result == PerformanceTestStatus.PASS
    assert result.successRate == 100
    assert result.numPending == 0
    assert result.target == url
    assert not result.failures
    assert result.config is not None and result.config.totalRequests == 20
    assert result.responseTimes is not None and result.responseTimes.p99 is not None
    production = sandbox.apple_client(subject.app, "production")
    production.configure_realtime_url(RealtimeUrlRequest(realtimeURL="https://example.com/prod"))
    assert production.get_realtime_url().realtimeURL == "https://example.com/prod"


def test_failures_are_keyed_by_send_attempt_result(sandbox: SandboxProcess) -> None:
    # Every misbehaviour's key is checked without the wire in tests/perftest/test_engine.py.
    with target_server("500") as url:
        subject = subject_for(sandbox, url, totalRequests=10, responseTimeThreshold=500)
        result = subject.wait(subject.initiate())
    assert result.result == PerformanceTestStatus.FAIL
    assert result.successRate == 0
    assert result.failures == {SendAttemptResult.UNSUCCESSFUL_HTTP_RESPONSE_CODE: 10}
    with pytest.raises(APIException, check=lambda e: e.http_status_code == 403):
        sandbox.apple_client(subject.app, "production").configure_realtime_url(
            RealtimeUrlRequest(realtimeURL="https://example.com/prod")
        )


def test_a_reply_nested_past_any_parser_counts_as_invalid_and_the_run_goes_on(
    sandbox: SandboxProcess,
) -> None:
    with json_target(b"[" * 900_000) as endpoint:  # under the 1 MB reply cap
        subject = subject_for(sandbox, endpoint.url, totalRequests=6)
        result = subject.wait(subject.initiate())
    assert len(endpoint.received) == 6
    assert result.result == PerformanceTestStatus.FAIL
    assert result.failures == {SendAttemptResult.INVALID_RESPONSE: 6}


def test_pending_while_running_then_one_run_at_a_time(sandbox: SandboxProcess) -> None:
    with target_server("ok") as url:
        subject = subject_for(sandbox, url, totalRequests=10, totalDuration=1000, rate="even")
        request_id = subject.initiate()
        pending = subject.client.get_performance_test_results(request_id)
        assert pending.result == PerformanceTestStatus.PENDING
        assert pending.numPending is not None and 0 < pending.numPending <= 10
        with _raises(APIError.EXISTING_PERFORMANCE_TEST_RUN, 400):
            subject.initiate()
        assert subject.wait(request_id).result == PerformanceTestStatus.PASS
        with sandbox.control() as control:
            control.put(
                f"/apps/{subject.app.bundle_id}/performance-test-config",
                json={"totalRequests": 10, "rate": "max"},
            ).raise_for_status()
        second = subject.initiate()  # allowed again once the first one finished
        assert second != request_id
        subject.wait(second)


def test_without_sandbox_url_is_4000211(sandbox: SandboxProcess) -> None:
    subject = subject_for(sandbox, None)
    with _raises(APIError.INVALID_PERFORMANCE_TEST_REQUEST, 400):
        subject.initiate()


@pytest.mark.parametrize("transaction_id", ["not-a-number", "2000000999999999", ""])
def test_unknown_or_malformed_transaction(sandbox: SandboxProcess, transaction_id: str) -> None:
    subject = subject_for(sandbox, "https://example.com/r")
    subject.original_transaction_id = transaction_id
    # BadRequestTransactionIdError has no published code; 4000006 is the probable one.
    with pytest.raises(APIException, check=lambda e: e.raw_api_error == 4000006):
        subject.initiate()


def test_another_apps_purchase_is_unknown(sandbox: SandboxProcess) -> None:
    subject = subject_for(sandbox, "https://example.com/r")
    other = subject_for(sandbox, None)
    subject.original_transaction_id = other.original_transaction_id
    with pytest.raises(APIException, check=lambda e: e.raw_api_error == 4000006):
        subject.initiate()


def test_family_shared_and_renewal_ids_are_refused(sandbox: SandboxProcess) -> None:
    subject = subject_for(sandbox, "https://example.com/r")
    with sandbox.control() as control:
        shared = control.post(
            f"/apps/{subject.app.bundle_id}/purchases", json={"familyShared": True}
        ).json()
        renewed = control.post(
            f"/apps/{subject.app.bundle_id}/purchases/{subject.original_transaction_id}/renewals"
        ).json()
    subject.original_transaction_id = shared["originalTransactionId"]
    with pytest.raises(APIException, check=lambda e: e.raw_api_error == 4000185):
        subject.initiate()
    subject.original_transaction_id = renewed["transactionId"]
    assert renewed["transactionId"] != renewed["originalTransactionId"]
    with pytest.raises(APIException, check=lambda e: e.raw_api_error == 4000187):
        subject.initiate()


def test_result_lookups(sandbox: SandboxProcess) -> None:
    with target_server("ok") as url:
        subject = subject_for(sandbox, url)
        request_id = subject.initiate()
        with _raises(APIError.INVALID_REQUEST_ID, 400):
            subject.client.get_performance_test_results("not-a-uuid")
        with _raises(APIError.PERFORMANCE_TEST_RUN_NOT_FOUND, 404):
            subject.client.get_performance_test_results(str(uuid.uuid4()))
        stranger = sandbox.apple_client(sandbox.new_app())
        with _raises(APIError.PERFORMANCE_TEST_RUN_NOT_FOUND, 404):
            stranger.get_performance_test_results(request_id)
        subject.wait(request_id)


def test_production_base_url_has_no_performance_test(sandbox: SandboxProcess) -> None:
    subject = subject_for(sandbox, "https://example.com/r")
    production = sandbox.apple_client(subject.app, "production")
    with pytest.raises(APIException, check=lambda e: e.http_status_code == 404):
        production.initiate_performance_test(
            PerformanceTestRequest(originalTransactionId=subject.original_transaction_id)
        )
