"""Which finished runs lose their per-request records: the first finished, past a size or age."""

from __future__ import annotations

from appstore_sandbox.perftest.pruning import DAY_MS, RecordsPolicy, runs_to_prune
from appstore_sandbox.store.performance_tests import RunRecords

NOW = 100 * DAY_MS
RUNS = [
    RunRecords("a", NOW - 40 * DAY_MS, 100),
    RunRecords("b", NOW - 2 * DAY_MS, 300),
    RunRecords("c", NOW - 1 * DAY_MS, 50),
]


def _pruned(total: int, policy: RecordsPolicy) -> list[str]:
    return [run.request_id for run in runs_to_prune(RUNS, total, policy, NOW)]


def test_nothing_goes_within_both_limits() -> None:
    assert _pruned(450, RecordsPolicy(max_rows=450, max_age_ms=90 * DAY_MS)) == []


def test_runs_older_than_the_age_go() -> None:
    assert _pruned(450, RecordsPolicy(max_rows=10_000, max_age_ms=30 * DAY_MS)) == ["a"]


def test_the_first_finished_go_until_the_rest_fits() -> None:
    assert _pruned(450, RecordsPolicy(max_rows=350, max_age_ms=90 * DAY_MS)) == ["a"]
    assert _pruned(450, RecordsPolicy(max_rows=349, max_age_ms=90 * DAY_MS)) == ["a", "b"]


def test_records_of_running_tests_count_but_are_not_candidates() -> None:
    # 1000 records of a PENDING run are in the total; every finished run goes, and that is all.
    assert _pruned(1450, RecordsPolicy(max_rows=500, max_age_ms=90 * DAY_MS)) == ["a", "b", "c"]
