"""What the sandbox signs in each state of a subscription, field by field, checked against the
fields Apple sends in that state (Apple's docs and its libraries' JSON fixtures, as listed in
docs/apple-facts.md); and Transaction History's revisions, which deliver every change once."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.HistoryResponse import HistoryResponse
from appstoreserverlibrary.models.TransactionHistoryRequest import TransactionHistoryRequest

from tests.conftest import StartSandbox
from tests.contract.notification_helpers import advance
from tests.contract.test_subscriptions import PERIOD_S, Customer, customer_of
from tests.sandbox_process import SandboxProcess
from tests.test_node_example import EXAMPLE, NODE, NODE_TIMEOUT_S

MINUTE_S = 60
NODE_VERIFY = Path(__file__).parent / "node" / "verify.mjs"
# Sent for every auto-renewable subscription whatever its state (renewalDate: Apple's
# renewalDate page; isInBillingRetryPeriod false rather than left out).
RENEWAL_ALWAYS = frozenset(
    {
        "originalTransactionId",
        "productId",
        "autoRenewProductId",
        "autoRenewStatus",
        "signedDate",
        "environment",
        "recentSubscriptionStartDate",
        "currency",
        "renewalPrice",
        "renewalDate",
        "isInBillingRetryPeriod",
        "appTransactionId",
    }
)
TRANSACTION_ALWAYS = frozenset(
    {
        "transactionId",
        "originalTransactionId",
        "webOrderLineItemId",
        "bundleId",
        "productId",
        "subscriptionGroupIdentifier",
        "purchaseDate",
        "originalPurchaseDate",
        "expiresDate",
        "quantity",
        "type",
        "inAppOwnershipType",
        "signedDate",
        "environment",
        "transactionReason",
        "storefront",
        "storefrontId",
        "price",
        "currency",
        "appTransactionId",
    }
)
REVOKED = frozenset({"revocationDate", "revocationReason", "revocationType"})


def _fields(signed: str) -> dict[str, Any]:
    """The payload's fields exactly as signed (Apple's models drop what they don't know)."""
    body = signed.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


@pytest.fixture(scope="module")
def own(start_module_sandbox: StartSandbox) -> SandboxProcess:
    return start_module_sandbox("--notification-poll-ms", "50")


@pytest.fixture
def customer(own: SandboxProcess) -> Iterator[Customer]:
    with customer_of(own) as new:
        yield new


def _renewal(customer: Customer) -> dict[str, Any]:
    statuses = customer.client.get_all_subscription_statuses(customer.original_transaction_id)
    [group] = statuses.data or []
    [last] = group.lastTransactions or []
    assert last.signedRenewalInfo is not None and last.signedTransactionInfo is not None
    customer.verifier.verify_and_decode_renewal_info(last.signedRenewalInfo)
    customer.verifier.verify_and_decode_signed_transaction(last.signedTransactionInfo)
    return _fields(last.signedRenewalInfo)


def test_renewal_info_carries_apples_fields_in_every_state(customer: Customer) -> None:
    customer.buy()
    active = _renewal(customer)
    customer.trigger("cancel")
    auto_renew_off = _renewal(customer)
    advance(customer.sandbox, PERIOD_S + 1)
    expired = _renewal(customer)

    assert set(active) == RENEWAL_ALWAYS and active["isInBillingRetryPeriod"] is False
    assert set(auto_renew_off) == RENEWAL_ALWAYS and auto_renew_off["autoRenewStatus"] == 0
    assert auto_renew_off["renewalDate"] == active["renewalDate"]
    assert set(expired) == RENEWAL_ALWAYS | {"expirationIntent"}
    assert expired["renewalDate"] == active["renewalDate"] and expired["expirationIntent"] == 1


def test_renewal_info_in_grace_period_billing_retry_and_after_a_refund(
    customer: Customer,
) -> None:
    customer.buy()
    customer.trigger("billing-failure", gracePeriod=True)
    advance(customer.sandbox, PERIOD_S + 1)
    grace = _renewal(customer)
    advance(customer.sandbox, 5 * MINUTE_S)
    retry = _renewal(customer)
    customer.trigger("billing-recovery")
    customer.trigger("refund")
    refunded = _renewal(customer)

    assert set(grace) == RENEWAL_ALWAYS | {"expirationIntent", "gracePeriodExpiresDate"}
    assert grace["isInBillingRetryPeriod"] is True
    # The grace period's end stays, in the past, while billing retry goes on.
    assert set(retry) == RENEWAL_ALWAYS | {"expirationIntent", "gracePeriodExpiresDate"}
    assert retry["isInBillingRetryPeriod"] is True
    assert set(refunded) == RENEWAL_ALWAYS and refunded["isInBillingRetryPeriod"] is False


