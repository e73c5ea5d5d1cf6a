"""What happens to a subscription, as pure functions from its state to the next.

Two kinds of change: those time makes (a period ends: it renews, fails to renew, or expires; a
grace period or billing retry runs out), computed by :func:`scheduled`, and those a customer or
Apple makes (turning auto-renew off, a refund, an upgrade), one function each. Every change says
which notifications Apple sends for it, in Apple's order (docs/apple-facts.md).
"""

from __future__ import annotations

import dataclasses
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from appstore_sandbox.errors import BadInput
from appstore_sandbox.store import Purchase, Transaction
from appstore_sandbox.store.catalog import PromotionalOffer
from appstore_sandbox.subscriptions.periods import (
    Durations,
    billing_retry_ms,
    grace_period_ms,
    period_end,
    renewal_limit,
)

ACTIVE, EXPIRED, BILLING_RETRY, GRACE_PERIOD, REVOKED = (
    "ACTIVE",
    "EXPIRED",
    "BILLING_RETRY",
    "BILLING_GRACE_PERIOD",
    "REVOKED",
)
# Apple's status numbers (Get All Subscription Statuses, notifications' data.status).
STATUS_CODES = {ACTIVE: 1, EXPIRED: 2, BILLING_RETRY: 3, GRACE_PERIOD: 4, REVOKED: 5}
PURCHASE, RENEWAL = "PURCHASE", "RENEWAL"
# expirationIntent
CUSTOMER_CANCELLED, BILLING_ERROR = 1, 2
INTRODUCTORY_OFFER, PROMOTIONAL_OFFER = 1, 2
# revocationReason: 0 refunded for another reason, 1 for an issue with the app.
REVOCATION_REASONS = (0, 1)
REVOCATION_TYPES = ("REFUND_FULL", "REFUND_PRORATED", "FAMILY_REVOKE")
_replace = dataclasses.replace
_WHOLE_OFFER_PERIOD = ("FREE_TRIAL", "PAY_UP_FRONT")
_NO_PENDING_OFFER: dict[str, Any] = dict.fromkeys(
    ("offer_type", "offer_identifier", "offer_discount_type", "offer_period", "offer_price")
)
# A subscription that renewed or expired is out of billing retry and grace period.
_OUT_OF_BILLING_RETRY: dict[str, Any] = {
    "renewal_fails": None,
    "billing_issue": False,
    "grace_period_expires_ms": None,
    "retry_ends_ms": None,
}


@dataclass(frozen=True)
class Revocation:
    """How Apple takes a transaction back: Apple's revocationReason, revocationType and, for a
    prorated refund, revocationPercentage in milliunits (50000 is 50 %)."""

    reason: int = 0
    type: str = "REFUND_FULL"
    percentage: int | None = None

    def __post_init__(self) -> None:
        if self.reason not in REVOCATION_REASONS:
            raise BadInput("revocationReason must be 0 (other reason) or 1 (an app issue).")
        if self.type not in REVOCATION_TYPES:
            raise BadInput(f"revocationType must be one of {', '.join(REVOCATION_TYPES)}.")
        prorated = self.type == "REFUND_PRORATED"
        if prorated != (self.percentage is not None):
            raise BadInput(
                "revocationPercentage (milliunits, 1-100000) goes with REFUND_PRORATED, "
                "and only with it."
            )
        if self.percentage is not None and not 0 < self.percentage <= 100_000:
            raise BadInput("revocationPercentage is in milliunits: 1 to 100000 (100 %).")


FULL_REFUND = Revocation()


@dataclass(frozen=True)
class Notice:
    """A notification to send: its type, subtype, when, and the transaction it carries."""

    notification_type: str
    subtype: str | None
    at_ms: int
    transaction: Transaction


@dataclass(frozen=True)
class Step:
    after: Purchase
    added: tuple[Transaction, ...] = ()
    amended: tuple[Transaction, ...] = ()
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Subscription:
    """A subscription as the rules need it: its state, latest transaction and how time runs."""

    purchase: Purchase
    latest: Transaction
    durations: Durations
    period_of: Callable[[str], str]

    def new_transaction(
        self, product_id: str, start_ms: int, reason: str, with_offer: bool = False
    ) -> Transaction:
        purchase = self.purchase
        offer = _offer_terms(purchase) if with_offer else {}
        period = self.period_of(product_id)
        if offer.get("offer_discount_type") in _WHOLE_OFFER_PERIOD and purchase.offer_period:
            # A free trial or a pay-up-front offer lasts its own period.
            period = purchase.offer_period
        return Transaction(
            transaction_id=transaction_id(),
            app_id=purchase.app_id,
            original_transaction_id=purchase.original_transaction_id,
            web_order_line_item_id=transaction_id(),
            product_id=product_id,
            purchase_ms=start_ms,
            original_purchase_ms=purchase.purchase_ms,
            expires_ms=period_end(start_ms, period, self.durations),
            reason=reason,
            ownership=self.latest.ownership,
            environment=purchase.environment,
            app_transaction_id=purchase.app_transaction_id,
            **offer,
        )


