"""A PostgreSQL database of its own for each pytest-xdist worker, beside the one the pytest plugin
was given (``.../test`` gives ``.../test_gw0``, ``.../test_gw1``): made new when the worker's
session starts, dropped when it ends. Workers sharing one database reset each other's sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from appstore_sandbox.testing import SandboxError

_MAX_NAME_BYTES = 63  # PostgreSQL's identifiers
_NAMELESS = "appstore_sandbox"


def worker_database_url(url: str, worker_id: str) -> str:
    """The URL of ``worker_id``'s database: ``url``'s, its name suffixed with the worker id."""
    parsed = make_url(url)
    suffix = f"_{worker_id}"
    base = (parsed.database or _NAMELESS).encode()[: _MAX_NAME_BYTES - len(suffix.encode())]
    name = base.decode(errors="ignore") + suffix
    return parsed.set(database=name).render_as_string(hide_password=False)


@contextmanager
def worker_database(url: str, worker_id: str) -> Iterator[str]:
    """A new, empty database for the worker (one left by a session that did not end is dropped
    first); its URL. Made through ``url``'s database, so that one must exist, and its role needs
    CREATEDB."""
    worker_url = worker_database_url(url, worker_id)
    name = make_url(worker_url).database
    assert name is not None
    admin = _admin_engine(make_url(url))
    try:
        made = (_drop_statement(name), f"CREATE DATABASE {_quoted(name)}")
        _run(admin, made, f"make the xdist worker's database {name}")
        try:
            yield worker_url
        finally:
            _run(admin, (_drop_statement(name),), f"drop the xdist worker's database {name}")
    finally:
        admin.dispose()


def _drop_statement(name: str) -> str:
    return f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)"


def _admin_engine(url: URL) -> Engine:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _run(admin: Engine, statements: tuple[str, ...], doing: str) -> None:
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    except SQLAlchemyError as error:
        where = admin.url.render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise SandboxError(
            f"could not {doing} through {where}: {reason} "
            "(under pytest -n each worker gets a database of its own; the role needs CREATEDB)"
        ) from error


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
