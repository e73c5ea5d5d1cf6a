"""``simulate-cancel --then``: the retention loop closed. The customer cancels, or accepts what
the sheet offered; Apple's notification arrives (decoded by Apple's verifier) and Get All
Subscription Statuses shows the change."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from appstoreserverlibrary.jws_signature_creator import PromotionalOfferV2SignatureCreator
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

from tests.cli.test_simulate import Customer, new_customer
from tests.contract.notification_helpers import set_url
from tests.receivers import Receiver, receiver
from tests.sandbox_process import SandboxProcess


@pytest.fixture
def customer(sandbox: SandboxProcess) -> Iterator[tuple[Customer, Receiver]]:
    customer = new_customer(sandbox)
    with receiver() as inbox:
        set_url(sandbox, customer.app, inbox.url)
        yield customer, inbox


def _verifier(customer: Customer) -> SignedDataVerifier:
    app = customer.app
    return SignedDataVerifier(
        [customer.sandbox.root_der], False, Environment.SANDBOX, app.bundle_id, app.app_apple_id
    )


def _last_notification(customer: Customer, inbox: Receiver, count: int) -> Any:
    deadline = time.monotonic() + 15
    while inbox.count < count:
        assert time.monotonic() < deadline, f"{inbox.count} of {count} notifications"
        time.sleep(0.02)
    with inbox.lock:
        body = inbox.bodies[-1]
    return _verifier(customer).verify_and_decode_notification(body["signedPayload"])


def _renewal_info(customer: Customer) -> Any:
    statuses = customer.client().get_all_subscription_statuses(customer.transaction_id)
    [group] = statuses.data or []
    [last] = group.lastTransactions or []
    assert last.signedRenewalInfo is not None
    return _verifier(customer).verify_and_decode_renewal_info(last.signedRenewalInfo)


def test_the_customer_cancels_after_the_sheet(customer: tuple[Customer, Receiver]) -> None:
    buyer, inbox = customer
    reply = {"message": {"messageIdentifier": buyer.message()}}

    result, _ = buyer.simulate(reply, "--then", "cancel")

    assert result.returncode == 0, result.stderr
    assert "Then the customer chose cancel: cancel: DID_CHANGE_RENEWAL_STATUS" in result.stdout
    notification = _last_notification(buyer, inbox, 1)
    assert (notification.rawNotificationType, notification.rawSubtype) == (
        "DID_CHANGE_RENEWAL_STATUS",
        "AUTO_RENEW_DISABLED",
    )
    assert _renewal_info(buyer).rawAutoRenewStatus == 0


def test_the_customer_accepts_the_promotional_offer(customer: tuple[Customer, Receiver]) -> None:
    buyer, inbox = customer
    app = buyer.app
    with buyer.sandbox.control() as control:
        path = f"/apps/{app.bundle_id}/products/{buyer.product_id}/offers"
        control.post(path, json={"offerId": "stay50"}).raise_for_status()
    signature = PromotionalOfferV2SignatureCreator(
        app.private_key, app.key_id, app.issuer_id, app.bundle_id
    ).create_signature(buyer.product_id, "stay50", buyer.transaction_id)
    reply = {
        "promotionalOffer": {
            "messageIdentifier": buyer.message(),
            "promotionalOfferSignatureV2": signature,
        }
    }

    result, _ = buyer.simulate(reply, "--then", "accept", "--json")

    follow_up = json.loads(result.stdout)["then"]
    assert follow_up["action"] == "offer-redeemed"
    assert follow_up["purchase"]["offerIdentifier"] == "stay50"
    assert _last_notification(buyer, inbox, 1).rawNotificationType == "OFFER_REDEEMED"
    renewal = _renewal_info(buyer)
    assert (renewal.rawOfferType, renewal.offerIdentifier) == (2, "stay50")
    assert renewal.rawAutoRenewStatus == 1


def test_the_customer_accepts_the_alternate_product(customer: tuple[Customer, Receiver]) -> None:
    buyer, inbox = customer
    lite = f"{buyer.app.bundle_id}.lite"
    with buyer.sandbox.control() as control:
        product = {"productId": lite, "subscriptionGroup": "Premium"}
        control.post(f"/apps/{buyer.app.bundle_id}/products", json=product).raise_for_status()
    reply = {"alternateProduct": {"messageIdentifier": buyer.message(), "productId": lite}}

    result, _ = buyer.simulate(reply, "--then", "accept")

    assert result.returncode == 0, result.stderr
    notification = _last_notification(buyer, inbox, 1)
    assert (notification.rawNotificationType, notification.rawSubtype) == (
        "DID_CHANGE_RENEWAL_PREF",
        "DOWNGRADE",
    )
    assert _renewal_info(buyer).autoRenewProductId == lite


def test_accepting_a_sheet_that_offers_nothing_changes_nothing(
    customer: tuple[Customer, Receiver],
) -> None:
    buyer, inbox = customer
    result, _ = buyer.simulate(None, "--then", "accept")
    assert "the customer keeps the subscription" in result.stdout
    assert _renewal_info(buyer).rawAutoRenewStatus == 1
    time.sleep(0.3)  # a notification, had one been made, would be delivered within a poll
    assert inbox.count == 0
