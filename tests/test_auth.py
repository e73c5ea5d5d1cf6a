"""Token checks in process: only verified tokens are remembered, within a byte budget, and time
claims are whole seconds."""

from __future__ import annotations

import base64
import json
import os
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from appstore_sandbox.auth import (
    AUDIENCE,
    MAX_AUTHORIZATION_BYTES,
    TokenVerifier,
    Verified,
    VerifiedTokens,
)
from appstore_sandbox.errors import Unauthorized
from appstore_sandbox.sandbox import DefaultCredentials, default_credentials
from tests.in_process import InProcess, in_process

JUNK_TOKENS = 300
JUNK_TOKEN_BYTES = 7000  # under the Authorization limit, so the token itself is looked at


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("auth")) as s:
        yield s


@pytest.fixture
def credentials(sandbox: InProcess) -> DefaultCredentials:
    found = default_credentials(sandbox.sandbox)
    assert found is not None
    return found


@pytest.fixture
def verifier(sandbox: InProcess) -> TokenVerifier:
    return TokenVerifier(sandbox.sandbox.store)


def _signed(credentials: DefaultCredentials, **changes: Any) -> str:
    """A token as Apple's client makes it, with ``changes`` to its claims."""
    claims = {
        "bid": credentials.bundle_id,
        "iss": credentials.issuer_id,
        "aud": AUDIENCE,
        "exp": int(time.time()) + 300,
        **changes,
    }
    key = Path(credentials.key_file).read_bytes()
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": credentials.key_id})


def _junk(kid: str, size: int) -> str:
    """ES256-shaped, under a registered key id, with a payload and signature of noise."""
    header = json.dumps({"alg": "ES256", "kid": kid, "typ": "JWT"}).encode()
    return f"{_b64(header)}.{_b64(os.urandom(size * 3 // 4))}.{_b64(os.urandom(64))}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _bytes_kept_by(action: Any) -> int:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        return int(tracemalloc.get_traced_memory()[0] - before)
    finally:
        tracemalloc.stop()


# What is remembered


def test_refused_tokens_are_not_kept(
    verifier: TokenVerifier, credentials: DefaultCredentials
) -> None:
    def refuse_all() -> None:
        for _ in range(JUNK_TOKENS):
            with pytest.raises(Unauthorized):
                verifier.verify(f"Bearer {_junk(credentials.key_id, JUNK_TOKEN_BYTES)}")

    kept = _bytes_kept_by(refuse_all)
    # 2.1 MB of tokens went through; what stays is a small fraction of one of them per token.
    assert kept < JUNK_TOKENS * JUNK_TOKEN_BYTES // 20, kept
    assert len(verifier.verified_tokens) == 0


def test_a_signed_token_refused_for_its_claims_is_not_kept(
    verifier: TokenVerifier, credentials: DefaultCredentials
) -> None:
    with pytest.raises(Unauthorized, match="bid"):
        verifier.verify(f"Bearer {_signed(credentials, bid='com.example.other')}")
    assert len(verifier.verified_tokens) == 0


def test_a_verified_token_is_kept_and_accepted_again(
    verifier: TokenVerifier, credentials: DefaultCredentials
) -> None:
    token = _signed(credentials)
    first = verifier.verify(f"Bearer {token}")
    assert len(verifier.verified_tokens) == 1
    assert verifier.verify(f"Bearer {token}") == first
    assert len(verifier.verified_tokens) == 1


def test_a_kept_token_is_refused_once_its_key_is_deleted(
    sandbox: InProcess, credentials: DefaultCredentials
) -> None:
    key = sandbox.sandbox.store.key_by_id(credentials.key_id)
    assert key is not None
    verifier = TokenVerifier(sandbox.sandbox.store)
    token = _signed(credentials)
    verifier.verify(f"Bearer {token}")
    sandbox.sandbox.store.delete_key(key.key_id)
    try:
        with pytest.raises(Unauthorized, match="unknown kid"):
            verifier.verify(f"Bearer {token}")
        assert len(verifier.verified_tokens) == 0
    finally:
        sandbox.sandbox.store.add_key(key)