def test_a_prorated_refund_carries_its_type_reason_and_percentage(customer: Customer) -> None:
    customer.buy()
    customer.trigger(
        "refund", revocationType="REFUND_PRORATED", revocationPercentage=50000, revocationReason=1
    )
    refund = customer.notifications(2)[1]
    assert refund.data is not None and refund.data.signedTransactionInfo is not None
    decoded = customer.verifier.verify_and_decode_signed_transaction(
        refund.data.signedTransactionInfo
    )
    fields = _fields(refund.data.signedTransactionInfo)

    assert refund.rawNotificationType == "REFUND"
    assert set(fields) == TRANSACTION_ALWAYS | REVOKED | {"revocationPercentage"}
    assert decoded.rawRevocationType == "REFUND_PRORATED"
    assert (decoded.revocationPercentage, decoded.rawRevocationReason) == (50000, 1)


def test_a_full_refund_and_refund_options_that_do_not_fit(customer: Customer) -> None:
    customer.buy()
    with customer.sandbox.control() as control:
        path = (
            f"/apps/{customer.app.bundle_id}/purchases/{customer.original_transaction_id}/triggers"
        )
        for body in (
            {"action": "refund", "revocationType": "REFUND_PRORATED"},
            {"action": "refund", "revocationPercentage": 10},
            {"action": "refund", "revocationType": "FAMILY_REVOKE"},
            {"action": "refund", "revocationReason": 7},
        ):
            refused = control.post(path, json=body)
            assert refused.status_code == 400, body
            assert "revo" in refused.json()["error"].lower()
    customer.trigger("refund")
    refund = customer.notifications(2)[1]
    assert refund.data is not None and refund.data.signedTransactionInfo is not None
    fields = _fields(refund.data.signedTransactionInfo)
    assert set(fields) == TRANSACTION_ALWAYS | REVOKED
    assert (fields["revocationType"], fields["revocationReason"]) == ("REFUND_FULL", 0)


def test_a_family_shared_purchase_is_taken_back_with_revoke(customer: Customer) -> None:
    with customer.sandbox.control() as control:
        purchase = control.post(
            f"/apps/{customer.app.bundle_id}/purchases", json={"familyShared": True}
        )
    customer.original_transaction_id = purchase.raise_for_status().json()["originalTransactionId"]
    customer.trigger("refund", revocationType="FAMILY_REVOKE")
    revoke = customer.notifications(2)[1]
    assert revoke.data is not None and revoke.data.signedTransactionInfo is not None
    decoded = customer.verifier.verify_and_decode_signed_transaction(
        revoke.data.signedTransactionInfo
    )
    assert revoke.rawNotificationType == "REVOKE"
    assert (decoded.rawInAppOwnershipType, decoded.rawRevocationType) == (
        "FAMILY_SHARED",
        "FAMILY_REVOKE",
    )


def _poll(customer: Customer, revision: str | None) -> tuple[list[Any], str]:
    """One poll of Transaction History as a backend does it: every page from ``revision``."""
    seen = []
    while True:
        page = customer.client.get_transaction_history(
            customer.original_transaction_id, revision, TransactionHistoryRequest()
        )
        seen += [
            customer.verifier.verify_and_decode_signed_transaction(signed)
            for signed in page.signedTransactions or []
        ]
        assert page.revision is not None
        revision = page.revision
        if not page.hasMore:
            return seen, revision


