"""Control surface: simulate a customer tapping Cancel Subscription (one realtime request)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import Field, StrictStr

from appstore_sandbox.apple_request import SandboxDep
from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.control.routes import require_admin_token
from appstore_sandbox.environments import Environment

router = APIRouter(
    prefix="/_sandbox/v1/apps/{bundle_id}",
    tags=["Sandbox control"],
    dependencies=[Depends(require_admin_token)],
)


class SimulateCancelRequest(CamelModel):
    environment: Environment = Environment.SANDBOX
    product_id: StrictStr | None = Field(None, description="Default: the purchase's product.")
    locale: StrictStr | None = Field(None, description="Default: en-US.")
    transaction_id: StrictStr | None = Field(None, description="Default: the first purchase.")


@router.post("/simulate-cancel")
def simulate_cancel(
    bundle_id: str, body: SimulateCancelRequest, sandbox: SandboxDep
) -> dict[str, Any]:
    """Send the realtime request Apple sends when the customer taps Cancel Subscription, and
    say what the customer would see: the realtime message, the default one, or neither."""
    app = sandbox.control.app(bundle_id)
    return sandbox.cancel_simulator.simulate(
        app, body.environment, body.product_id, body.locale, body.transaction_id
    )
