"""``products`` and ``offers``: an app's catalog, as App Store Connect keeps it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import click

from appstore_sandbox.catalog.products import PRODUCT_TYPES, SUBSCRIPTION_PERIODS
from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import _app_path
from appstore_sandbox.cli.options import Output, bundle_id_option, control_command


@click.group()
def products() -> None:
    """Products of an app: auto-renewable subscriptions in subscription groups."""


def _product_line(product: dict[str, Any]) -> str:
    group, period = product["subscriptionGroup"], product.get("subscriptionPeriod")
    line = f"{product['productId']}  {product['type']}" + (f"  group {group}" if group else "")
    return line + (f"  period {period}" if period else "")


@products.command("create")
@bundle_id_option
@click.option("--product-id", required=True, help="The product identifier.")
@click.option("--group", default=None, help="Subscription group (auto-renewable subscriptions).")
@click.option(
    "--type",
    "product_type",
    type=click.Choice(PRODUCT_TYPES),
    default="AUTO_RENEWABLE",
    show_default=True,
    help="Product type.",
)
@click.option(
    "--period",
    type=click.Choice(SUBSCRIPTION_PERIODS),
    default=None,
    help="Auto-renewable subscriptions: how long a period lasts (default P1M; in Apple's "
    "sandbox P1W is 3 minutes, P1M 5, P1Y an hour).",
)
@control_command
def products_create(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    product_id: str,
    group: str | None,
    product_type: str,
    period: str | None,
) -> None:
    """Add a product; an auto-renewable subscription needs --group."""
    if product_type == "AUTO_RENEWABLE" and group is None:
        raise click.UsageError("an auto-renewable subscription needs --group")
    body = {
        "productId": product_id,
        "subscriptionGroup": group,
        "type": product_type,
        "subscriptionPeriod": period,
    }
    product = client.json("POST", _app_path(bundle_id, "/products"), body)
    out.emit(product, [_product_line(product)])


@products.command("list")
@bundle_id_option
@control_command
def products_list(client: SandboxClient, out: Output, bundle_id: str) -> None:
    """List an app's products with their type and subscription group."""
    body = client.json("GET", _app_path(bundle_id, "/products"))
    out.emit(body, [_product_line(p) for p in body["products"]] or ["no products"])


@products.command("delete")
@bundle_id_option
@click.option("--product-id", required=True, help="The product to delete.")
@control_command
def products_delete(client: SandboxClient, out: Output, bundle_id: str, product_id: str) -> None:
    """Delete a product with its offers and default messages (refused while it is purchased)."""
    client.request("DELETE", _app_path(bundle_id, f"/products/{quote(product_id, safe='')}"))
    out.emit(
        {"bundleId": bundle_id, "productId": product_id, "deleted": True},
        [f"deleted product {product_id} of {bundle_id}"],
    )


@click.group()
def offers() -> None:
    """Promotional offers of an app's auto-renewable subscriptions."""


def _offer_line(offer: dict[str, Any]) -> str:
    return f"{offer['offerId']}  of {offer['productId']}  {_terms(offer)}"


def _terms(offer: dict[str, Any]) -> str:
    return f"{offer['discountType']} {offer['period']} at {offer['price'] / 1000:.2f}"


def offer_terms_options(func: Any) -> Any:
    """--discount-type, --period and --price, the terms of an offer."""
    func = click.option(
        "--price",
        type=click.IntRange(0),
        default=None,
        help="Price for the offer's period in milliunits (4990 is 4.99; FREE_TRIAL: 0).",
    )(func)
    func = click.option(
        "--period",
        type=click.Choice(SUBSCRIPTION_PERIODS),
        default="P1M",
        show_default=True,
        help="The offer's period (Apple's offerPeriod).",
    )(func)
    return click.option(
        "--discount-type",
        type=click.Choice(["FREE_TRIAL", "PAY_AS_YOU_GO", "PAY_UP_FRONT"]),
        default="PAY_AS_YOU_GO",
        show_default=True,
        help="Apple's offerDiscountType.",
    )(func)


def _offers_path(bundle_id: str, product_id: str) -> str:
    return _app_path(bundle_id, f"/products/{quote(product_id, safe='')}/offers")


@offers.command("create")
@bundle_id_option
@click.option("--product-id", required=True, help="The auto-renewable subscription.")
@click.option("--offer-id", required=True, help="The promotional offer identifier.")
@offer_terms_options
@control_command
def offers_create(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    product_id: str,
    offer_id: str,
    discount_type: str,
    period: str,
    price: int | None,
) -> None:
    """Add a promotional offer to a subscription."""
    body = {"offerId": offer_id, "discountType": discount_type, "period": period, "price": price}
    offer = client.json("POST", _offers_path(bundle_id, product_id), body)
    out.emit(offer, [_offer_line(offer)])


@offers.command("set-introductory")
@bundle_id_option
@click.option("--product-id", required=True, help="The auto-renewable subscription.")
@offer_terms_options
@control_command
def offers_set_introductory(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    product_id: str,
    discount_type: str,
    period: str,
    price: int | None,
) -> None:
    """The introductory offer new subscribers get on their first period (a free trial...)."""
    path = _app_path(bundle_id, f"/products/{quote(product_id, safe='')}/introductory-offer")
    body = {"discountType": discount_type, "period": period, "price": price}
    offer = client.json("PUT", path, body)
    out.emit(offer, [f"introductory offer of {product_id}  {_terms(offer)}"])


@offers.command("list")
@bundle_id_option
@click.option("--product-id", default=None, help="Only this product's offers.")
@control_command
def offers_list(client: SandboxClient, out: Output, bundle_id: str, product_id: str | None) -> None:
    """List promotional offers."""
    path = _offers_path(bundle_id, product_id) if product_id else _app_path(bundle_id, "/offers")
    body = client.json("GET", path)
    out.emit(body, [_offer_line(offer) for offer in body["offers"]] or ["no offers"])
