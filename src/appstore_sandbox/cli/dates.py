"""Dates as the command line prints them."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(ms: int) -> str:
    """UNIX milliseconds as ISO-8601 UTC, e.g. ``2026-01-01T00:00:00.500Z``."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
