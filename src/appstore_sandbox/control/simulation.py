"""Control surface: simulate a customer tapping Cancel Subscription (one realtime request)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StrictStr

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


class ShownImage(BaseModel):
    imageIdentifier: str
    altText: str | None


class ShownBulletPoint(BaseModel):
    text: str
    imageIdentifier: str
    altText: str


class ShownAlternateProduct(BaseModel):
    productId: str
    billingPlanType: str | None


class ShownPromotionalOffer(BaseModel):
    productId: str
    offerIdentifier: str
    signature: Literal["V1", "V2"]


class ShownMessage(BaseModel):
    """The message on the Confirm Cancellation sheet."""

    source: Literal["realtime", "default"]
    type: str = Field(description="message, alternateProduct or promotionalOffer.")
    messageIdentifier: str
    header: str
    body: str
    headerPosition: str
    image: ShownImage | None
    bulletPoints: list[ShownBulletPoint]
    alternateProduct: ShownAlternateProduct | None
    promotionalOffer: ShownPromotionalOffer | None


class SimulatedAttempt(BaseModel):
    url: str
    sendAttemptResult: str
    httpStatus: int | None
    latencyMs: float | None
    explanation: str


class CancelSimulation(BaseModel):
    outcome: Literal["realtime", "default", "standard"] = Field(
        description="Which sheet the customer sees: the realtime message, the default message, "
        "or Apple's standard sheet without one."
    )
    reason: str
    message: ShownMessage | None
    attempt: SimulatedAttempt | None = Field(description="null when no realtime URL is set.")
    request: dict[str, Any] = Field(description="The decoded signedPayload that was sent.")


@router.post("/simulate-cancel")
def simulate_cancel(
    bundle_id: str, body: SimulateCancelRequest, sandbox: SandboxDep
) -> CancelSimulation:
    """Send the realtime request Apple sends when the customer taps Cancel Subscription, and
    say what the customer would see: the realtime message, the default one, or neither."""
    app = sandbox.control.app(bundle_id)
    outcome = sandbox.cancel_simulator.simulate(
        app, body.environment, body.product_id, body.locale, body.transaction_id
    )
    return CancelSimulation.model_validate(outcome)
