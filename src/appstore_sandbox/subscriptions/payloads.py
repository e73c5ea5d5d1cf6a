"""The decoded payloads of signed transactions and renewal info, and subscription
notifications' ``data``.

Fields and values are those of Apple's JWSTransactionDecodedPayload, JWSRenewalInfoDecodedPayload
and responseBodyV2DecodedPayload (its ``data``) models; a field without a value is left out, as
Apple does.
"""

from __future__ import annotations

from typing import Any

from appstore_sandbox.store import App, Purchase, Transaction
from appstore_sandbox.subscriptions.lifecycle import status_code

AUTO_RENEWABLE_TYPE = "Auto-Renewable Subscription"
# The sandbox's products have no price or storefront of their own: every subscription is sold in
# the United States for 9.99 USD (price in milliunits, as Apple gives it).
STOREFRONT, STOREFRONT_ID, CURRENCY, PRICE_MILLIUNITS = "USA", "143441", "USD", 9990


def transaction_payload(
    app: App, transaction: Transaction, group: str, signed_ms: int
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "transactionId": transaction.transaction_id,
        "originalTransactionId": transaction.original_transaction_id,
        "webOrderLineItemId": transaction.web_order_line_item_id,
        "bundleId": app.bundle_id,
        "productId": transaction.product_id,
        "subscriptionGroupIdentifier": group,
        "purchaseDate": transaction.purchase_ms,
        "originalPurchaseDate": transaction.original_purchase_ms,
        "expiresDate": transaction.expires_ms,
        "quantity": 1,
        "type": AUTO_RENEWABLE_TYPE,
        "inAppOwnershipType": transaction.ownership,
        "signedDate": signed_ms,
        "environment": transaction.environment,
        "transactionReason": transaction.reason,
        "storefront": STOREFRONT,
        "storefrontId": STOREFRONT_ID,
        "price": PRICE_MILLIUNITS if transaction.price is None else transaction.price,
        "currency": CURRENCY,
    }
    if transaction.app_transaction_id is not None:
        payload["appTransactionId"] = transaction.app_transaction_id
    if transaction.offer_type is not None:
        payload.update(
            _offer(
                transaction.offer_type,
                transaction.offer_identifier,
                transaction.offer_discount_type,
                transaction.offer_period,
            )
        )
    if transaction.is_upgraded:
        payload["isUpgraded"] = True
    if transaction.revocation_ms is not None:
        payload["revocationDate"] = transaction.revocation_ms
        payload["revocationReason"] = transaction.revocation_reason
        payload["revocationType"] = transaction.revocation_type
        if transaction.revocation_percentage is not None:
            payload["revocationPercentage"] = transaction.revocation_percentage
    return payload


def renewal_payload(purchase: Purchase, signed_ms: int) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "originalTransactionId": purchase.original_transaction_id,
        "productId": purchase.product_id,
        "autoRenewProductId": purchase.renews_to,
        "autoRenewStatus": 1 if purchase.auto_renew else 0,
        "signedDate": signed_ms,
        "environment": purchase.environment,
        "recentSubscriptionStartDate": purchase.recent_start_ms or purchase.purchase_ms,
        "currency": CURRENCY,
        "renewalPrice": PRICE_MILLIUNITS if purchase.offer_price is None else purchase.offer_price,
        # Apple: present for every auto-renewable subscription, expired or refunded ones too,
        # and then in the past (the latest transaction's expiry).
        "renewalDate": purchase.expires_ms,
        "isInBillingRetryPeriod": purchase.billing_issue,
    }
    if purchase.app_transaction_id is not None:
        payload["appTransactionId"] = purchase.app_transaction_id
    if purchase.expiration_intent is not None:
        payload["expirationIntent"] = purchase.expiration_intent
    if purchase.grace_period_expires_ms is not None:
        payload["gracePeriodExpiresDate"] = purchase.grace_period_expires_ms
    if purchase.offer_type is not None:
        payload.update(
            _offer(
                purchase.offer_type,
                purchase.offer_identifier,
                purchase.offer_discount_type,
                purchase.offer_period,
            )
        )
    return payload


def _offer(
    offer_type: int, identifier: str | None, discount_type: str | None, period: str | None
) -> dict[str, Any]:
    """An offer's fields; an introductory offer has no identifier (Apple's offerIdentifier)."""
    fields: dict[str, Any] = {"offerType": offer_type}
    optional = {
        "offerIdentifier": identifier,
        "offerDiscountType": discount_type,
        "offerPeriod": period,
    }
    fields.update({name: value for name, value in optional.items() if value is not None})
    return fields


def notification_data(
    app: App,
    bundle_version: str,
    purchase: Purchase,
    signed_transaction: str,
    signed_renewal: str,
) -> dict[str, Any]:
    """A subscription notification's ``data``; the notifications service wraps and signs it."""
    data: dict[str, Any] = {
        "bundleId": app.bundle_id,
        "bundleVersion": bundle_version,
        "environment": purchase.environment,
        "signedTransactionInfo": signed_transaction,
        "signedRenewalInfo": signed_renewal,
        "status": status_code(purchase),
    }
    if purchase.environment == "Production":
        data["appAppleId"] = app.app_apple_id
    return data
