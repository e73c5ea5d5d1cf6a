"""Private keys are owner-only files in owner-only directories, written atomically."""

from __future__ import annotations

import stat
from pathlib import Path

from appstore_sandbox.keyfiles import private_directory, write_atomically, write_private_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_private_key_is_0600_even_over_a_looser_file(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "SubscriptionKey_ABC.p8"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    write_private_key(path, "-----BEGIN PRIVATE KEY-----\n")
    assert _mode(path) == 0o600
    assert path.read_text() == "-----BEGIN PRIVATE KEY-----\n"
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file left"


def test_a_private_directory_is_made_0700_and_says_what_it_was(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh" / "data"
    assert private_directory(fresh) is None
    assert _mode(fresh) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    assert private_directory(loose) == 0o755
    assert _mode(loose) == 0o700


def test_an_atomic_write_replaces_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "root.cer"
    path.write_bytes(b"old contents, longer than the new")
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert _mode(path) == 0o644
