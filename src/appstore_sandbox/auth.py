"""Checks the ES256 bearer token on every Apple-surface request (spec: auth-and-signing.md §1)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from appstore_sandbox.errors import Unauthorized
from appstore_sandbox.store import ApiKey, App, Store

AUDIENCE = "appstoreconnect-v1"
MAX_LIFETIME_S = 60 * 60


@dataclass(frozen=True)
class Caller:
    """Who a valid token speaks for: one app, through one of its keys."""

    app: App
    key: ApiKey


class TokenVerifier:
    """Turns an ``Authorization`` header into a :class:`Caller`, or raises :class:`Unauthorized`.

    Expiry is judged by wall-clock time, not the sandbox clock: Apple's clients stamp tokens with
    the real time, and advancing the sandbox clock to trigger retries must not lock users out.
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    def verify(self, authorization: str | None) -> Caller:
        token = _bearer_token(authorization)
        header = _unverified_header(token)
        found = self._store.key_and_app(str(header.get("kid", "")))
        if found is None:
            raise Unauthorized("unknown kid")
        key, app = found
        claims = _verified_claims(token, key.public_key_pem, key.issuer_id)
        _check_lifetime(claims)
        if claims.get("bid") != app.bundle_id:
            raise Unauthorized("bid is not the bundle id of the key's app")
        return Caller(app=app, key=key)


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization is not 'Bearer <token>'")
    return token.strip()


# Clients reuse one token for many calls (Apple allows up to an hour), so what depends only on
# the token, the key and the issuer is worked out once; expiry is checked on every call. Failures
# raise, and lru_cache keeps no result for them.
@lru_cache(maxsize=1024)
def _unverified_header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise Unauthorized("token is not a JWT") from error
    if header.get("alg") != "ES256":
        raise Unauthorized(f"alg must be ES256, not {header.get('alg')!r}")
    return header


@lru_cache(maxsize=1024)
def _verified_claims(token: str, public_key_pem: str, issuer_id: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            _public_key(public_key_pem),
            algorithms=["ES256"],
            audience=AUDIENCE,
            issuer=issuer_id,
            options={
                "require": ["exp", "aud", "iss", "bid"],
                "strict_aud": True,
                "verify_exp": False,  # _check_lifetime, on every call
            },
        )
    except jwt.InvalidAudienceError as error:
        raise Unauthorized(f"aud must be {AUDIENCE}") from error
    except jwt.InvalidIssuerError as error:
        raise Unauthorized("iss is not the issuer id of the key") from error
    except jwt.InvalidSignatureError as error:
        raise Unauthorized("signature does not match the key") from error
    except jwt.PyJWTError as error:
        raise Unauthorized(f"invalid token: {error}") from error


def _check_lifetime(claims: dict[str, Any]) -> None:
    expires = claims["exp"]
    if not isinstance(expires, int | float):
        raise Unauthorized("invalid token: exp must be a number")
    now = time.time()
    if expires <= now:
        raise Unauthorized("token expired")
    if expires - now > MAX_LIFETIME_S:
        raise Unauthorized("exp is more than 60 minutes ahead")
    issued = claims.get("iat")
    if isinstance(issued, int | float) and expires - issued > MAX_LIFETIME_S:
        raise Unauthorized("exp is more than 60 minutes after iat")


@lru_cache(maxsize=256)
def _public_key(pem: str) -> ec.EllipticCurvePublicKey:
    key = load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Unauthorized("registered key is not an EC key")
    return key
