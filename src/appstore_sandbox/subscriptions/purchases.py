"""Buying: a new auto-renewable subscription, with its first transaction and INITIAL_BUY."""

from __future__ import annotations

from typing import Any

from appstore_sandbox.catalog.products import AUTO_RENEWABLE
from appstore_sandbox.clock import Clock
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import BadInput, NotFound
from appstore_sandbox.store import App, Product, Purchase, Store, Transaction
from appstore_sandbox.store.catalog import IntroductoryOffer
from appstore_sandbox.subscriptions import lifecycle
from appstore_sandbox.subscriptions.app_settings import AppSettings
from appstore_sandbox.subscriptions.changes import Changes
from appstore_sandbox.subscriptions.periods import period_end


class Purchases:
    def __init__(self, store: Store, clock: Clock, settings: AppSettings, changes: Changes) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._changes = changes

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
            expires_ms=period_end(now, period, self._settings.durations(app)),
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
        self._changes.begin(app, purchase, first, notice)
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


def _introductory_terms(offer: IntroductoryOffer) -> dict[str, Any]:
    return {
        "offer_type": lifecycle.INTRODUCTORY_OFFER,
        "offer_discount_type": offer.discount_type,
        "offer_period": offer.period,
        "price": offer.price,
    }
