"""Checks the ES256 bearer token on every Apple-surface request (spec: auth-and-signing.md §1)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
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
# Apple's clients send about 500 bytes; a longer header is refused before it is parsed.
MAX_AUTHORIZATION_BYTES = 8192
VERIFIED_CACHE_BYTES = 4 * 1024 * 1024
_ENTRY_OVERHEAD_BYTES = 1024
_TIME_CLAIMS = ("exp", "iat", "nbf")
# A client's clock may run ahead of the sandbox's (another host, a container): iat and nbf get
# this much leeway, exp none. PyJWT's default is none at all.
DEFAULT_CLOCK_LEEWAY_S = 60


@dataclass(frozen=True)
class Caller:
    """Who a valid token speaks for: the app its ``bid`` names, through a key of its team."""

    app: App
    key: ApiKey


class TokenVerifier:
    """Turns an ``Authorization`` header into a :class:`Caller`, or raises :class:`Unauthorized`.

    Expiry is judged by wall-clock time, not the sandbox clock: Apple's clients stamp tokens with
    the real time, and advancing the sandbox clock to trigger retries must not lock users out.
    A token stamped by a clock up to ``leeway_s`` ahead (``iat``, ``nbf``, and the 60-minute
    lifetime) is accepted; an expired one never is.

    Apple's In-App Purchase keys belong to the team, and the token's ``bid`` picks the app. Here
    a key signs for its own app and for any other app of its issuer: every app of the sandbox
    when the issuer is the sandbox's own (``team_issuer``), otherwise the apps that hold a key
    of that issuer. A key limited to its own app (``only_own_app``) signs for that app alone.
    """

    def __init__(
        self,
        store: Store,
        cache_bytes: int = VERIFIED_CACHE_BYTES,
        leeway_s: int = DEFAULT_CLOCK_LEEWAY_S,
        team_issuer: Callable[[], str | None] = lambda: None,
    ) -> None:
        self._store = store
        self._verified = VerifiedTokens(cache_bytes)
        self._leeway_s = leeway_s
        self._team_issuer = team_issuer

    def verify(self, authorization: str | None) -> Caller:
        token = _bearer_token(authorization)
        try:
            verified, key, own_app = self._verified_for(token)
            _check_lifetime(verified.claims, self._leeway_s)
            app = self._app_of(verified.claims.get("bid"), key, own_app)
        except Unauthorized:
            self._verified.forget(token)
            raise
        self._verified.put(token, verified)
        return Caller(app=app, key=key)

    @property
    def verified_tokens(self) -> VerifiedTokens:
        return self._verified

    def _verified_for(self, token: str) -> tuple[Verified, ApiKey, App]:
        cached = self._verified.get(token)
        if cached is not None:
            key, app = self._registered(cached.key_id)
            if cached.proved_by(key):
                return cached, key, app
        header = _unverified_header(token)
        key, app = self._registered(str(header.get("kid", "")))
        claims = _verified_claims(token, key.public_key_pem, key.issuer_id)
        return Verified(key.key_id, key.public_key_pem, key.issuer_id, claims), key, app

    def _app_of(self, bid: object, key: ApiKey, own_app: App) -> App:
        """The app the token's ``bid`` names, if ``key`` may sign for it."""
        if bid == own_app.bundle_id:
            return own_app
        if key.only_own_app:
            raise Unauthorized(f"bid: this key is limited to {own_app.bundle_id}")
        app = self._store.app_by_bundle_id(bid) if isinstance(bid, str) else None
        if app is None:
            raise Unauthorized("bid names no app of this sandbox")
        team = key.issuer_id == self._team_issuer()
        if not team and not self._store.has_key_of_issuer(app.id, key.issuer_id):
            raise Unauthorized(
                f"bid: {app.bundle_id} has no key of issuer {key.issuer_id} (another team's app)"
            )
        return app

    def _registered(self, key_id: str) -> tuple[ApiKey, App]:
        found = self._store.key_and_app(key_id)
        if found is None:
            raise Unauthorized("unknown kid")
        return found


