"""Promotional offer signatures in realtime responses (spec: auth-and-signing.md §3).

V2 is a JWS the developer signs with an In-App Purchase key (``kid``), as Apple's
``PromotionalOfferV2SignatureCreator`` makes it; V1 is StoreKit's original signature, as
Apple's ``PromotionalOfferSignatureCreator`` makes it. Both are verified with the keys registered
with the sandbox for the app. The costly part (ECDSA) is remembered per distinct value, since an
endpoint under test usually answers with the same few signatures again and again.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.hashes import SHA256

from appstore_sandbox.realtime.app_state import AppState, SigningKey

AUDIENCE = "promotional-offer"
V1_VALIDITY_MS = 24 * 3600 * 1000
# Tolerated clock difference between the developer's server and the sandbox.
CLOCK_SKEW_S = 300
_V1_SEPARATOR = "\u2063"
_CACHE_LIMIT = 4096
_V2 = "promotionalOfferSignatureV2"
_V1 = "promotionalOfferSignatureV1"
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class SignedOffer:
    """What a signature names: the subscription and the promotional offer."""

    product_id: str
    offer_id: str


def wall_ms() -> int:
    # Developers' servers stamp signatures with real time; advancing the sandbox clock (for
    # notification retries) must not make their signatures look stale.
    return int(time.time() * 1000)


class OfferSignatures:
    """Verifies offer signatures against one snapshot of the app's keys."""

    def __init__(self, state: AppState, now_ms: Callable[[], int] = wall_ms) -> None:
        self._state = state
        self._now_ms = now_ms
        self._v2: dict[str, dict[str, Any] | str] = {}
        self._v1: dict[tuple[str, str, str], bool] = {}

    def v2(self, token: str, original_transaction_id: str) -> tuple[SignedOffer | None, list[str]]:
        """The offer a V2 signature names (``None`` if unreadable) and what is wrong with it."""
        claims = self._v2.get(token)
        if claims is None:
            claims = _remember(self._v2, token, self._decode_v2(token))
        if isinstance(claims, str):
            return None, [claims]
        problems = _v2_claim_problems(claims, self._state.bundle_id, original_transaction_id)
        product_id, offer_id = claims.get("productId"), claims.get("offerIdentifier")
        if not isinstance(product_id, str) or not isinstance(offer_id, str):
            return None, problems
        return SignedOffer(product_id, offer_id), problems

    def v1(self, signature: dict[str, Any]) -> tuple[SignedOffer, list[str]]:
        """The offer a V1 signature names and what is wrong with it (types already checked)."""
        offer = SignedOffer(signature["productId"], signature["offerIdentifier"])
        key = self._state.keys.get(signature["keyId"])
        if key is None:
            return offer, [_unknown_key(_V1, "keyId", signature["keyId"], self._state.bundle_id)]
        problems = [*_v1_spelling_problems(signature), *self._v1_time_problems(signature)]
        if not problems and not self._v1_verifies(key, signature):
            problems.append(
                f"{_V1}.encodedSignature does not verify with key {key.key_id} over bundleId, "
                "keyId, productId, offerIdentifier, appAccountToken, nonce and timestamp"
            )
        return offer, problems

    def _decode_v2(self, token: str) -> dict[str, Any] | str:
        """The verified claims, or why they can't be trusted."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return f"{_V2} is not a JWS"
        if header.get("alg") != "ES256":
            return f"{_V2} alg must be ES256, not {header.get('alg')!r}"
        key = self._state.keys.get(str(header.get("kid")))
        if key is None:
            return _unknown_key(_V2, "kid", header.get("kid"), self._state.bundle_id)
        return _verified_claims(token, key)

    def _v1_time_problems(self, signature: dict[str, Any]) -> list[str]:
        age_ms = self._now_ms() - signature["timestamp"]
        if age_ms > V1_VALIDITY_MS:
            hours = age_ms / 3_600_000
            return [f"{_V1}.timestamp is {hours:.0f} h old; a V1 signature is valid for 24 h"]
        if age_ms < -CLOCK_SKEW_S * 1000:
            return [f"{_V1}.timestamp is in the future"]
        return []

    def _v1_verifies(self, key: SigningKey, signature: dict[str, Any]) -> bool:
        fields = (
            self._state.bundle_id,
            key.key_id,
            signature["productId"],
            signature["offerIdentifier"],
            signature.get("appAccountToken") or "",
            signature["nonce"],
            str(signature["timestamp"]),
        )
        message = _V1_SEPARATOR.join(fields)
        cache_key = (key.key_id, message, signature["encodedSignature"])
        verified = self._v1.get(cache_key)
        if verified is None:
            verified = _remember(self._v1, cache_key, _ecdsa_verifies(key, message, cache_key[2]))
        return verified


def _verified_claims(token: str, key: SigningKey) -> dict[str, Any] | str:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.public_key,
            algorithms=["ES256"],
            audience=AUDIENCE,
            issuer=key.issuer_id,
            leeway=CLOCK_SKEW_S,
            options={"require": ["iss", "aud", "iat"], "strict_aud": True},
        )
    except jwt.InvalidSignatureError:
        return f"{_V2} signature does not verify with key {key.key_id}"
    except jwt.InvalidAudienceError:
        return f"{_V2} aud must be {AUDIENCE!r}"
    except jwt.InvalidIssuerError:
        return f"{_V2} iss must be the issuer id of key {key.key_id} ({key.issuer_id})"
    except jwt.MissingRequiredClaimError as error:
        return f"{_V2} has no {error.claim} claim"
    except jwt.PyJWTError as error:
        return f"{_V2} is not valid: {error}"
    return claims


def _v2_claim_problems(
    claims: dict[str, Any], bundle_id: str, original_transaction_id: str
) -> list[str]:
    problems = []
    if claims.get("bid") != bundle_id:
        problems.append(f"{_V2} bid {claims.get('bid')!r} is not the app's bundle id {bundle_id}")
    for name in ("productId", "offerIdentifier", "nonce"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            problems.append(f"{_V2} has no {name} claim")
    transaction_id = claims.get("transactionId")
    if transaction_id is None:
        problems.append(
            f"{_V2} has no transactionId claim; retention messages require the request's "
            f"originalTransactionId ({original_transaction_id})"
        )
    elif transaction_id != original_transaction_id:
        problems.append(
            f"{_V2} transactionId {transaction_id!r} is not the request's originalTransactionId "
            f"{original_transaction_id}"
        )
    return problems


def _v1_spelling_problems(signature: dict[str, Any]) -> list[str]:
    problems = []
    for name in ("nonce", "appAccountToken"):
        value = signature.get(name)
        if isinstance(value, str) and value != value.lower():
            problems.append(f"{_V1}.{name} must be a lowercase UUID")
    return problems


def _ecdsa_verifies(key: SigningKey, message: str, encoded_signature: str) -> bool:
    try:
        signature = base64.b64decode(encoded_signature, validate=True)
        key.public_key.verify(signature, message.encode(), ECDSA(SHA256()))
    except (binascii.Error, InvalidSignature, ValueError):
        return False
    return True


def _unknown_key(field: str, name: str, value: Any, bundle_id: str) -> str:
    return (
        f"{field} {name} {value!r} is not a key registered for {bundle_id} "
        "(see: appstore-sandbox keys list)"
    )


def _remember(cache: dict[K, V], key: K, value: V) -> V:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value
