"""Sandbox subscriptions through Apple's Python client and verifier: statuses, transaction info
and history of a subscription that renewed on the sandbox clock, every lifecycle notification
each trigger sends (decoded by SignedDataVerifier), and the endpoints' documented errors."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from appstoreserverlibrary.api_client import (
    APIError,
    APIException,
    AppStoreServerAPIClient,
    GetTransactionHistoryVersion,
)
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.NotificationHistoryRequest import NotificationHistoryRequest
from appstoreserverlibrary.models.NotificationTypeV2 import NotificationTypeV2
from appstoreserverlibrary.models.Status import Status
from appstoreserverlibrary.models.TransactionHistoryRequest import (
    Order,
    TransactionHistoryRequest,
)
from appstoreserverlibrary.signed_data_verifier import SignedDataVerifier

from tests.conftest import StartSandbox
from tests.contract.notification_helpers import advance, set_url
from tests.receivers import Receiver, receiver
from tests.sandbox_process import AppCredentials, SandboxProcess

T = TypeVar("T")
MINUTE_S = 60
PERIOD_S = 5 * MINUTE_S  # a monthly subscription in Apple's sandbox


def _given(value: T | None) -> T:
    assert value is not None
    return value


@pytest.fixture(scope="module")
def own(start_module_sandbox: StartSandbox) -> SandboxProcess:
    """A server of this module's own, whose clock the tests move (each with an app of its own)."""
    return start_module_sandbox("--notification-poll-ms", "50")


@dataclass
class Customer:
    sandbox: SandboxProcess
    app: AppCredentials
    inbox: Receiver
    client: AppStoreServerAPIClient
    verifier: SignedDataVerifier
    original_transaction_id: str = ""

    def buy(self, product_id: str | None = None) -> str:
        with self.sandbox.control() as control:
            body = {"productId": product_id} if product_id else {}
            purchase = control.post(f"/apps/{self.app.bundle_id}/purchases", json=body)
        self.original_transaction_id = purchase.raise_for_status().json()["originalTransactionId"]
        return self.original_transaction_id

    def trigger(self, action: str, **options: Any) -> dict[str, Any]:
        path = f"/apps/{self.app.bundle_id}/purchases/{self.original_transaction_id}/triggers"
        with self.sandbox.control() as control:
            response = control.post(path, json={"action": action, **options})
        body: dict[str, Any] = response.raise_for_status().json()
        return body

    def control(self, method: str, path: str, body: Any = None) -> Any:
        with self.sandbox.control() as control:
            response = control.request(method, f"/apps/{self.app.bundle_id}{path}", json=body)
            return response.raise_for_status().json()

    def control_root(self, method: str, path: str) -> Any:
        with self.sandbox.control() as control:
            return control.request(method, path).raise_for_status().json()

    def notifications(self, count: int, timeout_s: float = 15) -> list[Any]:
        """The first ``count`` notifications received, each decoded by Apple's verifier."""
        deadline = time.monotonic() + timeout_s
        while self.inbox.count < count:
            assert time.monotonic() < deadline, f"{self.inbox.count} of {count} notifications"
            time.sleep(0.02)
        with self.inbox.lock:
            bodies = list(self.inbox.bodies)
        assert len(bodies) == count, "no notification more than expected"
        decoded = [self.verifier.verify_and_decode_notification(b["signedPayload"]) for b in bodies]
        # Apple promises no delivery order (nor does the sandbox, which sends due notifications
        # side by side): by signedDate, as receivers are told to order them.
        return sorted(decoded, key=lambda notification: notification.signedDate or 0)

    def kinds(self, count: int) -> list[tuple[str, str | None]]:
        return [(n.rawNotificationType, n.rawSubtype) for n in self.notifications(count)]


