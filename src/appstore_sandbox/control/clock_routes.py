"""Control surface for the sandbox clock: read it, move it forward, set it, reset it."""

from __future__ import annotations

from fastapi import APIRouter

from appstore_sandbox.apple_request import SandboxDep
from appstore_sandbox.control.models import ClockAdvance, ClockSet, SandboxTimeOut

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


@router.get("/clock")
def get_clock(sandbox: SandboxDep) -> SandboxTimeOut:
    """Sandbox time, real time and the offset between them."""
    return SandboxTimeOut.from_domain(sandbox.control.clock.time())


@router.post("/clock/advance")
def advance_clock(body: ClockAdvance, sandbox: SandboxDep) -> SandboxTimeOut:
    """Move sandbox time forward: notification retries that become due are sent right away."""
    time = sandbox.control.clock.advance(body.seconds)
    sandbox.notifications.worker.wake()
    return SandboxTimeOut.from_domain(time)


@router.post("/clock/set")
def set_clock(body: ClockSet, sandbox: SandboxDep) -> SandboxTimeOut:
    """Make sandbox time ``now`` from now on: any time from the real time up to 2200."""
    time = sandbox.control.clock.set(body.now)
    sandbox.notifications.worker.wake()
    return SandboxTimeOut.from_domain(time)


@router.post("/clock/reset")
def reset_clock(sandbox: SandboxDep) -> SandboxTimeOut:
    """Back to real time, for every process on the database."""
    return SandboxTimeOut.from_domain(sandbox.control.clock.reset())
