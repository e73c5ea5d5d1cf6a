"""Signing a subscription's transactions and renewal info as Apple's API and notifications
carry them (JWS by the sandbox's chain)."""

from __future__ import annotations

from appstore_sandbox.clock import Clock
from appstore_sandbox.signing import JwsSigner
from appstore_sandbox.store import App, Purchase, Store, Transaction
from appstore_sandbox.subscriptions import payloads


class SignedData:
    def __init__(self, store: Store, clock: Clock, signer: JwsSigner) -> None:
        self._store = store
        self._clock = clock
        self._signer = signer

    def transaction(
        self, app: App, transaction: Transaction, group: str | None = None, at_ms: int = 0
    ) -> str:
        """The signed transaction; ``group`` if known, signed at ``at_ms`` or now."""
        group = self.group(app, transaction.product_id) if group is None else group
        signed_ms = at_ms or self._clock.now_ms()
        return self._signer.sign(payloads.transaction_payload(app, transaction, group, signed_ms))

    def renewal(self, purchase: Purchase, at_ms: int) -> str:
        """The subscription's signed renewal info, signed at ``at_ms``."""
        return self._signer.sign(payloads.renewal_payload(purchase, at_ms))

    def group(self, app: App, product_id: str) -> str:
        """The product's subscription group ("" for a product deleted since)."""
        product = self._store.product(app.id, product_id)
        return product.subscription_group if product else ""

    def latest(self, purchase: Purchase) -> Transaction:
        """The subscription's latest transaction."""
        latest = self._store.subscriptions.transaction(purchase.transaction_id)
        assert latest is not None, "a subscription's latest transaction is stored with it"
        return latest
