"""Persistence: schema, migrations and the one repository services talk to."""

from appstore_sandbox.store.database import migrate, open_engine
from appstore_sandbox.store.performance_tests import PerformanceTestStore, RunAlreadyPending
from appstore_sandbox.store.records import (
    ApiKey,
    App,
    PerformanceTestRun,
    Product,
    Purchase,
    RequestRecord,
)
from appstore_sandbox.store.repository import Store

__all__ = [
    "ApiKey",
    "App",
    "PerformanceTestRun",
    "PerformanceTestStore",
    "Product",
    "Purchase",
    "RequestRecord",
    "RunAlreadyPending",
    "Store",
    "migrate",
    "open_engine",
]
