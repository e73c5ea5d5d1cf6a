"""Bodies of the performance test endpoints, Apple's and the control surface's."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictInt, StrictStr


class PerformanceTestRequest(BaseModel):
    originalTransactionId: StrictStr


class PerformanceTestSettings(BaseModel):
    """Overrides of Apple's defaults; omitted fields keep them."""

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
