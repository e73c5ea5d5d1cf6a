"""The store: every read and write of the sandbox's state, and nothing else (no rules)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from appstore_sandbox.store import schema
from appstore_sandbox.store.catalog import CatalogStore
from appstore_sandbox.store.database import exclusive, transaction, upsert
from appstore_sandbox.store.errors import AlreadyExists
from appstore_sandbox.store.notifications import NotificationStore
from appstore_sandbox.store.performance_tests import PerformanceTestStore
from appstore_sandbox.store.records import ApiKey, App, Product, Purchase
from appstore_sandbox.store.retention import RetentionStore
from appstore_sandbox.store.signing_chain import ChainStore
from appstore_sandbox.store.subscriptions import SubscriptionStore, purchase_of

# Any constant works; it only has to be the same in every process sharing a PostgreSQL database.
_DEFAULTS_LOCK_ID = 0x5A4E_D80E
# Lookups made on every Apple request are built once: building a statement and its cache key
# costs SQLAlchemy more than SQLite takes to run it.
_APP_BY_BUNDLE_ID = select(schema.apps).where(schema.apps.c.bundle_id == bindparam("bundle_id"))
_APP_BY_ID = select(schema.apps).where(schema.apps.c.id == bindparam("id"))
_KEY_BY_ID = select(schema.api_keys).where(schema.api_keys.c.key_id == bindparam("key_id"))
# Authentication needs no private key: it stays out of every request's memory.
_PUBLIC_KEY_COLUMNS = [c for c in schema.api_keys.c if c.name != "private_key_pem"]
_KEY_AND_APP = (
    select(*_PUBLIC_KEY_COLUMNS, *(column.label(f"app__{column.name}") for column in schema.apps.c))
    .join(schema.apps, schema.apps.c.id == schema.api_keys.c.app_id)
    .where(schema.api_keys.c.key_id == bindparam("key_id"))
)


class Store:
    """Repository over one SQLAlchemy engine (SQLite or PostgreSQL).

    Deleting apps deletes their purchases first: a renewal locks its purchase, then the app (the
    foreign keys of the rows it adds), so a delete that locked the app first and cascaded to the
    purchase could deadlock with it on PostgreSQL.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.performance_tests = PerformanceTestStore(engine)
        self.notifications = NotificationStore(engine)
        self.retention = RetentionStore(engine)
        self.catalog = CatalogStore(engine)
        self.chain = ChainStore(engine)
        self.subscriptions = SubscriptionStore(engine)

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        try:
            with transaction(self.engine) as connection:
                yield connection
        except IntegrityError as error:
            raise AlreadyExists(what) from error

    def _one(self, statement: Any, parameters: dict[str, Any] | None = None) -> Row[Any] | None:
        with self.engine.connect() as connection:
            return connection.execute(statement, parameters).first()

    def _all(self, statement: Any) -> list[Row[Any]]:
        with self.engine.connect() as connection:
            return list(connection.execute(statement))

    @contextmanager
    def defaults_lock(self) -> Iterator[None]:
        """Held while the default app is deleted or made (a reset, a first start): by one thread
        at a time, and on PostgreSQL by one of the processes sharing the database."""
        with exclusive(self.engine, _DEFAULTS_LOCK_ID):
            yield

    # meta

    def meta_value(self, key: str) -> str | None:
        row = self._one(select(schema.meta.c.value).where(schema.meta.c.key == key))
        return row.value if row else None

    def set_meta_value(self, key: str, value: str) -> None:
        with transaction(self.engine) as connection:
            upsert(connection, schema.meta, {"key": key, "value": value})

    def swap_meta_value(self, key: str, expected: str | None, value: str) -> bool:
        """Store ``value`` under ``key`` if it still holds ``expected`` (None: nothing yet);
        False, storing nothing, when another writer changed it since it was read.

        One conditional statement: on PostgreSQL a concurrent writer's UPDATE waits for this
        one and then finds the value changed, so two read-modify-writes never both succeed.
        """
        try:
            with transaction(self.engine) as connection:
                if expected is None:
                    connection.execute(insert(schema.meta).values(key=key, value=value))
                    return True
                changed = connection.execute(
                    update(schema.meta)
                    .where(schema.meta.c.key == key, schema.meta.c.value == expected)
                    .values(value=value)
                )
                return bool(changed.rowcount == 1)
        except IntegrityError:  # another process stored a first value meanwhile
            return False

    def delete_meta_value(self, key: str) -> None:
        self._delete(schema.meta, schema.meta.c.key == key)

    def first_meta_value(self, key: str, value: str) -> str:
        """The value under ``key``; ``value`` is stored only if none is yet. Processes sharing
        the database all get the value the first of them stored."""
        stored = self.meta_value(key)
        if stored is not None:
            return stored
        try:
            with transaction(self.engine) as connection:
                connection.execute(insert(schema.meta).values(key=key, value=value))
        except IntegrityError:  # another process stored one first
            kept = self.meta_value(key)
            assert kept is not None
            return kept
        return value

    # apps

    def add_app(self, bundle_id: str, app_apple_id: int, now_ms: int) -> App:
        with self._write(f"An app with bundle id {bundle_id} or appAppleId {app_apple_id}") as c:
            c.execute(
                insert(schema.apps).values(
                    bundle_id=bundle_id, app_apple_id=app_apple_id, created_ms=now_ms
                )
            )
        app = self.app_by_bundle_id(bundle_id)
        assert app is not None
        return app

    def delete_apps(self) -> int:
        """Delete every app and, by cascade, everything that belongs to one; the count."""
        with transaction(self.engine) as connection:
            connection.execute(delete(schema.purchases))
            return int(connection.execute(delete(schema.apps)).rowcount)

    def delete_app(self, app_id: int) -> None:
        """Delete one app and, by cascade, everything that belongs to it."""
        with transaction(self.engine) as connection:
            connection.execute(delete(schema.purchases).where(schema.purchases.c.app_id == app_id))
            connection.execute(delete(schema.apps).where(schema.apps.c.id == app_id))

    def _delete(self, table: Any, *where: Any) -> int:
        with transaction(self.engine) as connection:
            return int(connection.execute(delete(table).where(*where)).rowcount)

    def app_by_bundle_id(self, bundle_id: str) -> App | None:
        row = self._one(_APP_BY_BUNDLE_ID, {"bundle_id": bundle_id})
        return _app(row) if row else None

    def app_by_id(self, app_id: int) -> App | None:
        row = self._one(_APP_BY_ID, {"id": app_id})
        return _app(row) if row else None

    def apps(self) -> list[App]:
        return [_app(row) for row in self._all(select(schema.apps).order_by(schema.apps.c.id))]

    def set_performance_test_passed(self, app_id: int, passed_ms: int | None) -> None:
        with transaction(self.engine) as connection:
            connection.execute(
                update(schema.apps)
                .where(schema.apps.c.id == app_id)
                .values(performance_test_passed_ms=passed_ms)
            )

    # products

    def add_product(self, product: Product) -> Product:
        with self._write(f"Product {product.product_id}") as connection:
            connection.execute(
                insert(schema.products).values(
                    app_id=product.app_id,
                    product_id=product.product_id,
                    type=product.type,
                    subscription_group=product.subscription_group,
                    subscription_period=product.subscription_period,
                )
            )
        return product

    def products(self, app_id: int) -> list[Product]:
        table = schema.products
        rows = self._all(select(table).where(table.c.app_id == app_id).order_by(table.c.id))
        return [_product(row) for row in rows]

    def product(self, app_id: int, product_id: str) -> Product | None:
        table = schema.products
        row = self._one(
            select(table).where(table.c.app_id == app_id, table.c.product_id == product_id)
        )
        return _product(row) if row else None

    def delete_product(self, app_id: int, product_id: str) -> None:
        """Delete a product and, by cascade, its offers and default messages."""
        table = schema.products
        self._delete(table, table.c.app_id == app_id, table.c.product_id == product_id)

    # API keys

    def add_key(self, key: ApiKey) -> ApiKey:
        with self._write(f"Key {key.key_id}") as connection:
            connection.execute(insert(schema.api_keys).values(**dataclasses.asdict(key)))
        return key

    def key_by_id(self, key_id: str) -> ApiKey | None:
        row = self._one(_KEY_BY_ID, {"key_id": key_id})
        return ApiKey(**row._mapping) if row else None

    def key_and_app(self, key_id: str) -> tuple[ApiKey, App] | None:
        """A key and the app it belongs to, in one query (every Apple request asks for both)."""
        row = self._one(_KEY_AND_APP, {"key_id": key_id})
        if row is None:
            return None
        values = row._mapping
        key = ApiKey(**{column.name: values[column.name] for column in _PUBLIC_KEY_COLUMNS})
        app = App(**{column.name: values[f"app__{column.name}"] for column in schema.apps.c})
        return key, app

    def has_key_of_issuer(self, app_id: int, issuer_id: str) -> bool:
        table = schema.api_keys
        statement = select(table.c.key_id).where(
            table.c.app_id == app_id, table.c.issuer_id == issuer_id
        )
        return self._one(statement.limit(1)) is not None

    def keys(self, app_id: int) -> list[ApiKey]:
        table = schema.api_keys
        rows = self._all(select(table).where(table.c.app_id == app_id).order_by(table.c.created_ms))
        return [ApiKey(**row._mapping) for row in rows]

    def set_private_key(self, key_id: str, pem: str) -> None:
        table = schema.api_keys
        with transaction(self.engine) as connection:
            connection.execute(
                update(table).where(table.c.key_id == key_id).values(private_key_pem=pem)
            )

    def delete_key(self, key_id: str) -> None:
        self._delete(schema.api_keys, schema.api_keys.c.key_id == key_id)

    # purchases

    def purchases(self, app_id: int) -> list[Purchase]:
        table = schema.purchases
        rows = self._all(select(table).where(table.c.app_id == app_id).order_by(table.c.id))
        return [purchase_of(row) for row in rows]

    def default_purchase(self, app_id: int) -> Purchase | None:
        """The purchase that commands use when none is named: the most recent whose
        subscription has not ended, else the most recent."""
        purchases = self.purchases(app_id)
        live = [purchase for purchase in purchases if not purchase.ended]
        candidates = live or purchases
        return candidates[-1] if candidates else None

    def delete_purchase(self, app_id: int, original_transaction_id: str) -> None:
        """Delete a subscription with its transactions."""
        purchases, transactions = schema.purchases, schema.transactions
        with transaction(self.engine) as connection:
            connection.execute(
                delete(transactions).where(
                    transactions.c.app_id == app_id,
                    transactions.c.original_transaction_id == original_transaction_id,
                )
            )
            connection.execute(
                delete(purchases).where(
                    purchases.c.app_id == app_id,
                    purchases.c.original_transaction_id == original_transaction_id,
                )
            )

    # realtime URLs

    def set_realtime_url(self, app_id: int, environment: str, url: str, now_ms: int) -> None:
        row = {"app_id": app_id, "environment": environment, "url": url, "updated_ms": now_ms}
        with transaction(self.engine) as connection:
            upsert(connection, schema.realtime_urls, row)

    def realtime_url(self, app_id: int, environment: str) -> str | None:
        table = schema.realtime_urls
        row = self._one(
            select(table.c.url).where(table.c.app_id == app_id, table.c.environment == environment)
        )
        return row.url if row else None

    def delete_realtime_url(self, app_id: int, environment: str) -> None:
        table = schema.realtime_urls
        with transaction(self.engine) as connection:
            connection.execute(
                delete(table).where(table.c.app_id == app_id, table.c.environment == environment)
            )


def _app(row: Row[Any]) -> App:
    return App(**row._mapping)


def _product(row: Row[Any]) -> Product:
    mapping = dict(row._mapping)
    mapping.pop("id")
    return Product(**mapping)
