"""Control surface: simulate a customer tapping Cancel Subscription (one realtime request to the
retention surface's URL) and, when asked, what the customer does next (a subscriptions trigger)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictStr

from appstore_sandbox.control.dependencies import Control
from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.environments import Environment
from appstore_sandbox.retention.dependencies import CancelSimulations
from appstore_sandbox.store import App
from appstore_sandbox.subscriptions.control_models import PurchaseOut
from appstore_sandbox.subscriptions.dependencies import Subscriptions
from appstore_sandbox.subscriptions.service import SubscriptionService, Trigger

router = APIRouter(prefix="/_sandbox/v1/apps/{bundle_id}", tags=["Sandbox control"])


class SimulateCancelRequest(CamelModel):
    environment: Environment = Environment.SANDBOX
    product_id: StrictStr | None = Field(None, description="Default: the purchase's product.")
    locale: StrictStr | None = Field(None, description="Default: en-US.")
    transaction_id: StrictStr | None = Field(
        None,
        description="Default: the app's default purchase (the most recent whose subscription "
        "has not ended).",
    )
    then: Literal["cancel", "accept"] | None = Field(
        None,
        description="What the customer does next: cancel (auto-renew off), or accept what the "
        "sheet offered (its promotional offer, or its alternate product); Apple's "
        "notifications follow.",
    )


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


class FollowUp(BaseModel):
    """What the customer did after the sheet, and the subscription afterwards."""

    choice: Literal["cancel", "accept"]
    action: str | None = Field(
        description="The trigger applied (cancel, offer-redeemed, downgrade), or null when the "
        "sheet offered nothing to accept and the subscription stays as it was."
    )
    notification: str | None = Field(description="The notification Apple sends for it.")
    purchase: PurchaseOut


class CancelSimulation(BaseModel):
    outcome: Literal["realtime", "default", "standard"] = Field(
        description="Which sheet the customer sees: the realtime message, the default message, "
        "or Apple's standard sheet without one."
    )
    reason: str
    message: ShownMessage | None
    attempt: SimulatedAttempt | None = Field(description="null when no realtime URL is set.")
    request: dict[str, Any] = Field(description="The decoded signedPayload that was sent.")
    then: FollowUp | None = Field(None, description="With ``then``: what followed.")


@router.post("/simulate-cancel")
def simulate_cancel(
    bundle_id: str,
    body: SimulateCancelRequest,
    control: Control,
    cancel_simulator: CancelSimulations,
    subscriptions: Subscriptions,
) -> CancelSimulation:
    """Send the realtime request Apple sends when the customer taps Cancel Subscription, and
    say what the customer would see: the realtime message, the default one, or neither."""
    app = control.app(bundle_id)
    outcome = cancel_simulator.simulate(
        app, body.environment, body.product_id, body.locale, body.transaction_id
    )
    if body.then is not None:
        outcome["then"] = _follow_up(subscriptions, app, outcome, body.then)
    return CancelSimulation.model_validate(outcome)


# The sandbox has no service levels: an alternate product offered on the cancellation sheet is
# taken as a downgrade, effective at the next renewal (the usual retention offer; unconfirmed).
_ACCEPTED = {
    "promotionalOffer": ("offer-redeemed", "OFFER_REDEEMED"),
    "alternateProduct": ("downgrade", "DID_CHANGE_RENEWAL_PREF (DOWNGRADE)"),
}


def _follow_up(
    subscriptions: SubscriptionService,
    app: App,
    outcome: dict[str, Any],
    choice: Literal["cancel", "accept"],
) -> FollowUp:
    original_id = outcome["request"]["originalTransactionId"]
    message = outcome["message"] or {}
    if choice == "cancel":
        action, notification = "cancel", "DID_CHANGE_RENEWAL_STATUS (AUTO_RENEW_DISABLED)"
        trigger = Trigger("cancel")
    elif message.get("type") in _ACCEPTED:
        action, notification = _ACCEPTED[message["type"]]
        offer = message.get("promotionalOffer") or {}
        product = message.get("alternateProduct") or {}
        trigger = Trigger(action, product.get("productId"), offer.get("offerIdentifier"))
    else:
        purchase = subscriptions.subscription(app, original_id)
        return FollowUp(
            choice="accept",
            action=None,
            notification=None,
            purchase=PurchaseOut.of(purchase, app.bundle_id),
        )
    triggered = subscriptions.trigger(app, original_id, trigger)
    return FollowUp(
        choice=choice,
        action=action,
        notification=notification,
        purchase=PurchaseOut.of(triggered.purchase, app.bundle_id),
    )
