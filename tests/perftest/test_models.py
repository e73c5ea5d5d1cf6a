"""Apple's performance-test bodies and the sandbox's report, built from a run's domain view."""

from __future__ import annotations

import json
from typing import Any

from appstoreserverlibrary.models.LibraryUtility import _get_cattrs_converter
from appstoreserverlibrary.models.PerformanceTestResultResponse import (
    PerformanceTestResultResponse as AppleResult,
)
from appstoreserverlibrary.models.PerformanceTestStatus import PerformanceTestStatus

from appstore_sandbox.outbound.results import Attempt, SendAttemptResult
from appstore_sandbox.perftest.config import PerformanceTestConfig
from appstore_sandbox.perftest.models import (
    PerformanceTestResponse,
    PerformanceTestResultResponse,
    PerformanceTestSettingsOut,
)
from appstore_sandbox.perftest.report import PerformanceTestReport
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.perftest.view import RunView
from tests.perftest.runs import run_view

CONFIG = PerformanceTestConfig(totalRequests=4, rate="max")


def _view(status: str, stats: RunStats) -> RunView:
    return run_view(CONFIG, status, stats)


def _stats() -> RunStats:
    stats = RunStats()
    stats.record(0, "ok", Attempt(SendAttemptResult.SUCCESS, 20_000, 200), 100)
    stats.record(1, "late", Attempt(SendAttemptResult.TIMED_OUT, 700_000, None, "late"), 100)
    return stats


def _json(model: Any) -> Any:
    return json.loads(model.model_dump_json())


def test_initiate_answers_apples_five_settings_without_the_sandboxs_rate() -> None:
    body = _json(PerformanceTestResponse.from_domain(_view("PENDING", RunStats())))
    assert body == {
        "config": {
            "maxConcurrentRequests": 10,
            "totalRequests": 4,
            "totalDuration": 60_000,
            "responseTimeThreshold": 700,
            "successRateThreshold": 95,
        },
        "requestId": "6f1d7a56-0000-4000-8000-000000000001",
    }


def test_a_pending_result_counts_what_is_left() -> None:
    body = _json(PerformanceTestResultResponse.from_domain(_view("PENDING", _stats())))
    assert (body["result"], body["numPending"], body["successRate"]) == ("PENDING", 2, 50)
    assert body["failures"] == {"TIMED_OUT": 1}


def test_apples_client_reads_a_result() -> None:
    body = _json(PerformanceTestResultResponse.from_domain(_view("FAIL", _stats())))
    parsed = _get_cattrs_converter(AppleResult).structure(body, AppleResult)
    assert parsed.result == PerformanceTestStatus.FAIL
    assert (parsed.successRate, parsed.numPending) == (25, 0)
    assert parsed.config is not None and parsed.config.totalRequests == 4
    assert parsed.responseTimes is not None and parsed.responseTimes.p99 == 700
    assert parsed.rawFailures == {"OTHER": 2, "TIMED_OUT": 1}  # 2 of 4 never finished


def test_settings_add_the_sandboxs_rate() -> None:
    body = _json(PerformanceTestSettingsOut.from_domain(CONFIG))
    assert list(body)[-1] == "rate"
    assert body["rate"] == "max"


def test_the_report_leaves_out_engine_facts_not_reported_yet() -> None:
    stats = _stats()
    report = _json(PerformanceTestReport.from_domain(_view("PENDING", stats)))
    assert list(report["engine"]) == ["sendLagMs"]
    stats.set_engine(pid=123, clock="kernel")
    report = _json(PerformanceTestReport.from_domain(_view("PENDING", stats)))
    assert list(report["engine"]) == ["pid", "clock", "sendLagMs"]


def test_the_report_keeps_apples_result_and_adds_the_details() -> None:
    report = _json(PerformanceTestReport.from_domain(_view("FAIL", _stats())))
    assert report["result"]["result"] == "FAIL"
    assert (report["done"], report["successes"], report["elapsedMs"]) == (2, 1, 1000)
    assert report["note"] is None
    [late] = report["examples"]["TIMED_OUT"]
    assert late == {
        "sequence": 1,
        "requestIdentifier": "late",
        "sendAttemptResult": "TIMED_OUT",
        "httpStatus": None,
        "latencyMs": 700.0,
        "explanation": "late",
    }
    # The time-out is not an answer: the buckets leave it out, the failures count it.
    assert sum(bucket["count"] for bucket in report["histogram"]) == 1
    assert report["result"]["failures"]["TIMED_OUT"] == 1
