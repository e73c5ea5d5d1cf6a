"""A SQLite database left at an older schema revision, with one app, for migration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from appstore_sandbox.store import open_engine
from appstore_sandbox.store.database import _MIGRATIONS

OLD_APP_ID = 1


@contextmanager
def database_at(tmp_path: Path, revision: str) -> Iterator[tuple[Engine, Connection]]:
    """The engine of a database at ``revision`` holding app 1 (``com.example.old``), and a
    connection whose writes are committed when the block ends."""
    engine = open_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.execute(
            text(
                "INSERT INTO apps (id, bundle_id, app_apple_id, created_ms) "
                "VALUES (1, 'com.example.old', 123, 0)"
            )
        )
        yield engine, connection