def _offer_terms(purchase: Purchase) -> dict[str, Any]:
    """The pending offer of ``purchase``, as the transaction it applies to carries it."""
    if purchase.offer_type is None:
        return {}
    return {
        "offer_type": purchase.offer_type,
        "offer_identifier": purchase.offer_identifier,
        "offer_discount_type": purchase.offer_discount_type,
        "offer_period": purchase.offer_period,
        "price": purchase.offer_price,
    }


def numbered(before: Purchase, step: Step) -> Step:
    """``step`` with each transaction it adds or amends numbered next in the subscription's
    sequence of changes (Transaction History's revisions point into it)."""
    seq = before.changes
    added, amended = [], []
    # What a change amends (an upgraded transaction) changed before what it adds.
    for transaction in step.amended:
        seq += 1
        amended.append(_replace(transaction, change_seq=seq))
    for transaction in step.added:
        seq += 1
        added.append(_replace(transaction, change_seq=seq))
    return Step(_replace(step.after, changes=seq), tuple(added), tuple(amended), step.notices)


def transaction_id() -> str:
    # Sandbox transaction ids look like Apple's: 16 digits starting with 2000000.
    return "2000000" + "".join(secrets.choice(string.digits) for _ in range(9))


def app_transaction_id() -> str:
    # Apple's app transaction ids are digit strings too; 18 digits starting with 70 tells them
    # apart from transaction ids at a glance.
    return "70" + "".join(secrets.choice(string.digits) for _ in range(16))


def status_code(purchase: Purchase) -> int:
    return STATUS_CODES[purchase.status]


# what time does


def scheduled(subscription: Subscription, now_ms: int) -> Step | None:
    """The change time makes by ``now_ms``, if one is due (the earliest; call again for more)."""
    purchase = subscription.purchase
    at = purchase.next_event_ms
    if at is None or at > now_ms:
        return None
    if purchase.status == ACTIVE:
        return _period_ends(subscription, at)
    if purchase.status == GRACE_PERIOD:
        after = _replace(purchase, status=BILLING_RETRY, next_event_ms=purchase.retry_ends_ms)
        return Step(after, notices=(Notice("GRACE_PERIOD_EXPIRED", None, at, subscription.latest),))
    if purchase.status == BILLING_RETRY:
        after = _expired(purchase, BILLING_ERROR)
        return Step(after, notices=(Notice("EXPIRED", "BILLING_RETRY", at, subscription.latest),))
    return Step(_replace(purchase, next_event_ms=None))


def _period_ends(subscription: Subscription, at: int) -> Step:
    purchase, latest = subscription.purchase, subscription.latest
    if not purchase.auto_renew:
        return Step(
            _expired(purchase, CUSTOMER_CANCELLED),
            notices=(Notice("EXPIRED", "VOLUNTARY", at, latest),),
        )
    limit = renewal_limit(subscription.durations)
    if limit is not None and purchase.renewals >= limit:
        # Apple's sandbox turns auto-renew off at the attempt after the last renewal. What it
        # sends then is unconfirmed; the sandbox sends what a cancellation would.
        after = _replace(_expired(purchase, CUSTOMER_CANCELLED), auto_renew=False)
        notices = (
            Notice("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", at, latest),
            Notice("EXPIRED", "VOLUNTARY", at, latest),
        )
        return Step(after, notices=notices)
    if purchase.renewal_fails is not None:
        return _fails_to_renew(
            subscription, at, grace_period=purchase.renewal_fails == GRACE_PERIOD
        )
    renewal = subscription.new_transaction(purchase.renews_to, at, RENEWAL, with_offer=True)
    after = _renewed(purchase, renewal, renewals=purchase.renewals + 1)
    return Step(after, added=(renewal,), notices=(Notice("DID_RENEW", None, at, renewal),))


