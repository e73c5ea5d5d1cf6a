"""Processes sharing a database sign with one chain, kept in the database.

Opening a sandbox is what decides the chain, so these open sandboxes in this process, one after
the other on a shared SQLite file, as two ``serve`` processes would; the refusal goes through
the ``serve`` command to check its one-line error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from appstore_sandbox.config import Settings
from appstore_sandbox.sandbox import Sandbox, open_sandbox
from tests.cli.running import run_cli

CHAIN_FILES = ("leaf.pem", "intermediate.pem", "leaf-key.pem")


@contextmanager
def _opened(data_dir: Path, database_url: str | None) -> Iterator[Sandbox]:
    sandbox = open_sandbox(Settings(data_dir=data_dir, database_url=database_url))
    try:
        yield sandbox
    finally:
        sandbox.close()


def _root(sandbox: Sandbox) -> bytes:
    return sandbox.root_certificate_file.read_bytes()


def test_a_second_sandbox_with_a_fresh_data_dir_adopts_the_databases_chain(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with (
        _opened(tmp_path / "first", database_url) as first,
        _opened(tmp_path / "second", database_url) as second,
    ):
        assert _root(second) == _root(first)
        assert second.chain.x5c == first.chain.x5c
    for name in CHAIN_FILES:
        assert (tmp_path / "second" / "ca" / name).read_bytes() == (
            tmp_path / "first" / "ca" / name
        ).read_bytes()


def test_a_data_dir_with_another_chain_is_refused_naming_both(tmp_path: Path) -> None:
    with _opened(tmp_path / "own", None):
        pass  # a data dir with a chain of its own, made on its own database
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with _opened(tmp_path / "first", database_url):
        refused = run_cli(
            "serve", "--port", "0", "--data-dir", str(tmp_path / "own"),
            env={"APPSTORE_SANDBOX_DATABASE_URL": database_url},
        )  # fmt: skip
    assert refused.returncode == 2
    lines = refused.stderr.splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith(f"error: the certificate chain in {tmp_path / 'own' / 'ca'} ")
    assert f"differs from the one in the database {database_url}" in lines[0]
    assert lines[0].count("root SHA-256") == 2
    assert refused.stdout == ""


def test_an_existing_data_dir_keeps_its_chain_and_shares_it(tmp_path: Path) -> None:
    # A sandbox made before the chain was kept in the database: its chain goes there on start.
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with _opened(tmp_path / "old", None) as old:
        root = _root(old)
    with (
        _opened(tmp_path / "old", database_url) as first,
        _opened(tmp_path / "new", database_url) as second,
    ):
        assert _root(first) == root == _root(second)
