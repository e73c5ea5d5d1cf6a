"""Control surface for the sandbox clock: read it, move it forward, set it, reset it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends

from appstore_sandbox.control.dependencies import SandboxClock
from appstore_sandbox.control.models import ClockAdvance, ClockSet, SandboxTimeOut
from appstore_sandbox.service_registry import provider

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


@dataclass(frozen=True)
class ClockWatchers:
    """What looks again when sandbox time jumps forward: the notification delivery worker, whose
    retries may have fallen due. The app names them; control may not import the surfaces."""

    wakers: tuple[Callable[[], None], ...] = ()

    def wake(self) -> None:
        for wake in self.wakers:
            wake()


Watchers = Annotated[ClockWatchers, Depends(provider(ClockWatchers))]


@router.get("/clock")
def get_clock(clock: SandboxClock) -> SandboxTimeOut:
    """Sandbox time, real time and the offset between them."""
    return SandboxTimeOut.from_domain(clock.time())


@router.post("/clock/advance")
def advance_clock(body: ClockAdvance, clock: SandboxClock, watchers: Watchers) -> SandboxTimeOut:
    """Move sandbox time forward: notification retries that become due are sent right away."""
    time = clock.advance(body.seconds)
    watchers.wake()
    return SandboxTimeOut.from_domain(time)


@router.post("/clock/set")
def set_clock(body: ClockSet, clock: SandboxClock, watchers: Watchers) -> SandboxTimeOut:
    """Make sandbox time ``now`` from now on: any time from the real time up to 2200."""
    time = clock.set(body.now)
    watchers.wake()
    return SandboxTimeOut.from_domain(time)


@router.post("/clock/reset")
def reset_clock(clock: SandboxClock) -> SandboxTimeOut:
    """Back to real time, for every process on the database."""
    return SandboxTimeOut.from_domain(clock.reset())
