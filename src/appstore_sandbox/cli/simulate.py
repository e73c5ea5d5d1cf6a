"""``appstore-sandbox simulate-cancel``: what the customer sees after tapping Cancel Subscription.

Exit status 0 whatever the outcome (it is a simulation), 2 on usage or connection errors.
"""

from __future__ import annotations

from typing import Any

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import _app_path
from appstore_sandbox.cli.options import Output, bundle_id_option, control_command

HEADLINES = {
    "realtime": "your realtime endpoint's message",
    "default": "the default message for {productId} in {userLocale}",
    "standard": "Apple's standard cancellation sheet (no retention message)",
}


@click.command("simulate-cancel")
@bundle_id_option
@click.option(
    "--environment",
    type=click.Choice(["sandbox", "production"]),
    default="sandbox",
    show_default=True,
    help="Whose realtime URL, messages and defaults.",
)
@click.option("--product-id", default=None, help="Product (default: the purchase's).")
@click.option("--locale", default=None, help="userLocale (default: en-US).")
@click.option("--transaction-id", default=None, help="Purchase (default: the app's first).")
@click.option(
    "--then",
    "then",
    type=click.Choice(["cancel", "accept"]),
    default=None,
    help="What the customer does next: cancel (auto-renew off), or accept the sheet's offer "
    "or alternate product. Apple's notifications follow.",
)
@control_command
def simulate_cancel(
    client: SandboxClient,
    out: Output,
    bundle_id: str,
    environment: str,
    product_id: str | None,
    locale: str | None,
    transaction_id: str | None,
    then: str | None,
) -> None:
    """Send the realtime request Apple sends when a customer taps Cancel Subscription, and show
    the message they would see: the realtime one, the default one, or none."""
    body = {
        "environment": environment,
        "productId": product_id,
        "locale": locale,
        "transactionId": transaction_id,
        "then": then,
    }
    result = client.json("POST", _app_path(bundle_id, "/simulate-cancel"), body)
    out.emit(result, outcome_lines(result))


def outcome_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"Customer sees: {HEADLINES[result['outcome']].format(**result['request'])}"]
    if result["outcome"] != "realtime":
        lines.append(f"  because {result['reason']}")
    if result["message"] is not None:
        lines += ["", *message_lines(result["message"])]
    return [*lines, "", *_request_lines(result), *_follow_up_lines(result.get("then"))]


def _follow_up_lines(follow_up: dict[str, Any] | None) -> list[str]:
    if follow_up is None:
        return []
    purchase = follow_up["purchase"]
    renews = (
        f"renews to {purchase['autoRenewProductId']}" if purchase["autoRenew"] else "auto-renew off"
    )
    if follow_up["action"] is None:
        what = "the customer keeps the subscription; the sheet offered nothing to accept"
    else:
        what = f"{follow_up['action']}: {follow_up['notification']} goes to the notification URL"
    return [
        "",
        f"Then the customer chose {follow_up['choice']}: {what}",
        f"  {purchase['originalTransactionId']}  {purchase['status']}  {renews}",
    ]


def message_lines(message: dict[str, Any]) -> list[str]:
    """The sheet, top to bottom, with the identifiers needed to find each part."""
    header = f"  header   {message['header']}"
    image = message["image"]
    image_line = f"  image    {image['imageIdentifier']}  alt {image['altText']!r}" if image else ""
    top = (
        [header, image_line] if message["headerPosition"] == "ABOVE_IMAGE" else [image_line, header]
    )
    lines = [line for line in top if line]
    lines.append(f"  body     {message['body']}")
    for bullet in message["bulletPoints"]:
        lines.append(
            f"  •        {bullet['text']}  (image {bullet['imageIdentifier']}, "
            f"alt {bullet['altText']!r})"
        )
    lines += _offer_lines(message)
    lines.append(
        f"  [{message['type']} {message['messageIdentifier']}, header {message['headerPosition']}]"
    )
    return lines


def _offer_lines(message: dict[str, Any]) -> list[str]:
    if product := message.get("alternateProduct"):
        plan = f" billed {product['billingPlanType']}" if product.get("billingPlanType") else ""
        return [f"  switch   to {product['productId']}{plan}"]
    if offer := message.get("promotionalOffer"):
        return [
            f"  offer    {offer['offerIdentifier']} on {offer['productId']} "
            f"(signature {offer['signature']})"
        ]
    return []


def _request_lines(result: dict[str, Any]) -> list[str]:
    request = result["request"]
    lines = [
        f"request  {request['environment']} · originalTransactionId "
        f"{request['originalTransactionId']} · {request['productId']} · {request['userLocale']}",
    ]
    attempt = result["attempt"]
    if attempt is None:
        # The reason at the top says why (no URL, or no default message to call it for).
        return [*lines, "         not sent"]
    status = f"HTTP {attempt['httpStatus']}" if attempt["httpStatus"] else "no HTTP status"
    latency = "" if attempt["latencyMs"] is None else f" in {attempt['latencyMs']:.2f} ms"
    # Its explanation is already in the reason at the top.
    lines.append(
        f"         POST {attempt['url']} → {status}{latency} · {attempt['sendAttemptResult']}"
    )
    return lines
