"""Control surface: faults on demand (see ``appstore_sandbox.faults``)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field, StrictInt, StrictStr

from appstore_sandbox.apple_request import OPERATIONS
from appstore_sandbox.control.dependencies import ActiveFaults
from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.errors import BadInput, NotFound
from appstore_sandbox.faults import Fault, FaultSpec, operation_problem

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


class FaultIn(CamelModel):
    kind: Literal["429", "500", "401", "delay", "drop"]
    target: Literal["api", "notifications"] = "api"
    bundle_id: StrictStr | None = Field(None, description="Default: every app.")
    environment: Literal["sandbox", "production", "both"] | None = Field(
        None, description="Default: both."
    )
    operation: StrictStr | None = Field(
        None,
        description="Apple's operation name ('requestTestNotification', 'Request a Test "
        "Notification'), the Apple Python client's method name ('request_test_notification'), "
        "or a path after the environment "
        "prefix, '*' matching anything ('/inApps/v1/messaging/image/*'). Default: every one.",
    )
    method: StrictStr | None = Field(None, description="HTTP method. Default: every one.")
    count: StrictInt | None = Field(None, description="Act on the next N matching calls.")
    fraction: float | None = Field(None, description="Act on this share of matching calls.")
    seed: StrictInt | None = Field(None, description="Seed for fraction, to repeat a run.")
    delay_ms: StrictInt = 1000
    retry_after_s: StrictInt = Field(60, description="For 429: Retry-After, from now.")

    def to_spec(self) -> FaultSpec:
        return FaultSpec(**self.model_dump())


class FaultOut(FaultIn):
    fault_id: str
    hits: int = Field(description="Calls it has acted on.")
    remaining: int | None = Field(description="With count: calls left to act on.")

    @classmethod
    def of(cls, fault: Fault) -> FaultOut:
        spec = vars(fault.spec)
        return cls(fault_id=fault.fault_id, hits=fault.hits, remaining=fault.remaining, **spec)


class FaultList(CamelModel):
    faults: list[FaultOut]


@router.post("/faults", status_code=201)
def add_fault(body: FaultIn, faults: ActiveFaults) -> FaultOut:
    """Make Apple's API (or notification deliveries) fail on purpose; at most max_faults at
    once."""
    problem = body.operation and operation_problem(body.operation, OPERATIONS)
    if problem:
        raise BadInput(problem)
    return FaultOut.of(faults.add(body.to_spec()))


@router.get("/faults")
def list_faults(faults: ActiveFaults) -> FaultList:
    return FaultList(faults=[FaultOut.of(fault) for fault in faults.all()])


@router.delete("/faults")
def clear_faults(faults: ActiveFaults) -> FaultList:
    """Remove every fault and let go the calls held in delays at once; the (empty) list."""
    faults.clear()
    return list_faults(faults)


@router.delete("/faults/{fault_id}", responses=declared(404))
def remove_fault(fault_id: str, faults: ActiveFaults) -> FaultList:
    """Remove one fault (or one whose count is used up while it holds calls in its delay) and
    let go the calls it holds; the faults that remain."""
    if not faults.remove(fault_id):
        raise NotFound(f"No fault {fault_id}.")
    return list_faults(faults)
