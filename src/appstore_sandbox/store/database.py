"""Opening a database: engine set-up per dialect and schema migrations."""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

_MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process sharing a PostgreSQL database.
_MIGRATION_LOCK_ID = 0x5A4E_D80C
# Connections kept open per process. Request handlers run on up to 40 threads (AnyIO's default),
# plus the delivery worker and the performance-test thread; a smaller pool makes handlers queue
# for a connection and closes the overflow after every burst (SQLite then re-runs its PRAGMAs).
_SQLITE_POOL_SIZE = 48
# PostgreSQL connections cost a server process each; several sandboxes may share one server.
_POSTGRESQL_POOL_SIZE, _POSTGRESQL_MAX_OVERFLOW = 10, 30


def open_engine(url: str) -> Engine:
    """An engine for ``url``; ``postgresql://`` URLs use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=_POSTGRESQL_POOL_SIZE,
        max_overflow=_POSTGRESQL_MAX_OVERFLOW,
    )


def _sqlite_engine(url: Any) -> Engine:
    if url.database and url.database != ":memory:":
        _create_owner_only(Path(url.database))
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=_SQLITE_POOL_SIZE,
        max_overflow=_SQLITE_POOL_SIZE,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    _sqlite_writers[engine] = threading.RLock()
    return engine


def _create_owner_only(path: Path) -> None:
    """The database holds the signing key: create it 0600 (SQLite gives its -wal and -shm files
    the database file's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):  # someone else's file
            file.chmod(0o600)


_sqlite_writers: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_exclusive_sections: weakref.WeakKeyDictionary[Engine, dict[int, threading.Lock]] = (
    weakref.WeakKeyDictionary()
)
_exclusive_sections_lock = threading.Lock()


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: committed at the end, rolled back by an exception.

    SQLite lets one connection write at a time and makes the others sleep and retry (1, 2, 5,
    10 ms and longer), which under a burst of requests costs more than the writes themselves.
    Writers within one process therefore queue on a lock and start the moment the previous one
    commits; other processes sharing the file still meet SQLite's own locking.
    """
    writers = _sqlite_writers.get(engine)
    if writers is None:
        with engine.begin() as connection:
            yield connection
        return
    with writers, engine.begin() as connection:
        yield connection


@contextmanager
def exclusive(engine: Engine, lock_id: int) -> Iterator[None]:
    """A section of many transactions that one caller at a time runs: one thread of this
    process, and on PostgreSQL one process of those sharing the database.

    The thread lock comes first, so that a process keeps at most one pooled connection waiting
    on PostgreSQL's advisory lock; that lock is a transaction's, released when its transaction
    ends, also when a crashed process's connection drops.
    """
    with _section_lock(engine, lock_id):
        if engine.dialect.name != "postgresql":
            yield
            return
        with engine.begin() as holder:
            holder.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
            yield


def _section_lock(engine: Engine, lock_id: int) -> threading.Lock:
    with _exclusive_sections_lock:
        return _exclusive_sections.setdefault(engine, {}).setdefault(lock_id, threading.Lock())


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert many rows given as tuples in ``columns`` order, straight to the driver.

    SQLAlchemy's own executemany processes every row's parameters in Python (about 5 µs a row on
    SQLite, against 2 µs for the driver alone); a performance test writes thousands a second
    on the core that also generates its load. The values must be plain ints and strings.
    """
    statement = insert(table).values({name: bindparam(name) for name in columns})
    compiled = statement.compile(dialect=connection.dialect)
    parameters: list[Any]
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup or ()]
        in_order = order == list(range(len(columns)))
        parameters = list(rows) if in_order else [[row[i] for i in order] for row in rows]
    else:
        parameters = [dict(zip(columns, row, strict=True)) for row in rows]
    connection.exec_driver_sql(compiled.string, parameters)


def upsert(connection: Connection, table: Table, values: dict[str, Any]) -> None:
    """Insert a row, or update the row with the same primary key in place.

    One ``INSERT ... ON CONFLICT DO UPDATE``: deleting the row and inserting it again lets two
    concurrent writers both find it gone and collide on the key (PostgreSQL's READ COMMITTED).
    """
    key = [column.name for column in table.primary_key.columns]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(values)
    replaced = {name: statement.excluded[name] for name in values if name not in key}
    connection.execute(statement.on_conflict_do_update(index_elements=key, set_=replaced))


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe when several processes start at once.

    A new database gets the models' tables at once and the newest revision stamped: running the
    whole chain costs a fresh ``serve`` a sixth of its start-up (tests/store/test_schema.py
    holds the chain and the models to the same schema). An older one runs the migrations.
    """
    if _at_newest_revision(engine):
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
            )
        if inspect(connection).get_table_names():
            run_migrations(connection)
        else:
            _create_newest(connection)


def run_migrations(connection: Connection) -> None:
    """Alembic's upgrade to the newest revision, on ``connection``'s transaction."""
    # Imported here: alembic costs a third of a second (every start of a server that is up to
    # date skips it), and performance-test engine processes open the store without migrating it.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _create_newest(connection: Connection) -> None:
    from appstore_sandbox.store import catalog_schema, retention_schema, schema

    del catalog_schema, retention_schema  # loaded for their tables, which join schema.metadata
    schema.metadata.create_all(connection, checkfirst=False)
    _ALEMBIC_VERSION.create(connection)
    connection.execute(_ALEMBIC_VERSION.insert().values(version_num=_newest_revision()))


# Alembic's own bookkeeping table, as ``alembic upgrade`` creates it.
_ALEMBIC_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def _newest_revision() -> str:
    """The newest migration's revision: revisions are numbered, and files named by them."""
    return max(path.name.split("_")[0] for path in (_MIGRATIONS / "versions").glob("[0-9]*.py"))


def _at_newest_revision(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no such table yet: a new database
        return False
    return stored == _newest_revision()
