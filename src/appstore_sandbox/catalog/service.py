"""Control-surface operations on an app's catalog: products, offers, the response-check mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from appstore_sandbox.catalog.products import (
    AUTO_RENEWABLE,
    DEFAULT_PERIOD,
    OFFER_DISCOUNT_TYPES,
    PRODUCT_TYPES,
    RESPONSE_CHECK_MODES,
    RESPONSE_CHECKS_SETTING,
    SUBSCRIPTION_PERIODS,
    ResponseCheckMode,
    response_check_mode,
)
from appstore_sandbox.clock import Clock
from appstore_sandbox.errors import BadInput, Conflict, NotFound
from appstore_sandbox.store import AlreadyExists, App, Product, Store
from appstore_sandbox.store.catalog import IntroductoryOffer, PromotionalOffer

# App Store Connect allows letters, digits, '.' and '_' in product ids; '-' is accepted here
# too because existing sandbox data may use it. Offer ids: letters, digits, '.', '_' and '-'.
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._\-]{1,255}$")
_MAX_PRICE = 10**12  # milliunits


@dataclass(frozen=True)
class OfferTerms:
    """What an offer costs: Apple's offerDiscountType, offerPeriod and a price in milliunits
    (FREE_TRIAL costs nothing)."""

    discount_type: str = "PAY_AS_YOU_GO"
    period: str = DEFAULT_PERIOD
    price: int | None = None

    def checked(self) -> OfferTerms:
        if self.discount_type not in OFFER_DISCOUNT_TYPES:
            raise BadInput(f"discountType must be one of {', '.join(OFFER_DISCOUNT_TYPES)}.")
        if self.period not in SUBSCRIPTION_PERIODS:
            raise BadInput(f"period must be one of {', '.join(SUBSCRIPTION_PERIODS)}.")
        free = self.discount_type == "FREE_TRIAL"
        price = (0 if free else 4990) if self.price is None else self.price
        if free and price != 0:
            raise BadInput("A FREE_TRIAL costs nothing: leave price out or give 0.")
        if not 0 <= price < _MAX_PRICE:
            raise BadInput("price is in milliunits (4990 is 4.99): 0 or more.")
        return OfferTerms(self.discount_type, self.period, price)


class CatalogService:
    """One method per control-surface operation on an app's catalog; no HTTP here."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def create_product(
        self,
        app: App,
        product_id: str,
        group: str | None,
        product_type: str | None = None,
        period: str | None = None,
    ) -> Product:
        kind = product_type or AUTO_RENEWABLE
        if kind not in PRODUCT_TYPES:
            raise BadInput(f"type must be one of {', '.join(PRODUCT_TYPES)}.")
        _check_identifier("productId", product_id)
        if kind == AUTO_RENEWABLE:
            if group is None or not group.strip() or len(group) > 255:
                raise BadInput("An auto-renewable subscription needs a subscription group name.")
        elif group or period:
            raise BadInput(
                "Only auto-renewable subscriptions belong to a subscription group and renew."
            )
        if period is not None and period not in SUBSCRIPTION_PERIODS:
            raise BadInput(f"subscriptionPeriod must be one of {', '.join(SUBSCRIPTION_PERIODS)}.")
        product = Product(app.id, product_id, kind, group or "", period or DEFAULT_PERIOD)
        with conflict_if_exists():
            return self._store.add_product(product)

    def products(self, app: App) -> list[Product]:
        return self._store.products(app.id)

    def delete_product(self, app: App, product_id: str) -> Product:
        """Delete a product with its offers and default messages; refused while purchased."""
        product = self._product(app, product_id)
        bought = [p for p in self._store.purchases(app.id) if p.product_id == product_id]
        if bought:
            raise Conflict(
                f"{len(bought)} purchase(s) of {product_id} exist; delete them first, e.g. "
                "appstore-sandbox purchases delete --original-transaction-id "
                f"{bought[0].original_transaction_id}"
            )
        self._store.delete_product(app.id, product_id)
        return product

    def create_offer(
        self, app: App, product_id: str, offer_id: str, terms: OfferTerms = OfferTerms()
    ) -> PromotionalOffer:
        self._subscription_product(app, product_id, "promotional offers")
        _check_identifier("offerId", offer_id)
        terms = terms.checked()
        assert terms.price is not None
        offer = PromotionalOffer(
            product_id,
            offer_id,
            self._clock.now_ms(),
            terms.discount_type,
            terms.period,
            terms.price,
        )
        with conflict_if_exists():
            return self._store.catalog.add_offer(app.id, offer)

    def introductory_offer(self, app: App, product_id: str) -> IntroductoryOffer | None:
        self._product(app, product_id)
        return self._store.catalog.introductory_offer(app.id, product_id)

    def set_introductory_offer(
        self, app: App, product_id: str, terms: OfferTerms
    ) -> IntroductoryOffer:
        """The offer a new subscriber gets on the first period (offerType 1), replacing any."""
        self._subscription_product(app, product_id, "introductory offers")
        terms = terms.checked()
        assert terms.price is not None
        offer = IntroductoryOffer(product_id, terms.discount_type, terms.period, terms.price)
        self._store.catalog.set_introductory_offer(app.id, offer)
        return offer

    def delete_introductory_offer(self, app: App, product_id: str) -> None:
        self._product(app, product_id)
        if not self._store.catalog.delete_introductory_offer(app.id, product_id):
            raise NotFound(f"{product_id} has no introductory offer.")

    def _subscription_product(self, app: App, product_id: str, what: str) -> Product:
        product = self._product(app, product_id)
        if product.type != AUTO_RENEWABLE:
            raise BadInput(
                f"{product_id} is not an auto-renewable subscription; {what} are for "
                "auto-renewable subscriptions."
            )
        return product

    def offers(self, app: App, product_id: str | None = None) -> list[PromotionalOffer]:
        if product_id is not None:
            self._product(app, product_id)
        return self._store.catalog.offers(app.id, product_id)

    def response_check_mode(self, app: App) -> ResponseCheckMode:
        return response_check_mode(self._store, app)

    def set_response_check_mode(self, app: App, mode: str) -> ResponseCheckMode:
        if mode not in RESPONSE_CHECK_MODES:
            raise BadInput(f"mode must be one of {', '.join(RESPONSE_CHECK_MODES)}.")
        self._store.catalog.set_setting(app.id, RESPONSE_CHECKS_SETTING, mode)
        return mode

    def _product(self, app: App, product_id: str) -> Product:
        product = self._store.product(app.id, product_id)
        if product is None:
            raise NotFound(f"{app.bundle_id} has no product {product_id}.")
        return product


@contextmanager
def conflict_if_exists() -> Iterator[None]:
    """The store's AlreadyExists is the control surface's 409, in the same words."""
    try:
        yield
    except AlreadyExists as error:
        raise Conflict(str(error)) from error


def _check_identifier(name: str, value: str) -> None:
    if not _IDENTIFIER.match(value):
        raise BadInput(f"{name} must be 1-255 letters, digits, '.', '_' or '-'; got {value!r}.")
