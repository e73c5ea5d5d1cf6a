"""A run as its readers see it: the stored run, its settings and its numbers so far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from appstore_sandbox.perftest.config import PerformanceTestConfig
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.store import PerformanceTestRun

PENDING, PASS, FAIL = "PENDING", "PASS", "FAIL"
RunStatus = Literal["PENDING", "PASS", "FAIL"]
HISTOGRAM_EDGES_MS = (10, 25, 50, 100, 200, 300, 500, 700, 1000, 2000, 5000)


@dataclass(frozen=True)
class RunView:
    run: PerformanceTestRun
    config: PerformanceTestConfig
    stats: RunStats
    bundle_id: str
    now_ms: int

    @property
    def status(self) -> RunStatus:
        return cast(RunStatus, self.run.status)  # the store holds only these three

    def success_rate(self) -> int:
        """Integer percent of ``totalRequests`` (of those done so far while PENDING)."""
        denominator = self.stats.done if self.status == PENDING else self.config.totalRequests
        return self.stats.successes * 100 // denominator if denominator else 0

    @property
    def num_pending(self) -> int:
        """Requests not yet done; 0 once the run is over, whatever the reason it ended."""
        return self.config.totalRequests - self.stats.done if self.status == PENDING else 0

    @property
    def elapsed_ms(self) -> int:
        end = self.run.finished_ms or self.now_ms
        return max(0, end - self.run.created_ms)

    def histogram_edges(self) -> tuple[int, ...]:
        """Fixed edges plus the threshold, so no bucket mixes on-time and late answers."""
        return tuple(sorted({*HISTOGRAM_EDGES_MS, self.config.responseTimeThreshold}))


def passed(config: PerformanceTestConfig, stats: RunStats) -> bool:
    # Exact comparison; it agrees with the integer successRate because the threshold is whole.
    return stats.successes * 100 >= config.successRateThreshold * config.totalRequests