def test_a_stored_revision_brings_each_change_once(customer: Customer) -> None:
    bundle_id = customer.app.bundle_id
    pro = {"productId": f"{bundle_id}.pro", "subscriptionGroup": "Premium"}
    customer.control("POST", "/products", pro)
    bought = customer.buy()
    first, revision = _poll(customer, None)
    advance(customer.sandbox, PERIOD_S + 1)
    renewals, revision = _poll(customer, revision)
    customer.trigger("upgrade", productId=f"{bundle_id}.pro")
    upgrade, revision = _poll(customer, revision)
    customer.trigger("refund")
    refund, revision = _poll(customer, revision)
    nothing, _ = _poll(customer, revision)

    assert [t.transactionId for t in first] == [bought]
    [renewal] = renewals
    assert renewal.rawTransactionReason == "RENEWAL"
    upgraded, upgrade_purchase = upgrade
    assert (upgraded.transactionId, upgraded.isUpgraded) == (renewal.transactionId, True)
    assert upgrade_purchase.productId == f"{bundle_id}.pro"
    [refunded] = refund
    assert refunded.transactionId == upgrade_purchase.transactionId
    assert refunded.revocationDate is not None
    assert nothing == []


def test_transaction_history_refuses_dates_out_of_order_and_a_bad_exclude_revoked(
    customer: Customer,
) -> None:
    original_id = customer.buy()
    refused = []
    queries: list[dict[str, str | list[str]]] = [
        {"startDate": "2000", "endDate": "1000"},
        {"excludeRevoked": "maybe"},
    ]
    for query in queries:
        with pytest.raises(APIException) as raised:
            customer.client._make_request(  # the library has no excludeRevoked (deprecated)
                f"/inApps/v2/history/{original_id}", "GET", query, None, HistoryResponse
            )
        refused.append(raised.value.api_error)
    assert refused == [APIError.INVALID_END_DATE, APIError.INVALID_EXCLUDE_REVOKED]


def test_notifications_carry_the_bundle_version_and_transactions_the_app_transaction(
    customer: Customer,
) -> None:
    settings = customer.control("PUT", "/subscription-settings", {"bundleVersion": "42.1"})
    customer.buy()
    [subscribed] = customer.notifications(1)
    assert subscribed.data is not None and subscribed.data.signedTransactionInfo is not None
    transaction = customer.verifier.verify_and_decode_signed_transaction(
        subscribed.data.signedTransactionInfo
    )
    assert settings["bundleVersion"] == subscribed.data.bundleVersion == "42.1"
    assert transaction.appTransactionId and transaction.appTransactionId.isdigit()
    with pytest.raises(APIException) as raised:
        customer.client.get_transaction_info(transaction.appTransactionId)
    assert raised.value.api_error == APIError.APP_TRANSACTION_ID_NOT_SUPPORTED_ERROR


def test_a_bundle_version_that_is_not_one_is_refused(customer: Customer) -> None:
    with customer.sandbox.control() as control:
        refused = control.put(
            f"/apps/{customer.app.bundle_id}/subscription-settings", json={"bundleVersion": "v1"}
        )
    assert refused.status_code == 400 and "CFBundleVersion" in refused.json()["error"]


def test_a_free_trial_is_the_first_period_and_its_transaction_says_so(customer: Customer) -> None:
    product_id = f"{customer.app.bundle_id}.monthly"
    customer.control(
        "PUT",
        f"/products/{product_id}/introductory-offer",
        {"discountType": "FREE_TRIAL", "period": "P1W"},
    )
    customer.buy()
    advance(customer.sandbox, 3 * MINUTE_S + 1)  # a week in the sandbox: the trial ends
    bought, renewed = customer.notifications(2)
    assert bought.data is not None and bought.data.signedTransactionInfo is not None
    assert renewed.data is not None and renewed.data.signedTransactionInfo is not None
    trial = _fields(bought.data.signedTransactionInfo)
    paid = _fields(renewed.data.signedTransactionInfo)

    offer_fields = {"offerType", "offerDiscountType", "offerPeriod"}
    assert set(trial) == TRANSACTION_ALWAYS | offer_fields
    assert (trial["offerType"], trial["offerDiscountType"], trial["offerPeriod"]) == (
        1,
        "FREE_TRIAL",
        "P1W",
    )
    assert trial["price"] == 0 and trial["expiresDate"] - trial["purchaseDate"] == 180_000
    assert set(paid) == TRANSACTION_ALWAYS and paid["price"] == 9990


