"""The delivery worker with a real store and a fake transport: attempts, judging, retries."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from appstore_sandbox.clock import Clock
from appstore_sandbox.faults import Faults, FaultSpec
from appstore_sandbox.notifications.delivery import DeliveryWorker
from appstore_sandbox.notifications.schedule import HOUR_MS, RetrySchedule
from appstore_sandbox.outbound.results import HttpReply, SendAttemptResult
from appstore_sandbox.store import Notification, Store, migrate, open_engine
from appstore_sandbox.store.notifications import DELIVERED, PENDING, NewNotification
from tests.fake_transport import FakeTransport, FakeTransports

URL = "http://127.0.0.1:9/notifications"
POLL_S = 0.02  # a retry made due by the clock goes out within one poll
SHORT_LEASE_MS = 500
LONGER_THAN_THE_LEASE_S = 2.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = open_engine(f"sqlite:///{tmp_path / 'sandbox.db'}")
    migrate(engine)
    try:
        yield Store(engine)
    finally:
        engine.dispose()


def _worker(
    store: Store,
    clock: Clock,
    transport: FakeTransport,
    faults: Faults | None = None,
    lease_ms: int = 60_000,
) -> DeliveryWorker:
    return DeliveryWorker(
        store.notifications,
        clock,
        RetrySchedule(),
        5.0,
        "test-owner",
        FakeTransports(transport),
        poll_s=POLL_S,
        faults=faults,
        lease_ms=lease_ms,
    )


def _add(store: Store, clock: Clock, environment: str) -> Notification:
    app = store.app_by_bundle_id("com.example.delivery") or store.add_app(
        "com.example.delivery", 1234567890, clock.now_ms()
    )
    new = NewNotification(
        notification_uuid=str(uuid.uuid4()),
        app_id=app.id,
        environment=environment,
        notification_type="TEST",
        subtype=None,
        transaction_id=None,
        test_token=str(uuid.uuid4()),
        url=URL,
        signed_payload="header.payload.signature",
        created_ms=clock.now_ms(),
    )
    return store.notifications.add(new, None, 0)


def _settled(store: Store, notification: Notification, attempts: int) -> Notification:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        current = store.notifications.by_uuid(notification.notification_uuid)
        assert current is not None
        if current.attempts >= attempts and current.claimed_by is None:
            return current
        time.sleep(0.02)
    raise AssertionError(f"{notification.notification_uuid} was not attempted {attempts} times")


def test_a_2xx_reply_is_a_delivery_of_the_signed_payload(store: Store) -> None:
    clock = Clock()
    transport = FakeTransport(lambda url, body: HttpReply(204, "", b""))
    worker = _worker(store, clock, transport)
    worker.start()
    try:
        notification = _settled(store, _add(store, clock, "sandbox"), 1)
    finally:
        worker.stop()
    assert notification.status == DELIVERED
    assert [(url, body) for _, url, body in transport.posts] == [
        (URL, b'{"signedPayload": "header.payload.signature"}')
    ]
    (attempt,) = store.notifications.attempts([notification.id])[notification.id]
    assert (attempt.result, attempt.http_status) == ("SUCCESS", 204)
    assert transport.closed, "the worker closes its transport when it stops"


def test_a_failed_production_attempt_is_retried_an_hour_later(store: Store) -> None:
    clock = Clock()
    transport = FakeTransport(lambda url, body: SendAttemptResult.NO_RESPONSE)
    worker = _worker(store, clock, transport)
    worker.start()
    try:
        added = _add(store, clock, "production")
        first = _settled(store, added, 1)
        assert first.status == PENDING
        (attempt,) = store.notifications.attempts([first.id])[first.id]
        assert first.next_attempt_ms == attempt.attempt_ms + HOUR_MS
        assert attempt.result == SendAttemptResult.NO_RESPONSE.value

        transport.answer = lambda url, body: HttpReply(200, "", b"")
        clock.advance(timedelta(hours=1))
        second = _settled(store, added, 2)
    finally:
        worker.stop()
    assert second.status == DELIVERED
    assert [a.result for a in store.notifications.attempts([second.id])[second.id]] == [
        "NO_RESPONSE",
        "SUCCESS",
    ]


def _delivered_once(store: Store, worker: DeliveryWorker, transport: FakeTransport) -> Notification:
    worker.start()
    try:
        notification = _settled(store, _add(store, Clock(), "sandbox"), 1)
    finally:
        worker.stop()
    assert len(transport.posts) == 1, "one attempt, one POST: no second claim while it ran"
    attempts = store.notifications.attempts([notification.id])[notification.id]
    assert [attempt.result for attempt in attempts] == ["SUCCESS"]
    assert notification.status == DELIVERED
    return notification


def test_a_receiver_slower_than_the_claim_lease_gets_the_notification_once(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    transport = FakeTransport(delay_s=LONGER_THAN_THE_LEASE_S)
    worker = _worker(store, Clock(), transport, lease_ms=SHORT_LEASE_MS)
    _delivered_once(store, worker, transport)
    assert "another process" not in caplog.text


def test_a_delay_fault_longer_than_the_claim_lease_delivers_once(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    faults = Faults()
    delay_ms = int(LONGER_THAN_THE_LEASE_S * 1000)
    faults.add(FaultSpec("delay", target="notifications", delay_ms=delay_ms, count=1))
    transport = FakeTransport()
    notification = _delivered_once(
        store, _worker(store, Clock(), transport, faults, SHORT_LEASE_MS), transport
    )
    (attempt,) = store.notifications.attempts([notification.id])[notification.id]
    assert f"delayed {delay_ms} ms by fault" in attempt.explanation
    assert "another process" not in caplog.text


def test_a_claim_another_process_took_during_a_delay_is_left_to_it(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    faults = Faults()
    fault = faults.add(FaultSpec("delay", target="notifications", delay_ms=2000))
    transport = FakeTransport()
    worker = _worker(store, Clock(), transport, faults, SHORT_LEASE_MS)
    worker.start()
    try:
        added = _add(store, Clock(), "sandbox")
        _wait_until(lambda: fault.hits == 1)
        # Another process, its clock far ahead, finds the lease lapsed and takes the claim.
        far_ahead_ms = int(time.time() * 1000) + 3_600_000
        [taken] = store.notifications.claim_due("other", 2**62, far_ahead_ms, 60_000, 10)
        assert taken.id == added.id
        _wait_until(lambda: "another process took it" in caplog.text)
    finally:
        worker.stop()
    assert transport.posts == []
    assert store.notifications.attempts([added.id])[added.id] == []


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)
