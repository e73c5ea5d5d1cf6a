"""Sandbox subscriptions: bought, renewed on the sandbox clock, changed by triggers, and read
through Apple's App Store Server API; each change sends the notifications Apple would.

One job per module: :mod:`.purchases` buys, :mod:`.renewals` runs the renewal clock,
:mod:`.triggers` changes a subscription as its customer or Apple would and says what it did,
:mod:`.reads` answers Apple's API; :mod:`.changes` writes each change with the notifications the
outbox made for it, :mod:`.signed_data` signs, :mod:`.app_settings` keeps an app's settings.
This service is the surface's one door: it builds them and passes each operation on.
"""

from __future__ import annotations

from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.signing import JwsSigner
from appstore_sandbox.store import App, Purchase, Store
from appstore_sandbox.store.outbox import Outbox
from appstore_sandbox.subscriptions.app_settings import AppSettings
from appstore_sandbox.subscriptions.changes import Changes
from appstore_sandbox.subscriptions.periods import Durations
from appstore_sandbox.subscriptions.purchases import Purchases
from appstore_sandbox.subscriptions.reads import HistoryPage, Params, Reads, SignedSubscription
from appstore_sandbox.subscriptions.renewals import Renewals
from appstore_sandbox.subscriptions.signed_data import SignedData
from appstore_sandbox.subscriptions.triggers import (
    ACTIONS,
    Trigger,
    Triggered,
    TriggeredNotice,
    Triggers,
)

__all__ = ["ACTIONS", "SubscriptionService", "Trigger", "Triggered", "TriggeredNotice"]


class SubscriptionService:
    def __init__(self, store: Store, clock: Clock, signer: JwsSigner, outbox: Outbox) -> None:
        self.settings = AppSettings(store)
        self.signed_data = SignedData(store, clock, signer)
        changes = Changes(store, self.settings, self.signed_data, outbox)
        self.purchases = Purchases(store, clock, self.settings, changes)
        self.renewals = Renewals(store, clock, changes)
        self.reads = Reads(store, clock, self.signed_data)
        self.triggers = Triggers(store, clock, changes, self.renewals, self.reads)

    # settings

    def durations(self, app: App) -> Durations:
        return self.settings.durations(app)

    def set_durations(self, app: App, durations: str) -> Durations:
        return self.settings.set_durations(app, durations)

    def bundle_version(self, app: App) -> str:
        return self.settings.bundle_version(app)

    def set_bundle_version(self, app: App, version: str) -> str:
        return self.settings.set_bundle_version(app, version)

    # buying, time and triggers

    def buy(self, app: App, product_id: str | None = None, family_shared: bool = False) -> Purchase:
        return self.purchases.buy(app, product_id, family_shared)

    def catch_up(self) -> int:
        return self.renewals.catch_up()

    def current(self, purchase: Purchase) -> Purchase:
        return self.renewals.current(purchase)

    def trigger(self, app: App, original_transaction_id: str, trigger: Trigger) -> Triggered:
        return self.triggers.trigger(app, original_transaction_id, trigger)

    # reads

    def subscription(self, app: App, original_transaction_id: str) -> Purchase:
        return self.reads.subscription(app, original_transaction_id)

    def customer(self, app: App, environment: Environment, transaction_id: str) -> Purchase:
        return self.reads.customer(app, environment, transaction_id)

    def transaction(self, app: App, environment: Environment, transaction_id: str) -> str:
        return self.reads.transaction(app, environment, transaction_id)

    def signed(self, app: App, purchase: Purchase) -> SignedSubscription:
        return self.reads.signed(app, purchase)

    def page_of_history(self, app: App, purchase: Purchase, params: Params) -> HistoryPage:
        return self.reads.page_of_history(app, purchase, params)
