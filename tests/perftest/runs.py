"""A run's domain view as the service builds it, for tests of what is made of one."""

from __future__ import annotations

import json

from appstore_sandbox.perftest.config import PerformanceTestConfig
from appstore_sandbox.perftest.stats import RunStats
from appstore_sandbox.perftest.view import RunView
from appstore_sandbox.store import PerformanceTestRun

CREATED_MS = 1_900_000_000_000


def run_view(
    config: PerformanceTestConfig,
    status: str,
    stats: RunStats,
    *,
    note: str | None = None,
    records_pruned: int = 0,
) -> RunView:
    """A run of ``config`` created at CREATED_MS, finished a second later unless PENDING,
    looked at half a second after it started."""
    run = PerformanceTestRun(
        request_id="6f1d7a56-0000-4000-8000-000000000001",
        app_id=1,
        original_transaction_id="2000000000000001",
        target="http://127.0.0.1:9/retention",
        config=json.dumps(config.to_json()),
        status=status,
        created_ms=CREATED_MS,
        finished_ms=None if status == "PENDING" else CREATED_MS + 1_000,
        owner="test",
        lease_until_ms=0,
        progress=None,
        note=note,
        records_pruned=records_pruned,
    )
    return RunView(run, config, stats, "com.example.app", CREATED_MS + 500)
