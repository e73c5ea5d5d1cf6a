"""A subscription's changes: the state the rules compute them from, and writing each with the
notifications it sends (made by the outbox, stored in the same transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from appstore_sandbox.environments import Environment
from appstore_sandbox.store import App, Purchase, Store, Transaction
from appstore_sandbox.store.notifications import NewNotification
from appstore_sandbox.store.outbox import Announcement, Outbox
from appstore_sandbox.store.subscriptions import SubscriptionChange
from appstore_sandbox.subscriptions import lifecycle, payloads
from appstore_sandbox.subscriptions.app_settings import AppSettings
from appstore_sandbox.subscriptions.lifecycle import Notice, Step, Subscription
from appstore_sandbox.subscriptions.signed_data import SignedData


@dataclass(frozen=True)
class Applied:
    """A change as written: the subscription just before, the step (numbered), and the
    notifications stored with it (none when the app has no notification URL)."""

    before: Purchase
    step: Step
    notifications: Sequence[NewNotification]


class Changes:
    def __init__(
        self, store: Store, settings: AppSettings, signed: SignedData, outbox: Outbox
    ) -> None:
        self._store = store
        self._subscriptions = store.subscriptions
        self._settings = settings
        self._signed = signed
        self._outbox = outbox

    def state(self, app: App, purchase: Purchase) -> Subscription:
        """``purchase`` as the rules (``lifecycle``) compute its next change from."""
        products = {p.product_id: p for p in self._store.products(app.id)}

        def period_of(product_id: str) -> str:
            product = products.get(product_id)
            return product.subscription_period if product else "P1M"

        latest = self._signed.latest(purchase)
        return Subscription(purchase, latest, self._settings.durations(app), period_of)

    def begin(self, app: App, purchase: Purchase, first: Transaction, notice: Notice) -> None:
        """A new subscription, its first transaction and its notification."""
        self._subscriptions.begin(purchase, first, self._notifications(app, purchase, [notice]))

    def apply(self, app: App, before: Purchase, step: Step) -> Applied | None:
        """``step`` as written, or None when the subscription moved meanwhile (nothing
        written)."""
        step = lifecycle.numbered(before, step)
        change = SubscriptionChange(
            before=before,
            after=step.after,
            added=step.added,
            amended=step.amended,
            notifications=self._notifications(app, step.after, step.notices),
        )
        if not self._subscriptions.apply(change):
            return None
        return Applied(before, step, change.notifications)

    def _notifications(
        self, app: App, purchase: Purchase, notices: Sequence[Notice]
    ) -> list[NewNotification]:
        """The notifications for ``notices``, made by the outbox (none without a URL)."""
        environment = Environment(purchase.environment.lower())
        return self._outbox.outgoing(
            app, environment, [self._announcement(app, purchase, notice) for notice in notices]
        )

    def _announcement(self, app: App, purchase: Purchase, notice: Notice) -> Announcement:
        def data() -> dict[str, Any]:
            return payloads.notification_data(
                app,
                self._settings.bundle_version(app),
                purchase,
                self._signed.transaction(app, notice.transaction, at_ms=notice.at_ms),
                self._signed.renewal(purchase, notice.at_ms),
            )

        return Announcement(
            notice.notification_type,
            notice.subtype,
            notice.at_ms,
            data,
            transaction_id=purchase.original_transaction_id,
        )
