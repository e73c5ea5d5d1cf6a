"""What the app hands its routes: each object of the composition root a route may name, in the
registry ``appstore_sandbox.service_registry`` reads. The sandbox itself is not among them."""

from __future__ import annotations

from appstore_sandbox.control.routes import AppLeftovers
from appstore_sandbox.http.sandbox_wide import SandboxWideOperations
from appstore_sandbox.sandbox import Sandbox
from appstore_sandbox.service_registry import ServiceRegistry


def route_services(sandbox: Sandbox) -> ServiceRegistry:
    return ServiceRegistry(
        sandbox.settings,
        sandbox.chain,
        sandbox.tokens,
        sandbox.rate_limiter,
        sandbox.faults,
        sandbox.control,
        sandbox.control.clock,
        sandbox.catalog,
        sandbox.realtime_urls,
        sandbox.images,
        sandbox.messages,
        sandbox.default_messages,
        sandbox.review,
        sandbox.cancel_simulator,
        sandbox.performance_tests,
        sandbox.notifications,
        sandbox.subscriptions,
        # Control sits below the surfaces: what it must set going there, the app names.
        AppLeftovers((sandbox.images.delete_files,)),
        SandboxWideOperations(sandbox),
    )
