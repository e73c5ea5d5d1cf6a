"""The delivery worker with a real store and a fake transport: attempts, judging, retries."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from appstore_sandbox.clock import Clock
from appstore_sandbox.notifications.delivery import DeliveryWorker
from appstore_sandbox.notifications.schedule import HOUR_MS, RetrySchedule
from appstore_sandbox.outbound.results import HttpReply, SendAttemptResult
from appstore_sandbox.store import Notification, Store, migrate, open_engine
from appstore_sandbox.store.notifications import DELIVERED, PENDING, NewNotification
from tests.fake_transport import FakeTransport, FakeTransports

URL = "http://127.0.0.1:9/notifications"
POLL_S = 0.02  # a retry made due by the clock goes out within one poll


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = open_engine(f"sqlite:///{tmp_path / 'sandbox.db'}")
    migrate(engine)
    try:
        yield Store(engine)
    finally:
        engine.dispose()


def _worker(store: Store, clock: Clock, transport: FakeTransport) -> DeliveryWorker:
    return DeliveryWorker(
        store.notifications,
        clock,
        RetrySchedule(),
        5.0,
        "test-owner",
        FakeTransports(transport),
        poll_s=POLL_S,
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
