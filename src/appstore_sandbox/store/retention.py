"""Persistence of Retention Messaging content, one app and one environment at a time.

Writes that count (the 2000 limits) or check references (an image in use) run in ``locked``,
which first takes the app row's write lock: those writes are then serialized per app, in SQLite
(the UPDATE takes the database's write lock) and in PostgreSQL (it takes the row lock) alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from appstore_sandbox.store import retention_schema, schema
from appstore_sandbox.store.database import transaction, upsert
from appstore_sandbox.store.records import MessageBullet, RetentionImage, RetentionMessage

_images = retention_schema.retention_images
_messages = retention_schema.retention_messages
_bullets = retention_schema.retention_bullet_points
_defaults = retention_schema.retention_default_messages


class RetentionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def reading(self, app_id: int, environment: str) -> Iterator[RetentionContent]:
        with self.engine.connect() as connection:
            yield RetentionContent(connection, app_id, environment)

    def image_keys(self) -> set[tuple[int, str, str]]:
        """(app id, environment, image identifier) of every image of every app."""
        statement = select(_images.c.app_id, _images.c.environment, _images.c.image_identifier)
        with self.engine.connect() as connection:
            return {(row[0], row[1], row[2]) for row in connection.execute(statement)}

    @contextmanager
    def locked(self, app_id: int, environment: str) -> Iterator[RetentionContent]:
        """One transaction holding the app's write lock; an exception inside rolls it back."""
        apps = schema.apps
        with transaction(self.engine) as connection:
            connection.execute(
                update(apps).where(apps.c.id == app_id).values(created_ms=apps.c.created_ms)
            )
            yield RetentionContent(connection, app_id, environment)


class RetentionContent:
    """Reads and writes of one app's content in one environment, on one connection."""

    def __init__(self, connection: Connection, app_id: int, environment: str) -> None:
        self._connection = connection
        self._app_id = app_id
        self._environment = environment

    def _mine(self, table: Any) -> list[Any]:
        return [table.c.app_id == self._app_id, table.c.environment == self._environment]

    def _scope(self) -> dict[str, Any]:
        return {"app_id": self._app_id, "environment": self._environment}

    def _count(self, table: Any) -> int:
        statement = select(func.count()).select_from(table).where(*self._mine(table))
        return int(self._connection.execute(statement).scalar_one())

    # images

    def image(self, image_identifier: str) -> RetentionImage | None:
        row = self._connection.execute(
            select(_images).where(
                *self._mine(_images), _images.c.image_identifier == image_identifier
            )
        ).first()
        return _image(row) if row else None

    def images(self) -> list[RetentionImage]:
        rows = self._connection.execute(
            select(_images).where(*self._mine(_images)).order_by(_images.c.created_ms)
        )
        return [_image(row) for row in rows]

    def count_images(self) -> int:
        return self._count(_images)

    def add_image(self, image: RetentionImage) -> None:
        self._connection.execute(insert(_images).values(**self._scope(), **image.__dict__))

    def delete_image(self, image_identifier: str) -> None:
        self._connection.execute(
            delete(_images).where(
                *self._mine(_images), _images.c.image_identifier == image_identifier
            )
        )

    def image_in_use(self, image_identifier: str) -> bool:
        for table in (_messages, _bullets):
            found = self._connection.execute(
                select(table.c.message_identifier)
                .where(*self._mine(table), table.c.image_identifier == image_identifier)
                .limit(1)
            ).first()
            if found:
                return True
        return False

    def set_image_state(self, image_identifier: str, state: str, now_ms: int) -> bool:
        result = self._connection.execute(
            update(_images)
            .where(*self._mine(_images), _images.c.image_identifier == image_identifier)
            .values(state=state, reviewed_ms=now_ms)
        )
        return result.rowcount == 1

    # messages

    def message(self, message_identifier: str) -> RetentionMessage | None:
        found = self._messages(_messages.c.message_identifier == message_identifier)
        return found[0] if found else None

    def messages(self) -> list[RetentionMessage]:
        return self._messages()

    def _messages(self, *conditions: Any) -> list[RetentionMessage]:
        rows = list(
            self._connection.execute(
                select(_messages)
                .where(*self._mine(_messages), *conditions)
                .order_by(_messages.c.created_ms)
            )
        )
        bullets = self._bullets([row.message_identifier for row in rows])
        return [_message(row, bullets[row.message_identifier]) for row in rows]

    def _bullets(self, message_identifiers: list[str]) -> dict[str, tuple[MessageBullet, ...]]:
        found: dict[str, list[MessageBullet]] = defaultdict(list)
        if message_identifiers:
            rows = self._connection.execute(
                select(_bullets)
                .where(
                    *self._mine(_bullets), _bullets.c.message_identifier.in_(message_identifiers)
                )
                .order_by(_bullets.c.message_identifier, _bullets.c.position)
            )
            for row in rows:
                found[row.message_identifier].append(
                    MessageBullet(row.text, row.image_identifier, row.alt_text)
                )
        return {key: tuple(found[key]) for key in message_identifiers}

    def count_messages(self) -> int:
        return self._count(_messages)

    def add_message(self, message: RetentionMessage) -> None:
        values = {k: v for k, v in message.__dict__.items() if k != "bullets"}
        self._connection.execute(insert(_messages).values(**self._scope(), **values))
        if message.bullets:
            self._connection.execute(
                insert(_bullets),
                [
                    {
                        **self._scope(),
                        "message_identifier": message.message_identifier,
                        "position": position,
                        **bullet.__dict__,
                    }
                    for position, bullet in enumerate(message.bullets)
                ],
            )

    def delete_message(self, message_identifier: str) -> None:
        """Deletes the message with its bullet points and the default configurations naming it."""
        for table in (_defaults, _bullets, _messages):
            self._connection.execute(
                delete(table).where(
                    *self._mine(table), table.c.message_identifier == message_identifier
                )
            )

    def set_message_state(self, message_identifier: str, state: str, now_ms: int) -> bool:
        result = self._connection.execute(
            update(_messages)
            .where(*self._mine(_messages), _messages.c.message_identifier == message_identifier)
            .values(state=state, reviewed_ms=now_ms)
        )
        return result.rowcount == 1

    # default messages

    def _default_key(self, product_id: str, locale: str) -> list[Any]:
        return [
            *self._mine(_defaults),
            _defaults.c.product_id == product_id,
            _defaults.c.locale == locale,
        ]

    def default_message(self, product_id: str, locale: str) -> str | None:
        return self._connection.execute(
            select(_defaults.c.message_identifier).where(*self._default_key(product_id, locale))
        ).scalar()

    def set_default_message(
        self, product_id: str, locale: str, message_identifier: str, now_ms: int
    ) -> None:
        row = {"product_id": product_id, "locale": locale, "message_identifier": message_identifier}
        upsert(self._connection, _defaults, {**self._scope(), **row, "updated_ms": now_ms})

    def delete_default_message(self, product_id: str, locale: str) -> None:
        self._connection.execute(delete(_defaults).where(*self._default_key(product_id, locale)))


def _image(row: Any) -> RetentionImage:
    mapping = dict(row._mapping)
    del mapping["app_id"], mapping["environment"]
    return RetentionImage(**mapping)


def _message(row: Any, bullets: tuple[MessageBullet, ...]) -> RetentionMessage:
    mapping = dict(row._mapping)
    del mapping["app_id"], mapping["environment"]
    return RetentionMessage(**mapping, bullets=bullets)
