"""appstore-sandbox: Apple's retention messaging and notification testing, on your machine.

The public API is this: ``from appstore_sandbox import Sandbox`` (the Python API,
``appstore_sandbox.testing``, loaded on first use so the command line doesn't pay for it), the
pytest plugin (``appstore_sandbox.pytest_plugin``, which pytest loads by its entry point) and the
``appstore-sandbox`` command (``appstore_sandbox.cli``). Every other module is the server's own.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from appstore_sandbox.version import __version__

__all__ = ["AppKey", "PerformanceTestOutcome", "Sandbox", "SandboxError", "__version__"]

if TYPE_CHECKING:
    from appstore_sandbox.testing import AppKey, PerformanceTestOutcome, Sandbox, SandboxError


def __getattr__(name: str) -> Any:
    if name in {"AppKey", "PerformanceTestOutcome", "Sandbox", "SandboxError"}:
        return getattr(importlib.import_module("appstore_sandbox.testing"), name)
    raise AttributeError(f"module 'appstore_sandbox' has no attribute {name!r}")
