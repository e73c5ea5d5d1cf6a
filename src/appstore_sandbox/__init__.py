"""appstore-sandbox: Apple's retention messaging and notification testing, on your machine.

The public API is this: ``from appstore_sandbox import Sandbox`` (the Python API,
``appstore_sandbox.testing``) and ``NotificationReceiver`` (a verifying notification receiver for
tests, ``appstore_sandbox.notification_receiver``), both loaded on first use so the command line
doesn't pay for them; the pytest plugin (``appstore_sandbox.pytest_plugin``, which pytest loads by
its entry point); and the ``appstore-sandbox`` command (``appstore_sandbox.cli``). Every other
module is the server's own.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from appstore_sandbox.version import __version__

__all__ = [
    "AppKey",
    "NotificationNotReceived",
    "NotificationReceiver",
    "PerformanceTestOutcome",
    "Sandbox",
    "SandboxError",
    "__version__",
]

if TYPE_CHECKING:
    from appstore_sandbox.notification_receiver import (
        NotificationNotReceived,
        NotificationReceiver,
    )
    from appstore_sandbox.testing import AppKey, PerformanceTestOutcome, Sandbox, SandboxError

_MODULES = {
    "AppKey": "testing",
    "PerformanceTestOutcome": "testing",
    "Sandbox": "testing",
    "SandboxError": "testing",
    "NotificationNotReceived": "notification_receiver",
    "NotificationReceiver": "notification_receiver",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'appstore_sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"appstore_sandbox.{module}"), name)
