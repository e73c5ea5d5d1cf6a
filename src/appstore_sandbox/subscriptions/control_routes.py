"""Control surface for subscriptions: purchases, triggers (what a customer or Apple does) and
how long the app's subscription periods last."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from appstore_sandbox.control.dependencies import Control
from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.store import App
from appstore_sandbox.subscriptions.control_models import (
    CreatePurchaseRequest,
    PurchaseList,
    PurchaseOut,
)
from appstore_sandbox.subscriptions.dependencies import Subscriptions
from appstore_sandbox.subscriptions.lifecycle import Revocation
from appstore_sandbox.subscriptions.service import (
    ACTIONS,
    SubscriptionService,
    Trigger,
    Triggered,
    TriggeredNotice,
)

router = APIRouter(prefix="/_sandbox/v1/apps/{bundle_id}", tags=["Sandbox control"])


class TriggerRequest(CamelModel):
    action: str = Field(description=f"One of: {', '.join(ACTIONS)}.")
    product_id: str | None = Field(None, description="upgrade and downgrade: the new product.")
    offer_id: str | None = Field(None, description="offer-redeemed: the promotional offer.")
    grace_period: bool = Field(False, description="billing-failure: with a grace period.")
    revocation_reason: int = Field(
        0, description="refund: Apple's revocationReason, 0 (other) or 1 (an issue with the app)."
    )
    revocation_type: str = Field(
        "REFUND_FULL",
        description="refund: REFUND_FULL, REFUND_PRORATED (with revocationPercentage) or "
        "FAMILY_REVOKE (a family-shared purchase; sends REVOKE).",
    )
    revocation_percentage: int | None = Field(
        None, description="refund: REFUND_PRORATED's share, in milliunits (50000 is 50 %)."
    )


class FieldChange(CamelModel):
    field: str = Field(description="The subscription's field, as the purchase names it.")
    before: str | int | bool | None
    after: str | int | bool | None


class TriggeredNotification(CamelModel):
    notification_type: str
    subtype: str | None
    environment: str
    url: str | None = Field(
        description="Where it was sent; null when the app has no notification URL for the "
        "environment (then nothing was sent)."
    )
    notificationUUID: str | None = Field(description="Its notificationUUID; null when not sent.")

    @classmethod
    def of(cls, notice: TriggeredNotice) -> TriggeredNotification:
        return cls(
            notification_type=notice.notification_type,
            subtype=notice.subtype,
            environment=notice.environment,
            url=notice.url,
            notificationUUID=notice.notification_uuid,
        )


class TriggerOut(PurchaseOut):
    """The subscription after the trigger, what changed, and the notifications it sent now
    (those that follow later, such as EXPIRED at the period's end, are not listed)."""

    action: str
    changes: list[FieldChange]
    notifications: list[TriggeredNotification]

    @classmethod
    def of_trigger(cls, action: str, triggered: Triggered, bundle_id: str) -> TriggerOut:
        before = PurchaseOut.of(triggered.before, bundle_id).model_dump(by_alias=True)
        after = PurchaseOut.of(triggered.purchase, bundle_id)
        changes = [
            FieldChange(field=name, before=before[name], after=value)
            for name, value in after.model_dump(by_alias=True).items()
            if before[name] != value
        ]
        return cls(
            **after.model_dump(),
            action=action,
            changes=changes,
            notifications=[TriggeredNotification.of(notice) for notice in triggered.notices],
        )


class SubscriptionSettings(CamelModel):
    renewal_durations: Literal["sandbox", "real"] = Field(
        description="sandbox: Apple's sandbox periods (1 month = 5 minutes, 12 renewals); "
        "real: calendar periods, no renewal limit."
    )
    bundle_version: str = Field(
        description="The app's CFBundleVersion, sent as data.bundleVersion in notifications."
    )


class SubscriptionSettingsChange(CamelModel):
    """Only what is given changes."""

    renewal_durations: Literal["sandbox", "real"] | None = Field(
        None, description=SubscriptionSettings.model_fields["renewal_durations"].description
    )
    bundle_version: str | None = Field(
        None, description=SubscriptionSettings.model_fields["bundle_version"].description
    )


@router.get("/purchases")
def list_purchases(bundle_id: str, control: Control) -> PurchaseList:
    purchases = control.purchases(bundle_id)
    default = control.default_purchase(control.app(bundle_id))
    return PurchaseList(
        purchases=[PurchaseOut.of(p, bundle_id) for p in purchases],
        default_original_transaction_id=default.original_transaction_id if default else None,
    )


@router.post("/purchases", status_code=201, responses=declared(409))
def create_purchase(
    bundle_id: str, body: CreatePurchaseRequest, control: Control, subscriptions: Subscriptions
) -> PurchaseOut:
    app = control.app(bundle_id)
    purchase = subscriptions.buy(app, body.product_id, body.family_shared)
    return PurchaseOut.of(purchase, bundle_id)


@router.post(
    "/purchases/{original_transaction_id}/renewals",
    status_code=201,
    responses=declared(409),
)
def renew_purchase(
    bundle_id: str, original_transaction_id: str, control: Control, subscriptions: Subscriptions
) -> PurchaseOut:
    """The subscription renews now: a new transactionId, the same originalTransactionId."""
    app = control.app(bundle_id)
    renewed = subscriptions.trigger(app, original_transaction_id, Trigger("renew"))
    return PurchaseOut.of(renewed.purchase, bundle_id)


@router.delete(
    "/purchases/{original_transaction_id}",
    status_code=204,
)
def delete_purchase(bundle_id: str, original_transaction_id: str, control: Control) -> None:
    control.delete_purchase(bundle_id, original_transaction_id)


@router.post("/purchases/{original_transaction_id}/triggers")
def trigger(
    bundle_id: str,
    original_transaction_id: str,
    body: TriggerRequest,
    control: Control,
    subscriptions: Subscriptions,
) -> TriggerOut:
    """Change the subscription as its customer or Apple would; Apple's notifications follow."""
    app = control.app(bundle_id)
    change = Trigger(
        body.action,
        body.product_id,
        body.offer_id,
        body.grace_period,
        Revocation(body.revocation_reason, body.revocation_type, body.revocation_percentage),
    )
    triggered = subscriptions.trigger(app, original_transaction_id, change)
    return TriggerOut.of_trigger(body.action, triggered, bundle_id)


@router.get("/subscription-settings")
def get_settings(
    bundle_id: str, control: Control, subscriptions: Subscriptions
) -> SubscriptionSettings:
    app = control.app(bundle_id)
    return _settings(subscriptions, app)


@router.put("/subscription-settings")
def set_settings(
    bundle_id: str, body: SubscriptionSettingsChange, control: Control, subscriptions: Subscriptions
) -> SubscriptionSettings:
    """Renewal durations apply from each subscription's next period on."""
    app = control.app(bundle_id)
    if body.bundle_version is not None:
        subscriptions.set_bundle_version(app, body.bundle_version)
    if body.renewal_durations is not None:
        subscriptions.set_durations(app, body.renewal_durations)
    return _settings(subscriptions, app)


def _settings(subscriptions: SubscriptionService, app: App) -> SubscriptionSettings:
    return SubscriptionSettings(
        renewal_durations=subscriptions.durations(app),
        bundle_version=subscriptions.bundle_version(app),
    )
