"""A new database gets the models' tables at once; the migration chain must build the very same
schema, or a database made new and one migrated from an old revision would differ."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from appstore_sandbox.store import catalog_schema, migrate, open_engine, retention_schema
from appstore_sandbox.store.database import run_migrations
from appstore_sandbox.store.schema import metadata
from tests.conftest import DatabaseFactory

del catalog_schema, retention_schema  # loaded for their tables, which join schema.metadata


@pytest.fixture
def empty(backend: str, databases: DatabaseFactory | None, tmp_path: Path) -> Iterator[Engine]:
    url = databases.create() if backend == "postgresql" and databases else None
    engine = open_engine(url or f"sqlite:///{tmp_path / 'sandbox.db'}")
    yield engine
    engine.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar())


def test_the_migration_chain_builds_the_models_schema(empty: Engine) -> None:
    with empty.begin() as connection:
        run_migrations(connection)
    assert _differences(empty) == []


def test_a_new_database_is_the_models_schema_at_the_newest_revision(
    empty: Engine, tmp_path: Path
) -> None:
    migrate(empty)

    assert _differences(empty) == []
    chained = open_engine(f"sqlite:///{tmp_path / 'chained.db'}")
    with chained.begin() as connection:
        run_migrations(connection)
    assert _revision(empty) == _revision(chained)
    assert set(inspect(empty).get_table_names()) == set(inspect(chained).get_table_names())
    chained.dispose()
    migrate(empty)  # at the newest revision: nothing to do
    assert _differences(empty) == []
