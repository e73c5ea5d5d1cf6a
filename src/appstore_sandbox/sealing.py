"""Opaque tokens a client hands back (pagination tokens, revisions), signed so that what they
carry can't be rewritten."""

from __future__ import annotations

import base64
import hashlib
import hmac

from appstore_sandbox.errors import AppleError, InvalidPaginationToken

# Where the database keeps the key (hex), shared by every process on it.
KEY_META = "pagination_token_key"


class TokenSeal:
    """Signs pagination tokens (HMAC-SHA256) so that a client can't rewrite what they carry.

    The key is the database's (:data:`KEY_META`), so a token one sandbox process issued
    is good on every other process sharing the database.
    """

    def __init__(self, key: bytes, error: type[AppleError] = InvalidPaginationToken) -> None:
        self._key = key
        self._error = error

    def seal(self, token: str) -> str:
        return f"{token}.{self._mac(token)}"

    def open(self, sealed: str) -> str:
        """The token inside ``sealed``; the seal's error if it was altered."""
        token, _, mac = sealed.rpartition(".")
        if not token or not hmac.compare_digest(mac.encode(), self._mac(token).encode()):
            raise self._error()
        return token

    def _mac(self, token: str) -> str:
        digest = hmac.new(self._key, token.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
