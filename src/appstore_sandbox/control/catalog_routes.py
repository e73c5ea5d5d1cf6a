"""Control surface for an app's catalog: subscription products, promotional offers, and how
strictly realtime responses are checked against them (what App Store Connect keeps at Apple)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field, StrictInt, StrictStr

from appstore_sandbox.catalog.service import OfferTerms
from appstore_sandbox.control.dependencies import Catalog, Control
from appstore_sandbox.control.models import CamelModel, ProductOut
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.errors import NotFound
from appstore_sandbox.store.catalog import IntroductoryOffer, PromotionalOffer

router = APIRouter(prefix="/_sandbox/v1/apps/{bundle_id}", tags=["Sandbox control"])


class CreateProductRequest(CamelModel):
    product_id: StrictStr
    subscription_group: StrictStr | None = Field(
        None, description="Required for auto-renewable subscriptions."
    )
    type: StrictStr | None = Field(
        None,
        description="AUTO_RENEWABLE (default), NON_RENEWING_SUBSCRIPTION, CONSUMABLE or "
        "NON_CONSUMABLE.",
    )
    subscription_period: StrictStr | None = Field(
        None, description="Auto-renewable subscriptions: P1W, P1M (default), P2M, P3M, P6M, P1Y."
    )


class ProductList(CamelModel):
    products: list[ProductOut]


class OfferTermsIn(CamelModel):
    discount_type: Literal["FREE_TRIAL", "PAY_AS_YOU_GO", "PAY_UP_FRONT"] = Field(
        "PAY_AS_YOU_GO", description="Apple's offerDiscountType."
    )
    period: StrictStr = Field(
        "P1M", description="Apple's offerPeriod: P1W, P1M, P2M, P3M, P6M or P1Y."
    )
    price: StrictInt | None = Field(
        None,
        description="The price for the offer's period in milliunits (4990 is 4.99); "
        "default 0 for FREE_TRIAL, 4990 otherwise.",
    )

    def terms(self) -> OfferTerms:
        return OfferTerms(self.discount_type, self.period, self.price)


class CreateOfferRequest(OfferTermsIn):
    offer_id: StrictStr = Field(description="The promotional offer identifier.")


class OfferOut(CamelModel):
    bundle_id: str
    product_id: str
    offer_id: str
    created_date: int
    discount_type: str
    period: str
    price: int

    @classmethod
    def of(cls, offer: PromotionalOffer, bundle_id: str) -> OfferOut:
        return cls(
            bundle_id=bundle_id,
            product_id=offer.product_id,
            offer_id=offer.offer_id,
            created_date=offer.created_ms,
            discount_type=offer.discount_type,
            period=offer.period,
            price=offer.price,
        )


class IntroductoryOfferOut(CamelModel):
    bundle_id: str
    product_id: str
    discount_type: str
    period: str
    price: int

    @classmethod
    def of(cls, offer: IntroductoryOffer, bundle_id: str) -> IntroductoryOfferOut:
        return cls(
            bundle_id=bundle_id,
            product_id=offer.product_id,
            discount_type=offer.discount_type,
            period=offer.period,
            price=offer.price,
        )


class OfferList(CamelModel):
    offers: list[OfferOut]


class ResponseChecks(CamelModel):
    mode: Literal["warn", "strict"] = Field(
        description="warn: problems are reported only; strict: they fail the request "
        "(INVALID_RESPONSE)."
    )


class ResponseChecksOut(ResponseChecks):
    bundle_id: str


@router.get("/products")
def list_products(bundle_id: str, control: Control, catalog: Catalog) -> ProductList:
    app = control.app(bundle_id)
    return ProductList(products=[ProductOut.of(p) for p in catalog.products(app)])


@router.post("/products", status_code=201, responses=declared(409))
def create_product(
    bundle_id: str, body: CreateProductRequest, control: Control, catalog: Catalog
) -> ProductOut:
    """Add a product; an auto-renewable subscription belongs to a subscription group."""
    app = control.app(bundle_id)
    product = catalog.create_product(
        app, body.product_id, body.subscription_group, body.type, body.subscription_period
    )
    return ProductOut.of(product)


@router.delete("/products/{product_id}", status_code=204, responses=declared(409))
def delete_product(bundle_id: str, product_id: str, catalog: Catalog, control: Control) -> None:
    """Delete a product with its offers and default messages; refused while it is purchased."""
    catalog.delete_product(control.app(bundle_id), product_id)


@router.get("/offers")
def list_offers(bundle_id: str, control: Control, catalog: Catalog) -> OfferList:
    """Every promotional offer of every product of the app."""
    app = control.app(bundle_id)
    return OfferList(offers=[OfferOut.of(o, bundle_id) for o in catalog.offers(app)])


@router.get("/products/{product_id}/offers")
def list_product_offers(
    bundle_id: str, product_id: str, control: Control, catalog: Catalog
) -> OfferList:
    app = control.app(bundle_id)
    offers = catalog.offers(app, product_id)
    return OfferList(offers=[OfferOut.of(offer, bundle_id) for offer in offers])


@router.post("/products/{product_id}/offers", status_code=201, responses=declared(409))
def create_offer(
    bundle_id: str, product_id: str, body: CreateOfferRequest, control: Control, catalog: Catalog
) -> OfferOut:
    """Add a promotional offer to an auto-renewable subscription."""
    app = control.app(bundle_id)
    offer = catalog.create_offer(app, product_id, body.offer_id, body.terms())
    return OfferOut.of(offer, bundle_id)


@router.get("/products/{product_id}/introductory-offer", responses=declared(404))
def get_introductory_offer(
    bundle_id: str, product_id: str, control: Control, catalog: Catalog
) -> IntroductoryOfferOut:
    app = control.app(bundle_id)
    offer = catalog.introductory_offer(app, product_id)
    if offer is None:
        raise NotFound(f"{product_id} has no introductory offer.")
    return IntroductoryOfferOut.of(offer, bundle_id)


@router.put("/products/{product_id}/introductory-offer")
def set_introductory_offer(
    bundle_id: str, product_id: str, body: OfferTermsIn, control: Control, catalog: Catalog
) -> IntroductoryOfferOut:
    """The offer new subscribers get on their first period (offerType 1), replacing any."""
    app = control.app(bundle_id)
    offer = catalog.set_introductory_offer(app, product_id, body.terms())
    return IntroductoryOfferOut.of(offer, bundle_id)


@router.delete(
    "/products/{product_id}/introductory-offer", status_code=204, responses=declared(404)
)
def delete_introductory_offer(
    bundle_id: str, product_id: str, catalog: Catalog, control: Control
) -> None:
    catalog.delete_introductory_offer(control.app(bundle_id), product_id)


@router.get("/response-checks")
def get_response_checks(bundle_id: str, control: Control, catalog: Catalog) -> ResponseChecksOut:
    app = control.app(bundle_id)
    return ResponseChecksOut(bundle_id=bundle_id, mode=catalog.response_check_mode(app))


@router.put("/response-checks")
def set_response_checks(
    bundle_id: str, body: ResponseChecks, control: Control, catalog: Catalog
) -> ResponseChecksOut:
    """Whether a realtime response that breaks a catalog rule fails the request (strict)."""
    app = control.app(bundle_id)
    mode = catalog.set_response_check_mode(app, body.mode)
    return ResponseChecksOut(bundle_id=bundle_id, mode=mode)
