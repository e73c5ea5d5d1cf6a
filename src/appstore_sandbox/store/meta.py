"""The meta table: single values under a key (the issuer id, the clock's offset, seals' keys)."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from appstore_sandbox.store import schema
from appstore_sandbox.store.database import transaction, upsert

_meta = schema.meta


class MetaStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def value(self, key: str) -> str | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(_meta.c.value).where(_meta.c.key == key)).first()
        return row.value if row else None

    def set_value(self, key: str, value: str) -> None:
        with transaction(self.engine) as connection:
            upsert(connection, _meta, {"key": key, "value": value})

    def swap_value(self, key: str, expected: str | None, value: str) -> bool:
        """Store ``value`` under ``key`` if it still holds ``expected`` (None: nothing yet);
        False, storing nothing, when another writer changed it since it was read.

        One conditional statement: on PostgreSQL a concurrent writer's UPDATE waits for this
        one and then finds the value changed, so two read-modify-writes never both succeed.
        """
        try:
            with transaction(self.engine) as connection:
                if expected is None:
                    connection.execute(insert(_meta).values(key=key, value=value))
                    return True
                changed = connection.execute(
                    update(_meta)
                    .where(_meta.c.key == key, _meta.c.value == expected)
                    .values(value=value)
                )
                return bool(changed.rowcount == 1)
        except IntegrityError:  # another process stored a first value meanwhile
            return False

    def delete_value(self, key: str) -> None:
        with transaction(self.engine) as connection:
            connection.execute(delete(_meta).where(_meta.c.key == key))

    def first_value(self, key: str, value: str) -> str:
        """The value under ``key``; ``value`` is stored only if none is yet. Processes sharing
        the database all get the value the first of them stored."""
        stored = self.value(key)
        if stored is not None:
            return stored
        try:
            with transaction(self.engine) as connection:
                connection.execute(insert(_meta).values(key=key, value=value))
        except IntegrityError:  # another process stored one first
            kept = self.value(key)
            assert kept is not None
            return kept
        return value
