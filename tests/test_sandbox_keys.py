"""Keys the sandbox generated are kept in the database with their private key, so a data dir
without the default key's .p8 (a second process on the database, a deleted keys folder) gets it
back at start, owner-only; keys registered with only a public key have no private key there."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import delete, update

from appstore_sandbox import Sandbox as PythonSandbox
from appstore_sandbox.config import Settings
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.reset import reset_sandbox
from appstore_sandbox.sandbox import DefaultCredentials, Sandbox, default_credentials, open_sandbox
from appstore_sandbox.store import schema
from tests.conftest import DatabaseFactory, StartSandbox
from tests.sandbox_process import SandboxProcess


@contextmanager
def _opened(data_dir: Path, database_url: str | None = None) -> Iterator[Sandbox]:
    sandbox = open_sandbox(Settings(data_dir=data_dir, database_url=database_url))
    try:
        yield sandbox
    finally:
        sandbox.close()


def _credentials(sandbox: Sandbox) -> DefaultCredentials:
    credentials = default_credentials(sandbox)
    assert credentials is not None
    return credentials


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_dir_on_the_same_database_gets_the_default_key_file(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with _opened(tmp_path / "first", database_url) as first:
        made = _credentials(first)
    with _opened(tmp_path / "second", database_url) as second:
        found = _credentials(second)
    assert found.key_id == made.key_id
    assert found.key_file == (tmp_path / "second" / "keys" / made.key_file.name).resolve()
    assert found.key_file.read_bytes() == made.key_file.read_bytes()
    assert _mode(found.key_file) == 0o600


def test_a_deleted_keys_folder_is_written_again_at_start(tmp_path: Path) -> None:
    with _opened(tmp_path) as first:
        made = _credentials(first)
        pem = made.key_file.read_bytes()
    shutil.rmtree(tmp_path / "keys")
    with _opened(tmp_path) as again:
        assert _credentials(again).key_file.read_bytes() == pem
    assert _mode(made.key_file) == 0o600
    assert _mode(tmp_path / "keys") == 0o700


def test_generated_keys_keep_their_private_key_and_registered_ones_none(tmp_path: Path) -> None:
    with _opened(tmp_path) as sandbox:
        new = sandbox.control.create_key(DEFAULT_BUNDLE_ID)
        public_pem = new.key.public_key_pem
        registered = sandbox.control.add_key(DEFAULT_BUNDLE_ID, "issuer", "MINE1", public_pem)
        stored = sandbox.store.key_by_id(new.key.key_id)
        assert stored is not None and stored.private_key_pem == new.private_key_pem
        assert new.private_key_pem not in repr(stored)
        mine = sandbox.store.key_by_id(registered.key_id)
        assert mine is not None and mine.private_key_pem is None


def test_a_database_from_before_kept_private_keys_adopts_the_default_keys_file(
    tmp_path: Path,
) -> None:
    """An upgraded database has the .p8 only in the data dir: it is taken in at start, and a
    reset after the key was deleted brings that same key back."""
    with _opened(tmp_path) as sandbox:
        made = _credentials(sandbox)
        with sandbox.store.engine.begin() as connection:
            keys, meta = schema.api_keys, schema.meta
            connection.execute(update(keys).values(private_key_pem=None))
            connection.execute(delete(meta).where(meta.c.key.startswith("default_key_pem.")))
    pem = made.key_file.read_bytes()
    with _opened(tmp_path) as upgraded:
        upgraded.control.delete_key(DEFAULT_BUNDLE_ID, made.key_id)
        made.key_file.unlink()
        reset_sandbox(upgraded)
        back = _credentials(upgraded)
    assert (back.key_id, back.key_file.read_bytes()) == (made.key_id, pem)


def test_a_second_serve_with_a_fresh_data_dir_prints_a_key_file_that_exists(
    start_sandbox: StartSandbox, tmp_path: Path
) -> None:
    first = start_sandbox()
    database_url = first.database_url or f"sqlite:///{first.data_dir / 'sandbox.db'}"
    second = SandboxProcess(tmp_path / "second", database_url).start()
    try:
        key_file = Path(second.banner["key_file"])
        assert key_file.parent == (tmp_path / "second" / "keys").resolve()
        assert key_file.read_bytes() == first.private_key
        assert second.apple_client().get_image_list().imageIdentifiers == []
    finally:
        second.stop()


def test_two_python_sandboxes_on_one_database_both_have_the_default_key(
    backend: str, databases: DatabaseFactory | None, tmp_path: Path
) -> None:
    if backend == "postgresql":
        assert databases is not None
        database_url = databases.create()
    else:
        database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with (
        PythonSandbox(database_url=database_url) as first,
        PythonSandbox(database_url=database_url) as second,  # started once the first is up
    ):
        assert second.default_key == first.default_key
        assert second.client().get_image_list().imageIdentifiers == []


def test_a_deleted_default_key_gets_no_file_at_start(tmp_path: Path) -> None:
    with _opened(tmp_path) as sandbox:
        made = _credentials(sandbox)
        sandbox.control.delete_key(DEFAULT_BUNDLE_ID, made.key_id)
        made.key_file.unlink()
    with _opened(tmp_path) as again:
        assert default_credentials(again) is None
    assert not made.key_file.exists()
