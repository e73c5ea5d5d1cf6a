"""Persistence: schema, migrations and the one repository services talk to.

The plain records are imported at once; the rest (SQLAlchemy with it) on first use, so a
process that only handles records, like a performance test's engine, never loads the database
layer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from appstore_sandbox.store.records import (
    ApiKey,
    App,
    MessageBullet,
    Notification,
    PerformanceTestRun,
    Product,
    Purchase,
    RequestRecord,
    RequestRow,
    RetentionImage,
    RetentionMessage,
    SendAttempt,
    Transaction,
)

if TYPE_CHECKING:
    from appstore_sandbox.store.database import migrate, open_engine
    from appstore_sandbox.store.errors import (
        AlreadyExists,
        RunAlreadyPending,
        StoreError,
        TooManyRunsPending,
    )
    from appstore_sandbox.store.notifications import NotificationStore
    from appstore_sandbox.store.performance_tests import PerformanceTestStore
    from appstore_sandbox.store.repository import Store

_LOADED_ON_USE = {
    "migrate": "database",
    "open_engine": "database",
    "AlreadyExists": "errors",
    "RunAlreadyPending": "errors",
    "StoreError": "errors",
    "TooManyRunsPending": "errors",
    "NotificationStore": "notifications",
    "PerformanceTestStore": "performance_tests",
    "Store": "repository",
}

__all__ = [
    "AlreadyExists",
    "ApiKey",
    "App",
    "MessageBullet",
    "Notification",
    "NotificationStore",
    "PerformanceTestRun",
    "PerformanceTestStore",
    "Product",
    "Purchase",
    "RequestRecord",
    "RequestRow",
    "RetentionImage",
    "RetentionMessage",
    "RunAlreadyPending",
    "SendAttempt",
    "Store",
    "StoreError",
    "TooManyRunsPending",
    "Transaction",
    "migrate",
    "open_engine",
]


def __getattr__(name: str) -> object:
    module = _LOADED_ON_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