@contextmanager
def customer_of(sandbox: SandboxProcess) -> Iterator[Customer]:
    """A new app of ``sandbox`` whose notifications a receiver of its own takes."""
    app = sandbox.new_app()
    with receiver() as inbox:
        set_url(sandbox, app, inbox.url)
        verifier = SignedDataVerifier(
            [sandbox.root_der], False, Environment.SANDBOX, app.bundle_id, app.app_apple_id
        )
        yield Customer(sandbox, app, inbox, sandbox.apple_client(app), verifier)


@pytest.fixture
def customer(own: SandboxProcess) -> Iterator[Customer]:
    with customer_of(own) as new:
        yield new


def test_a_subscription_renewed_three_times_reads_back_through_apples_api(
    customer: Customer,
) -> None:
    original_id = customer.buy()
    advance(customer.sandbox, 3 * PERIOD_S + 1)

    statuses = customer.client.get_all_subscription_statuses(original_id)
    [group] = statuses.data or []
    [last] = group.lastTransactions or []
    latest = customer.verifier.verify_and_decode_signed_transaction(
        _given(last.signedTransactionInfo)
    )
    renewal = customer.verifier.verify_and_decode_renewal_info(_given(last.signedRenewalInfo))
    history = customer.client.get_transaction_history(
        _given(latest.transactionId),
        None,
        TransactionHistoryRequest(),
        GetTransactionHistoryVersion.V2,
    )
    transactions = [
        customer.verifier.verify_and_decode_signed_transaction(signed)
        for signed in history.signedTransactions or []
    ]
    first_info = customer.client.get_transaction_info(original_id)
    first = customer.verifier.verify_and_decode_signed_transaction(
        _given(first_info.signedTransactionInfo)
    )

    assert statuses.bundleId == customer.app.bundle_id and statuses.rawEnvironment == "Sandbox"
    assert group.subscriptionGroupIdentifier == "Premium" and last.status == Status.ACTIVE
    assert latest.originalTransactionId == original_id != latest.transactionId
    assert (
        latest.rawTransactionReason == "RENEWAL" and latest.rawType == "Auto-Renewable Subscription"
    )
    assert renewal.rawAutoRenewStatus == 1 and renewal.renewalDate == latest.expiresDate
    assert [t.rawTransactionReason for t in transactions] == ["PURCHASE"] + ["RENEWAL"] * 3
    assert transactions[-1].transactionId == latest.transactionId
    # Each renewal starts when the previous period ends, five sandbox minutes each.
    for earlier, later in itertools.pairwise(transactions):
        assert later.purchaseDate == earlier.expiresDate
        assert _given(later.expiresDate) - _given(later.purchaseDate) == PERIOD_S * 1000
    assert history.hasMore is False and history.revision
    assert first.transactionId == original_id and first.rawTransactionReason == "PURCHASE"
    assert customer.kinds(4) == [("SUBSCRIBED", "INITIAL_BUY")] + [("DID_RENEW", None)] * 3
    decoded = customer.notifications(4)[-1]
    assert decoded.data.rawStatus == 1
    renewed = customer.verifier.verify_and_decode_signed_transaction(
        decoded.data.signedTransactionInfo
    )
    assert renewed.transactionId == latest.transactionId


def test_the_sandbox_renews_twelve_times_then_lets_the_subscription_expire(
    customer: Customer,
) -> None:
    original_id = customer.buy()
    advance(customer.sandbox, 13 * PERIOD_S + 1)
    client = customer.client

    expired = client.get_all_subscription_statuses(original_id, [Status.EXPIRED])
    history = client.get_transaction_history(original_id, None, TransactionHistoryRequest())

    [group] = expired.data or []
    renewal = customer.verifier.verify_and_decode_renewal_info(
        _given((group.lastTransactions or [])[0].signedRenewalInfo)
    )
    assert renewal.rawAutoRenewStatus == 0 and renewal.rawExpirationIntent == 1
    assert client.get_all_subscription_statuses(original_id, [Status.ACTIVE]).data == []
    assert len(history.signedTransactions or []) == 13 and history.hasMore is False
    kinds = customer.kinds(15)
    assert kinds[:13] == [("SUBSCRIBED", "INITIAL_BUY")] + [("DID_RENEW", None)] * 12
    # Both at the end of the twelfth renewal's period, the same instant.
    assert set(kinds[13:]) == {
        ("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED"),
        ("EXPIRED", "VOLUNTARY"),
    }


