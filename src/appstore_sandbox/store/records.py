"""Plain records the store hands to services; no behaviour beyond small conveniences."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    issuer_id: str
    app_id: int
    public_key_pem: str
    created_ms: int


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


class RequestRecord(NamedTuple):
    """One request of a performance test; a tuple, because runs write them by the million."""

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
