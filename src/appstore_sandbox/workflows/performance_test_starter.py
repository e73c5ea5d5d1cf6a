"""Starting Apple's performance test from the control surface, in one step: configure the
sandbox realtime URL (retention), then initiate the test (perftest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends

from appstore_sandbox.control.dependencies import Control
from appstore_sandbox.control.service import ControlService
from appstore_sandbox.environments import Environment
from appstore_sandbox.perftest.dependencies import PerformanceTests
from appstore_sandbox.perftest.models import StartPerformanceTest
from appstore_sandbox.perftest.report import PerformanceTestReport
from appstore_sandbox.perftest.service import PerformanceTestService
from appstore_sandbox.perftest.view import RunView
from appstore_sandbox.retention.dependencies import RealtimeUrls
from appstore_sandbox.retention.realtime_url import RealtimeUrlService

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


@dataclass(frozen=True)
class PerformanceTestStarter:
    control: ControlService
    realtime_urls: RealtimeUrlService
    performance_tests: PerformanceTestService

    def start(
        self,
        bundle_id: str,
        overrides: dict[str, object],
        original_transaction_id: str | None = None,
        url: str | None = None,
    ) -> RunView:
        """Configure the sandbox realtime URL if given, then initiate a test, with the same rules
        as Initiate Performance Test, for the given purchase or else the app's default one (the
        most recent whose subscription has not ended)."""
        app = self.control.app(bundle_id)
        if url is not None:
            self.realtime_urls.configure(app, Environment.SANDBOX, url)
        default = self.control.default_purchase(app)
        # No purchase: initiate() refuses the empty id as Apple refuses a malformed one.
        transaction_id = original_transaction_id or (
            default.original_transaction_id if default else ""
        )
        return self.performance_tests.initiate(app, transaction_id, overrides)


async def _starter(
    control: Control, realtime_urls: RealtimeUrls, performance_tests: PerformanceTests
) -> PerformanceTestStarter:
    return PerformanceTestStarter(control, realtime_urls, performance_tests)


@router.post("/apps/{bundle_id}/performance-tests", status_code=201)
def start_test(
    bundle_id: str,
    body: StartPerformanceTest,
    starter: Annotated[PerformanceTestStarter, Depends(_starter)],
) -> PerformanceTestReport:
    """Run Apple's test with this run's overrides; the same rules as Initiate Performance Test."""
    view = starter.start(bundle_id, body.overrides(), body.originalTransactionId, body.url)
    return PerformanceTestReport.from_domain(view)