def test_history_pages_sorts_and_filters_with_real_durations(customer: Customer) -> None:
    settings = customer.control("PUT", "/subscription-settings", {"renewalDurations": "real"})
    original_id = customer.buy()
    advance(customer.sandbox, 715 * 86_400)  # 23 calendar months and more: 23 renewals
    client = customer.client

    first_page = client.get_transaction_history(original_id, None, TransactionHistoryRequest())
    second_page = client.get_transaction_history(
        original_id, first_page.revision, TransactionHistoryRequest()
    )
    newest_first = client.get_transaction_history(
        original_id,
        None,
        TransactionHistoryRequest(sort=Order.DESCENDING),
        GetTransactionHistoryVersion.V2,
    )
    only_revoked = client.get_transaction_history(
        original_id, None, TransactionHistoryRequest(revoked=True)
    )

    assert settings == {"renewalDurations": "real", "bundleVersion": "1.0"}
    assert len(first_page.signedTransactions or []) == 20 and first_page.hasMore is True
    assert len(second_page.signedTransactions or []) == 4 and second_page.hasMore is False
    decoded = [
        customer.verifier.verify_and_decode_signed_transaction(signed)
        for signed in newest_first.signedTransactions or []
    ]
    dates = [_given(t.purchaseDate) for t in decoded]
    assert dates == sorted(dates, reverse=True) and len(dates) == 20
    assert only_revoked.signedTransactions == []


def test_cancel_then_expiry_then_resubscribe(customer: Customer) -> None:
    original_id = customer.buy()
    customer.trigger("cancel")
    advance(customer.sandbox, PERIOD_S + 1)
    resubscribed = customer.trigger("resubscribe")

    assert resubscribed["status"] == "ACTIVE" and resubscribed["autoRenew"] is True
    assert customer.kinds(4) == [
        ("SUBSCRIBED", "INITIAL_BUY"),
        ("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED"),
        ("EXPIRED", "VOLUNTARY"),
        ("SUBSCRIBED", "RESUBSCRIBE"),
    ]
    renewal = customer.verifier.verify_and_decode_renewal_info(
        customer.notifications(4)[1].data.signedRenewalInfo
    )
    assert renewal.rawAutoRenewStatus == 0 and renewal.originalTransactionId == original_id


def test_auto_renew_turned_back_on_before_the_period_ends(customer: Customer) -> None:
    customer.buy()
    customer.trigger("cancel")
    customer.trigger("resubscribe")
    assert customer.kinds(3)[1:] == [
        ("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED"),
        ("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED"),
    ]


def test_refund_revokes_the_latest_transaction(customer: Customer) -> None:
    original_id = customer.buy()
    customer.trigger("refund")

    refund = customer.notifications(2)[1]
    revoked = customer.verifier.verify_and_decode_signed_transaction(
        refund.data.signedTransactionInfo
    )
    statuses = customer.client.get_all_subscription_statuses(original_id)
    history = customer.client.get_transaction_history(
        original_id, None, TransactionHistoryRequest(revoked=True)
    )

    assert refund.rawNotificationType == "REFUND" and refund.data.rawStatus == 5
    assert revoked.revocationDate is not None and revoked.rawRevocationReason == 0
    assert ((statuses.data or [])[0].lastTransactions or [])[0].status == Status.REVOKED
    assert len(history.signedTransactions or []) == 1


