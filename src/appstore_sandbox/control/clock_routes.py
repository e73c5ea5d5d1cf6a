"""Control surface for the sandbox clock: read it, move it forward, set it, reset it."""

from __future__ import annotations

from fastapi import APIRouter

from appstore_sandbox.control.dependencies import SandboxClock
from appstore_sandbox.control.models import ClockAdvance, ClockSet, SandboxTimeOut

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


@router.get("/clock")
def get_clock(clock: SandboxClock) -> SandboxTimeOut:
    """Sandbox time, real time and the offset between them."""
    return SandboxTimeOut.from_domain(clock.time())


@router.post("/clock/advance")
def advance_clock(body: ClockAdvance, clock: SandboxClock) -> SandboxTimeOut:
    """Move sandbox time forward: renewals and notification retries that become due go out
    right away."""
    return SandboxTimeOut.from_domain(clock.advance(body.seconds))


@router.post("/clock/set")
def set_clock(body: ClockSet, clock: SandboxClock) -> SandboxTimeOut:
    """Make sandbox time ``now`` from now on: any time from the real time up to 2200."""
    return SandboxTimeOut.from_domain(clock.set(body.now))


@router.post("/clock/reset")
def reset_clock(clock: SandboxClock) -> SandboxTimeOut:
    """Back to real time, for every process on the database."""
    return SandboxTimeOut.from_domain(clock.reset())
