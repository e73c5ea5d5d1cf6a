"""Identifiers in paths and bodies: UUIDs, kept in one canonical (lowercase) spelling."""

from __future__ import annotations

import re

from appstore_sandbox.errors import GeneralBadRequest

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def canonical_uuid(value: str, field: str) -> str:
    """``value`` lowercased, or 4000000 if it is not a UUID in 8-4-4-4-12 form.

    UUIDs compare case-insensitively, so an image uploaded as ``ABC…`` is the one a message
    names as ``abc…``; the lists answer in lowercase.
    """
    if not is_uuid(value):
        raise GeneralBadRequest(f"Invalid request: {field} {value!r} is not a UUID.")
    return value.lower()