def test_the_cache_is_bounded_in_bytes_and_drops_the_least_recently_used() -> None:
    verified = Verified("KEY", "PEM", "ISSUER", {})
    cache = VerifiedTokens(budget=10_000)
    tokens = [f"{index}{'x' * 3000}" for index in range(4)]
    for token in tokens[:2]:
        cache.put(token, verified)
    assert cache.get(tokens[0]) is verified  # now the most recently used
    cache.put(tokens[2], verified)
    assert cache.get(tokens[1]) is None
    assert cache.get(tokens[0]) is verified and cache.get(tokens[2]) is verified
    assert cache.bytes_used <= 10_000
    cache.put("y" * 20_000, verified)  # larger than the whole budget: not kept
    assert len(cache) == 2


def test_an_authorization_header_over_the_limit_is_refused_before_it_is_parsed(
    verifier: TokenVerifier,
) -> None:
    with pytest.raises(Unauthorized, match=f"longer than {MAX_AUTHORIZATION_BYTES} bytes"):
        verifier.verify("Bearer " + "a" * MAX_AUTHORIZATION_BYTES)


# Time claims


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": float("nan")},
        {"exp": float("inf")},
        {"exp": time.time() + 300.5},
        {"exp": str(int(time.time()) + 300)},
        {"exp": True},
        {"iat": float("nan")},
        {"iat": True},
        {"nbf": float("-inf")},
        {"nbf": time.time() - 0.5},
    ],
    ids=["exp-nan", "exp-inf", "exp-fraction", "exp-string", "exp-bool", "iat-nan", "iat-bool",
         "nbf-minus-inf", "nbf-fraction"],
)  # fmt: skip
def test_a_time_claim_that_is_not_whole_seconds_is_refused(
    verifier: TokenVerifier, credentials: DefaultCredentials, claims: dict[str, Any]
) -> None:
    name = next(iter(claims))
    with pytest.raises(Unauthorized, match=rf"\b{name}\b.* must be"):
        verifier.verify(f"Bearer {_signed(credentials, **claims)}")
    assert len(verifier.verified_tokens) == 0


def test_whole_seconds_written_as_a_float_are_accepted(
    verifier: TokenVerifier, credentials: DefaultCredentials
) -> None:
    now = int(time.time())
    token = _signed(credentials, exp=float(now + 300), iat=float(now), nbf=now)
    assert verifier.verify(f"Bearer {token}").key.key_id == credentials.key_id


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_a_clock_a_little_ahead_is_accepted_and_one_far_ahead_is_named(
    sandbox: InProcess, credentials: DefaultCredentials, claim: str
) -> None:
    verifier = TokenVerifier(sandbox.sandbox.store, leeway_s=60)
    now = int(time.time())
    slightly_ahead = _signed(credentials, exp=now + 300 + 5, **{claim: now + 5})
    far_ahead = _signed(credentials, exp=now + 300 + 300, **{claim: now + 300})

    assert verifier.verify(f"Bearer {slightly_ahead}").app.bundle_id == credentials.bundle_id
    with pytest.raises(Unauthorized, match=f"{claim} is (299|300) s ahead .* 60 s leeway"):
        verifier.verify(f"Bearer {far_ahead}")


def test_no_leeway_for_an_expired_token_or_with_leeway_zero(
    sandbox: InProcess, credentials: DefaultCredentials
) -> None:
    now = int(time.time())
    with pytest.raises(Unauthorized, match="token expired"):
        TokenVerifier(sandbox.sandbox.store, leeway_s=60).verify(
            f"Bearer {_signed(credentials, exp=now - 1)}"
        )
    with pytest.raises(Unauthorized, match="iat is"):
        TokenVerifier(sandbox.sandbox.store, leeway_s=0).verify(
            f"Bearer {_signed(credentials, iat=now + 5)}"
        )


def test_a_full_lifetime_from_a_clock_ahead_is_accepted(
    sandbox: InProcess, credentials: DefaultCredentials
) -> None:
    now = int(time.time()) + 30  # the client's clock, 30 s ahead
    token = _signed(credentials, iat=now, exp=now + 60 * 60)
    verifier = TokenVerifier(sandbox.sandbox.store, leeway_s=60)
    assert verifier.verify(f"Bearer {token}").key.key_id == credentials.key_id
