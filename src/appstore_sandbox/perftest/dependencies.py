"""The performance-test service a route names (``tests: PerformanceTests``); the app provides it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from appstore_sandbox.perftest.service import PerformanceTestService
from appstore_sandbox.service_registry import provider

PerformanceTests = Annotated[PerformanceTestService, Depends(provider(PerformanceTestService))]