@dataclass(frozen=True)
class Verified:
    """What a token's signature proved, for the registered key that checked it."""

    key_id: str
    public_key_pem: str
    issuer: str
    claims: dict[str, Any]

    def proved_by(self, key: ApiKey) -> bool:
        """False once the key id names another key than the one that checked the signature."""
        return (key.public_key_pem, key.issuer_id) == (self.public_key_pem, self.issuer)


class VerifiedTokens:
    """Tokens whose signature a registered key verified, least recently used first, at most
    ``budget`` bytes of them. Clients reuse one token for many calls (Apple allows up to an hour),
    so the signature is checked once; expiry and the key's registration on every call.

    Only a verified token is ever put here: a stranger's junk never takes memory past its request.
    """

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._used = 0
        self._entries: OrderedDict[str, Verified] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Verified | None:
        with self._lock:
            verified = self._entries.get(token)
            if verified is not None:
                self._entries.move_to_end(token)
            return verified

    def put(self, token: str, verified: Verified) -> None:
        size = _entry_bytes(token)
        with self._lock:
            if token in self._entries or size > self._budget:
                return  # already kept (get moved it to the end), or larger than the budget
            self._entries[token] = verified
            self._used += size
            while self._used > self._budget:
                oldest, _ = self._entries.popitem(last=False)
                self._used -= _entry_bytes(oldest)

    def forget(self, token: str) -> None:
        with self._lock:
            if self._entries.pop(token, None) is not None:
                self._used -= _entry_bytes(token)

    @property
    def bytes_used(self) -> int:
        return self._used

    def __len__(self) -> int:
        return len(self._entries)


def _entry_bytes(token: str) -> int:
    # The token, plus its decoded claims and the entry's own objects (about 1 KB whatever the
    # token; the PEM and issuer are the stored key's own strings, shared).
    return len(token) + _ENTRY_OVERHEAD_BYTES


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing Authorization header")
    if len(authorization) > MAX_AUTHORIZATION_BYTES:
        raise Unauthorized(
            f"Authorization is longer than {MAX_AUTHORIZATION_BYTES} bytes "
            "(Apple's tokens are about 500)"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization is not 'Bearer <token>'")
    return token.strip()


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise Unauthorized("token is not a JWT") from error
    if header.get("alg") != "ES256":
        raise Unauthorized(f"alg must be ES256, not {header.get('alg')!r}")
    return header


def _verified_claims(token: str, public_key_pem: str, issuer_id: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _public_key(public_key_pem),
            algorithms=["ES256"],
            audience=AUDIENCE,
            issuer=issuer_id,
            options={
                "require": ["exp", "aud", "iss", "bid"],
                "strict_aud": True,
                # _check_lifetime, on every call, with the leeway for a clock ahead.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
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
    for name in _TIME_CLAIMS:
        if name in claims:
            _seconds(claims, name)
    return claims


def _seconds(claims: dict[str, Any], name: str) -> int:
    """A time claim as whole seconds; NaN, infinities, fractions, booleans and strings are
    refused (Python's json reads NaN and Infinity, and NaN compares false with every time)."""
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthorized(f"invalid token: {name} must be a whole number of seconds")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise Unauthorized(f"invalid token: {name} must be a whole number of seconds")
    return int(value)


def _check_lifetime(claims: dict[str, Any], leeway_s: int) -> None:
    expires = _seconds(claims, "exp")
    now = time.time()
    if expires <= now:
        raise Unauthorized(f"token expired: exp was {now - expires:.0f} s ago")
    for name in ("iat", "nbf"):
        if name in claims and (ahead := _seconds(claims, name) - now) > leeway_s:
            raise Unauthorized(
                f"{name} is {ahead:.0f} s ahead of the sandbox's clock, more than the "
                f"{leeway_s} s leeway (setting token_clock_leeway_s): is the client's clock right?"
            )
    if expires - now > MAX_LIFETIME_S + leeway_s:
        raise Unauthorized("exp is more than 60 minutes ahead")
    if "iat" in claims and expires - _seconds(claims, "iat") > MAX_LIFETIME_S:
        raise Unauthorized("exp is more than 60 minutes after iat")


@lru_cache(maxsize=256)
def _public_key(pem: str) -> ec.EllipticCurvePublicKey:
    key = load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Unauthorized("registered key is not an EC key")
    return key
