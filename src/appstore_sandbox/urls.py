"""Rules for URLs the sandbox will call (realtime URL, notification URLs)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

MAX_URL_LENGTH = 256


def callback_url_problem(url: str, *, strict: bool) -> str | None:
    """Why ``url`` can't be a callback URL, or ``None`` when it can.

    Apple accepts only ``https://`` URLs of at most 256 characters. A developer's server on their
    own machine speaks plain http, so outside ``strict`` mode ``http://`` is accepted for loopback
    hosts only.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"the URL is {len(url)} characters long; at most {MAX_URL_LENGTH} are allowed"
    if any(char.isspace() or not char.isprintable() for char in url):
        # urlsplit silently drops tabs and newlines, so it would judge a different URL.
        return "the URL must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "the URL is malformed"
    if not parts.hostname:
        return "the URL must be absolute, like https://example.com/retention"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and not strict and is_loopback_host(parts.hostname):
        return None
    if parts.scheme == "http" and not strict:
        return "http:// is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1)"
    return "the URL must start with https://"


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
