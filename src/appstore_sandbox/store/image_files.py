"""The bytes of uploaded retention images, as PNG files under the data dir.

The database holds each image's metadata (size, state, dimensions, SHA-256); the files are only
for showing what a customer would see. Processes that share a database see each other's files
only if they also share the data dir.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class ImageFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, app_id: int, environment: str, image_identifier: str) -> Path:
        return self.root / str(app_id) / environment / f"{image_identifier}.png"

    def write(self, app_id: int, environment: str, image_identifier: str, data: bytes) -> None:
        """Write atomically: a reader never sees half a file."""
        target = self.path(app_id, environment, image_identifier)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, app_id: int, environment: str, image_identifier: str) -> bytes | None:
        try:
            return self.path(app_id, environment, image_identifier).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, app_id: int, environment: str, image_identifier: str) -> None:
        self.path(app_id, environment, image_identifier).unlink(missing_ok=True)
