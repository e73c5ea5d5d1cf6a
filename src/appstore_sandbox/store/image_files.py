"""The bytes of uploaded retention images, as PNG files under the data dir.

The database holds each image's metadata (size, state, dimensions, SHA-256); the files are only
for showing what a customer would see. Processes that share a database see each other's files
only if they also share the data dir.

An upload streams into a temporary file beside its target as it arrives (never whole in
memory), is checked from there, flushed to disk, and renamed into place inside the transaction
that adds its row, before the commit: an upload acknowledged with a 2xx has both. A crash can
leave a temporary file (removed at start-up), or a file whose row was never committed (reported).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from appstore_sandbox.keyfiles import (
    PUBLIC_FILE_MODE,
    TEMPORARY_SUFFIX,
    sync_directory,
    temporary_prefix,
)

_SUFFIX = ".png"
# A temporary file this old is a leftover even if a process with its writer's pid is alive.
_STALE_TEMPORARY_S = 3600


class ImageKey(NamedTuple):
    app_id: int
    environment: str
    image_identifier: str


class ImageFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, app_id: int, environment: str, image_identifier: str) -> Path:
        return self.root / str(app_id) / environment / f"{image_identifier}{_SUFFIX}"

    def incoming(self, app_id: int, environment: str, image_identifier: str) -> IncomingFile:
        """A temporary file for an upload's bytes, beside the file they may become."""
        target = self.path(app_id, environment, image_identifier)
        target.parent.mkdir(parents=True, exist_ok=True)
        return IncomingFile(target)

    def read(self, app_id: int, environment: str, image_identifier: str) -> bytes | None:
        try:
            return self.path(app_id, environment, image_identifier).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, app_id: int, environment: str, image_identifier: str) -> None:
        path = self.path(app_id, environment, image_identifier)
        path.unlink(missing_ok=True)
        sync_directory(path.parent)

    def delete_app(self, app_id: int) -> None:
        """Every image file of a deleted app."""
        shutil.rmtree(self.root / str(app_id), ignore_errors=True)

    def delete_all(self) -> None:
        """Every image file, with the folder that holds them."""
        shutil.rmtree(self.root, ignore_errors=True)

    def keys(self) -> set[ImageKey]:
        """Every image file there is, by app, environment and identifier."""
        return {
            ImageKey(int(path.parent.parent.name), path.parent.name, path.stem)
            for path in self._directories_files()
            if path.suffix == _SUFFIX and not path.name.startswith(".")
        }

    def remove_leftovers(self) -> list[Path]:
        """Delete temporary files no live writer will finish; the paths removed."""
        removed = []
        for path in self._directories_files():
            if path.name.endswith(TEMPORARY_SUFFIX) and not _writer_busy(path):
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def _directories_files(self) -> Iterator[Path]:
        # <root>/<app id>/<environment>/<file>; anything else here is not ours to judge.
        if not self.root.is_dir():
            return
        for app_dir in self.root.iterdir():
            if not app_dir.name.isdigit() or not app_dir.is_dir():
                continue
            for environment_dir in app_dir.iterdir():
                if environment_dir.is_dir():
                    yield from (path for path in environment_dir.iterdir() if path.is_file())


class IncomingFile:
    """An upload's bytes on their way to ``target``: counted and hashed as they are written;
    :meth:`keep` makes them the target atomically and durably, closing (``with``) without
    keeping removes them."""

    def __init__(self, target: Path) -> None:
        self.target = target
        descriptor, name = tempfile.mkstemp(
            dir=target.parent, prefix=temporary_prefix(target.name), suffix=TEMPORARY_SUFFIX
        )
        self.path = Path(name)
        self._file = os.fdopen(descriptor, "w+b")
        self._sha256 = hashlib.sha256()
        self.byte_size = 0

    def write(self, data: bytes | bytearray) -> None:
        self._file.write(data)
        self._sha256.update(data)
        self.byte_size += len(data)

    def sha256(self) -> str:
        return self._sha256.hexdigest()

    def contents(self) -> Path:
        """The file as written so far, for reading (what was written is flushed)."""
        self._file.flush()
        return self.path

    def sync(self) -> None:
        """Put the bytes on disk (before :meth:`keep`, so that a lock is not held meanwhile)."""
        self._file.flush()
        os.fsync(self._file.fileno())

    def keep(self) -> None:
        """Rename over the target, then make the rename durable: a reader or a crash sees the
        whole file or none of it."""
        self.sync()
        os.fchmod(self._file.fileno(), PUBLIC_FILE_MODE)
        self._file.close()
        os.replace(self.path, self.target)
        sync_directory(self.target.parent)

    def __enter__(self) -> IncomingFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._file.closed:  # not kept
            self._file.close()
            self.path.unlink(missing_ok=True)


def _writer_busy(path: Path) -> bool:
    """Whether the process that made this temporary file (its pid is in the name) still runs."""
    parts = path.name.split(".")
    pid = int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else None
    if pid is None or pid == os.getpid():
        return False
    try:
        if time.time() - path.stat().st_mtime > _STALE_TEMPORARY_S:
            return False
        os.kill(pid, 0)
    except (ProcessLookupError, FileNotFoundError):
        return False
    except PermissionError:  # a live process of another user
        return True
    return True
