"""What a run looks like from outside: Apple's result object, and the sandbox's fuller report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appstore_sandbox.perftest.config import PerformanceTestConfig
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.store import PerformanceTestRun

PENDING, PASS, FAIL = "PENDING", "PASS", "FAIL"
HISTOGRAM_EDGES_MS = (10, 25, 50, 100, 200, 300, 500, 700, 1000, 2000, 5000)


@dataclass(frozen=True)
class RunView:
    run: PerformanceTestRun
    config: PerformanceTestConfig
    stats: RunStats
    bundle_id: str
    now_ms: int

    @property
    def status(self) -> str:
        return self.run.status

    def success_rate(self) -> int:
        """Integer percent of ``totalRequests`` (of those done so far while PENDING)."""
        denominator = self.stats.done if self.status == PENDING else self.config.totalRequests
        return self.stats.successes * 100 // denominator if denominator else 0

    def apple_result(self) -> dict[str, Any]:
        """PerformanceTestResultResponse; partial numbers while PENDING."""
        pending = self.config.totalRequests - self.stats.done if self.status == PENDING else 0
        return {
            "config": self.config.apple_fields(),
            "target": self.run.target,
            "result": self.status,
            "successRate": self.success_rate(),
            "numPending": pending,
            "responseTimes": self.stats.response_times(),
            "failures": self.stats.failures(),
        }

    def report(self) -> dict[str, Any]:
        """Apple's result plus what Apple doesn't tell: progress, examples, histogram, notes."""
        end = self.run.finished_ms or self.now_ms
        return {
            "requestId": self.run.request_id,
            "bundleId": self.bundle_id,
            "originalTransactionId": self.run.original_transaction_id,
            "result": self.apple_result(),
            "rate": self.config.rate,
            "done": self.stats.done,
            "successes": self.stats.successes,
            "createdDate": self.run.created_ms,
            "finishedDate": self.run.finished_ms,
            "elapsedMs": max(0, end - self.run.created_ms),
            "note": self.run.note,
            "examples": {
                reason: [example.to_json() for example in examples]
                for reason, examples in sorted(self.stats.examples.items())
            },
            "histogram": self.stats.histogram_buckets(self._histogram_edges()),
            "catalogProblems": self.stats.catalog_problems(),
            "responseTimesUs": self.stats.response_times_us(),
            "engine": {**self.stats.engine, "sendLagMs": self.stats.send_lag_ms()},
        }

    def _histogram_edges(self) -> tuple[int, ...]:
        """Fixed edges plus the threshold, so no bucket mixes on-time and late answers."""
        return tuple(sorted({*HISTOGRAM_EDGES_MS, self.config.responseTimeThreshold}))


def passed(config: PerformanceTestConfig, stats: RunStats) -> bool:
    # Exact comparison; it agrees with the integer successRate because the threshold is whole.
    return stats.successes * 100 >= config.successRateThreshold * config.totalRequests