def test_a_promotional_offers_terms_reach_renewal_info_and_the_renewal(
    customer: Customer,
) -> None:
    product_id = f"{customer.app.bundle_id}.monthly"
    customer.control(
        "POST",
        f"/products/{product_id}/offers",
        {"offerId": "half", "discountType": "PAY_UP_FRONT", "period": "P3M", "price": 12000},
    )
    customer.buy()
    customer.trigger("offer-redeemed", offerId="half")
    pending = _renewal(customer)
    advance(customer.sandbox, PERIOD_S + 1)
    renewed = customer.notifications(3)[2]
    assert renewed.data is not None and renewed.data.signedTransactionInfo is not None
    transaction = _fields(renewed.data.signedTransactionInfo)

    offer = {
        "offerType": 2,
        "offerIdentifier": "half",
        "offerDiscountType": "PAY_UP_FRONT",
        "offerPeriod": "P3M",
    }
    assert {name: pending[name] for name in offer} == offer and pending["renewalPrice"] == 12000
    assert {name: transaction[name] for name in offer} == offer and transaction["price"] == 12000
    # Paid up front for three months: the renewal lasts them (15 sandbox minutes).
    assert transaction["expiresDate"] - transaction["purchaseDate"] == 15 * 60_000


def _node_decoded(customer: Customer, items: list[dict[str, str]]) -> list[dict[str, Any]]:
    """What Apple's Node SignedDataVerifier makes of ``items`` ({kind, jws} each)."""
    if NODE is None or not (EXAMPLE / "node_modules").is_dir():
        pytest.skip("Apple's Node library is absent: npm ci --prefix examples/node")
    root = customer.sandbox.banner["root_certificate_file"]
    completed = subprocess.run(
        [NODE, str(NODE_VERIFY)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        env={"ROOT_CERTIFICATE_FILE": root, "BUNDLE_ID": customer.app.bundle_id},
        timeout=NODE_TIMEOUT_S,
    )
    assert completed.returncode == 0, completed.stderr
    decoded: list[dict[str, Any]] = json.loads(completed.stdout)
    return decoded


def test_everything_a_subscriptions_life_signs_verifies_with_apples_node_library(
    customer: Customer,
) -> None:
    customer.buy()
    advance(customer.sandbox, PERIOD_S + 1)
    customer.trigger("cancel")
    advance(customer.sandbox, PERIOD_S + 1)
    customer.trigger("resubscribe")
    customer.trigger("refund", revocationType="REFUND_PRORATED", revocationPercentage=25000)
    notifications = customer.notifications(6)
    signed = [body["signedPayload"] for body in customer.inbox.bodies]
    items = [{"kind": "notification", "jws": jws} for jws in signed]
    for notification in notifications:
        assert notification.data is not None
        items.append(
            {"kind": "transaction", "jws": _given(notification.data.signedTransactionInfo)}
        )
        items.append({"kind": "renewal", "jws": _given(notification.data.signedRenewalInfo)})

    decoded = _node_decoded(customer, items)

    assert [item.get("error") for item in decoded] == [None] * len(items)
    assert decoded == [_fields(item["jws"]) for item in items]
    types = sorted(d["notificationType"] for d in decoded[: len(signed)])
    assert types == sorted(
        ["SUBSCRIBED", "DID_RENEW", "DID_CHANGE_RENEWAL_STATUS", "EXPIRED", "SUBSCRIBED", "REFUND"]
    )


def _given(value: str | None) -> str:
    assert value is not None
    return value


def test_an_upgraded_transaction_and_a_subscription_expired_by_billing(
    customer: Customer,
) -> None:
    bundle_id = customer.app.bundle_id
    pro = {"productId": f"{bundle_id}.pro", "subscriptionGroup": "Premium"}
    customer.control("POST", "/products", pro)
    original_id = customer.buy()
    customer.trigger("upgrade", productId=f"{bundle_id}.pro")
    history = customer.client.get_transaction_history(
        original_id, None, TransactionHistoryRequest()
    )
    customer.trigger("billing-failure")
    advance(customer.sandbox, PERIOD_S + 1)
    advance(customer.sandbox, 10 * MINUTE_S + 1)  # billing retry runs out
    expired = _renewal(customer)

    upgraded, bought = (_fields(signed) for signed in history.signedTransactions or [])
    assert set(upgraded) == TRANSACTION_ALWAYS | {"isUpgraded"} and upgraded["isUpgraded"] is True
    assert set(bought) == TRANSACTION_ALWAYS and bought["productId"] == f"{bundle_id}.pro"
    assert set(expired) == RENEWAL_ALWAYS | {"expirationIntent"}
    assert (expired["expirationIntent"], expired["isInBillingRetryPeriod"]) == (2, False)
