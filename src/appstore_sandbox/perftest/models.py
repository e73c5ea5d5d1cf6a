"""Bodies of the performance test endpoints: Apple's (field names as Apple spells them) and the
control surface's settings.

Routes serialize with these; the service hands over domain objects (``RunView``,
``PerformanceTestConfig``) and ``from_domain`` shapes them.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from appstore_sandbox.perftest import config
from appstore_sandbox.perftest.pruning import DAY_MS, PruneResult, RecordsPolicy
from appstore_sandbox.perftest.view import RunStatus, RunView

# requests


class PerformanceTestRequest(BaseModel):
    originalTransactionId: StrictStr


class PerformanceTestSettings(BaseModel):
    """Overrides of Apple's defaults; omitted fields keep them."""

    model_config = ConfigDict(extra="forbid")

    maxConcurrentRequests: StrictInt | None = None
    totalRequests: StrictInt | None = None
    totalDuration: StrictInt | None = Field(None, description="Milliseconds.")
    responseTimeThreshold: StrictInt | None = Field(None, description="Milliseconds.")
    successRateThreshold: StrictInt | None = None
    rate: StrictStr | float | None = Field(
        None, description="'even' (Apple's pacing), 'max', or requests per second."
    )

    def overrides(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class StartPerformanceTest(PerformanceTestSettings):
    """Control surface: start a test, optionally configuring the sandbox URL first."""

    originalTransactionId: StrictStr | None = Field(
        None, description="Default: the app's first sandbox purchase."
    )
    url: StrictStr | None = Field(None, description="Configure this sandbox realtime URL first.")

    def overrides(self) -> dict[str, Any]:
        """Only the test's settings: the transaction and the URL are not settings."""
        return self.model_dump(exclude_none=True, exclude={"originalTransactionId", "url"})


# Apple's responses


class PerformanceTestConfig(BaseModel):
    maxConcurrentRequests: int
    totalRequests: int
    totalDuration: int = Field(description="Milliseconds.")
    responseTimeThreshold: int = Field(description="Milliseconds.")
    successRateThreshold: int

    @classmethod
    def from_domain(cls, settings: config.PerformanceTestConfig) -> Self:
        return cls(
            maxConcurrentRequests=settings.maxConcurrentRequests,
            totalRequests=settings.totalRequests,
            totalDuration=settings.totalDuration,
            responseTimeThreshold=settings.responseTimeThreshold,
            successRateThreshold=settings.successRateThreshold,
        )


class PerformanceTestResponse(BaseModel):
    config: PerformanceTestConfig
    requestId: str

    @classmethod
    def from_domain(cls, view: RunView) -> PerformanceTestResponse:
        return cls(
            config=PerformanceTestConfig.from_domain(view.config), requestId=view.run.request_id
        )


class PerformanceTestResponseTimes(BaseModel):
    average: int
    p50: int
    p90: int
    p95: int
    p99: int


class PerformanceTestResultResponse(BaseModel):
    """Partial numbers while PENDING."""

    config: PerformanceTestConfig
    target: str
    result: RunStatus
    successRate: int
    numPending: int
    responseTimes: PerformanceTestResponseTimes = Field(description="Milliseconds.")
    failures: dict[str, int] = Field(description="Failed requests per sendAttemptResult.")

    @classmethod
    def from_domain(cls, view: RunView) -> PerformanceTestResultResponse:
        return cls(
            config=PerformanceTestConfig.from_domain(view.config),
            target=view.run.target,
            result=view.status,
            successRate=view.success_rate(),
            numPending=view.num_pending,
            responseTimes=PerformanceTestResponseTimes(**view.stats.response_times()),
            failures=view.failures(),
        )


# the control surface's settings


class PerformanceTestSettingsOut(PerformanceTestConfig):
    """Apple's five settings plus the sandbox's pacing."""

    rate: str | float = Field(description="'even' (Apple's pacing), 'max', or requests per second.")

    @classmethod
    def from_domain(cls, settings: config.PerformanceTestConfig) -> Self:
        apple = PerformanceTestConfig.from_domain(settings)
        return cls(**apple.model_dump(), rate=settings.rate)


# pruning per-request records


class PruneRecords(BaseModel):
    """Omitted limits are the sandbox's own (its settings)."""

    model_config = ConfigDict(extra="forbid")

    maxRows: StrictInt | None = Field(
        default=None, ge=0, description="Records to keep at most, in all."
    )
    maxAgeDays: StrictInt | None = Field(
        default=None, ge=0, description="Prune records of runs finished longer ago than this."
    )

    def policy(self, default: RecordsPolicy) -> RecordsPolicy:
        return RecordsPolicy(
            max_rows=default.max_rows if self.maxRows is None else self.maxRows,
            max_age_ms=default.max_age_ms if self.maxAgeDays is None else self.maxAgeDays * DAY_MS,
        )


class PrunedRecords(BaseModel):
    runs: int = Field(description="Runs whose records were pruned.")
    records: int = Field(description="Records deleted.")
    kept: int = Field(description="Records left, in all.")
    maxRows: int
    maxAgeDays: float

    @classmethod
    def from_domain(cls, result: PruneResult, policy: RecordsPolicy) -> Self:
        return cls(
            runs=result.runs,
            records=result.records,
            kept=result.kept,
            maxRows=policy.max_rows,
            maxAgeDays=policy.max_age_ms / DAY_MS,
        )