def _fails_to_renew(subscription: Subscription, at: int, grace_period: bool) -> Step:
    purchase, durations = subscription.purchase, subscription.durations
    retry_ends = at + billing_retry_ms(durations)
    period = subscription.period_of(purchase.product_id)
    grace_ends = at + grace_period_ms(period, durations) if grace_period else None
    after = _replace(
        purchase,
        status=GRACE_PERIOD if grace_period else BILLING_RETRY,
        renewal_fails=None,
        billing_issue=True,
        expiration_intent=BILLING_ERROR,
        grace_period_expires_ms=grace_ends,
        retry_ends_ms=retry_ends,
        next_event_ms=grace_ends or retry_ends,
    )
    subtype = "GRACE_PERIOD" if grace_period else None
    return Step(after, notices=(Notice("DID_FAIL_TO_RENEW", subtype, at, subscription.latest),))


# what customers and Apple do


def cancel(subscription: Subscription, now_ms: int) -> Step:
    """The customer turns auto-renew off; the subscription runs to the end of its period."""
    purchase = _renewing(subscription, "cancel")
    after = _replace(purchase, auto_renew=False)
    notice = Notice("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now_ms, subscription.latest)
    return Step(after, notices=(notice,))


def resubscribe(subscription: Subscription, now_ms: int) -> Step:
    """Auto-renew back on while the period runs, or a new purchase once it has expired."""
    purchase = subscription.purchase
    if purchase.status in (ACTIVE, GRACE_PERIOD, BILLING_RETRY):
        if purchase.auto_renew:
            raise BadInput(f"{purchase.original_transaction_id} is already set to renew.")
        after = _replace(purchase, auto_renew=True)
        latest = subscription.latest
        notice = Notice("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED", now_ms, latest)
        return Step(after, notices=(notice,))
    if purchase.status == REVOKED:
        raise BadInput(f"{purchase.original_transaction_id} was refunded; buy a new one instead.")
    bought = subscription.new_transaction(purchase.renews_to, now_ms, PURCHASE)
    after = _replace(_renewed(purchase, bought, renewals=0), recent_start_ms=now_ms)
    return Step(
        after, added=(bought,), notices=(Notice("SUBSCRIBED", "RESUBSCRIBE", now_ms, bought),)
    )


def refund(subscription: Subscription, now_ms: int, how: Revocation = FULL_REFUND) -> Step:
    """Apple refunds the latest transaction (or, for ``FAMILY_REVOKE``, takes a family-shared
    one back): it is revoked, and so is the subscription. REFUND, or REVOKE for family sharing."""
    purchase, latest = subscription.purchase, subscription.latest
    if latest.revocation_ms is not None:
        raise BadInput(f"{latest.transaction_id} was refunded already.")
    family = how.type == "FAMILY_REVOKE"
    if family != (latest.ownership == "FAMILY_SHARED"):
        raise BadInput(
            "FAMILY_REVOKE is for a family-shared purchase, and a family-shared purchase is "
            "taken back with FAMILY_REVOKE."
        )
    revoked = _replace(
        latest,
        revocation_ms=now_ms,
        revocation_reason=how.reason,
        revocation_type=how.type,
        revocation_percentage=how.percentage,
    )
    after = _replace(
        purchase, status=REVOKED, auto_renew=False, next_event_ms=None, billing_issue=False
    )
    notice = Notice("REVOKE" if family else "REFUND", None, now_ms, revoked)
    return Step(after, amended=(revoked,), notices=(notice,))


def billing_failure(subscription: Subscription, now_ms: int, grace_period: bool) -> Step:
    """The customer's payment method stops working: the next renewal, when the period ends,
    fails (into a grace period or not). The transaction already delivered keeps its
    ``expiresDate``: Apple's is a static value for each transaction."""
    purchase = subscription.purchase
    if purchase.status != ACTIVE or not purchase.auto_renew:
        raise BadInput(
            f"{purchase.original_transaction_id} is not renewing ({purchase.status}, auto-renew "
            f"{'on' if purchase.auto_renew else 'off'}); a billing failure needs a renewal."
        )
    return Step(_replace(purchase, renewal_fails=GRACE_PERIOD if grace_period else BILLING_RETRY))


def billing_recovery(subscription: Subscription, now_ms: int) -> Step:
    """Billing succeeds again during grace period or billing retry: the subscription renews."""
    purchase = subscription.purchase
    if purchase.status == ACTIVE and purchase.renewal_fails is not None:
        # Fixed before the renewal: it will succeed, and nothing is sent.
        return Step(_replace(purchase, renewal_fails=None))
    if purchase.status not in (GRACE_PERIOD, BILLING_RETRY):
        raise BadInput(
            f"{purchase.original_transaction_id} is not in billing retry ({purchase.status})."
        )
    renewal = subscription.new_transaction(purchase.renews_to, now_ms, RENEWAL, with_offer=True)
    after = _renewed(purchase, renewal, renewals=purchase.renewals + 1)
    notice = Notice("DID_RENEW", "BILLING_RECOVERY", now_ms, renewal)
    return Step(after, added=(renewal,), notices=(notice,))


def upgrade(subscription: Subscription, product_id: str, now_ms: int) -> Step:
    """A higher level of the same group, at once: a new transaction, the old one upgraded."""
    purchase = _changing_product(subscription, product_id)
    old = _replace(subscription.latest, is_upgraded=True)
    bought = subscription.new_transaction(product_id, now_ms, PURCHASE)
    after = _renewed(purchase, bought, renewals=purchase.renewals)
    notice = Notice("DID_CHANGE_RENEWAL_PREF", "UPGRADE", now_ms, bought)
    return Step(after, added=(bought,), amended=(old,), notices=(notice,))


def downgrade(subscription: Subscription, product_id: str, now_ms: int) -> Step:
    """A lower level of the same group, from the next renewal on."""
    purchase = _changing_product(subscription, product_id)
    after = _replace(purchase, auto_renew_product_id=product_id)
    notice = Notice("DID_CHANGE_RENEWAL_PREF", "DOWNGRADE", now_ms, subscription.latest)
    return Step(after, notices=(notice,))


def redeem_offer(subscription: Subscription, offer: PromotionalOffer, now_ms: int) -> Step:
    """The customer redeems a promotional offer; it applies from the next renewal."""
    purchase = _renewing(subscription, "redeem an offer for")
    after = _replace(
        purchase,
        offer_type=PROMOTIONAL_OFFER,
        offer_identifier=offer.offer_id,
        offer_discount_type=offer.discount_type,
        offer_period=offer.period,
        offer_price=offer.price,
    )
    # No subtype: an offer redeemed for an active subscription (Apple's OFFER_REDEEMED).
    return Step(after, notices=(Notice("OFFER_REDEEMED", None, now_ms, subscription.latest),))


def renew_now(subscription: Subscription, now_ms: int) -> Step:
    """A renewal now, whatever the period's end (``purchases renew``): the new period is added
    to what is left of the current one."""
    purchase = _renewing(subscription, "renew")
    renewal = subscription.new_transaction(purchase.renews_to, now_ms, RENEWAL, with_offer=True)
    period = subscription.period_of(renewal.product_id)
    extended = period_end(max(now_ms, purchase.expires_ms), period, subscription.durations)
    renewal = _replace(renewal, expires_ms=extended)
    after = _renewed(purchase, renewal, renewals=purchase.renewals + 1)
    return Step(after, added=(renewal,), notices=(Notice("DID_RENEW", None, now_ms, renewal),))


def _renewing(subscription: Subscription, what: str) -> Purchase:
    purchase = subscription.purchase
    if purchase.status != ACTIVE or not purchase.auto_renew:
        state = "auto-renew off" if purchase.status == ACTIVE else purchase.status.lower()
        raise BadInput(f"Can't {what} {purchase.original_transaction_id}: it is {state}.")
    return purchase


def _changing_product(subscription: Subscription, product_id: str) -> Purchase:
    purchase = subscription.purchase
    if product_id == purchase.product_id:
        raise BadInput(f"{purchase.original_transaction_id} is {product_id} already.")
    if purchase.status != ACTIVE:
        raise BadInput(
            f"{purchase.original_transaction_id} is {purchase.status.lower()}; only an active "
            "subscription changes product."
        )
    return purchase


def _renewed(purchase: Purchase, latest: Transaction, renewals: int) -> Purchase:
    return _replace(
        purchase,
        transaction_id=latest.transaction_id,
        product_id=latest.product_id,
        expires_ms=latest.expires_ms,
        status=ACTIVE,
        auto_renew=True if latest.reason == PURCHASE else purchase.auto_renew,
        auto_renew_product_id=None,
        renewals=renewals,
        expiration_intent=None,
        **_OUT_OF_BILLING_RETRY,
        **_NO_PENDING_OFFER,
        next_event_ms=latest.expires_ms,
    )


def _expired(purchase: Purchase, intent: int) -> Purchase:
    return _replace(
        purchase,
        status=EXPIRED,
        expiration_intent=intent,
        **_OUT_OF_BILLING_RETRY,
        next_event_ms=None,
    )
