"""Where private keys go on disk, and how they are written (owner-only)."""

from __future__ import annotations

import os
from pathlib import Path


def key_file(directory: Path, key_id: str) -> Path:
    """Where a key's .p8 goes, named as App Store Connect names In-App Purchase keys."""
    return directory / f"SubscriptionKey_{key_id}.p8"


def write_private_key(path: Path, pem: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(pem)
