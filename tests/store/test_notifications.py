"""Claims on due notifications, in the store itself, on SQLite and (when configured) PostgreSQL.

Whichever process claims a due notification makes its attempt; these tests stand in for
processes with owner names and move wall-clock time by hand to let leases lapse.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from appstore_sandbox.store import Notification, SendAttempt, Store, migrate, open_engine
from appstore_sandbox.store.notifications import (
    DELIVERED,
    PENDING,
    DeliveryOutcome,
    HistoryQuery,
    NewNotification,
    NotificationStore,
)
from tests.conftest import DatabaseFactory

NOW_MS = 1_900_000_000_000
LEASE_MS = 60_000


@pytest.fixture
def store(
    backend: str, databases: DatabaseFactory | None, tmp_path: Path
) -> Iterator[tuple[NotificationStore, int]]:
    if backend == "postgresql":
        assert databases is not None
        url = databases.create()
    else:
        url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    engine = open_engine(url)
    migrate(engine)
    repository = Store(engine)
    app = repository.add_app("com.example.claims", 1234567890, NOW_MS)
    try:
        yield repository.notifications, app.id
    finally:
        engine.dispose()


def _add(notifications: NotificationStore, app_id: int, claimed_by: str | None = None) -> int:
    new = NewNotification(
        notification_uuid=str(uuid.uuid4()),
        app_id=app_id,
        environment="sandbox",
        notification_type="TEST",
        subtype=None,
        transaction_id=None,
        test_token=str(uuid.uuid4()),
        url="http://127.0.0.1:9/notifications",
        signed_payload="header.payload.signature",
        created_ms=NOW_MS,
    )
    return notifications.add(new, claimed_by, NOW_MS + LEASE_MS).id


def _outcome(notification_id: int) -> DeliveryOutcome:
    attempt = SendAttempt(notification_id, 1, NOW_MS, "SUCCESS", 200, 1000, "")
    return DeliveryOutcome(attempt, DELIVERED, None)


def _claim(
    notifications: NotificationStore, owner: str, wall_ms: int = NOW_MS, limit: int = 100
) -> list[int]:
    claimed = notifications.claim_due(owner, NOW_MS, wall_ms, LEASE_MS, limit)
    return [notification.id for notification in claimed]


def _stored(notifications: NotificationStore, app_id: int) -> dict[int, Notification]:
    everything = HistoryQuery(app_id, "sandbox", 0, 2**62, None, None, None, False, 0, 1000)
    return {notification.id: notification for notification in notifications.history(everything)}


def test_a_notification_stored_claimed_is_left_to_its_owner_until_the_lease_lapses(
    store: tuple[NotificationStore, int],
) -> None:
    notifications, app_id = store
    notification_id = _add(notifications, app_id, claimed_by="first")

    assert _claim(notifications, "second") == []
    assert _claim(notifications, "second", wall_ms=NOW_MS + LEASE_MS + 1) == [notification_id]
    # The first owner's attempt comes too late: it is not recorded, the second owner's is.
    assert notifications.record_outcomes([_outcome(notification_id)], "first") == [notification_id]
    assert notifications.record_outcomes([_outcome(notification_id)], "second") == []
    assert [a.result for a in notifications.attempts([notification_id])[notification_id]] == [
        "SUCCESS"
    ]


def test_recording_a_batch_releases_every_claim_and_stores_every_attempt(
    store: tuple[NotificationStore, int],
) -> None:
    notifications, app_id = store
    ids = [_add(notifications, app_id) for _ in range(5)]
    assert sorted(_claim(notifications, "worker")) == ids

    failed = DeliveryOutcome(
        SendAttempt(ids[0], 1, NOW_MS, "TIMED_OUT", None, None, "no answer"), PENDING, NOW_MS + 1
    )
    outcomes = [failed, *(_outcome(i) for i in ids[1:])]
    assert notifications.record_outcomes(outcomes, "worker") == []

    attempts = notifications.attempts(ids)
    assert [len(attempts[i]) for i in ids] == [1] * 5
    stored = _stored(notifications, app_id)
    assert stored[ids[0]].status == PENDING and stored[ids[0]].claimed_by is None
    assert {stored[i].status for i in ids[1:]} == {DELIVERED}


def test_concurrent_claims_never_share_a_notification(
    store: tuple[NotificationStore, int],
) -> None:
    notifications, app_id = store
    ids = [_add(notifications, app_id) for _ in range(60)]
    claimed: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def claim(owner: str) -> None:
        start.wait()
        found: list[int] = []
        for _ in range(10):
            found += _claim(notifications, owner, limit=7)
        claimed[owner] = found

    threads = [threading.Thread(target=claim, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    every_claim = [i for found in claimed.values() for i in found]
    assert len(every_claim) == len(set(every_claim))
    assert sorted(every_claim) == ids


def test_a_renewed_claim_outlives_its_first_lease_and_a_lost_one_is_named(
    store: tuple[NotificationStore, int],
) -> None:
    notifications, app_id = store
    renewed, released, taken = (_add(notifications, app_id, claimed_by="first") for _ in range(3))
    notifications.record_outcomes([_outcome(released)], "first")
    assert notifications.renew_claims("first", [renewed], NOW_MS + 3 * LEASE_MS) == []
    assert _claim(notifications, "second", wall_ms=NOW_MS + LEASE_MS + 1) == [taken]

    lost = notifications.renew_claims("first", [renewed, released, taken], NOW_MS + 4 * LEASE_MS)
    assert lost == [released, taken]
    assert _claim(notifications, "third", wall_ms=NOW_MS + 2 * LEASE_MS) == []
    stored = _stored(notifications, app_id)
    assert stored[renewed].claimed_until_ms == NOW_MS + 4 * LEASE_MS
    assert stored[taken].claimed_by == "second"


def test_renewing_more_claims_than_one_statement_holds(
    store: tuple[NotificationStore, int],
) -> None:
    notifications, app_id = store
    ids = [_add(notifications, app_id, claimed_by="first") for _ in range(1200)]
    assert notifications.renew_claims("first", ids, NOW_MS + 3 * LEASE_MS) == []
    assert notifications.renew_claims("other", ids[:3], NOW_MS + 3 * LEASE_MS) == ids[:3]
