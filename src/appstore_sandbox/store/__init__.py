"""Persistence: schema, migrations and the one repository services talk to."""

from appstore_sandbox.store.database import migrate, open_engine
from appstore_sandbox.store.errors import (
    AlreadyExists,
    RunAlreadyPending,
    StoreError,
    TooManyRunsPending,
)
from appstore_sandbox.store.notifications import NotificationStore
from appstore_sandbox.store.performance_tests import PerformanceTestStore
from appstore_sandbox.store.records import (
    ApiKey,
    App,
    Notification,
    PerformanceTestRun,
    Product,
    Purchase,
    RequestRecord,
    RequestRow,
    SendAttempt,
    Transaction,
)
from appstore_sandbox.store.repository import Store

__all__ = [
    "AlreadyExists",
    "ApiKey",
    "App",
    "Notification",
    "NotificationStore",
    "PerformanceTestRun",
    "PerformanceTestStore",
    "Product",
    "Purchase",
    "RequestRecord",
    "RequestRow",
    "RunAlreadyPending",
    "SendAttempt",
    "Store",
    "StoreError",
    "TooManyRunsPending",
    "Transaction",
    "migrate",
    "open_engine",
]
