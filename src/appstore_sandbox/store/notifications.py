"""Persistence of notification URLs, notifications, their send attempts and delivery claims.

A due notification is delivered by whichever sandbox process claims it first: the claim is a
conditional UPDATE, so two processes sharing one database never both win it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from appstore_sandbox.store import schema
from appstore_sandbox.store.database import transaction, upsert
from appstore_sandbox.store.records import Notification, SendAttempt

PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
_urls = schema.notification_urls
_notifications = schema.notifications
_attempts = schema.notification_attempts

# Statements on the delivery path are built once (building costs SQLAlchemy more than running).
_URL = select(_urls.c.url).where(
    _urls.c.app_id == bindparam("app_id"), _urls.c.environment == bindparam("environment")
)
_ADD = insert(_notifications)
_free = or_(
    _notifications.c.claimed_until_ms.is_(None),
    _notifications.c.claimed_until_ms < bindparam("wall_ms"),
)
_due = and_(
    _notifications.c.status == PENDING,
    _notifications.c.next_attempt_ms <= bindparam("due_ms"),
    _free,
)
# On PostgreSQL the candidates are locked with SKIP LOCKED, so a process never waits for rows
# another process is claiming; SQLite has no row locks (the statement takes the database's write
# lock). Either way the outer condition is checked again on the row itself, so a row claimed
# meanwhile by another process is not claimed twice.
_CLAIM = (
    update(_notifications)
    .where(
        _notifications.c.id.in_(
            select(_notifications.c.id)
            .where(_due)
            .order_by(_notifications.c.next_attempt_ms)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
        ),
        _due,
    )
    .values(claimed_by=bindparam("owner"), claimed_until_ms=bindparam("until_ms"))
    .returning(*_notifications.c)
)
_RELEASE = (
    update(_notifications)
    .where(
        _notifications.c.id == bindparam("notification_id"),
        _notifications.c.claimed_by == bindparam("owner"),
    )
    .values(
        attempts=bindparam("number"),
        status=bindparam("status"),
        next_attempt_ms=bindparam("next_ms"),
        claimed_by=None,
        claimed_until_ms=None,
    )
)
_RENEW = (
    update(_notifications)
    .where(
        _notifications.c.id.in_(bindparam("ids", expanding=True)),
        _notifications.c.claimed_by == bindparam("owner"),
    )
    .values(claimed_until_ms=bindparam("until_ms"))
    .returning(_notifications.c.id)
)
_RECORD = insert(_attempts)
_RENEWED_PER_STATEMENT = 500  # well under SQLite's limit on a statement's parameters


@dataclass(frozen=True)
class NewNotification:
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


@dataclass(frozen=True)
class DeliveryOutcome:
    """One finished attempt, and what becomes of its notification."""

    attempt: SendAttempt
    status: str
    next_attempt_ms: int | None


@dataclass(frozen=True)
class HistoryQuery:
    app_id: int
    environment: str
    start_ms: int
    end_ms: int
    notification_type: str | None
    subtype: str | None
    transaction_id: str | None
    only_failures: bool
    after_id: int
    limit: int
    newest_first: bool = False


def insert_notification(
    connection: Connection,
    new: NewNotification,
    claimed_by: str | None = None,
    claimed_until_ms: int = 0,
) -> Notification:
    """Insert a notification due at its ``created_ms``, in the caller's transaction."""
    values = {
        **new.__dict__,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_ms": new.created_ms,
        "claimed_by": claimed_by,
        "claimed_until_ms": claimed_until_ms if claimed_by else None,
    }
    inserted = connection.execute(_ADD, values).inserted_primary_key
    assert inserted is not None, "an INSERT of one row has its key"
    (notification_id,) = inserted
    return Notification(id=notification_id, **values)


class NotificationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count_pending(self) -> int:
        """Notifications still to be delivered (first attempts and retries), all apps."""
        statement = select(func.count()).select_from(_notifications)
        with self.engine.connect() as connection:
            return int(
                connection.execute(statement.where(_notifications.c.status == PENDING)).scalar_one()
            )

    # URLs

    def set_url(self, app_id: int, environment: str, url: str | None, now_ms: int) -> None:
        with transaction(self.engine) as connection:
            if url is None:
                key = and_(_urls.c.app_id == app_id, _urls.c.environment == environment)
                connection.execute(delete(_urls).where(key))
            else:
                row = {"app_id": app_id, "environment": environment, "url": url}
                upsert(connection, _urls, {**row, "updated_ms": now_ms})

    def url(self, app_id: int, environment: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(_URL, {"app_id": app_id, "environment": environment}).scalar()

    def urls(self, app_id: int) -> dict[str, str]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(_urls).where(_urls.c.app_id == app_id))
            return {row.environment: row.url for row in rows}

    # notifications

    def add(
        self, new: NewNotification, claimed_by: str | None, claimed_until_ms: int
    ) -> Notification:
        """Store a notification due now; with ``claimed_by``, already claimed by that process."""
        with transaction(self.engine) as connection:
            return insert_notification(connection, new, claimed_by, claimed_until_ms)

    def by_uuid(self, notification_uuid: str) -> Notification | None:
        return self._one(_notifications.c.notification_uuid == notification_uuid)

    def by_test_token(self, token: str) -> Notification | None:
        return self._one(_notifications.c.test_token == token)

    def _one(self, condition: Any) -> Notification | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(_notifications).where(condition)).first()
        return Notification(**row._mapping) if row else None

    def attempts(self, notification_ids: list[int]) -> dict[int, list[SendAttempt]]:
        found: dict[int, list[SendAttempt]] = {i: [] for i in notification_ids}
        if not notification_ids:
            return found
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_attempts)
                .where(_attempts.c.notification_id.in_(notification_ids))
                .order_by(_attempts.c.notification_id, _attempts.c.number)
            )
            for row in rows:
                found[row.notification_id].append(SendAttempt(**row._mapping))
        return found

    def history(self, query: HistoryQuery) -> list[Notification]:
        table = _notifications
        conditions = [
            table.c.app_id == query.app_id,
            table.c.environment == query.environment,
            table.c.created_ms >= query.start_ms,
            table.c.created_ms < query.end_ms,
            table.c.id > query.after_id,
        ]
        if query.notification_type:
            conditions.append(table.c.notification_type == query.notification_type)
        if query.subtype:
            conditions.append(table.c.subtype == query.subtype)
        if query.transaction_id:
            conditions.append(table.c.transaction_id == query.transaction_id)
        if query.only_failures:
            conditions.append(table.c.status != DELIVERED)
        order = table.c.id.desc() if query.newest_first else table.c.id
        statement = select(table).where(*conditions).order_by(order).limit(query.limit)
        with self.engine.connect() as connection:
            return [Notification(**row._mapping) for row in connection.execute(statement)]

    # delivery

    def claim_due(
        self, owner: str, due_ms: int, wall_ms: int, lease_ms: int, limit: int
    ) -> list[Notification]:
        """Claim up to ``limit`` notifications due at ``due_ms`` (sandbox time) in one statement."""
        parameters = {
            "owner": owner,
            "due_ms": due_ms,
            "wall_ms": wall_ms,
            "until_ms": wall_ms + lease_ms,
            "limit": limit,
        }
        with transaction(self.engine) as connection:
            rows = connection.execute(_CLAIM, parameters)
            claimed = [Notification(**row._mapping) for row in rows]
        return sorted(claimed, key=lambda n: (n.next_attempt_ms or 0, n.id))

    def renew_claims(self, owner: str, notification_ids: list[int], until_ms: int) -> list[int]:
        """Extend ``owner``'s claims on these notifications to ``until_ms`` (wall clock).

        Returns the ids whose claim was no longer ``owner``'s (released, or taken by another
        process after its lease lapsed); those are left as they are.
        """
        renewed: set[int] = set()
        with transaction(self.engine) as connection:
            for start in range(0, len(notification_ids), _RENEWED_PER_STATEMENT):
                ids = notification_ids[start : start + _RENEWED_PER_STATEMENT]
                parameters = {"ids": ids, "owner": owner, "until_ms": until_ms}
                renewed.update(connection.execute(_RENEW, parameters).scalars())
        return [
            notification_id
            for notification_id in notification_ids
            if notification_id not in renewed
        ]

    def record_outcomes(self, outcomes: list[DeliveryOutcome], owner: str) -> list[int]:
        """Store attempts and release their claims in one transaction.

        Returns the ids of notifications whose claim was no longer ours (its lease lapsed and
        another process took it); their attempts are not stored.
        """
        lost: list[int] = []
        recorded: list[dict[str, Any]] = []
        with transaction(self.engine) as connection:
            for outcome in outcomes:
                attempt = outcome.attempt
                released = connection.execute(
                    _RELEASE,
                    {
                        "notification_id": attempt.notification_id,
                        "owner": owner,
                        "number": attempt.number,
                        "status": outcome.status,
                        "next_ms": outcome.next_attempt_ms,
                    },
                )
                if released.rowcount == 1:
                    recorded.append(attempt.__dict__)
                else:
                    lost.append(attempt.notification_id)
            if recorded:
                connection.execute(_RECORD, recorded)
        return lost
