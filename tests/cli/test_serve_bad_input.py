"""``serve`` and ``certs root`` refuse bad input in one line with exit status 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.running import run_cli
from tests.conftest import POSTGRES_URL
from tests.sandbox_process import SandboxProcess


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--port", "99999"),
            "error: port 99999 is not a TCP port (0 to 65535; 0 picks a free one)",
        ),
        (
            ("--database-url", "mysql://x/y"),
            "error: database URL scheme 'mysql' is not supported: use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DATABASE",
        ),
        (
            ("--database-url", "foo://"),
            "error: database URL scheme 'foo' is not supported: use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DATABASE",
        ),
        (("--data-dir", "/proc/nope"), "error: cannot use /proc/nope: No such file or directory"),
    ],
)
def test_serve_says_what_is_wrong(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = run_cli("serve", "--port", "0", "--data-dir", str(tmp_path / "data"), *args)
    assert result.returncode == 2
    assert result.stderr == message + "\n"


def test_an_unknown_log_level_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("serve", "--log-level", "bogus", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "'bogus' is not one of 'critical', 'error', 'warning', 'info', 'debug'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs APPSTORE_SANDBOX_TEST_DATABASE_URL")
def test_a_missing_postgresql_database_is_named(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    missing = POSTGRES_URL.rsplit("/", 1)[0] + "/no_such_database_here"
    result = run_cli("serve", "--port", "0", "--data-dir", str(tmp_path), "--database-url", missing)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot open the database {missing}: ")
    assert result.stderr.count("\n") == 1


def test_certs_root_refuses_a_missing_folder_and_an_existing_file(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    missing = tmp_path / "missing" / "root.cer"
    result = run_cli("certs", "root", "--out", str(missing), server=sandbox.base_url)
    assert (result.returncode, result.stderr) == (
        2,
        f"error: cannot write {missing}: No such file or directory\n",
    )
    existing = tmp_path / "root.cer"
    existing.write_bytes(b"mine")
    result = run_cli("certs", "root", "--out", str(existing), server=sandbox.base_url)
    assert (result.returncode, result.stderr) == (
        2,
        f"error: {existing} exists; pass --force to replace it\n",
    )
    assert existing.read_bytes() == b"mine"
    forced = run_cli("certs", "root", "--out", str(existing), "--force", server=sandbox.base_url)
    assert forced.returncode == 0 and existing.read_bytes() == sandbox.root_der
