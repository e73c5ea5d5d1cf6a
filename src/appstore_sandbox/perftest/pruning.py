"""Keeping per-request records bounded: older runs' records go past a row count or an age.

A run's numbers (success rate, failures, percentiles, examples, histogram) are kept whatever
happens to its records; only the request-by-request list goes, a whole run at a time, the run
that finished first going first. Runs still PENDING are never pruned. The run then says how
many records it lost (``recordsPruned`` in its report).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from appstore_sandbox.clock import Clock
from appstore_sandbox.store import PerformanceTestStore
from appstore_sandbox.store.performance_tests import RunRecords

logger = logging.getLogger(__name__)
DAY_MS = 86_400_000


@dataclass(frozen=True)
class RecordsPolicy:
    """At most ``max_rows`` records in all; none of a run finished over ``max_age_ms`` ago."""

    max_rows: int = 2_000_000
    max_age_ms: int = 30 * DAY_MS


DEFAULT_RECORDS_POLICY = RecordsPolicy()


@dataclass(frozen=True)
class PruneResult:
    runs: int
    records: int
    kept: int


def runs_to_prune(
    runs: Sequence[RunRecords], total: int, policy: RecordsPolicy, now_ms: int
) -> list[RunRecords]:
    """Finished runs (the longest finished first) whose records go to honour ``policy``."""
    chosen = []
    for run in runs:
        too_old = now_ms - run.finished_ms > policy.max_age_ms
        if not too_old and total <= policy.max_rows:
            break
        chosen.append(run)
        total -= run.records
    return chosen


class RecordPruner:
    def __init__(self, runs: PerformanceTestStore, clock: Clock, policy: RecordsPolicy) -> None:
        self._runs = runs
        self._clock = clock
        self.policy = policy

    def prune(self, policy: RecordsPolicy | None = None) -> PruneResult:
        """Prune now, by this sandbox's policy or the one given."""
        policy = policy or self.policy
        total = self._runs.count_records()
        chosen = runs_to_prune(
            self._runs.finished_runs_with_records(), total, policy, self._clock.now_ms()
        )
        deleted = sum(self._runs.prune_records(run.request_id) for run in chosen)
        return PruneResult(runs=len(chosen), records=deleted, kept=total - deleted)

    def prune_quietly(self) -> None:
        """Automatic pruning (at start, after each run): a failure is logged, never raised."""
        try:
            result = self.prune()
        except Exception:
            logger.exception("could not prune performance test records")
            return
        if result.runs:
            logger.info(
                "pruned %d per-request records of %d finished performance test runs",
                result.records,
                result.runs,
            )
