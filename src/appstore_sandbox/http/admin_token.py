"""The admin token that locks the control surface (``serve --admin-token``)."""

from __future__ import annotations

import secrets

from fastapi import Request

from appstore_sandbox.control.dependencies import SandboxSettings
from appstore_sandbox.errors import AdminTokenRequired


def check_admin_token(authorization: str | None, expected: str | None) -> None:
    """Pass when the control surface is open or ``authorization`` is exactly ``Bearer TOKEN``."""
    if not expected:
        return
    scheme, _, given = (authorization or "").partition(" ")
    # The scheme is case-insensitive (RFC 9110 section 11.1); the token is compared whole, in
    # constant time.
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(), expected.encode()):
        raise AdminTokenRequired()


async def require_admin_token(request: Request, settings: SandboxSettings) -> None:
    """The routes' own check; the app's gate has already made it before the body was read."""
    check_admin_token(request.headers.get("authorization"), settings.admin_token)
