"""A closed run's requests that never got an outcome are failures (OTHER), with an example."""

from __future__ import annotations

from appstore_sandbox.outbound.results import Attempt, SendAttemptResult
from appstore_sandbox.perftest.config import PerformanceTestConfig
from appstore_sandbox.perftest.report import PerformanceTestReport
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.perftest.view import RunView
from tests.perftest.runs import run_view

CONFIG = PerformanceTestConfig(totalRequests=10)
NOTE = "interrupted: the load engine process (pid 7) was killed by SIGKILL before the test finished"


def _view(status: str, stats: RunStats, note: str | None = NOTE) -> RunView:
    return run_view(CONFIG, status, stats, note=note, records_pruned=3)


def _stats(succeeded: int, failed_other: int = 0) -> RunStats:
    stats = RunStats()
    for sequence in range(succeeded):
        stats.record(sequence, f"ok{sequence}", Attempt(SendAttemptResult.SUCCESS, 5_000, 200))
    for sequence in range(succeeded, succeeded + failed_other):
        stats.record(sequence, f"x{sequence}", Attempt(SendAttemptResult.OTHER, None, None, "x"))
    return stats


def test_a_pending_run_has_nothing_unfinished_yet() -> None:
    view = _view("PENDING", _stats(3))
    assert (view.unfinished, view.failures()) == (0, {})


def test_a_closed_run_counts_its_unfinished_requests_as_other() -> None:
    view = _view("FAIL", _stats(3, failed_other=1))
    assert view.unfinished == 6
    assert view.failures() == {"OTHER": 7}
    assert view.success_rate() == 30


def test_the_report_shows_one_example_for_the_unfinished_requests_first() -> None:
    report = PerformanceTestReport.from_domain(_view("FAIL", _stats(3, failed_other=1)))
    first, measured = report.examples["OTHER"]
    assert first.sequence is None and measured.sequence == 3
    assert first.explanation == (
        f"6 of 10 requests were never sent or never answered, counted as OTHER: {NOTE}"
    )
    assert report.result.failures == {"OTHER": 7}
    assert report.recordsPruned == 3


def test_a_finished_run_has_no_unfinished_example() -> None:
    report = PerformanceTestReport.from_domain(_view("PASS", _stats(10), note=None))
    assert report.examples == {} and report.result.failures == {}
