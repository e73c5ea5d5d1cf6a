"""Sandbox subscriptions: bought, renewed on the sandbox clock, changed by triggers, and read
through Apple's App Store Server API; each change sends the notifications Apple would."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appstore_sandbox.catalog.products import AUTO_RENEWABLE
from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    AppTransactionIdNotSupported,
    BadInput,
    Conflict,
    InvalidRequestRevision,
    InvalidTransactionId,
    NotFound,
    TransactionIdNotFound,
)
from appstore_sandbox.sealing import KEY_META, TokenSeal
from appstore_sandbox.signing import JwsSigner
from appstore_sandbox.store import App, Product, Purchase, Store, Transaction
from appstore_sandbox.store.catalog import IntroductoryOffer, PromotionalOffer
from appstore_sandbox.store.notifications import NewNotification
from appstore_sandbox.store.subscriptions import SubscriptionChange
from appstore_sandbox.subscriptions import history, lifecycle, payloads
from appstore_sandbox.subscriptions.lifecycle import Step, Subscription
from appstore_sandbox.subscriptions.periods import (
    DURATIONS,
    DURATIONS_SETTING,
    Durations,
    period_end,
)

Params = Mapping[str, Sequence[str]]
_TRANSACTION_ID = re.compile(r"^[0-9]{1,32}$")
_BUNDLE_VERSION = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,9}){0,2}$")
BUNDLE_VERSION_SETTING = "bundle_version"
DEFAULT_BUNDLE_VERSION = "1.0"
# Changes applied per subscription and poll: enough for years of real-duration renewals, and a
# bound should a subscription's state ever fail to move forward.
_MAX_STEPS = 1000
_DUE_BATCH = 100
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


@dataclass(frozen=True)
class HistoryPage:
    signed_transactions: list[str]
    revision: str
    has_more: bool


@dataclass(frozen=True)
class SignedSubscription:
    """A subscription as Apple's API returns it: status and the latest signed data."""

    purchase: Purchase
    group: str
    signed_transaction: str
    signed_renewal: str


