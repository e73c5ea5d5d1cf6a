"""Reading subscriptions as Apple's App Store Server API does: lookups by any transaction id,
Get Transaction Info, Get All Subscription Statuses' items, and Get Transaction History's pages."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    AppTransactionIdNotSupported,
    InvalidRequestRevision,
    InvalidTransactionId,
    NotFound,
    TransactionIdNotFound,
)
from appstore_sandbox.sealing import KEY_META, TokenSeal
from appstore_sandbox.store import App, Purchase, Store, Transaction
from appstore_sandbox.subscriptions import history
from appstore_sandbox.subscriptions.signed_data import SignedData

Params = Mapping[str, Sequence[str]]
_TRANSACTION_ID = re.compile(r"^[0-9]{1,32}$")


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


class Reads:
    def __init__(self, store: Store, clock: Clock, signed: SignedData) -> None:
        self._store = store
        self._subscriptions = store.subscriptions
        self._clock = clock
        self._signed = signed
        key = store.first_meta_value(KEY_META, secrets.token_hex(32))
        self._revisions = TokenSeal(bytes.fromhex(key), InvalidRequestRevision)

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
        return self._signed.transaction(app, transaction)

    def transactions(self, app: App, purchase: Purchase) -> list[tuple[Transaction, str]]:
        """Every transaction of the subscription, oldest first, each with its group."""
        groups = {p.product_id: p.subscription_group for p in self._store.products(app.id)}
        return [
            (transaction, groups.get(transaction.product_id, ""))
            for transaction in self._subscriptions.transactions(purchase.original_transaction_id)
        ]

    def signed(self, app: App, purchase: Purchase) -> SignedSubscription:
        """Get All Subscription Statuses' item for one subscription, signed now."""
        now = self._clock.now_ms()
        latest = self._signed.latest(purchase)
        group = self._signed.group(app, latest.product_id)
        return SignedSubscription(
            purchase,
            group,
            self._signed.transaction(app, latest, group, at_ms=now),
            self._signed.renewal(purchase, now),
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
                self._signed.transaction(app, transaction, group)
                for transaction, group in page.records
            ],
            revision=self._revisions.seal(history.encode_revision(query, page.cursor)),
            has_more=page.has_more,
        )