def test_billing_failure_with_grace_period_then_recovery(customer: Customer) -> None:
    customer.buy()
    armed = customer.trigger("billing-failure", gracePeriod=True)
    advance(customer.sandbox, PERIOD_S + 1)  # the renewal fails when the period ends
    advance(customer.sandbox, 5 * MINUTE_S + 1)  # the sandbox's grace period for a month
    recovered = customer.trigger("billing-recovery")

    notifications = customer.notifications(4)
    assert [(n.rawNotificationType, n.rawSubtype) for n in notifications] == [
        ("SUBSCRIBED", "INITIAL_BUY"),
        ("DID_FAIL_TO_RENEW", "GRACE_PERIOD"),
        ("GRACE_PERIOD_EXPIRED", None),
        ("DID_RENEW", "BILLING_RECOVERY"),
    ]
    assert armed["status"] == "ACTIVE" and armed["inBillingRetry"] is False
    assert [n.data.rawStatus for n in notifications] == [1, 4, 3, 1]
    bought, failed = (
        customer.verifier.verify_and_decode_signed_transaction(n.data.signedTransactionInfo)
        for n in notifications[:2]
    )
    # The failure happens at the period's end: the delivered transaction keeps its expiry.
    assert failed.transactionId == bought.transactionId
    assert failed.expiresDate == bought.expiresDate
    in_grace = customer.verifier.verify_and_decode_renewal_info(
        notifications[1].data.signedRenewalInfo
    )
    assert in_grace.isInBillingRetryPeriod is True and in_grace.gracePeriodExpiresDate
    assert recovered["status"] == "ACTIVE" and recovered["inBillingRetry"] is False


def test_billing_failure_without_grace_expires_after_billing_retry(customer: Customer) -> None:
    customer.buy()
    customer.trigger("billing-failure")
    advance(customer.sandbox, PERIOD_S + 1)  # the renewal fails when the period ends
    advance(customer.sandbox, 10 * MINUTE_S + 1)  # the sandbox's billing retry
    assert customer.kinds(3)[1:] == [("DID_FAIL_TO_RENEW", None), ("EXPIRED", "BILLING_RETRY")]


def test_upgrade_is_immediate_and_downgrade_waits_for_the_renewal(customer: Customer) -> None:
    bundle_id = customer.app.bundle_id
    for product_id in (f"{bundle_id}.pro", f"{bundle_id}.lite"):
        customer.control(
            "POST", "/products", {"productId": product_id, "subscriptionGroup": "Premium"}
        )
    customer.buy()
    upgraded = customer.trigger("upgrade", productId=f"{bundle_id}.pro")
    customer.trigger("downgrade", productId=f"{bundle_id}.lite")
    advance(customer.sandbox, PERIOD_S + 1)

    notifications = customer.notifications(4)
    assert [(n.rawNotificationType, n.rawSubtype) for n in notifications][1:] == [
        ("DID_CHANGE_RENEWAL_PREF", "UPGRADE"),
        ("DID_CHANGE_RENEWAL_PREF", "DOWNGRADE"),
        ("DID_RENEW", None),
    ]
    assert upgraded["productId"] == f"{bundle_id}.pro"
    history = customer.client.get_transaction_history(
        customer.original_transaction_id, None, TransactionHistoryRequest()
    )
    transactions = [
        customer.verifier.verify_and_decode_signed_transaction(signed)
        for signed in history.signedTransactions or []
    ]
    assert [t.productId for t in transactions] == [
        f"{bundle_id}.monthly",
        f"{bundle_id}.pro",
        f"{bundle_id}.lite",
    ]
    assert transactions[0].isUpgraded is True
    downgrade = customer.verifier.verify_and_decode_renewal_info(
        notifications[2].data.signedRenewalInfo
    )
    assert downgrade.autoRenewProductId == f"{bundle_id}.lite"