class SubscriptionService:
    def __init__(self, store: Store, clock: Clock, signer: JwsSigner) -> None:
        self._store = store
        self._subscriptions = store.subscriptions
        self._clock = clock
        self._signer = signer
        key = store.first_meta_value(KEY_META, secrets.token_hex(32))
        self._revisions = TokenSeal(bytes.fromhex(key), InvalidRequestRevision)

    # settings

    def durations(self, app: App) -> Durations:
        stored = self._store.catalog.setting(app.id, DURATIONS_SETTING)
        return "real" if stored == "real" else "sandbox"

    def set_durations(self, app: App, durations: str) -> Durations:
        if durations not in DURATIONS:
            raise BadInput(f"renewalDurations must be one of {', '.join(DURATIONS)}.")
        self._store.catalog.set_setting(app.id, DURATIONS_SETTING, durations)
        return self.durations(app)

    def bundle_version(self, app: App) -> str:
        """The app's CFBundleVersion, as notifications' ``data.bundleVersion`` carries it."""
        return self._store.catalog.setting(app.id, BUNDLE_VERSION_SETTING) or DEFAULT_BUNDLE_VERSION

    def set_bundle_version(self, app: App, version: str) -> str:
        if not _BUNDLE_VERSION.match(version):
            raise BadInput(
                "bundleVersion is a CFBundleVersion: one to three integers separated by "
                "periods, e.g. 1.0 or 42 or 2.3.1."
            )
        self._store.catalog.set_setting(app.id, BUNDLE_VERSION_SETTING, version)
        return version

    # buying

    def buy(self, app: App, product_id: str | None = None, family_shared: bool = False) -> Purchase:
        """An auto-renewable subscription bought now (SUBSCRIBED, INITIAL_BUY)."""
        product = self._product_to_buy(app, product_id)
        now = self._clock.now_ms()
        original_id = lifecycle.transaction_id()
        # Every sandbox purchase is a new customer, so eligible for the introductory offer.
        intro = self._store.catalog.introductory_offer(app.id, product.product_id)
        period = intro.period if intro else product.subscription_period
        first = Transaction(
            transaction_id=original_id,
            app_id=app.id,
            original_transaction_id=original_id,
            web_order_line_item_id=lifecycle.transaction_id(),
            product_id=product.product_id,
            purchase_ms=now,
            original_purchase_ms=now,
            expires_ms=period_end(now, period, self.durations(app)),
            reason=lifecycle.PURCHASE,
            ownership="FAMILY_SHARED" if family_shared else "PURCHASED",
            environment=Environment.SANDBOX.payload_value,
            change_seq=1,
            app_transaction_id=lifecycle.app_transaction_id(),
            **(_introductory_terms(intro) if intro else {}),
        )
        purchase = Purchase(
            app_id=app.id,
            original_transaction_id=original_id,
            transaction_id=original_id,
            product_id=product.product_id,
            environment=first.environment,
            family_shared=family_shared,
            status=lifecycle.ACTIVE,
            purchase_ms=now,
            expires_ms=first.expires_ms,
            recent_start_ms=now,
            next_event_ms=first.expires_ms,
            changes=first.change_seq,
            app_transaction_id=first.app_transaction_id,
        )
        notice = lifecycle.Notice("SUBSCRIBED", "INITIAL_BUY", now, first)
        self._subscriptions.begin(purchase, first, self._notifications(app, purchase, [notice]))
        return purchase

    def _product_to_buy(self, app: App, product_id: str | None) -> Product:
        if product_id is None:
            products = self._store.products(app.id)
            if not products:
                raise BadInput(f"{app.bundle_id} has no products; pass a product id.")
            return products[0]
        if not product_id.strip() or len(product_id) > 255:
            raise BadInput("productId must be 1-255 characters.")
        product = self._store.product(app.id, product_id)
        if product is None:
            raise NotFound(
                f"{app.bundle_id} has no product {product_id}; create it first with: "
                f"appstore-sandbox products create --product-id {product_id}"
            )
        if product.type != AUTO_RENEWABLE:
            raise BadInput(
                f"{product_id} is {product.type}; sandbox purchases are auto-renewable "
                "subscriptions."
            )
        return product

    # time

    def catch_up(self) -> int:
        """Apply every change the sandbox clock has made due; how many were applied."""
        applied = 0
        while due := self._subscriptions.due(self._clock.now_ms(), _DUE_BATCH):
            moved = sum(self._run_clock(purchase) for purchase in due)
            applied += moved
            if not moved:
                break
        return applied

    def _run_clock(self, purchase: Purchase) -> int:
        app = self._store.app_by_id(purchase.app_id)
        if app is None:
            return 0
        applied = 0
        for _ in range(_MAX_STEPS):
            step = lifecycle.scheduled(self._subscription(app, purchase), self._clock.now_ms())
            if step is None:
                break
            if self._apply(app, purchase, step) is not None:
                applied += 1
            current = self._subscriptions.subscription(purchase.original_transaction_id)
            if current is None:
                break
            purchase = current
        return applied

    def current(self, purchase: Purchase) -> Purchase:
        """``purchase`` as the sandbox clock has it now (what is due applied first)."""
        if purchase.next_event_ms is None or purchase.next_event_ms > self._clock.now_ms():
            return purchase
        self._run_clock(purchase)
        return self._subscriptions.subscription(purchase.original_transaction_id) or purchase

    # triggers

    def trigger(self, app: App, original_transaction_id: str, trigger: Trigger) -> Triggered:
        """Change a subscription as its customer or Apple would, with Apple's notifications."""
        if trigger.action not in ACTIONS:
            raise BadInput(f"action must be one of {', '.join(ACTIONS)}.")
        for _ in range(_ATTEMPTS):
            # What the clock has made due happens first (a grace period that ran out before
            # billing recovered still sends GRACE_PERIOD_EXPIRED).
            purchase = self.current(self.subscription(app, original_transaction_id))
            now = self._clock.now_ms()
            step = lifecycle.numbered(
                purchase, self._step(app, self._subscription(app, purchase), trigger, now)
            )
            change = self._change(app, purchase, step)
            if self._subscriptions.apply(change):
                return Triggered(purchase, step.after, _triggered_notices(step, change))
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

    # reads

    def subscription(self, app: App, original_transaction_id: str) -> Purchase:
        purchase = self._subscriptions.subscription(original_transaction_id)
        if purchase is None or purchase.app_id != app.id:
            raise NotFound(f"{app.bundle_id} has no purchase {original_transaction_id}.")
        return purchase

    def customer(self, app: App, environment: Environment, transaction_id: str) -> Purchase:
        """The subscription any of its transaction ids belongs to (Apple's lookup rules)."""
        if not _TRANSACTION_ID.match(transaction_id):
            raise InvalidTransactionId()
        transaction = self._subscriptions.transaction(transaction_id)
        purchase = (
            self._subscriptions.subscription(transaction.original_transaction_id)
            if transaction is not None and transaction.app_id == app.id
            else None
        )
        # Sandbox purchases are unknown to the production environment, as at Apple.
        if purchase is None or purchase.environment != environment.payload_value:
            raise TransactionIdNotFound()
        return purchase

    def transaction(self, app: App, environment: Environment, transaction_id: str) -> str:
        """Get Transaction Info: the transaction, signed now."""
        if self._subscriptions.by_app_transaction_id(app.id, transaction_id) is not None:
            raise AppTransactionIdNotSupported()
        self.customer(app, environment, transaction_id)
        transaction = self._subscriptions.transaction(transaction_id)
        assert transaction is not None, "customer() found it"
        return self.sign_transaction(app, transaction)

    def transactions(self, app: App, purchase: Purchase) -> list[tuple[Transaction, str]]:
        """Every transaction of the subscription, oldest first, each with its group."""
        groups = {p.product_id: p.subscription_group for p in self._store.products(app.id)}
        return [
            (transaction, groups.get(transaction.product_id, ""))
            for transaction in self._subscriptions.transactions(purchase.original_transaction_id)
        ]

    def sign_transaction(
        self, app: App, transaction: Transaction, group: str | None = None, at_ms: int = 0
    ) -> str:
        """The signed transaction; ``group`` if known, signed at ``at_ms`` or now."""
        group = self._group(app, transaction.product_id) if group is None else group
        signed_ms = at_ms or self._clock.now_ms()
        return self._signer.sign(payloads.transaction_payload(app, transaction, group, signed_ms))

    def signed(self, app: App, purchase: Purchase) -> SignedSubscription:
        """Get All Subscription Statuses' item for one subscription, signed now."""
        now = self._clock.now_ms()
        latest = self._latest(purchase)
        group = self._group(app, latest.product_id)
        return SignedSubscription(
            purchase,
            group,
            self._signer.sign(payloads.transaction_payload(app, latest, group, now)),
            self._signer.sign(payloads.renewal_payload(purchase, now)),
        )

    def page_of_history(self, app: App, purchase: Purchase, params: Params) -> HistoryPage:
        """Get Transaction History's page for these query parameters (and revision)."""
        query = history.parse_query(params)
        revision = params.get("revision")
        cursor = history.first_cursor(query)
        if revision:
            cursor = history.decode_revision(self._revisions.open(revision[-1]), query)
        page = history.page(self.transactions(app, purchase), query, cursor)
        return HistoryPage(
            signed_transactions=[
                self.sign_transaction(app, transaction, group)
                for transaction, group in page.records
            ],
            revision=self._revisions.seal(history.encode_revision(query, page.cursor)),
            has_more=page.has_more,
        )

    # internals

    def _subscription(self, app: App, purchase: Purchase) -> Subscription:
        products = {p.product_id: p for p in self._store.products(app.id)}

        def period_of(product_id: str) -> str:
            product = products.get(product_id)
            return product.subscription_period if product else "P1M"

        return Subscription(purchase, self._latest(purchase), self.durations(app), period_of)

    def _latest(self, purchase: Purchase) -> Transaction:
        latest = self._subscriptions.transaction(purchase.transaction_id)
        assert latest is not None, "a subscription's latest transaction is stored with it"
        return latest

    def _group(self, app: App, product_id: str) -> str:
        product = self._store.product(app.id, product_id)
        return product.subscription_group if product else ""

    def _apply(self, app: App, before: Purchase, step: Step) -> Purchase | None:
        """The subscription after ``step``, or None when it moved meanwhile (nothing written)."""
        step = lifecycle.numbered(before, step)
        return step.after if self._subscriptions.apply(self._change(app, before, step)) else None

    def _change(self, app: App, before: Purchase, step: Step) -> SubscriptionChange:
        """``step`` (numbered) as the store writes it, with the notifications it sends."""
        return SubscriptionChange(
            before=before,
            after=step.after,
            added=step.added,
            amended=step.amended,
            notifications=self._notifications(app, step.after, list(step.notices)),
        )

    def _notifications(
        self, app: App, purchase: Purchase, notices: list[lifecycle.Notice]
    ) -> list[NewNotification]:
        """The notifications for ``notices``, if the app has a URL for them (else none)."""
        environment = Environment(purchase.environment.lower())
        url = self._store.notifications.url(app.id, environment.value)
        if url is None:
            return []
        made = []
        for notice in notices:
            signed_transaction = self.sign_transaction(app, notice.transaction, at_ms=notice.at_ms)
            signed_renewal = self._signer.sign(payloads.renewal_payload(purchase, notice.at_ms))
            payload = payloads.notification_payload(
                app,
                self.bundle_version(app),
                purchase,
                notice.notification_type,
                notice.subtype,
                notice.at_ms,
                signed_transaction,
                signed_renewal,
            )
            made.append(
                NewNotification(
                    notification_uuid=payload["notificationUUID"],
                    app_id=app.id,
                    environment=environment.value,
                    notification_type=notice.notification_type,
                    subtype=notice.subtype,
                    transaction_id=purchase.original_transaction_id,
                    test_token=None,
                    url=url,
                    signed_payload=self._signer.sign(payload),
                    created_ms=notice.at_ms,
                )
            )
        return made


def _triggered_notices(step: Step, change: SubscriptionChange) -> tuple[TriggeredNotice, ...]:
    # _notifications makes one per notice, in order, or none when the app has no URL.
    environment = step.after.environment.lower()
    sent: list[NewNotification | None] = list(change.notifications) or [None] * len(step.notices)
    return tuple(
        TriggeredNotice(
            notice.notification_type,
            notice.subtype,
            environment,
            notification.url if notification else None,
            notification.notification_uuid if notification else None,
        )
        for notice, notification in zip(step.notices, sent, strict=True)
    )


def _introductory_terms(offer: IntroductoryOffer) -> dict[str, Any]:
    return {
        "offer_type": lifecycle.INTRODUCTORY_OFFER,
        "offer_discount_type": offer.discount_type,
        "offer_period": offer.period,
        "price": offer.price,
    }
