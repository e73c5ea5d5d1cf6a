"""Where private keys go on disk, and how files the sandbox must not lose or leak are written.

Secrets (API keys' .p8, the leaf key) are owner-only (0600) in owner-only directories (0700).
Files are written atomically: a temporary file in the same directory, flushed to disk, then
renamed over the target, so a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
PUBLIC_FILE_MODE = 0o644
TEMPORARY_SUFFIX = ".part"


def key_file(directory: Path, key_id: str) -> Path:
    """Where a key's .p8 goes, named as App Store Connect names In-App Purchase keys."""
    return directory / f"SubscriptionKey_{key_id}.p8"


def remove_key_files(directory: Path, kept_key_ids: set[str]) -> None:
    """Delete every key's .p8 in ``directory`` but those of ``kept_key_ids``."""
    kept = {key_file(directory, key_id) for key_id in kept_key_ids}
    for path in directory.glob("*.p8"):
        if path not in kept:
            path.unlink(missing_ok=True)


def write_private_key(path: Path, pem: str) -> None:
    """Write a private key readable by its owner only (also when ``path`` already existed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, pem.encode(), PRIVATE_FILE_MODE)


def private_directory(path: Path) -> int | None:
    """Create ``path`` owner-only, or make it so; the looser mode it had, if it had one."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077 == 0:
        return None
    path.chmod(PRIVATE_DIR_MODE)
    return mode


def temporary_prefix(name: str) -> str:
    """Temporary files name their writer's pid, so start-up cleanup can spare a live writer's."""
    return f".{name}.{os.getpid()}."


def write_atomically(path: Path, data: bytes, mode: int = PUBLIC_FILE_MODE) -> None:
    """Replace ``path`` with ``data`` durably: readers and crashes see all of it or none."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=temporary_prefix(path.name), suffix=TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_directory(path.parent)


def sync_directory(path: Path) -> None:
    """Make a rename or removal in ``path`` durable (a no-op where directories can't be opened)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
