"""Persistence of subscriptions' transactions and renewal state (no rules here).

A change to a subscription (a renewal, a failed renewal, the customer turning auto-renew off)
is written in one transaction with the transactions it adds or amends and the notifications it
sends (rows the notifications service made, see ``store.outbox``), so a crash never leaves a
renewal without its notification, or the other way round. The update is conditional on the
state it was computed from: when two sandbox processes share a database, only one of them
applies a given change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Row, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from appstore_sandbox.store import schema
from appstore_sandbox.store.database import transaction
from appstore_sandbox.store.errors import AlreadyExists
from appstore_sandbox.store.notifications import NewNotification, insert_notification
from appstore_sandbox.store.records import Purchase, Transaction

_purchases = schema.purchases
_transactions = schema.transactions
# Every column a change may rewrite: a change applies only if none moved since it was computed.
_GUARDED = tuple(
    name
    for name in (field.name for field in dataclasses.fields(Purchase))
    if name not in ("app_id", "original_transaction_id", "environment", "family_shared")
)


@dataclass(frozen=True)
class SubscriptionChange:
    """From ``before`` to ``after``, with the transactions and notifications that go with it."""

    before: Purchase
    after: Purchase
    added: Sequence[Transaction] = ()
    amended: Sequence[Transaction] = ()
    notifications: Sequence[NewNotification] = field(default_factory=tuple)


class SubscriptionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def begin(
        self, purchase: Purchase, first: Transaction, notifications: Sequence[NewNotification]
    ) -> None:
        """A new subscription, its first transaction and its notifications."""
        try:
            with transaction(self.engine) as connection:
                connection.execute(insert(_purchases).values(**purchase.__dict__))
                connection.execute(insert(_transactions).values(**first.__dict__))
                for notification in notifications:
                    insert_notification(connection, notification)
        except IntegrityError as error:
            raise AlreadyExists(f"Transaction {purchase.original_transaction_id}") from error

    def apply(self, change: SubscriptionChange) -> bool:
        """Write ``change``; False (nothing written) if the subscription moved meanwhile."""
        before, after = change.before, change.after
        unchanged = and_(
            _purchases.c.original_transaction_id == before.original_transaction_id,
            *(_same(name, getattr(before, name)) for name in _GUARDED),
        )
        values = {name: getattr(after, name) for name in _GUARDED}
        with transaction(self.engine) as connection:
            if connection.execute(update(_purchases).where(unchanged).values(**values)).rowcount:
                for added in change.added:
                    connection.execute(insert(_transactions).values(**added.__dict__))
                for amended in change.amended:
                    connection.execute(
                        update(_transactions)
                        .where(_transactions.c.transaction_id == amended.transaction_id)
                        .values(**amended.__dict__)
                    )
                for notification in change.notifications:
                    insert_notification(connection, notification)
                return True
        return False

    def subscription(self, original_transaction_id: str) -> Purchase | None:
        row = self._one(
            select(_purchases).where(
                _purchases.c.original_transaction_id == original_transaction_id
            )
        )
        return purchase_of(row) if row else None

    def by_app_transaction_id(self, app_id: int, app_transaction_id: str) -> Purchase | None:
        row = self._one(
            select(_purchases).where(
                _purchases.c.app_id == app_id,
                _purchases.c.app_transaction_id == app_transaction_id,
            )
        )
        return purchase_of(row) if row else None

    def transaction(self, transaction_id: str) -> Transaction | None:
        row = self._one(
            select(_transactions).where(_transactions.c.transaction_id == transaction_id)
        )
        return Transaction(**row._mapping) if row else None

    def transactions(self, original_transaction_id: str) -> list[Transaction]:
        """Oldest first."""
        statement = (
            select(_transactions)
            .where(_transactions.c.original_transaction_id == original_transaction_id)
            .order_by(_transactions.c.purchase_ms, _transactions.c.transaction_id)
        )
        with self.engine.connect() as connection:
            return [Transaction(**row._mapping) for row in connection.execute(statement)]

    def due(self, now_ms: int, limit: int) -> list[Purchase]:
        """Subscriptions that change by themselves at or before ``now_ms``, soonest first."""
        statement = (
            select(_purchases)
            .where(_purchases.c.next_event_ms <= now_ms)
            .order_by(_purchases.c.next_event_ms)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [purchase_of(row) for row in connection.execute(statement)]

    def _one(self, statement: Any) -> Row[Any] | None:
        with self.engine.connect() as connection:
            return connection.execute(statement).first()


def _same(name: str, value: object) -> Any:
    column = _purchases.c[name]
    return column.is_(None) if value is None else column == value


def purchase_of(row: Row[Any]) -> Purchase:
    mapping = dict(row._mapping)
    mapping.pop("id")
    return Purchase(**mapping)
