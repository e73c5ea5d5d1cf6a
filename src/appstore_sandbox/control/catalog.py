"""Control surface for an app's catalog: subscription products, promotional offers, and how
strictly realtime responses are checked against them (what App Store Connect keeps at Apple)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import Field, StrictStr

from appstore_sandbox.apple_request import SandboxDep
from appstore_sandbox.control.models import CamelModel, ProductOut
from appstore_sandbox.control.routes import require_admin_token
from appstore_sandbox.openapi_errors import declared
from appstore_sandbox.store.catalog import PromotionalOffer

router = APIRouter(
    prefix="/_sandbox/v1/apps/{bundle_id}",
    tags=["Sandbox control"],
    dependencies=[Depends(require_admin_token)],
)


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


class CreateOfferRequest(CamelModel):
    offer_id: StrictStr = Field(description="The promotional offer identifier.")


class OfferOut(CamelModel):
    bundle_id: str
    product_id: str
    offer_id: str
    created_date: int

    @classmethod
    def of(cls, offer: PromotionalOffer, bundle_id: str) -> OfferOut:
        return cls(
            bundle_id=bundle_id,
            product_id=offer.product_id,
            offer_id=offer.offer_id,
            created_date=offer.created_ms,
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
def list_products(bundle_id: str, sandbox: SandboxDep) -> ProductList:
    app = sandbox.control.app(bundle_id)
    return ProductList(products=[ProductOut.of(p) for p in sandbox.catalog.products(app)])


@router.post("/products", status_code=201, responses=declared(409))
def create_product(bundle_id: str, body: CreateProductRequest, sandbox: SandboxDep) -> ProductOut:
    """Add a product; an auto-renewable subscription belongs to a subscription group."""
    app = sandbox.control.app(bundle_id)
    product = sandbox.catalog.create_product(
        app, body.product_id, body.subscription_group, body.type, body.subscription_period
    )
    return ProductOut.of(product)


@router.delete("/products/{product_id}", status_code=204, responses=declared(409))
def delete_product(bundle_id: str, product_id: str, sandbox: SandboxDep) -> None:
    """Delete a product with its offers and default messages; refused while it is purchased."""
    sandbox.catalog.delete_product(sandbox.control.app(bundle_id), product_id)


@router.get("/offers")
def list_offers(bundle_id: str, sandbox: SandboxDep) -> OfferList:
    """Every promotional offer of every product of the app."""
    app = sandbox.control.app(bundle_id)
    return OfferList(offers=[OfferOut.of(o, bundle_id) for o in sandbox.catalog.offers(app)])


@router.get("/products/{product_id}/offers")
def list_product_offers(bundle_id: str, product_id: str, sandbox: SandboxDep) -> OfferList:
    app = sandbox.control.app(bundle_id)
    offers = sandbox.catalog.offers(app, product_id)
    return OfferList(offers=[OfferOut.of(offer, bundle_id) for offer in offers])


@router.post("/products/{product_id}/offers", status_code=201, responses=declared(409))
def create_offer(
    bundle_id: str, product_id: str, body: CreateOfferRequest, sandbox: SandboxDep
) -> OfferOut:
    """Add a promotional offer to an auto-renewable subscription."""
    app = sandbox.control.app(bundle_id)
    return OfferOut.of(sandbox.catalog.create_offer(app, product_id, body.offer_id), bundle_id)


@router.get("/response-checks")
def get_response_checks(bundle_id: str, sandbox: SandboxDep) -> ResponseChecksOut:
    app = sandbox.control.app(bundle_id)
    return ResponseChecksOut(bundle_id=bundle_id, mode=sandbox.catalog.response_check_mode(app))


@router.put("/response-checks")
def set_response_checks(
    bundle_id: str, body: ResponseChecks, sandbox: SandboxDep
) -> ResponseChecksOut:
    """Whether a realtime response that breaks a catalog rule fails the request (strict)."""
    app = sandbox.control.app(bundle_id)
    mode = sandbox.catalog.set_response_check_mode(app, body.mode)
    return ResponseChecksOut(bundle_id=bundle_id, mode=mode)