def test_a_redeemed_offer_applies_at_the_next_renewal(customer: Customer) -> None:
    product_id = f"{customer.app.bundle_id}.monthly"
    customer.control("POST", f"/products/{product_id}/offers", {"offerId": "winback"})
    customer.buy()
    customer.trigger("offer-redeemed", offerId="winback")
    advance(customer.sandbox, PERIOD_S + 1)

    notifications = customer.notifications(3)
    assert [n.rawNotificationType for n in notifications] == [
        "SUBSCRIBED",
        "OFFER_REDEEMED",
        "DID_RENEW",
    ]
    pending = customer.verifier.verify_and_decode_renewal_info(
        notifications[1].data.signedRenewalInfo
    )
    renewed = customer.verifier.verify_and_decode_signed_transaction(
        notifications[2].data.signedTransactionInfo
    )
    assert (pending.rawOfferType, pending.offerIdentifier) == (2, "winback")
    assert (renewed.rawOfferType, renewed.offerIdentifier) == (2, "winback")


def test_notification_history_filters_lifecycle_notifications(customer: Customer) -> None:
    original_id = customer.buy()
    customer.trigger("cancel")
    customer.notifications(2)
    # Other tests of this module moved the sandbox clock: the window is the sandbox's last hour.
    now_ms = customer.control_root("GET", "/clock")["now"]
    window = {"startDate": now_ms - 3_600_000, "endDate": now_ms + 60_000}

    by_type = customer.client.get_notification_history(
        None,
        NotificationHistoryRequest(
            **window, notificationType=NotificationTypeV2.DID_CHANGE_RENEWAL_STATUS
        ),
    )
    by_customer = customer.client.get_notification_history(
        None, NotificationHistoryRequest(**window, transactionId=original_id)
    )

    [item] = by_type.notificationHistory or []
    decoded = customer.verifier.verify_and_decode_notification(_given(item.signedPayload))
    assert decoded.rawSubtype == "AUTO_RENEW_DISABLED"
    assert len(by_customer.notificationHistory or []) == 2


@pytest.mark.parametrize(
    ("call", "transaction_id", "error"),
    [
        ("statuses", "not-a-number", APIError.INVALID_TRANSACTION_ID),
        ("info", "not-a-number", APIError.INVALID_TRANSACTION_ID),
        ("history", "not-a-number", APIError.INVALID_TRANSACTION_ID),
        ("statuses", "2000000999999999", APIError.TRANSACTION_ID_NOT_FOUND),
        ("info", "2000000999999999", APIError.TRANSACTION_ID_NOT_FOUND),
        ("history", "2000000999999999", APIError.TRANSACTION_ID_NOT_FOUND),
    ],
)
def test_malformed_and_unknown_transaction_ids(
    own: SandboxProcess, call: str, transaction_id: str, error: APIError
) -> None:
    client = own.apple_client()
    calls: dict[str, Callable[[], object]] = {
        "statuses": lambda: client.get_all_subscription_statuses(transaction_id),
        "info": lambda: client.get_transaction_info(transaction_id),
        "history": lambda: client.get_transaction_history(
            transaction_id, None, TransactionHistoryRequest()
        ),
    }
    with pytest.raises(APIException) as raised:
        calls[call]()
    assert raised.value.api_error == error
    assert raised.value.http_status_code == error.value // 10000


def test_a_bad_or_foreign_revision_is_refused(customer: Customer) -> None:
    original_id = customer.buy()
    client = customer.client
    page = client.get_transaction_history(original_id, None, TransactionHistoryRequest())
    for revision, request in (
        ("garbage", TransactionHistoryRequest()),
        (page.revision, TransactionHistoryRequest(sort=Order.DESCENDING)),
    ):
        with pytest.raises(APIException) as raised:
            client.get_transaction_history(original_id, revision, request)
        assert raised.value.api_error == APIError.INVALID_REQUEST_REVISION


def test_a_sandbox_purchase_is_unknown_in_production(customer: Customer) -> None:
    original_id = customer.buy()
    production = customer.sandbox.apple_client(customer.app, "production")
    with pytest.raises(APIException) as raised:
        production.get_transaction_info(original_id)
    assert raised.value.api_error == APIError.TRANSACTION_ID_NOT_FOUND
