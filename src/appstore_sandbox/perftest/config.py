"""PerformanceTestConfig: Apple's five fields plus the sandbox's pacing choice."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from appstore_sandbox.errors import BadInput

RATE_EVEN = "even"
RATE_MAX = "max"

# (field, lowest, highest) a setting can ever have; Apple's defaults are in PerformanceTestConfig.
# How big a test this sandbox allows is a setting: PerformanceTestLimits.
_LIMITS = {
    "maxConcurrentRequests": (1, 2000),
    "totalRequests": (1, 10_000_000),
    "totalDuration": (1, 24 * 3600 * 1000),
    "responseTimeThreshold": (1, 120_000),
    "successRateThreshold": (0, 100),
}


@dataclass(frozen=True)
class PerformanceTestConfig:
    """Apple-like defaults: 10 in flight, 100 requests over 60 s, 700 ms, 95% must succeed.

    ``rate`` is ours: ``even`` spreads the requests over ``totalDuration`` as Apple does, ``max``
    sends as fast as ``maxConcurrentRequests`` allows, a number sends that many per second.
    """

    maxConcurrentRequests: int = 10
    totalRequests: int = 100
    totalDuration: int = 60_000
    responseTimeThreshold: int = 700
    successRateThreshold: int = 95
    rate: str | float = RATE_EVEN

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PerformanceTestConfig:
        return cls().with_overrides(data)

    def with_overrides(self, overrides: dict[str, Any]) -> PerformanceTestConfig:
        """A copy with the given fields replaced; unknown fields and bad values are BadInput."""
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if value is None:
                continue
            if name == "rate":
                changes["rate"] = _rate(value)
            elif name in _LIMITS:
                changes[name] = _bounded(name, value)
            else:
                raise BadInput(f"Unknown performance test setting {name!r}.")
        return replace(self, **changes)

    @property
    def requests_per_second(self) -> float | None:
        """Pacing: requests per second, or ``None`` to send as fast as concurrency allows."""
        if self.rate == RATE_MAX:
            return None
        if self.rate == RATE_EVEN:
            return self.totalRequests / (self.totalDuration / 1000)
        return float(self.rate)


@dataclass(frozen=True)
class PerformanceTestLimits:
    """What this sandbox allows (its settings): tests running at once, and a test's size."""

    max_running: int = 4
    max_total_requests: int = 10_000_000
    max_concurrent_requests: int = 2000

    def problem(self, config: PerformanceTestConfig) -> str | None:
        """Why ``config`` is too big for this sandbox, or ``None``."""
        for name, value, ceiling, setting in (
            ("totalRequests", config.totalRequests, self.max_total_requests, "total-requests"),
            (
                "maxConcurrentRequests",
                config.maxConcurrentRequests,
                self.max_concurrent_requests,
                "concurrent-requests",
            ),
        ):
            if value > ceiling:
                return (
                    f"{name} {value} is over this sandbox's limit of {ceiling} "
                    f"(serve --performance-test-max-{setting})."
                )
        return None


DEFAULT_LIMITS = PerformanceTestLimits()


def _bounded(name: str, value: Any) -> int:
    low, high = _LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(f"{name} must be an integer from {low} to {high}.")
    return value


def _rate(value: Any) -> str | float:
    if value in (RATE_EVEN, RATE_MAX):
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    raise BadInput("rate must be 'even', 'max' or a number of requests per second.")
