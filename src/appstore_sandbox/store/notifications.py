"""Persistence of notification URLs, notifications, their send attempts and delivery claims.

A due notification is delivered by whichever sandbox process claims it first: the claim is a
conditional UPDATE, so two processes sharing one database never both win it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, or_, select, update

from appstore_sandbox.store import schema
from appstore_sandbox.store.records import Notification, SendAttempt

PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
_urls = schema.notification_urls
_notifications = schema.notifications
_attempts = schema.notification_attempts


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


class NotificationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # URLs

    def set_url(self, app_id: int, environment: str, url: str | None, now_ms: int) -> None:
        key = and_(_urls.c.app_id == app_id, _urls.c.environment == environment)
        with self.engine.begin() as connection:
            connection.execute(delete(_urls).where(key))
            if url is not None:
                connection.execute(
                    insert(_urls).values(
                        app_id=app_id, environment=environment, url=url, updated_ms=now_ms
                    )
                )

    def url(self, app_id: int, environment: str) -> str | None:
        key = and_(_urls.c.app_id == app_id, _urls.c.environment == environment)
        with self.engine.connect() as connection:
            return connection.execute(select(_urls.c.url).where(key)).scalar()

    def urls(self, app_id: int) -> dict[str, str]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(_urls).where(_urls.c.app_id == app_id))
            return {row.environment: row.url for row in rows}

    # notifications

    def add(self, new: NewNotification) -> Notification:
        with self.engine.begin() as connection:
            connection.execute(
                insert(_notifications).values(
                    **new.__dict__, status=PENDING, attempts=0, next_attempt_ms=new.created_ms
                )
            )
        found = self.by_uuid(new.notification_uuid)
        assert found is not None
        return found

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
        statement = select(table).where(*conditions).order_by(table.c.id).limit(query.limit)
        with self.engine.connect() as connection:
            return [Notification(**row._mapping) for row in connection.execute(statement)]

    # delivery

    def claim_due(
        self, owner: str, due_ms: int, wall_ms: int, lease_ms: int, limit: int
    ) -> list[Notification]:
        """Claim up to ``limit`` notifications due at ``due_ms`` (sandbox time)."""
        table = _notifications
        free = or_(table.c.claimed_until_ms.is_(None), table.c.claimed_until_ms < wall_ms)
        due = and_(table.c.status == PENDING, table.c.next_attempt_ms <= due_ms, free)
        with self.engine.connect() as connection:
            ids = list(
                connection.execute(
                    select(table.c.id).where(due).order_by(table.c.next_attempt_ms).limit(limit)
                ).scalars()
            )
        claimed = [i for i in ids if self._claim(i, owner, due, wall_ms + lease_ms)]
        if not claimed:
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(select(table).where(table.c.id.in_(claimed)))
            return [Notification(**row._mapping) for row in rows]

    def _claim(self, notification_id: int, owner: str, due: Any, until_ms: int) -> bool:
        table = _notifications
        with self.engine.begin() as connection:
            result = connection.execute(
                update(table)
                .where(table.c.id == notification_id, due)
                .values(claimed_by=owner, claimed_until_ms=until_ms)
            )
        return result.rowcount == 1

    def record_attempt(
        self, attempt: SendAttempt, owner: str, status: str, next_attempt_ms: int | None
    ) -> bool:
        """Store an attempt and release the claim; False if the claim was no longer ours."""
        table = _notifications
        with self.engine.begin() as connection:
            result = connection.execute(
                update(table)
                .where(table.c.id == attempt.notification_id, table.c.claimed_by == owner)
                .values(
                    attempts=attempt.number,
                    status=status,
                    next_attempt_ms=next_attempt_ms,
                    claimed_by=None,
                    claimed_until_ms=None,
                )
            )
            if result.rowcount != 1:
                return False
            connection.execute(insert(_attempts).values(**attempt.__dict__))
        return True

    def next_due_ms(self) -> int | None:
        table = _notifications
        with self.engine.connect() as connection:
            return connection.execute(
                select(table.c.next_attempt_ms)
                .where(table.c.status == PENDING)
                .order_by(table.c.next_attempt_ms)
                .limit(1)
            ).scalar()
