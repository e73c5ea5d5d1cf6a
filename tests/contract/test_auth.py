"""Bearer-token checks on Apple's surface (spec: auth-and-signing.md §1).

Every invalid token is 401 with no body and no content type, as at Apple; the sandbox names the
reason in ``WWW-Authenticate``. Tokens are built by hand with PyJWT and the app's own key, so each
case differs from a valid token in exactly one way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from appstoreserverlibrary.api_client import APIError, APIException
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.sandbox_process import AppCredentials, SandboxProcess

PATH = "/sandbox/inApps/v1/messaging/realtime/url"
AUDIENCE = "appstoreconnect-v1"
CONFIGURED_URL = "https://example.com/retention"
_DESCRIPTION = re.compile(r'error_description="([^"]*)"')


def _claims(app: AppCredentials, **changes: Any) -> dict[str, Any]:
    """Claims exactly as Apple's Python client sends them, then ``changes`` (None drops a claim)."""
    claims: dict[str, Any] = {
        "bid": app.bundle_id,
        "iss": app.issuer_id,
        "aud": AUDIENCE,
        "exp": int(time.time()) + 5 * 60,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _token(
    app: AppCredentials,
    claims: dict[str, Any] | None = None,
    *,
    key: bytes | ec.EllipticCurvePrivateKey | None = None,
    kid: str | None = None,
) -> str:
    return jwt.encode(
        _claims(app) if claims is None else claims,
        app.private_key if key is None else key,
        algorithm="ES256",
        headers={"kid": app.key_id if kid is None else kid},
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":")).encode())


def _registered_public_pem(app: AppCredentials) -> bytes:
    private_key = serialization.load_pem_private_key(app.private_key, password=None)
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _get(sandbox: SandboxProcess, authorization: str | None) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    return httpx.get(sandbox.url(PATH), headers=headers, timeout=10)


