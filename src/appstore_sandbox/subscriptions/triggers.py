"""Triggers: a subscription changed as its customer or Apple would (cancel, refund, upgrade,
billing failure...), after what the clock has made due, with Apple's notifications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from appstore_sandbox.clock import Clock
from appstore_sandbox.errors import BadInput, Conflict, NotFound
from appstore_sandbox.store import App, Purchase, Store
from appstore_sandbox.store.catalog import PromotionalOffer
from appstore_sandbox.store.notifications import NewNotification
from appstore_sandbox.subscriptions import lifecycle
from appstore_sandbox.subscriptions.changes import Applied, Changes
from appstore_sandbox.subscriptions.lifecycle import Step, Subscription
from appstore_sandbox.subscriptions.reads import Reads
from appstore_sandbox.subscriptions.renewals import Renewals

# Tried again when another process changed the subscription between read and write.
_ATTEMPTS = 5

ACTIONS = (
    "cancel",
    "resubscribe",
    "refund",
    "billing-failure",
    "billing-recovery",
    "upgrade",
    "downgrade",
    "offer-redeemed",
    "renew",
)


@dataclass(frozen=True)
class Trigger:
    action: str
    product_id: str | None = None
    offer_id: str | None = None
    grace_period: bool = False
    refund: lifecycle.Revocation = lifecycle.FULL_REFUND


@dataclass(frozen=True)
class TriggeredNotice:
    """A notification Apple sends for a trigger; ``url`` and ``notification_uuid`` are None when
    the app has no notification URL for the environment (nothing was sent)."""

    notification_type: str
    subtype: str | None
    environment: str
    url: str | None
    notification_uuid: str | None


@dataclass(frozen=True)
class Triggered:
    """What a trigger did: the subscription just before and after, and its notifications."""

    before: Purchase
    purchase: Purchase
    notices: tuple[TriggeredNotice, ...]


class Triggers:
    def __init__(
        self, store: Store, clock: Clock, changes: Changes, renewals: Renewals, reads: Reads
    ) -> None:
        self._store = store
        self._clock = clock
        self._changes = changes
        self._renewals = renewals
        self._reads = reads

    def trigger(self, app: App, original_transaction_id: str, trigger: Trigger) -> Triggered:
        """Change a subscription as its customer or Apple would, with Apple's notifications."""
        if trigger.action not in ACTIONS:
            raise BadInput(f"action must be one of {', '.join(ACTIONS)}.")
        for _ in range(_ATTEMPTS):
            # What the clock has made due happens first (a grace period that ran out before
            # billing recovered still sends GRACE_PERIOD_EXPIRED).
            purchase = self._renewals.current(
                self._reads.subscription(app, original_transaction_id)
            )
            now = self._clock.now_ms()
            step = self._step(app, self._changes.state(app, purchase), trigger, now)
            applied = self._changes.apply(app, purchase, step)
            if applied is not None:
                return _triggered(applied)
        raise Conflict(f"{original_transaction_id} kept changing; try again.")

    def _step(self, app: App, subscription: Subscription, trigger: Trigger, now: int) -> Step:
        action = trigger.action
        if action in ("upgrade", "downgrade"):
            product = self._same_group_product(app, subscription.purchase, trigger.product_id)
            change = lifecycle.upgrade if action == "upgrade" else lifecycle.downgrade
            return change(subscription, product, now)
        if action == "offer-redeemed":
            return lifecycle.redeem_offer(
                subscription, self._offer(app, subscription, trigger), now
            )
        if action == "billing-failure":
            return lifecycle.billing_failure(subscription, now, trigger.grace_period)
        if action == "refund":
            return lifecycle.refund(subscription, now, trigger.refund)
        simple: dict[str, Callable[[Subscription, int], Step]] = {
            "cancel": lifecycle.cancel,
            "resubscribe": lifecycle.resubscribe,
            "billing-recovery": lifecycle.billing_recovery,
            "renew": lifecycle.renew_now,
        }
        return simple[action](subscription, now)

    def _same_group_product(self, app: App, purchase: Purchase, product_id: str | None) -> str:
        if product_id is None:
            raise BadInput("upgrade and downgrade need the productId to switch to.")
        product = self._store.product(app.id, product_id)
        current = self._store.product(app.id, purchase.product_id)
        if product is None:
            raise NotFound(f"{app.bundle_id} has no product {product_id}.")
        if current is None or product.subscription_group != current.subscription_group:
            raise BadInput(
                f"{product_id} is not in the subscription group of {purchase.product_id}; "
                "customers switch within one group."
            )
        return product_id

    def _offer(self, app: App, subscription: Subscription, trigger: Trigger) -> PromotionalOffer:
        if trigger.offer_id is None:
            raise BadInput("offer-redeemed needs the offerId the customer redeems.")
        product_id = subscription.purchase.renews_to
        offers = {o.offer_id: o for o in self._store.catalog.offers(app.id, product_id)}
        if trigger.offer_id not in offers:
            raise NotFound(
                f"{product_id} has no promotional offer {trigger.offer_id}; create it with: "
                f"appstore-sandbox offers create --product-id {product_id} "
                f"--offer-id {trigger.offer_id}"
            )
        return offers[trigger.offer_id]


def _triggered(applied: Applied) -> Triggered:
    step = applied.step
    environment = step.after.environment.lower()
    # The outbox makes one notification per notice, in order, or none when there is no URL.
    sent: list[NewNotification | None] = (
        list(applied.notifications) if applied.notifications else [None] * len(step.notices)
    )
    notices = tuple(
        TriggeredNotice(
            notice.notification_type,
            notice.subtype,
            environment,
            notification.url if notification else None,
            notification.notification_uuid if notification else None,
        )
        for notice, notification in zip(step.notices, sent, strict=True)
    )
    return Triggered(applied.before, step.after, notices)
