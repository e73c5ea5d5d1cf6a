"""Plain records the store hands to services; no behaviour beyond small conveniences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class App:
    id: int
    bundle_id: str
    app_apple_id: int
    performance_test_passed_ms: int | None
    created_ms: int

    @property
    def performance_test_passed(self) -> bool:
        return self.performance_test_passed_ms is not None


@dataclass(frozen=True)
class Product:
    app_id: int
    product_id: str
    type: str
    subscription_group: str
    subscription_period: str = "P1M"


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    issuer_id: str
    app_id: int
    public_key_pem: str
    created_ms: int
    private_key_pem: str | None = field(default=None, repr=False)  # generated keys only
    # Apple's keys belong to the team: a key signs for any app of its issuer, unless its user
    # limited it to its own app.
    only_own_app: bool = False


@dataclass(frozen=True)
class Purchase:
    app_id: int
    original_transaction_id: str
    transaction_id: str
    product_id: str
    environment: str
    family_shared: bool
    status: str
    purchase_ms: int
    expires_ms: int
    auto_renew: bool = True
    auto_renew_product_id: str | None = None
    renewals: int = 0
    expiration_intent: int | None = None
    billing_issue: bool = False
    grace_period_expires_ms: int | None = None
    retry_ends_ms: int | None = None
    offer_type: int | None = None
    offer_identifier: str | None = None
    recent_start_ms: int | None = None
    next_event_ms: int | None = None
    # How the next renewal's payment ends when it fails ("BILLING_RETRY" or
    # "BILLING_GRACE_PERIOD"), set by a billing-failure trigger; None: it succeeds.
    renewal_fails: str | None = None
    # The last change_seq given to one of the subscription's transactions.
    changes: int = 0
    # The customer's app transaction (the app's download), sent as appTransactionId.
    app_transaction_id: str | None = None
    # The pending offer's terms (with offer_type and offer_identifier): applied at the next renewal.
    offer_discount_type: str | None = None
    offer_period: str | None = None
    offer_price: int | None = None

    @property
    def renews_to(self) -> str:
        return self.auto_renew_product_id or self.product_id

    @property
    def ended(self) -> bool:
        """Expired or refunded: no renewal will bring it back."""
        return self.status in ("EXPIRED", "REVOKED")


@dataclass(frozen=True)
class Transaction:
    """One transaction of a subscription: its purchase, or one of its renewals."""

    transaction_id: str
    app_id: int
    original_transaction_id: str
    web_order_line_item_id: str
    product_id: str
    purchase_ms: int
    original_purchase_ms: int
    expires_ms: int
    reason: str
    ownership: str
    environment: str
    offer_type: int | None = None
    offer_identifier: str | None = None
    is_upgraded: bool = False
    revocation_ms: int | None = None
    revocation_reason: int | None = None
    revocation_type: str | None = None
    revocation_percentage: int | None = None
    # Where the transaction's last change stands in its subscription's changes: Transaction
    # History's revision is a point in this sequence.
    change_seq: int = 0
    app_transaction_id: str | None = None
    offer_discount_type: str | None = None
    offer_period: str | None = None
    # What the customer paid, in milliunits; None: the product's list price.
    price: int | None = None


@dataclass(frozen=True)
class PerformanceTestRun:
    request_id: str
    app_id: int
    original_transaction_id: str
    target: str
    config: str
    status: str
    created_ms: int
    finished_ms: int | None
    owner: str
    lease_until_ms: int
    progress: str | None
    note: str | None
    records_pruned: int = 0  # per-request records deleted by pruning


# A RequestRecord's fields as a plain tuple, the way runs write them by the million.
RequestRow = tuple[str, int, str, str, int | None, int | None, str]


class RequestRecord(NamedTuple):
    """One request of a performance test, as it is read back."""

    run_request_id: str
    sequence: int
    request_identifier: str
    result: str
    http_status: int | None
    latency_us: int | None
    explanation: str


@dataclass(frozen=True)
class Notification:
    id: int
    notification_uuid: str
    app_id: int
    environment: str
    notification_type: str
    subtype: str | None
    transaction_id: str | None
    test_token: str | None
    url: str
    signed_payload: str
    created_ms: int
    status: str
    attempts: int
    next_attempt_ms: int | None
    claimed_by: str | None
    claimed_until_ms: int | None


@dataclass(frozen=True)
class SendAttempt:
    notification_id: int
    number: int
    attempt_ms: int
    result: str
    http_status: int | None
    latency_us: int | None
    explanation: str


@dataclass(frozen=True)
class RetentionImage:
    image_identifier: str
    image_size: str
    state: str
    width: int
    height: int
    byte_size: int
    sha256: str
    created_ms: int
    reviewed_ms: int | None


@dataclass(frozen=True)
class MessageBullet:
    text: str
    image_identifier: str
    alt_text: str


@dataclass(frozen=True)
class RetentionMessage:
    message_identifier: str
    state: str
    header: str
    body: str
    header_position: str
    image_identifier: str | None
    image_alt_text: str | None
    bullets: tuple[MessageBullet, ...]
    created_ms: int
    reviewed_ms: int | None

    @property
    def image_identifiers(self) -> list[str]:
        """Every image the message shows: its own, then its bullet points' images."""
        own = [self.image_identifier] if self.image_identifier else []
        return own + [bullet.image_identifier for bullet in self.bullets]