def _assert_unauthorized(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401
    assert response.content == b""
    assert "content-type" not in response.headers
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    description = _DESCRIPTION.search(challenge)
    assert description is not None, challenge
    assert reason.lower() in description.group(1).lower()


@pytest.fixture
def app(sandbox: SandboxProcess) -> AppCredentials:
    """A fresh app whose sandbox realtime URL is configured, so an accepted token reads it."""
    credentials = sandbox.new_app()
    sandbox.apple_client(credentials).configure_realtime_url(
        RealtimeUrlRequest(realtimeURL=CONFIGURED_URL)
    )
    return credentials


# Rejected: the Authorization header itself.


def test_no_authorization_header(sandbox: SandboxProcess) -> None:
    _assert_unauthorized(_get(sandbox, None), "missing Authorization header")


@pytest.mark.parametrize(
    "token",
    ["garbage", "not.a.jwt", "a" * 300],
    ids=["word", "three-segments", "long"],
)
def test_garbage_token(sandbox: SandboxProcess, token: str) -> None:
    _assert_unauthorized(_get(sandbox, f"Bearer {token}"), "not a JWT")


@pytest.mark.parametrize(
    "make_header",
    [
        lambda token: f"Basic {token}",
        lambda token: f"Token {token}",
        lambda token: token,
        lambda token: "Bearer",
    ],
    ids=["basic", "token", "no-scheme", "bearer-without-token"],
)
def test_non_bearer_scheme(
    sandbox: SandboxProcess, app: AppCredentials, make_header: Callable[[str], str]
) -> None:
    # The token itself is valid: only the way it is presented is wrong.
    _assert_unauthorized(_get(sandbox, make_header(_token(app))), "Bearer <token>")


# Rejected: key and signature.


def test_unknown_kid(sandbox: SandboxProcess, app: AppCredentials) -> None:
    _assert_unauthorized(_get(sandbox, f"Bearer {_token(app, kid='ZZZZZZZZZZ')}"), "unknown kid")


def test_missing_kid(sandbox: SandboxProcess, app: AppCredentials) -> None:
    token = jwt.encode(_claims(app), app.private_key, algorithm="ES256")
    assert "kid" not in jwt.get_unverified_header(token)
    _assert_unauthorized(_get(sandbox, f"Bearer {token}"), "unknown kid")


def test_signature_by_another_key_under_a_valid_kid(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    token = _token(app, key=stranger)
    assert jwt.get_unverified_header(token)["kid"] == app.key_id
    _assert_unauthorized(_get(sandbox, f"Bearer {token}"), "signature does not match")


def test_unsigned_token_alg_none(sandbox: SandboxProcess, app: AppCredentials) -> None:
    header = {"alg": "none", "kid": app.key_id, "typ": "JWT"}
    token = f"{_segment(header)}.{_segment(_claims(app))}."
    _assert_unauthorized(_get(sandbox, f"Bearer {token}"), "alg must be ES256")


def test_hs256_with_the_public_key_as_hmac_secret(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    # The key-confusion attack: a verifier that lets the token pick its algorithm would check this
    # HMAC with the (public) PEM it holds for the kid, and accept it.
    header = {"alg": "HS256", "kid": app.key_id, "typ": "JWT"}
    signing_input = f"{_segment(header)}.{_segment(_claims(app))}"
    secret = _registered_public_pem(app)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{_b64url(signature)}"
    _assert_unauthorized(_get(sandbox, f"Bearer {token}"), "alg must be ES256")


# Rejected: claims. Each token is correctly signed with the app's own key.

_CLAIM_CASES: dict[str, tuple[Callable[[AppCredentials], dict[str, Any]], str]] = {
    "expired": (lambda app: _claims(app, exp=int(time.time()) - 60), "expired"),
    "exp-more-than-60-minutes-ahead": (
        # 60 minutes, and more than the minute of leeway for a client's clock ahead.
        lambda app: _claims(app, exp=int(time.time()) + 62 * 60),
        "60 minutes ahead",
    ),
    "exp-more-than-60-minutes-after-iat": (
        # exp is only 31 minutes ahead, but 61 minutes after iat.
        lambda app: _claims(app, iat=int(time.time()) - 30 * 60, exp=int(time.time()) + 31 * 60),
        "60 minutes after iat",
    ),
    "wrong-aud": (lambda app: _claims(app, aud="appstoreconnect-v2"), "aud"),
    "wrong-iss": (lambda app: _claims(app, iss="57246542-96fe-1a63-e053-0824d011072a"), "iss"),
    "missing-bid": (lambda app: _claims(app, bid=None), "bid"),
    "missing-exp": (lambda app: _claims(app, exp=None), "exp"),
    "missing-iss": (lambda app: _claims(app, iss=None), "iss"),
    "missing-aud": (lambda app: _claims(app, aud=None), "aud"),
}


@pytest.mark.parametrize("case", list(_CLAIM_CASES), ids=list(_CLAIM_CASES))
def test_invalid_claims(sandbox: SandboxProcess, app: AppCredentials, case: str) -> None:
    make_claims, reason = _CLAIM_CASES[case]
    _assert_unauthorized(_get(sandbox, f"Bearer {_token(app, make_claims(app))}"), reason)


def _other_app_reading(sandbox: SandboxProcess, url: str) -> AppCredentials:
    other = sandbox.new_app()
    sandbox.apple_client(other).configure_realtime_url(RealtimeUrlRequest(realtimeURL=url))
    return other


def test_one_key_of_the_team_serves_another_app(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    # Apple's keys belong to the team; the token's bid picks the app.
    other = _other_app_reading(sandbox, "https://example.com/other")
    response = _get(sandbox, f"Bearer {_token(app, _claims(app, bid=other.bundle_id))}")
    assert response.status_code == 200
    assert response.json() == {"realtimeURL": "https://example.com/other"}


def test_a_key_limited_to_its_app_signs_for_it_alone(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    other = _other_app_reading(sandbox, "https://example.com/other")
    with sandbox.control() as control:
        path = f"/apps/{app.bundle_id}/keys"
        limited = control.post(path, json={"onlyOwnApp": True}).raise_for_status().json()
    assert limited["onlyOwnApp"] is True
    key = limited["privateKey"].encode()
    own = _token(app, key=key, kid=limited["keyId"])
    foreign = _token(app, _claims(app, bid=other.bundle_id), key=key, kid=limited["keyId"])
    _assert_reads_configured_url(_get(sandbox, f"Bearer {own}"))
    _assert_unauthorized(_get(sandbox, f"Bearer {foreign}"), f"limited to {app.bundle_id}")


def test_another_teams_key_serves_only_apps_holding_a_key_of_its_issuer(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    other = _other_app_reading(sandbox, "https://example.com/other")
    issuer = "5d1f3a52-0000-4000-8000-000000000001"
    private_key = ec.generate_private_key(ec.SECP256R1())
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with sandbox.control() as control:
        body = {"issuerId": issuer, "publicKey": public_pem.decode()}
        control.put(f"/apps/{app.bundle_id}/keys/TEAM2KEY01", json=body).raise_for_status()

    def token(bid: str) -> str:
        claims = _claims(app, iss=issuer, bid=bid)
        return "Bearer " + _token(app, claims, key=private_key, kid="TEAM2KEY01")

    _assert_reads_configured_url(_get(sandbox, token(app.bundle_id)))
    _assert_unauthorized(_get(sandbox, token(other.bundle_id)), "another team's app")
    with sandbox.control() as control:
        body = {"issuerId": issuer, "publicKey": public_pem.decode()}
        control.put(f"/apps/{other.bundle_id}/keys/TEAM2KEY02", json=body).raise_for_status()
    assert _get(sandbox, token(other.bundle_id)).json() == {
        "realtimeURL": "https://example.com/other"
    }


def test_unknown_bid(sandbox: SandboxProcess, app: AppCredentials) -> None:
    token = _token(app, _claims(app, bid="com.example.nosuchapp"))
    _assert_unauthorized(_get(sandbox, f"Bearer {token}"), "bid names no app")


# Accepted.


def _assert_reads_configured_url(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.json() == {"realtimeURL": CONFIGURED_URL}


def test_token_like_apple_python_client_is_accepted(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    token = _token(app)
    assert set(jwt.decode(token, options={"verify_signature": False})) == {
        "bid",
        "iss",
        "aud",
        "exp",
    }
    _assert_reads_configured_url(_get(sandbox, f"Bearer {token}"))


def test_token_made_by_apple_python_client_is_accepted(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    token = sandbox.apple_client(app)._generate_token()
    assert "iat" not in jwt.decode(token, options={"verify_signature": False})
    _assert_reads_configured_url(_get(sandbox, f"Bearer {token}"))


def test_token_with_iat_is_accepted(sandbox: SandboxProcess, app: AppCredentials) -> None:
    # Node's jsonwebtoken adds iat on its own.
    now = int(time.time())
    token = _token(app, _claims(app, iat=now, exp=now + 5 * 60))
    _assert_reads_configured_url(_get(sandbox, f"Bearer {token}"))


def test_token_with_a_full_60_minute_lifetime_is_accepted(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    now = int(time.time())
    token = _token(app, _claims(app, iat=now, exp=now + 60 * 60))
    _assert_reads_configured_url(_get(sandbox, f"Bearer {token}"))


def test_lowercase_bearer_scheme_is_accepted(sandbox: SandboxProcess, app: AppCredentials) -> None:
    _assert_reads_configured_url(_get(sandbox, f"bearer {_token(app)}"))


def test_reused_token_is_accepted(sandbox: SandboxProcess, app: AppCredentials) -> None:
    token = _token(app)
    first = _get(sandbox, f"Bearer {token}")
    second = _get(sandbox, f"Bearer {token}")
    _assert_reads_configured_url(first)
    _assert_reads_configured_url(second)


def test_reused_token_is_refused_once_it_expires(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    # The sandbox remembers tokens it has checked; expiry must still be judged on every call.
    # exp is in whole seconds: the nearest one that leaves 0.5 s for the first call.
    expires = math.ceil(time.time() + 0.5)
    token = _token(app, _claims(app, exp=expires))
    _assert_reads_configured_url(_get(sandbox, f"Bearer {token}"))
    time.sleep(max(0.0, expires - time.time()) + 0.1)
    _assert_unauthorized(_get(sandbox, f"Bearer {token}"), "expired")


# Isolation between apps.


def test_another_app_cannot_read_this_apps_realtime_url(
    sandbox: SandboxProcess, app: AppCredentials
) -> None:
    other = sandbox.new_app()
    with pytest.raises(APIException) as raised:
        sandbox.apple_client(other).get_realtime_url()
    assert raised.value.http_status_code == 404
    assert raised.value.api_error == APIError.REALTIME_URL_NOT_FOUND
    assert sandbox.apple_client(app).get_realtime_url().realtimeURL == CONFIGURED_URL
