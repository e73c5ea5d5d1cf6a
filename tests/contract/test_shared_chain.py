"""Processes sharing a database sign with one chain, kept in the database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.sandbox_process import SandboxProcess


@contextmanager
def _running(data_dir: Path, database_url: str | None) -> Iterator[SandboxProcess]:
    sandbox = SandboxProcess(data_dir, database_url).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _serve(data_dir: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPSTORE_SANDBOX_")}
    env["APPSTORE_SANDBOX_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "appstore_sandbox", "serve", "--port", "0"]
    return subprocess.run(
        [*command, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


def test_a_second_process_with_a_fresh_data_dir_adopts_the_databases_chain(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with (
        _running(tmp_path / "first", database_url) as first,
        _running(tmp_path / "second", database_url) as second,
    ):
        assert second.root_der == first.root_der
        with first.control() as one, second.control() as two:
            assert one.get("/certificates/root").content == two.get("/certificates/root").content
    for name in ("leaf.pem", "intermediate.pem", "leaf-key.pem"):
        assert (tmp_path / "second" / "ca" / name).read_bytes() == (
            tmp_path / "first" / "ca" / name
        ).read_bytes()


def test_a_data_dir_with_another_chain_is_refused_naming_both(tmp_path: Path) -> None:
    with _running(tmp_path / "own", None):
        pass  # a data dir with a chain of its own, made on its own database
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with _running(tmp_path / "first", database_url):
        refused = _serve(tmp_path / "own", database_url)
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
    with _running(tmp_path / "old", None) as old:
        root = old.root_der
    with (
        _running(tmp_path / "old", database_url) as first,
        _running(tmp_path / "new", database_url) as second,
    ):
        assert first.root_der == root == second.root_der
