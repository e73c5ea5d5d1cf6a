"""``appstore-sandbox trigger``: do to a sandbox subscription what a customer or Apple would,
and let Apple's notifications follow (like ``stripe trigger``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import click

from appstore_sandbox.cli.client import SandboxClient
from appstore_sandbox.cli.control import _app_path
from appstore_sandbox.cli.dates import iso_utc
from appstore_sandbox.cli.errors import CliError
from appstore_sandbox.cli.options import Output, bundle_id_option, control_command

# What each action does, and the notifications Apple sends for it (docs/apple-facts.md).
ACTIONS = {
    "cancel": "auto-renew off: DID_CHANGE_RENEWAL_STATUS (AUTO_RENEW_DISABLED); "
    "EXPIRED (VOLUNTARY) when the period ends",
    "resubscribe": "auto-renew back on (AUTO_RENEW_ENABLED), or, once expired, a new purchase: "
    "SUBSCRIBED (RESUBSCRIBE)",
    "refund": "the latest transaction refunded and revoked: REFUND (REVOKE with "
    "--revocation-type FAMILY_REVOKE)",
    "billing-failure": "payment fails from the next renewal: when the period ends, "
    "DID_FAIL_TO_RENEW (GRACE_PERIOD with --grace-period); GRACE_PERIOD_EXPIRED, "
    "EXPIRED (BILLING_RETRY) later",
    "billing-recovery": "payment works again: DID_RENEW (BILLING_RECOVERY), or nothing if the "
    "renewal had not failed yet",
    "upgrade": "to --product-id at once: DID_CHANGE_RENEWAL_PREF (UPGRADE)",
    "downgrade": "to --product-id from the next renewal: DID_CHANGE_RENEWAL_PREF (DOWNGRADE)",
    "offer-redeemed": "promotional offer --offer-id from the next renewal: OFFER_REDEEMED",
    "renew": "a renewal now: DID_RENEW",
}


@click.command(
    epilog="\b\nActions:\n" + "\n".join(f"  {name:<17} {text}" for name, text in ACTIONS.items())
)
@click.argument("action", type=click.Choice(list(ACTIONS)))
@bundle_id_option
@click.option(
    "--original-transaction-id",
    default=None,
    help="The subscription (default: the app's most recent purchase).",
)
@click.option("--product-id", default=None, help="upgrade, downgrade: the product to switch to.")
@click.option("--offer-id", default=None, help="offer-redeemed: the promotional offer.")
@click.option("--grace-period", is_flag=True, help="billing-failure: with a grace period.")
@click.option(
    "--revocation-reason",
    type=click.IntRange(0, 1),
    default=0,
    show_default=True,
    help="refund: Apple's revocationReason, 0 (other) or 1 (an issue with the app).",
)
@click.option(
    "--revocation-type",
    type=click.Choice(["REFUND_FULL", "REFUND_PRORATED", "FAMILY_REVOKE"]),
    default="REFUND_FULL",
    show_default=True,
    help="refund: how; FAMILY_REVOKE takes back a family-shared purchase (REVOKE).",
)
@click.option(
    "--revocation-percentage",
    type=click.IntRange(1, 100_000),
    default=None,
    help="refund: REFUND_PRORATED's share in milliunits (50000 is 50 %).",
)
@control_command
def trigger(
    client: SandboxClient,
    out: Output,
    action: str,
    bundle_id: str,
    original_transaction_id: str | None,
    product_id: str | None,
    offer_id: str | None,
    grace_period: bool,
    revocation_reason: int,
    revocation_type: str,
    revocation_percentage: int | None,
) -> None:
    """Do to a subscription what its customer or Apple would; Apple's notifications follow.

    They go to the app's sandbox notification URL (apps set-notification-url); see them with
    ``notify history``.
    """
    if original_transaction_id is None:
        original_transaction_id = _default_purchase(client, bundle_id)
    body = {
        "action": action,
        "productId": product_id,
        "offerId": offer_id,
        "gracePeriod": grace_period,
        "revocationReason": revocation_reason,
        "revocationType": revocation_type,
        "revocationPercentage": revocation_percentage,
    }
    path = _app_path(bundle_id, f"/purchases/{quote(original_transaction_id, safe='')}/triggers")
    triggered = client.json("POST", path, body)
    out.emit(triggered, triggered_lines(triggered))


def _default_purchase(client: SandboxClient, bundle_id: str) -> str:
    default = client.json("GET", _app_path(bundle_id, "/purchases"))["defaultOriginalTransactionId"]
    if default is None:
        raise CliError(
            f"{bundle_id} has no sandbox purchase; buy one with: "
            f"appstore-sandbox purchases create --bundle-id {bundle_id}"
        )
    return str(default)


def triggered_lines(triggered: dict[str, Any]) -> list[str]:
    """What the trigger did: the subscription, what changed, the notifications sent now, and
    what follows later."""
    action = triggered["action"]
    lines = [f"{action}: {triggered['originalTransactionId']} ({triggered['productId']})"]
    changes = [_change_text(change) for change in triggered["changes"]]
    lines.append(f"  changed: {'; '.join(changes) if changes else 'nothing'}")
    lines += _state_lines(triggered)
    lines += _notification_lines(triggered)
    if action in LATER:
        lines.append(f"  later: {LATER[action]}")
    if any(notification["url"] for notification in triggered["notifications"]):
        lines.append(
            f"  see their delivery: appstore-sandbox notify history --bundle-id "
            f"{triggered['bundleId']}"
        )
    return lines


# What follows a trigger when the sandbox clock gets there (docs/apple-facts.md).
LATER = {
    "cancel": "EXPIRED (VOLUNTARY) when the period ends",
    "billing-failure": "DID_FAIL_TO_RENEW when the period ends (GRACE_PERIOD with "
    "--grace-period, then GRACE_PERIOD_EXPIRED), EXPIRED (BILLING_RETRY) when billing retry ends",
}
_ON_OFF = {True: "on", False: "off"}
_FIELD_NAMES = {
    "autoRenew": "auto-renew",
    "autoRenewProductId": "renews to",
    "productId": "product",
    "transactionId": "latest transactionId",
    "expiresDate": "expires",
    "purchaseDate": "purchased",
    "inBillingRetry": "billing retry",
    "gracePeriodExpiresDate": "grace period until",
    "offerIdentifier": "offer",
    "nextRenewalFails": "next renewal fails into",
}


def _change_text(change: dict[str, Any]) -> str:
    field = change["field"]
    name = _FIELD_NAMES.get(field, field)
    return f"{name} {_value(field, change['before'])} → {_value(field, change['after'])}"


def _value(field: str, value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return _ON_OFF[value]
    if field.endswith("Date") and isinstance(value, int):
        return iso_utc(value)
    return str(value)


def _notification_lines(triggered: dict[str, Any]) -> list[str]:
    notifications = triggered["notifications"]
    if not notifications:
        return ["  notifications: none now"]
    lines = []
    for notification in notifications:
        kind = notification["notificationType"]
        if notification["subtype"]:
            kind += f" ({notification['subtype']})"
        environment = notification["environment"]
        if notification["url"] is None:
            lines.append(
                f"  notification: {kind} not sent: no {environment} notification URL set "
                f"(appstore-sandbox apps set-notification-url --bundle-id {triggered['bundleId']} "
                f"--environment {environment} --url URL)"
            )
        else:
            lines.append(f"  notification: {kind} sent to {notification['url']} ({environment})")
    return lines


def _state_lines(purchase: dict[str, Any]) -> list[str]:
    renews = (
        f"renews to {purchase['autoRenewProductId']}" if purchase["autoRenew"] else "auto-renew off"
    )
    lines = [
        f"  now: {purchase['status']}, {renews}, latest transactionId "
        f"{purchase['transactionId']}, expires {iso_utc(purchase['expiresDate'])}"
    ]
    if purchase["gracePeriodExpiresDate"] is not None:
        lines.append(f"  grace period until {iso_utc(purchase['gracePeriodExpiresDate'])}")
    if purchase["offerIdentifier"]:
        lines.append(f"  offer {purchase['offerIdentifier']} applies at the next renewal")
    return lines
