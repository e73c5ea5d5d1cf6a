"""A run as its readers see it: the stored run, its settings and its numbers so far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from appstore_sandbox.outbound.results import SendAttemptResult
from appstore_sandbox.perftest.config import PerformanceTestConfig
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.store import PerformanceTestRun

PENDING, PASS, FAIL = "PENDING", "PASS", "FAIL"
RunStatus = Literal["PENDING", "PASS", "FAIL"]
HISTOGRAM_EDGES_MS = (10, 25, 50, 100, 200, 300, 500, 700, 1000, 2000, 5000)
# Requests of a closed run that never got an outcome (its engine or its sandbox process died, or
# it was stopped) are failures: Apple's rule divides by totalRequests, and a failure needs a
# sendAttemptResult. OTHER is the one that claims nothing about what the endpoint did.
UNFINISHED = SendAttemptResult.OTHER.value


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
    def unfinished(self) -> int:
        """Requests of a closed run that were never sent or never answered; 0 while PENDING."""
        return 0 if self.status == PENDING else max(0, self.config.totalRequests - self.stats.done)

    def failures(self) -> dict[str, int]:
        """Failed requests per sendAttemptResult, the unfinished ones of a closed run as OTHER."""
        failures = self.stats.failures()
        if self.unfinished:
            failures[UNFINISHED] = failures.get(UNFINISHED, 0) + self.unfinished
        return dict(sorted(failures.items()))

    def unfinished_explanation(self) -> str:
        reason = self.run.note or "the run ended"
        return (
            f"{self.unfinished} of {self.config.totalRequests} requests were never sent or never "
            f"answered, counted as {UNFINISHED}: {reason}"
        )

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
